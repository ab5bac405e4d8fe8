#!/usr/bin/env python3
"""The SMS gateway answering garbage, then down for 20 s, then back: every SMS waits and goes out once.

Starts the debug server on a temporary SQLite file (or, with --database-url, a new PostgreSQL database made
beside the one named and dropped afterwards) with a fake gateway and the demo province, registers a few
citizens while the gateway is up; then the gateway answers bytes that are not HTTP for --junk seconds, and
closes its port (and its open connections) for --down seconds. During the outage the script starts
registrations, sign-ins, a password reset and a counter draft's code — the API answers at once, the SMS wait
in the outbox. Then the gateway accepts again. Checks:

  - every call made during the outage was answered quickly and without a 5xx;
  - every SMS queued during the outage is delivered after recovery, each reference accepted exactly once;
  - the last of them is accepted, and recorded sent, within --recovery-limit seconds (10) of the gateway
    accepting again: the outbox tries one waiting message every 5 s whatever its back-off, and once one gets
    through the others go at once;
  - the outbox records the retries (attempts > 1, last error) and ends with every message sent;
  - a registration started during the outage is finished with its late code.

    python3 Tests/security/gateway_outage.py [--down 20] [--junk 4] [--database-url postgres://…/postgres]

Exit status 0 when every check holds; the last line is the result, for RESULTS.md.
"""
import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import portal_harness as harness  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--down", type=float, default=20.0, help="seconds the gateway's port is closed")
    parser.add_argument("--junk", type=float, default=4.0, help="seconds it then answers bytes that are not HTTP")
    parser.add_argument("--recovery-limit", type=float, default=10.0,
                        help="seconds allowed for every waiting SMS to be accepted and recorded once the gateway accepts again")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server (any database on it) where a new database may be made; SQLite when absent")
    args = parser.parse_args(argv)
    with harness.script_database(args.database_url, "portal_gwdown_") as database_url:
        return run(args, database_url)


