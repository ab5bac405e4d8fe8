#!/usr/bin/env python3
"""SIGKILL at random points of registration and of counter account creation, then the invariants.

Starts the debug server on one database (a SQLite file; or, with --database-url, a new PostgreSQL database made
beside the one named and dropped afterwards), loads the demo province, and keeps citizens registering and the
demo officer creating accounts (draft with scan → code → create) from several threads. Every so often (a random
0.4–2.5 s) the server is killed with SIGKILL and started again on the same database; the clients retry the step
they were on. After the last round the server runs until the outbox is empty, then the tables are read:

  - every account made at the counter has its 'citizen.create' audit record and exactly one password SMS;
  - every registered account has exactly one notice SMS;
  - no id_scans row without a draft or an account;
  - every account a client was told about (201) exists;
  - no SMS left queued, failed, or marked sent without reaching the gateway; no reference the outbox does
    not know; a reference delivered twice is allowed (at-least-once: a kill between the gateway's 2xx and
    the record) only if its first delivery came less than 10 s before a kill, and is counted; two
    references for one event would show as two password SMS or two notices.

    python3 Tests/security/crash_recovery.py [--rounds 30] [--database-url postgres://…/postgres]

Exit status 0 when every invariant holds; the last line is the result, for RESULTS.md.
"""
import argparse
import random
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import portal_harness as harness  # noqa: E402


