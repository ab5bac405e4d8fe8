"""The short run of multiprocess_limits.py for the test command: two server processes on one PostgreSQL, and
the guessing and sending limits still hold. Skipped without TEST_DATABASE_URL (the script makes and drops its
own database on that server)."""
import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import multiprocess_limits  # noqa: E402


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.skipif(not (shutil.which("psql") or os.path.exists("/usr/lib/postgresql/15/bin/psql")), reason="needs psql")
def test_limits_hold_across_two_server_processes_on_one_postgresql():
    assert multiprocess_limits.main(["--rounds", "2", "--parallel", "20"]) == 0
