"""schemathesis (from PyPI), every check and phase, against the served OpenAPI document, as a desk officer and as
the super admin: on SQLite, and on PostgreSQL (required under REQUIRE_POSTGRES, as for every data test)."""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import schemathesis_run  # noqa: E402

DATABASES = ["sqlite", "postgres"]


@pytest.mark.parametrize("database", DATABASES)
def test_the_api_answers_as_its_openapi_document_says_for_every_schemathesis_check(database):
    postgres_url = schemathesis_run.harness.postgres_for(database)
    failures = schemathesis_run.run(int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25")),
                                    int(os.environ.get("SCHEMATHESIS_SEED", "20261201")),
                                    ["officer", "super_admin"], schemathesis_run.harness.DEFAULT_BINARY,
                                    postgres_url, quiet=True)
    assert not failures, "\n".join(failures)