class Clients:
    """Registration and counter flows in threads; each step is retried while the server is down."""

    def __init__(self, port, gateway, citizens, officer_token, unit):
        self.port, self.gateway, self.citizens = port, gateway, citizens
        self.officer_token, self.unit = officer_token, unit
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.promised = []        # (id_number, accountId) for every 201 a client got
        self.counts = {"registrations": 0, "counter": 0, "abandoned": 0, "retried_steps": 0, "unexpected": 0}
        self.unexpected = []

    def bump(self, key, detail=None):
        with self.lock:
            self.counts[key] += 1
            if detail and len(self.unexpected) < 20:
                self.unexpected.append(detail)

    def step(self, fn):
        """Runs one call; on a dropped connection waits and tries again (up to ~20 s), like a patient client."""
        for attempt in range(200):
            if self.stop.is_set():
                return None
            try:
                return fn()
            except OSError:
                if attempt == 0:
                    self.bump("retried_steps")
                time.sleep(0.1)
        return None

    def code(self, phone, mark):
        # A code claimed by a killed server waits out its lease (60 s) before it goes again: give up sooner
        # and start a new flow, the invariants still cover that message.
        return self.gateway.code(phone, mark, timeout=6)

    def register_once(self):
        c = self.citizens.new()
        mark = self.gateway.mark()
        answer = self.step(lambda: harness.call(self.port, "POST", "/api/v1/registrations", harness.registration_body(c)))
        if not answer or answer[0] != 201:
            return self.abandon(answer, "start")
        rid = answer[1]["id"]
        code = self.code(c["e164"], mark)
        if not code:
            return self.abandon(None)
        answer = self.step(lambda: harness.call(self.port, "POST", f"/api/v1/registrations/{rid}/verify", {"code": code}))
        if not answer or answer[0] != 200:
            return self.abandon(answer, "verify")
        token = answer[1]["completionToken"]
        answer = self.step(lambda: harness.call(self.port, "POST", f"/api/v1/registrations/{rid}/complete",
                                                {"completionToken": token, "password": c["password"]}))
        if answer and answer[0] == 201:
            self.made(c, answer, "registrations")
        else:
            # A retry after the account was made finds the registration gone: the check below looks for it.
            self.abandon(answer, "complete")

    def counter_once(self):
        c = self.citizens.new()
        pdf = harness.pdf_of_size(random.randint(2_000, 60_000))
        # One officer holds one upload slot at a time: the other threads' uploads are told busy (503 with
        # Retry-After) and send again, as a client should.
        for _ in range(100):
            answer = self.step(lambda: harness.upload_draft(self.port, self.officer_token, c, self.unit, pdf))
            if not (answer and answer[0] == 503 and harness.error_code(answer[1]) == "busy") or self.stop.is_set():
                break
            time.sleep(0.2)
        if not answer or answer[0] != 201:
            return self.abandon(answer, "draft")
        draft = answer[1]["id"]
        mark = self.gateway.mark()
        answer = self.step(lambda: harness.call(self.port, "POST", f"/api/v1/admin/citizen-accounts/drafts/{draft}/otp", {},
                                                token=self.officer_token))
        if not answer or answer[0] != 202:
            return self.abandon(answer, "otp")
        code = self.code(c["e164"], mark)
        if not code:
            return self.abandon(None)
        answer = self.step(lambda: harness.call(self.port, "POST", f"/api/v1/admin/citizen-accounts/drafts/{draft}/create",
                                                {"code": code}, token=self.officer_token))
        if answer and answer[0] == 201:
            self.made(c, answer, "counter")
        else:
            self.abandon(answer, "create")

    def made(self, citizen, answer, kind):
        """A flow the server answered 201: the account it promised is checked at the end."""
        with self.lock:
            self.promised.append((citizen["idNumber"], answer[1]["accountId"].lower()))
        self.bump(kind)

    def abandon(self, answer, where=None):
        """A flow given up. A refusal after a kill can be right (a retried step finds its work already done:
        404, 409, 422); a 5xx never is."""
        if answer is not None and (answer[0] >= 500 or answer[0] not in (404, 409, 422)):
            self.bump("unexpected", f"{where}: {answer[0]} {harness.error_code(answer[1])}")
        self.bump("abandoned")

    def run(self, kind):
        while not self.stop.is_set():
            try:
                self.register_once() if kind == "register" else self.counter_once()
            except Exception as error:  # noqa: BLE001 — a client bug must not hide as a hang
                self.bump("unexpected", f"{kind}: {error!r}")
                time.sleep(0.2)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--rounds", type=int, default=30, help="how many times the server is killed")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server (any database on it) where a new database may be made; SQLite when absent")
    parser.add_argument("--threads", type=int, default=2, help="registration threads and counter threads, each")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    random.seed(seed)

    started = time.time()
    pg_name = None
    if args.database_url:
        pg_name = "portal_crash_" + uuid.uuid4().hex[:10]
        harness.run_sql(harness.with_database(args.database_url, "postgres"), f"CREATE DATABASE {pg_name}")
    tmp, gateway, server = harness.scratch("portal-crash-", args.binary,
                                           harness.with_database(args.database_url, pg_name) if pg_name else None)
    port, database = server.port, server.env["DATABASE_URL"]
    label = "PostgreSQL" if pg_name else "SQLite"
    failures, figures, kills = [], {}, 0
    clients = None
    try:
        server.demo()
        server.start()
        token = harness.sign_in_staff(port, gateway)
        unit = harness.officer_unit(port, token)
        clients = Clients(port, gateway, harness.Citizens(seed), token, unit)
        threads = [threading.Thread(target=clients.run, args=(kind,), daemon=True)
                   for kind in ["register", "counter"] for _ in range(args.threads)]
        for t in threads:
            t.start()
        restart_times = []
        kill_times = []
        for _ in range(args.rounds):
            time.sleep(random.uniform(0.4, 2.5))
            kill_times.append(time.monotonic())
            server.kill()
            kills += 1
            t0 = time.monotonic()
            server.start()
            restart_times.append(time.monotonic() - t0)
        time.sleep(1.5)
        clients.stop.set()
        for t in threads:
            t.join(timeout=60)

        # The outbox drains: messages a killed server had claimed go again once their lease (60 s) is over.
        tables = harness.Tables(database)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 100:
            if tables.count("SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'queued'") == 0:
                break
            time.sleep(1)
        figures["drain_s"] = round(time.monotonic() - t0)
        time.sleep(0.5)
        server.stop()

        failures, invariants = harness.check_invariants(tables, gateway.accepted_references())
        figures.update(invariants)
        # A reference may go twice only when a kill cut in between the gateway's 2xx and the record of it:
        # its first delivery must lie just before one of the kills, or just after one: a request the killed
        # server had already written to its socket still reaches the gateway once the process is gone, and
        # nobody is left to record the answer.
        references = gateway.accepted_references()
        first = gateway.first_acceptance()
        twice = {r for r in references if references.count(r) > 1}
        # Under load the record can trail the 2xx by a few seconds (it waits for the database like any write);
        # ten seconds is the database pool's own timeout, past which the record would have failed and said so.
        in_flight_s = 1.0
        gaps = [min((k - first[r] for k in kill_times if k >= first[r] - in_flight_s), default=None) for r in twice]
        figures["kill_after_2xx_max_s"] = round(max((g for g in gaps if g is not None), default=0), 2)
        unexplained = [r for r, g in zip(twice, gaps) if g is None or g >= 10.0]
        if unexplained:
            times = gateway.acceptance_times()
            details = []
            for r in unexplained[:5]:
                at = times[r]
                after = [round(k - at[0], 2) for k in kill_times if k >= at[0]][:1]
                before = [round(at[0] - k, 2) for k in kill_times if k < at[0]][-1:]
                details.append(f"{r}: delivered at +{[round(t - at[0], 2) for t in at]} s, next kill at +{after} s, "
                               f"previous kill {before} s before")
            with open(server.log_path, errors="replace") as log:
                unrecorded = [line.strip() for line in log if "failed to record" in line]
            failures.append(f"{len(unexplained)} references delivered twice without a kill just after the first delivery: "
                            f"{details}; the log has {len(unrecorded)} 'failed to record' lines: {unrecorded[:3]}")
        ids = {r["id_number"]: r["id"] for r in tables.rows("SELECT id, id_number FROM accounts")}
        for id_number, account in clients.promised:
            if ids.get(id_number) != account:
                failures.append(f"a client was told account {account} for {id_number} was made, but it is not there")
        if clients.counts["unexpected"]:
            failures.append(f"{clients.counts['unexpected']} unexpected answers: {clients.unexpected}")
        if clients.counts["registrations"] == 0 or clients.counts["counter"] == 0:
            failures.append(f"a flow never completed: {clients.counts}")
        figures["restart_s"] = f"{min(restart_times):.1f}–{max(restart_times):.1f}"
    finally:
        if clients:
            clients.stop.set()
        harness.clean_up(server, gateway, tmp, failures, lines=60)
        if pg_name:
            try:
                harness.run_sql(harness.with_database(args.database_url, "postgres"), f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
            except Exception as error:  # noqa: BLE001
                print(f"could not drop {pg_name}: {error}", file=sys.stderr)

    verdict = harness.verdict(failures)
    counts = clients.counts if clients else {}
    print(f"crash_recovery: {verdict} in {time.time() - started:.0f} s on {label}, seed {seed} — {kills} SIGKILLs "
          f"(restart {figures.get('restart_s')} s); flows completed: {counts.get('registrations')} registrations, "
          f"{counts.get('counter')} counter accounts; {counts.get('abandoned')} abandoned, {counts.get('retried_steps')} steps retried; "
          f"tables: {figures.get('accounts_registered')} registered + {figures.get('accounts_counter')} counter accounts, "
          f"{figures.get('drafts_left')} drafts left, {figures.get('scans')} scans; outbox {figures.get('outbox')}, drained in "
          f"{figures.get('drain_s')} s; gateway: {figures.get('gateway_deliveries')} deliveries of {figures.get('references_delivered')} "
          f"references, {figures.get('same_reference_again')} again with the same reference (a kill at most "
          f"{figures.get('kill_after_2xx_max_s')} s after the first 2xx)")
    return 0 if not failures else 1


if __name__ == "__main__":
    harness.run_script(main)
