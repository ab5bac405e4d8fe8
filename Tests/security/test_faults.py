"""Short runs of the fault scripts for the test command (the long runs are recorded in RESULTS.md):

  - crash_recovery.py: 8 SIGKILLs during registrations and counter account creation, on SQLite and on
    PostgreSQL at the same time (each waits about a minute at the end for the SMS a killed server had claimed,
    so the two run side by side);
  - pg_restart.py: PostgreSQL stopped and started under load (needs root and PostgreSQL 15's binaries);
  - gateway_outage.py: the SMS gateway answering garbage for 4 s, then down for 20 s, on each database.

PostgreSQL is the server of TEST_DATABASE_URL; without it the PostgreSQL runs fail under REQUIRE_POSTGRES=1
(the test command) and are left out otherwise.
"""
import concurrent.futures
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import crash_recovery  # noqa: E402
import gateway_outage  # noqa: E402
import pg_restart  # noqa: E402
import portal_harness as harness  # noqa: E402


def test_sigkill_during_account_creation_breaks_no_invariant():
    runs = [["--rounds", "8"]]
    if os.environ.get("TEST_DATABASE_URL") or os.environ.get("REQUIRE_POSTGRES") == "1":
        runs.append(["--rounds", "8", "--database-url", harness.postgres_for("postgres")])
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(runs)) as pool:
        results = list(pool.map(crash_recovery.main, runs))
    assert results == [0] * len(runs)


@pytest.mark.skipif(not harness.PostgresCluster.available(), reason="needs root, runuser and PostgreSQL 15")
def test_postgresql_restart_is_survived_without_loss():
    assert pg_restart.main([]) == 0


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_sms_wait_out_a_gateway_outage_and_go_once(database):
    postgres_url = harness.postgres_for(database)
    assert gateway_outage.main(["--database-url", postgres_url] if postgres_url else []) == 0
