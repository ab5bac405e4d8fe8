#!/usr/bin/env python3
"""PostgreSQL stopped and started again under a running portal: not ready while it is down, ready again by
itself, nothing lost.

Makes a PostgreSQL server of its own (initdb in a temporary folder, run as the postgres user, on port 55460 or
a free one), starts the debug server on it with a fake SMS gateway, and keeps a light load going (readiness,
the services list, new registrations). Two registrations are left half-way: one with its phone confirmed,
one with its code sent. Then `pg_ctl stop -m fast`, --down seconds, `pg_ctl start`. Checks:

  - /health/ready answers 503 while the database is down, and so does every call that needs the database
    (503 `unavailable` with Retry-After, not 500); the process stays up, answering every call;
  - it answers 200 again by itself once the database is back, within --recovery-timeout;
  - after that, every call succeeds; both half-way registrations finish, and the new account signs in (its code
    goes out through the outbox, so the SMS worker recovered too);
  - the invariants of crash_recovery.py hold on the tables (every account's SMS, no SMS left queued).

    python3 Tests/security/pg_restart.py [--down 8]

Needs root, runuser and PostgreSQL 15 under /usr/lib/postgresql/15/bin. The last line is the result.
"""
import argparse
import collections
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import portal_harness as harness  # noqa: E402


class Load:
    """Readiness and the services list every 100 ms, a registration start every 0.5 s; answers by phase."""

    def __init__(self, port, citizens):
        self.port, self.citizens = port, citizens
        self.phase = "before"
        self.answers = collections.defaultdict(collections.Counter)
        self.slowest = collections.defaultdict(float)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def hit(self, name, method, path, body=None):
        phase = self.phase  # the phase the call began in
        t = time.monotonic()
        try:
            status, _ = harness.call(self.port, method, path, body, timeout=30)
        except OSError:
            status = "dropped"
        key = (phase, name)
        self.answers[key][status] += 1
        self.slowest[key] = max(self.slowest[key], time.monotonic() - t)

    def run(self):
        n = 0
        while not self.stopped.is_set():
            self.hit("ready", "GET", "/health/ready")
            self.hit("services", "GET", "/api/v1/services")
            if n % 5 == 0:
                self.hit("register", "POST", "/api/v1/registrations", harness.registration_body(self.citizens.new()))
            n += 1
            self.stopped.wait(0.1)

    def stop(self):
        self.stopped.set()
        self.thread.join()

    def summary(self, phase):
        return {name: dict(c) for (p, name), c in sorted(self.answers.items(), key=lambda kv: str(kv[0])) if p == phase}


