"""A graceful stop (SIGTERM) as a load balancer sees it: readiness answers 503 for SHUTDOWN_DRAIN_SECONDS while
requests are still served, then the port closes, and the SMS the outbox held in flight is finished and recorded
as sent (not handed to another instance to send again after its lease), all within a bounded time."""
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import portal_harness as harness  # noqa: E402

DRAIN_SECONDS = 2
GATEWAY_HOLDS = 3.0


def wait_for(what, check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s: {what}")


def answer(port, path):
    try:
        return harness.call(port, "GET", path, timeout=2)
    except OSError:
        return None, None


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_sigterm_drains_then_stops_and_the_sms_in_flight_is_sent_once_and_recorded(database):
    postgres_url = harness.postgres_for(database)
    with harness.script_database(postgres_url) as database_url:
        folder, gateway, server = harness.scratch("portal-graceful-", None, database_url,
                                                  SHUTDOWN_DRAIN_SECONDS=DRAIN_SECONDS)
        failures = []
        try:
            server.start()
            citizen = harness.Citizens(seed=20261201).new()
            gateway.set_mode(f"slow:{GATEWAY_HOLDS}")
            status, started = harness.call(server.port, "POST", "/api/v1/registrations", harness.registration_body(citizen))
            assert status == 201, (status, started)
            # The code has reached the gateway, which holds its answer: the portal has the message in flight.
            wait_for("the code reaching the gateway", lambda: len(gateway.received) == 1, 30)

            server.proc.terminate()
            signalled = time.monotonic()
            # Draining: readiness 503 "draining", while the instance still answers every other request.
            status, payload = wait_for("readiness answering 503", lambda: (lambda r: r if r[0] == 503 else None)(
                answer(server.port, "/health/ready")), DRAIN_SECONDS)
            assert payload == {"status": "draining"}, payload
            assert answer(server.port, "/health/live")[0] == 200, "a request during the drain was not served"
            assert server.alive(), "the process ended before its drain"

            server.proc.wait(timeout=DRAIN_SECONDS + GATEWAY_HOLDS + 15)
            took = time.monotonic() - signalled
            assert server.proc.returncode == 0, f"exit status {server.proc.returncode}"
            assert took >= DRAIN_SECONDS - 0.2, f"stopped after {took:.1f} s, before its {DRAIN_SECONDS} s drain"
            assert answer(server.port, "/health/live") == (None, None), "the port still answers after the exit"

            # The message the worker held was finished: accepted once, recorded as sent, no lease left behind.
            assert len(gateway.accepted) == 1, f"{len(gateway.accepted)} accepted"
            rows = harness.Tables(server.env["DATABASE_URL"]).rows(
                "SELECT status, lease_until, attempts FROM outbox_messages")
            assert [(r["status"], r["lease_until"]) for r in rows] == [("sent", None)], rows
        except Exception:
            failures.append("see the assertion")  # clean_up prints the server's log for a failed run
            raise
        finally:
            harness.clean_up(server, gateway, folder, failures)
