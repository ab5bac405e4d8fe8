"""The short run of the API fuzzer for the test command (the long one is recorded in RESULTS.md), and a check
that the fuzzer knows every /api/v1 call the OpenAPI document lists."""
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzz_api  # noqa: E402


def test_the_fuzzer_covers_every_api_call_in_the_openapi_document():
    spec = (fuzz_api.ROOT / "Resources" / "openapi.yaml").read_text()
    documented = set()
    path = None
    for line in spec.splitlines():
        m = re.match(r"^  (/api/v1/\S+):\s*$", line)
        if m:
            path = m.group(1)
            continue
        m = re.match(r"^    (get|post|put|patch|delete):", line)
        if m and path and not line.startswith("  /"):
            documented.add((m.group(1).upper(), path))
        elif re.match(r"^  \S", line):
            path = None
    known = {(method, template) for method, template, _, _ in fuzz_api.ROUTES}
    missing = documented - known
    assert not missing, f"add these calls to fuzz_api.ROUTES: {sorted(missing)}"


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_random_and_mutated_json_never_gets_a_5xx_nor_a_dropped_connection(database):
    postgres_url = fuzz_api.harness.postgres_for(database)
    cases = int(os.environ.get("FUZZ_CASES", "2000"))
    failures = fuzz_api.run(cases, seed=int(os.environ.get("FUZZ_SEED", "20251129")), threads=4,
                            binary=fuzz_api.harness.DEFAULT_BINARY,
                            quiet=True, postgres_url=postgres_url)
    assert not failures, "\n".join(failures[:10])
