"""uploads.py for the test command, on each database: one byte over 5 MB sent slowly, a chunked body past the
limit, a declared length over it, two tricklers held to the time limit, exactly 5 MB alone, and two bursts of
twenty 5 MB uploads against a running server (about a minute each). PostgreSQL is the server of
TEST_DATABASE_URL; without it the PostgreSQL run fails under REQUIRE_POSTGRES=1 (the test command) and is
skipped otherwise."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import uploads  # noqa: E402


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_oversized_slow_and_concurrent_uploads_are_answered_and_bounded(database):
    postgres_url = uploads.harness.postgres_for(database)
    assert uploads.main(["--database-url", postgres_url] if postgres_url else []) == 0