def run(args, database_url):
    started = time.time()
    tmp, gateway, server = harness.scratch("portal-gwdown-", args.binary, database_url)
    port, database = server.port, server.env["DATABASE_URL"]
    label = "PostgreSQL" if database_url else "SQLite"
    failures, figures = [], {}
    try:
        server.demo()
        server.start()
        citizens = harness.Citizens(seed=11)
        officer = harness.sign_in_staff(port, gateway)
        unit = harness.officer_unit(port, officer)
        members = []
        for _ in range(3):
            c = citizens.new()
            harness.register(port, gateway, c)
            members.append(c)
        tables = harness.Tables(database)
        before = {r["reference"] for r in tables.rows("SELECT reference FROM outbox_messages")}
        time.sleep(1)

        # The outage: first the gateway answers bytes that are not HTTP, then its port is closed.
        gateway.set_mode("junk")
        seen = len(gateway.received)
        t_down = time.monotonic()
        answers, slowest = collections.Counter(), 0.0
        pending = []

        def timed(method, path, body=None, token=None):
            nonlocal slowest
            t = time.monotonic()
            status, payload = harness.call(port, method, path, body, token=token, timeout=30)
            slowest = max(slowest, time.monotonic() - t)
            answers[status] += 1
            return status, payload

        for round_ in range(2):
            for _ in range(3):
                c = citizens.new()
                status, payload = timed("POST", "/api/v1/registrations", harness.registration_body(c))
                if status == 201:
                    pending.append((c, payload["id"]))
            for c in members:
                timed("POST", "/api/v1/login", {"username": c["idNumber"], "password": c["password"]})
            if round_ == 0:
                timed("POST", "/api/v1/password-resets", {"username": members[0]["idNumber"]})
                c = citizens.new()
                pdf = harness.pdf_of_size(3_000)
                status, draft = harness.upload_draft(port, officer, c, unit, pdf)
                if status == 201:
                    timed("POST", f"/api/v1/admin/citizen-accounts/drafts/{draft['id']}/otp", {}, token=officer)
            if round_ == 0:
                while time.monotonic() - t_down < args.junk:
                    time.sleep(0.1)
                junk_requests = len(gateway.received) - seen
                gateway.down()
        while time.monotonic() - t_down < args.junk + args.down:
            time.sleep(0.1)
        queued_during = tables.count("SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'queued'")

        # Back, accepting. Waited for well past the limit (a lease, 60 s), so that a failure says how late it was.
        gateway.set_mode("accept")
        gateway.up()
        t_up = time.monotonic()
        while time.monotonic() - t_up < args.recovery_limit + 60:
            if tables.count("SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'queued'") == 0:
                break
            time.sleep(0.1)
        recorded_in = time.monotonic() - t_up

        outage = [m for m in tables.rows("SELECT reference, kind, status, attempts, last_error FROM outbox_messages")
                  if m["reference"] not in before]
        accepted = collections.Counter(gateway.accepted_references())
        waited = {m["reference"] for m in outage}
        accepted_in = max((at - t_up for r, times in gateway.acceptance_times().items() if r in waited for at in times),
                          default=float("inf"))
        if max(accepted_in, recorded_in) > args.recovery_limit:
            failures.append(f"the waiting SMS were accepted {accepted_in:.1f} s and recorded {recorded_in:.1f} s after the "
                            f"gateway accepted again (limit {args.recovery_limit:g} s)")
        for m in outage:
            n = accepted.get(m["reference"], 0)
            if m["status"] != "sent" or n != 1:
                failures.append(f"{m['kind']} SMS {m['reference']}: {m['status']}, accepted {n} times (attempts {m['attempts']}, {m['last_error']})")
        unknown = [r for r in accepted if r not in before and r not in {m["reference"] for m in outage}]
        if unknown:
            failures.append(f"{len(unknown)} references accepted that the outbox does not hold")
        retried = [m for m in outage if int(m["attempts"]) > 1]
        if len(retried) != len(outage):
            failures.append(f"only {len(retried)} of {len(outage)} outage messages show retries")
        if any(s >= 500 for s in answers):
            failures.append(f"5xx answers during the outage: {dict(answers)}")
        if slowest > 3:
            failures.append(f"a call waited {slowest:.1f} s on the missing gateway")
        if len(outage) < 10:
            failures.append(f"only {len(outage)} messages were queued during the outage")

        # A registration begun during the outage finishes with its late code.
        c, rid = pending[0]
        code = gateway.code(c["e164"], 0, timeout=5)
        status, verified = harness.call(port, "POST", f"/api/v1/registrations/{rid}/verify", {"code": code})
        finished = None
        if status == 200:
            finished, _ = harness.call(port, "POST", f"/api/v1/registrations/{rid}/complete",
                                       {"completionToken": verified["completionToken"], "password": c["password"]})
        if finished != 201:
            failures.append(f"the registration begun during the outage did not finish: verify {status}, complete {finished}")
        attempts = sorted(int(m["attempts"]) for m in outage)
        figures = {
            "queued": queued_during, "outage_messages": len(outage), "answers": dict(sorted(answers.items())),
            "slowest_ms": round(slowest * 1000), "junk_requests": junk_requests,
            "accepted_s": round(accepted_in, 1), "recorded_s": round(recorded_in, 1),
            "attempts": f"{attempts[0]}–{attempts[-1]}" if attempts else "-", "duplicates": sum(n - 1 for n in accepted.values()),
        }
        if not server.alive():
            failures.append("the server died")
    finally:
        harness.clean_up(server, gateway, tmp, failures)

    return harness.report("gateway_outage", failures, started,
                          f"on {label}: gateway answering non-HTTP bytes for {args.junk:.0f} s "
                          f"({figures.get('junk_requests')} requests got them), then down {args.down:.0f} s; during the outage the API answered "
                          f"{figures.get('answers')} (slowest {figures.get('slowest_ms')} ms) and {figures.get('queued')} SMS waited; "
                          f"all {figures.get('outage_messages')} accepted within {figures.get('accepted_s')} s and recorded sent within "
                          f"{figures.get('recorded_s')} s of the gateway accepting again (limit {args.recovery_limit:g} s), "
                          f"attempts {figures.get('attempts')} each, {figures.get('duplicates')} accepted twice; late code finished its registration")


if __name__ == "__main__":
    harness.run_script(main)