def poll_ready(port, want, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            status, _ = harness.call(port, "GET", "/health/ready", timeout=15)
        except OSError:
            status = None
        if status == want:
            return time.monotonic() - t0
        time.sleep(0.1)
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--down", type=float, default=8.0, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--recovery-timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    if not harness.PostgresCluster.available():
        print("pg_restart: FAIL — needs root, runuser and PostgreSQL 15 binaries (nothing was checked)")
        return 1

    started = time.time()
    cluster = harness.PostgresCluster()
    tmp, gateway, server = harness.scratch("portal-pgrestart-", args.binary, cluster.url)
    port = server.port
    load = None
    failures, figures = [], {}
    try:
        cluster.init()
        server.start()
        citizens = harness.Citizens(seed=23)

        def register(c, finish=True):
            mark = gateway.mark()
            status, reg = harness.call(port, "POST", "/api/v1/registrations", harness.registration_body(c))
            assert status == 201, (status, reg)
            code = gateway.code(c["e164"], mark)
            if not finish:
                return reg["id"], code
            status, verified = harness.call(port, "POST", f"/api/v1/registrations/{reg['id']}/verify", {"code": code})
            assert status == 200, (status, verified)
            return reg["id"], verified["completionToken"]

        confirmed, waiting = citizens.new(), citizens.new()
        confirmed_id, completion = register(confirmed)
        waiting_id, waiting_code = register(waiting, finish=False)

        load = Load(port, citizens)
        time.sleep(2)
        load.phase = "stopping"
        cluster.stop("fast")  # returns once the server is down (-w)
        load.phase = "down"
        to_503 = poll_ready(port, 503, 20)
        time.sleep(args.down)
        alive_while_down = server.alive()
        load.phase = "recovering"
        cluster.start()
        to_200 = poll_ready(port, 200, args.recovery_timeout)
        load.phase = "after"
        time.sleep(3)
        load.stop()

        status_a, done_a = harness.call(port, "POST", f"/api/v1/registrations/{confirmed_id}/complete",
                                        {"completionToken": completion, "password": confirmed["password"]})
        status_b, verified = harness.call(port, "POST", f"/api/v1/registrations/{waiting_id}/verify", {"code": waiting_code})
        status_b2 = None
        if status_b == 200:
            status_b2, _ = harness.call(port, "POST", f"/api/v1/registrations/{waiting_id}/complete",
                                        {"completionToken": verified["completionToken"], "password": waiting["password"]})
        try:
            harness.sign_in(port, gateway, confirmed["idNumber"], confirmed["password"], confirmed["e164"])
            signed_in = True
        except AssertionError as error:
            signed_in = False
            failures.append(f"the account finished after the restart cannot sign in: {error}")

        tables = harness.Tables(cluster.url)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 90 and tables.count("SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'queued'"):
            time.sleep(1)
        server.stop()
        broken, invariants = harness.check_invariants(tables, gateway.accepted_references())
        failures += broken

        if to_503 is None:
            failures.append("/health/ready never answered 503 while PostgreSQL was down")
        if not alive_while_down:
            failures.append("the server process died while PostgreSQL was down")
        if to_200 is None:
            failures.append(f"/health/ready did not answer 200 within {args.recovery_timeout:.0f} s of PostgreSQL's return")
        down = load.summary("down")
        if any("dropped" in c for c in down.values()):
            failures.append(f"connections dropped without an answer while PostgreSQL was down: {down}")
        if any(s != 503 for c in down.values() for s in c):
            failures.append(f"calls answered other than 503 while PostgreSQL was down: {down}")
        after = load.summary("after")
        if any(s == "dropped" or s >= 400 for c in after.values() for s in c):
            failures.append(f"calls failed after recovery: {after}")
        if status_a != 201:
            failures.append(f"the registration confirmed before the restart did not complete: {status_a} {done_a}")
        if status_b != 200 or status_b2 != 201:
            failures.append(f"the registration whose code was sent before the restart did not finish: {status_b}, {status_b2}")
        figures = {
            "to_503": None if to_503 is None else round(to_503, 1), "to_200": None if to_200 is None else round(to_200, 1),
            "down": down, "recovering": load.summary("recovering"), "after": after, "signed_in": signed_in,
            "slowest_down_ms": round(max((v for (p, _), v in load.slowest.items() if p == "down"), default=0) * 1000),
            "invariants": invariants,
        }
    finally:
        if load:
            load.stop()
        harness.clean_up(server, gateway, tmp, failures)
        cluster.destroy()

    inv = figures.get("invariants", {})
    return harness.report("pg_restart", failures, started,
                          f"PostgreSQL stopped (-m fast) for {args.down:.0f} s under load: "
                          f"/health/ready 503 after {figures.get('to_503')} s, 200 again {figures.get('to_200')} s after the restart; "
                          f"answers while down {figures.get('down')} (slowest {figures.get('slowest_down_ms')} ms); while starting "
                          f"{figures.get('recovering')}; after {figures.get('after')}; both half-way registrations finished, sign-in "
                          f"{'worked' if figures.get('signed_in') else 'failed'}; {inv.get('accounts_registered')} accounts, outbox {inv.get('outbox')}")


if __name__ == "__main__":
    harness.run_script(main)
