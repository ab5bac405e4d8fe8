#!/usr/bin/env python3
"""The fault run: the topology of deploy/topology.sh under a steady mixed load, one of each fault, then what the
database and the gateway's log say.

Starts the topology (HAProxy, three portal instances, Patroni with a PostgreSQL leader and synchronous standby,
pgBackRest, the fake SMS gateway) with the demo province, or uses the running one with --running. Clients go
through HAProxy only: registrations to the end, sign-ins with their codes, counter account creation with an
ID-card scan, the officer's look-up. A step answered 5xx or dropped is tried again (0.25 s apart, for up to
60 s), as a patient client would. Faults, each followed by --settle seconds of steady load:

  (a) SIGKILL of instance 1, which is started again once HAProxy has taken it out;
  (b) SIGTERM of instance 2 (it drains, finishes, hands back its SMS and exits), started again;
  (c) the PostgreSQL leader's node killed (Patroni and PostgreSQL, SIGKILL): the standby takes over;
  (d) the old leader's node started again: Patroni rewinds it and it follows as the synchronous standby.

Then the outbox drains and the checks run:
  - every account a client was told about (201) exists with that id; every session token a client got (200)
    still works (GET /api/v1/me), those made before the faults included; every look-up answered has its audit
    record; the invariants of crash_recovery.py (no half-made account: each counter account has its audit record
    and one password SMS, each registration one notice; no SMS left queued or failed; every SMS marked sent reached
    the gateway; no reference the outbox does not know; a second delivery only with the same reference);
  - no 5xx or dropped answer outside the faults; after each fault, errors for at most --max-error-seconds;
    none at all for the SIGTERM (b), and HAProxy's log shows nothing sent to that instance between the moment
    HAProxy took it out and its exit; no request left without an answer for 30 s.
Figures per fault: answers 5xx (or dropped), seconds from the fault to the last error, seconds to recover, SMS
delivered twice, data lost. For the leader's loss (c), what the database and the instances showed: the portal's
statements in flight on the leader just before it was killed, any portal statement on the new leader that waited
5 s or more (state, wait event, statement), the new leader's synchronous_standby_names, and each instance's
portal_database_* metrics after the fault. A request left without an answer is named with what HAProxy's log
says of it (instance, method, path, how long until the connection closed).

    sudo python3 deploy/fault_run.py [--binary PATH] [--settle 10] [--running] [--json FILE] [--keep]

The last line is the result.
"""
import argparse
import calendar
import collections
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "harness"))
import portal_harness as harness  # noqa: E402

SETTINGS = {
    **{k: v for k, v in harness.SCRIPT_SETTINGS.items() if k not in ("DATA_ENCRYPTION_KEY", "LOG_LEVEL")},
    "OTP_MAX_PER_HOUR": "1000", "OTP_MAX_PER_DAY": "10000", "LOOKUP_LIMIT_PER_HOUR": "1000000",
}
RETRY_FOR_S = 60


class Load:
    """The clients. Every answer is kept as (start, end, kind, status); every promise as (time, what, value)."""

    def __init__(self, web, gateway, desk_token, lookup_token, unit):
        self.web, self.gateway = web, gateway
        self.desk_token, self.lookup_token, self.unit = desk_token, lookup_token, unit
        self.citizens = harness.Citizens()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.answers = []
        self.accounts = []      # (time, id_number, accountId)
        self.sessions = []      # (time, token)
        self.lookups = 0
        self.registered = []    # citizens whose account exists, for sign-ins
        self.unexpected = []
        self.unanswered = []    # (start, end, kind, "METHOD path") of calls that got no answer for 29 s or more

    def call(self, kind, method, path, body=None, token=None, upload=None):
        t = time.time()
        try:
            if upload:
                status, payload = harness.upload_draft(self.web, token, *upload)
            else:
                status, payload = harness.call(self.web, method, path, body, token=token, timeout=30)
        except OSError:
            status, payload = "dropped", None
        end = time.time()
        with self.lock:
            self.answers.append((t, end, kind, status))
            if (status == "dropped" or status >= 500) and end - t >= 29:
                self.unanswered.append((t, end, kind, f"{method} {path or '/api/v1/admin/citizen-accounts/drafts'}"))
        return status, payload

    def step(self, kind, method, path, body=None, token=None, upload=None):
        """One step, tried again while it is answered 5xx, busy or dropped (up to RETRY_FOR_S)."""
        deadline = time.time() + RETRY_FOR_S
        while True:
            status, payload = self.call(kind, method, path, body, token, upload)
            failed = status == "dropped" or status >= 500
            if not failed or time.time() > deadline or self.stop.is_set():
                return status, payload
            time.sleep(0.25)

    def note(self, detail):
        with self.lock:
            if len(self.unexpected) < 30:
                self.unexpected.append(detail)

    def expect(self, what, answer, want):
        if answer[0] != want:
            # After a dropped answer a retried step can find its work done (404, 409, 422); a 5xx left is noted.
            if answer[0] == "dropped" or answer[0] >= 500 or answer[0] not in (404, 409, 422):
                self.note(f"{what}: {answer[0]} {harness.error_code(answer[1])}")
            return False
        return True

    def code(self, phone, mark):
        # A code claimed by a killed instance waits out its lease: start a new flow sooner.
        return self.gateway.code(phone, mark, timeout=8)

    def register_once(self):
        c = self.citizens.new()
        mark = time.time()
        answer = self.step("register", "POST", "/api/v1/registrations", harness.registration_body(c))
        if not self.expect("registration", answer, 201):
            return
        rid = answer[1]["id"]
        code = self.code(c["e164"], mark)
        if not code:
            return
        answer = self.step("register", "POST", f"/api/v1/registrations/{rid}/verify", {"code": code})
        if not self.expect("registration code", answer, 200):
            return
        answer = self.step("register", "POST", f"/api/v1/registrations/{rid}/complete",
                           {"completionToken": answer[1]["completionToken"], "password": c["password"]})
        if self.expect("registration complete", answer, 201):
            with self.lock:
                self.accounts.append((time.time(), c["idNumber"], answer[1]["accountId"].lower()))
                self.registered.append(c)

    def sign_in_once(self):
        with self.lock:
            pool = list(self.registered)
        if not pool:
            time.sleep(0.5)
            return
        c = random.choice(pool)
        mark = time.time()
        answer = self.step("sign_in", "POST", "/api/v1/login", {"username": c["idNumber"], "password": c["password"]})
        if not self.expect("sign-in", answer, 200):
            return
        code = self.code(c["e164"], mark)
        if not code:
            return
        answer = self.step("sign_in", "POST", f"/api/v1/login/{answer[1]['challengeId']}/verify", {"code": code})
        if self.expect("sign-in code", answer, 200):
            with self.lock:
                self.sessions.append((time.time(), answer[1]["token"]))

    def counter_once(self):
        c = self.citizens.new()
        pdf = harness.pdf_of_size(random.randint(2_000, 40_000))
        answer = self.step("counter", "POST", None, upload=(c, self.unit, pdf), token=self.desk_token)
        if not self.expect("draft", answer, 201):
            return
        draft = answer[1]["id"]
        mark = time.time()
        answer = self.step("counter", "POST", f"/api/v1/admin/citizen-accounts/drafts/{draft}/otp", {}, token=self.desk_token)
        if not self.expect("draft code", answer, 202):
            return
        code = self.code(c["e164"], mark)
        if not code:
            return
        answer = self.step("counter", "POST", f"/api/v1/admin/citizen-accounts/drafts/{draft}/create", {"code": code},
                           token=self.desk_token)
        if self.expect("counter create", answer, 201):
            with self.lock:
                self.accounts.append((time.time(), c["idNumber"], answer[1]["accountId"].lower()))

    def lookup_once(self):
        with self.lock:
            known = [a[1] for a in self.accounts[-20:]]
        id_number = random.choice(known) if known and random.random() < 0.5 else self.citizens.new()["idNumber"]
        answer = self.step("lookup", "GET", f"/api/v1/admin/citizen-accounts/lookup?idNumber={id_number}", token=self.lookup_token)
        if self.expect("look-up", answer, 200):
            with self.lock:
                self.lookups += 1
        time.sleep(0.3)

    def run(self, flow):
        while not self.stop.is_set():
            try:
                flow()
            except Exception as error:  # noqa: BLE001 — a client bug must not hide as a hang
                self.note(f"{flow.__name__}: {error!r}")
                time.sleep(0.5)

    def start(self):
        flows = [self.register_once, self.register_once, self.sign_in_once, self.counter_once, self.lookup_once]
        self.threads = [threading.Thread(target=self.run, args=(f,), daemon=True) for f in flows]
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=RETRY_FOR_S + 30)


def wait_until(condition, timeout, step=0.2):
    """Seconds until condition() held, or None after `timeout`."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            if condition():
                return time.time() - t0
        except (OSError, RuntimeError):
            pass
        time.sleep(step)
    return None


def rest_ok(node, path):
    status, _, _ = harness.request(56201 + 10 * node, "GET", path, timeout=2)
    return status == 200


def haproxy_requests_to(topology, server, start, end):
    """How many requests HAProxy's log shows it accepted for `server` between two epoch times."""
    stamp = re.compile(r"\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d)\.(\d{3})\] web portal/(\S+) ")
    count = 0
    with open(Path(topology.folder) / "logs" / "haproxy.log", errors="replace") as log:
        for line in log:
            found = stamp.search(line)
            if found and found.group(3) == server:
                at = calendar.timegm(time.strptime(found.group(1), "%d/%b/%Y:%H:%M:%S")) + int(found.group(2)) / 1000
                count += start <= at <= end
    return count


PORTAL_ACTIVITY = """
    SELECT pid::text, state, coalesce(wait_event_type, '-') || '/' || coalesce(wait_event, '-'),
           round(extract(epoch FROM clock_timestamp() - state_change)::numeric, 1),
           left(regexp_replace(query, '\\s+', ' ', 'g'), 90)
    FROM pg_stat_activity
    WHERE usename = 'portal' AND state <> 'idle' AND pid <> pg_backend_pid() {extra}
    ORDER BY state_change"""


def node_sql(topology, node, sql, password, timeout=3):
    """Rows (lists of text) of `sql` run as the superuser on a database node's own port (not through HAProxy);
    [] when the node does not answer within `timeout`."""
    env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="1", PGOPTIONS="-c statement_timeout=2000")
    try:
        done = subprocess.run([harness.psql_path(), "-h", "127.0.0.1", "-p", str(56200 + 10 * node), "-U", "postgres",
                               "-d", "portal", "-qAt", "-F", "\t", "-c", sql],
                              env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return []
    return [line.split("\t") for line in done.stdout.splitlines() if line]


def describe_activity(row):
    pid, state, wait, seconds, query = (row + [""] * 5)[:5]
    return f"pid {pid} {state} {wait} for {seconds} s: {query}"


class LeaderWatch:
    """During the leader's loss: every 0.5 s, the new leader's synchronous_standby_names and the portal's statements
    there that have been in one state for 5 s or more (a commit waiting for a standby, a lock, a client gone)."""

    def __init__(self, topology, node, password):
        self.topology, self.node, self.password = topology, node, password
        self.stop = threading.Event()
        self.sync_names = []    # (seconds after the fault, value), each change
        self.stuck = {}         # pid → the longest-waiting description seen
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self, at):
        self.at = at
        self.thread.start()

    def run(self):
        stuck = PORTAL_ACTIVITY.format(extra="AND clock_timestamp() - state_change > interval '5 seconds'")
        sql = (f"SELECT * FROM ({stuck}) AS a UNION ALL "
               "SELECT 'sync', pg_is_in_recovery()::text, current_setting('synchronous_standby_names'), NULL, NULL")
        while not self.stop.is_set():
            for row in node_sql(self.topology, self.node, sql, self.password):
                if row[0] == "sync":
                    value = "standby" if row[1] == "true" else (row[2] or "''")
                    if not self.sync_names or self.sync_names[-1][1] != value:
                        self.sync_names.append((round(time.time() - self.at, 1), value))
                else:
                    self.stuck[row[0]] = describe_activity(row)
            self.stop.wait(0.5)

    def finish(self):
        self.stop.set()
        self.thread.join(timeout=10)
        return {"new_leader_synchronous_standby_names": [f"{v} from {t:+.1f} s" for t, v in self.sync_names],
                "waited_5s_on_new_leader": list(self.stuck.values())}


def database_metrics(topology):
    """Each instance's portal_database_* and outbox age series (histogram buckets left out)."""
    seen = {}
    for i, port in enumerate((56231, 56232, 56233), start=1):
        try:
            text = topology.metrics(port)
        except (OSError, RuntimeError, StopIteration):
            seen[f"portal{i}"] = ["(no answer)"]
            continue
        seen[f"portal{i}"] = [line for line in text.splitlines()
                              if line.startswith(("portal_database_", "portal_outbox_oldest")) and "_bucket" not in line]
    return seen


def haproxy_web_log(topology):
    """The portal frontend's requests in HAProxy's log: (accepted at, epoch s; server; ms until the instance's
    response header, -1 for none; ms in all; status; termination state; "METHOD path")."""
    line_re = re.compile(r"\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d)\.(\d{3})\] web (\S+) -?\d+/-?\d+/-?\d+/(-?\d+)/(\d+) "
                         r"(\d+) \d+ \S+ \S+ (\S+) .*\"(\S+ \S+)")
    with open(Path(topology.folder) / "logs" / "haproxy.log", errors="replace") as log:
        for line in log:
            m = line_re.search(line)
            if m:
                at = calendar.timegm(time.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S")) + int(m.group(2)) / 1000
                yield at, m.group(3), int(m.group(4)), int(m.group(5)), int(m.group(6)), m.group(7), m.group(8)


def haproxy_unanswered(topology, min_ms=29000):
    """Requests an instance never answered (no response header) for `min_ms` or more, as HAProxy logged them."""
    return [f"{server} {what} accepted {time.strftime('%H:%M:%S', time.gmtime(at))}.{int(at * 1000) % 1000:03d} UTC: "
            f"no answer, closed after {total / 1000:.1f} s ({term})"
            for at, server, answer, total, _, term, what in haproxy_web_log(topology) if answer == -1 and total >= min_ms]


def haproxy_slow(topology, start, end, min_ms=5000):
    """Requests in flight at `start` or accepted before `end` (epoch times) that an instance answered only after
    `min_ms` or more (a write transaction ended by its deadline, a wait for a pooled connection)."""
    return [f"{server} {what} {status} after {answer / 1000:.1f} s (sent {at - start:+.1f} s after the fault)"
            for at, server, answer, total, status, _, what in haproxy_web_log(topology)
            if at < end and at + total / 1000 >= start and answer >= min_ms]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds of steady load after each fault")
    parser.add_argument("--max-error-seconds", type=float, default=40.0)
    parser.add_argument("--running", action="store_true", help="use the topology already running (with the demo)")
    parser.add_argument("--json", default=None, help="writes the figures there")
    parser.add_argument("--keep", action="store_true",
                        help="keep the topology's folder (its logs) after a passing run too; a failed run always keeps it")
    args = parser.parse_args(argv)
    started = time.time()
    topology = harness.Topology(args.binary, settings=SETTINGS)
    failures, faults, figures = [], [], {}
    load = None
    completed = False
    try:
        if not args.running:
            topology.start(demo=True)
        web, gateway = topology.web, topology.gateway
        desk = harness.sign_in_staff(web, gateway, harness.DESK_OFFICER)
        centre = harness.sign_in_staff(web, gateway, harness.CENTRE_OFFICER)
        unit = harness.officer_unit(web, desk)
        load = Load(web, gateway, desk, centre, unit)
        load.start()
        time.sleep(args.settle)

        def fault(name, inject, recovered):
            """Runs inject(), then recovered() (answers {figure: seconds}), then --settle seconds of load."""
            t = time.time()
            detail = inject() or {}
            detail.update(recovered(t))
            faults.append({"fault": name, "at": t, **detail})
            time.sleep(args.settle)

        def out_and_back(i):
            def recovered(t):
                out = wait_until(lambda: topology.haproxy("portal").get(f"portal{i}", "").startswith("DOWN"), 30)
                topology.run("instance", i, "start", timeout=180)
                back = wait_until(lambda: topology.haproxy("portal").get(f"portal{i}") == "UP", 30)
                return {"out_of_rotation_s": None if out is None else round(out, 1),
                        "back_in_rotation_s": None if back is None else round(time.time() - t, 1)}
            return recovered

        fault("a: SIGKILL of an instance", lambda: topology.run("instance", 1, "kill") and None, out_and_back(1))

        drained = {}

        def term():
            # HAProxy's view is read every 0.1 s while the instance stops: when it was taken out, against when it
            # exited; the HAProxy log then shows whether anything was sent to it in between.
            t0 = time.time()
            watching = threading.Event()

            def watch():
                while not watching.is_set():
                    try:
                        if topology.haproxy("portal").get("portal2", "").startswith("DOWN"):
                            drained.setdefault("down_at", time.time())
                    except OSError:
                        pass
                    time.sleep(0.1)
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            topology.run("instance", 2, "term", timeout=120)
            drained["exited_at"] = time.time()
            watching.set()
            watcher.join()
            down = drained.get("down_at")
            return {"taken_out_after_s": None if down is None else round(down - t0, 1),
                    "exited_after_s": round(drained["exited_at"] - t0, 1)}
        fault("b: SIGTERM of an instance, started again", term, out_and_back(2))

        old = topology.leader()
        new = 2 if old == 1 else 1
        password = topology.secret("postgres")
        watch = LeaderWatch(topology, new, password)

        def failover(t):
            took = wait_until(lambda: rest_ok(new, "/primary"), 90)
            ready = wait_until(lambda: harness.call(web, "GET", "/health/ready", timeout=5)[0] == 200, 60)
            return {"new_leader_s": None if took is None else round(took, 1),
                    "ready_again_s": None if ready is None else round(time.time() - t, 1)}

        def kill_leader():
            topology.run("node", old, "kill")
            watch.start(time.time())
        # What the portal had in flight on the leader a moment (one psql round trip) before the kill.
        in_flight = [describe_activity(r) for r in node_sql(topology, old, PORTAL_ACTIVITY.format(extra=""), password)]
        fault(f"c: PostgreSQL leader pg{old} killed", kill_leader, failover)
        faults[-1]["in_flight_on_leader_before_kill"] = in_flight
        faults[-1].update(watch.finish())
        faults[-1]["database_metrics_after"] = database_metrics(topology)

        def rejoin(t):
            standby = "/sync" if os.environ.get("SYNCHRONOUS_MODE", "true") == "true" else "/replica"
            took = wait_until(lambda: rest_ok(old, standby), 240, step=0.5)
            return {"synchronous_standby_again_s": None if took is None else round(took, 1)}
        fault(f"d: old leader pg{old} started again", lambda: topology.run("node", old, "start") and None, rejoin)
        load.finish()
        ended = time.time()

        # The outbox drains: SMS a killed instance had claimed go again once their lease (60 s) is over.
        tables = harness.Tables(topology.database_url())
        drain = wait_until(lambda: tables.count("SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'queued'") == 0, 150, step=1)
        figures["outbox_drained_s"] = None if drain is None else round(drain)
        time.sleep(1)
        deliveries = topology.gateway_log()
        failures_inv, invariants = harness.check_invariants(tables, [d["reference"] for d in deliveries])
        failures += failures_inv
        figures["invariants"] = invariants

        # Promises kept.
        ids = {r["id_number"]: r["id"] for r in tables.rows("SELECT id, id_number FROM accounts")}
        lost = [(t, f"account {a} of {n}") for t, n, a in load.accounts if ids.get(n) != a]
        for t, token in load.sessions:
            status, _ = harness.call(web, "GET", "/api/v1/me", token=token, timeout=30)
            if status != 200:
                lost.append((t, f"session answered {status}"))
        centre_id = ids.get(harness.CENTRE_OFFICER[0])
        audited = tables.count(f"SELECT COUNT(*) AS n FROM audit_events WHERE action = 'citizen.lookup' AND actor_id = '{centre_id}'")
        if audited < load.lookups:
            lost.append((ended, f"{load.lookups - audited} look-ups answered without their audit record"))
        failures += [f"lost: {what}" for _, what in lost]

        # Errors and duplicates by fault.
        times = [f["at"] for f in faults] + [float("inf")]
        first_delivery, count = {}, collections.Counter()
        for d in deliveries:
            first_delivery.setdefault(d["reference"], d["at"])
            count[d["reference"]] += 1
        twice = [r for r, n in count.items() if n > 1]
        # An error belongs to the fault before its answer (a request in flight when the fault came fails with it).
        # A request left without any answer until the client gave up (30 s) is counted apart: "hung".
        def fault_of(s, e):
            """The first fault that came while a request was in flight, else the last one before it was sent."""
            during = [i for i, t in enumerate(times[:-1]) if s <= t <= e]
            return during[0] if during else max([i for i, t in enumerate(times[:-1]) if t <= s], default=-1)

        errors = [(s, e, kind) for s, e, kind, status in load.answers if status == "dropped" or status >= 500]
        hung = [(s, e, kind) for s, e, kind in errors if e - s >= 29]
        errors = [x for x in errors if x not in hung]
        before = [x for x in errors if x[1] < times[0]] + [x for x in hung if fault_of(x[0], x[1]) < 0]
        if before:
            failures.append(f"{len(before)} errors before any fault")
        for i, f in enumerate(faults):
            mine = [x for x in errors if times[i] <= x[1] < times[i + 1]]
            f["errors"] = len(mine)
            f["errors_by_kind"] = dict(collections.Counter(k for _, _, k in mine))
            f["error_seconds"] = round(max(e for _, e, _ in mine) - f["at"], 1) if mine else 0
            f["hung"] = [f"{k} ({what}) sent {s - f['at']:+.1f} s after the fault" for s, e, k, what in load.unanswered
                         if fault_of(s, e) == i]
            if f["hung"]:
                failures.append(f"{f['fault']}: requests left without an answer for 30 s: {f['hung']}; "
                                f"HAProxy: {haproxy_unanswered(topology)}")
            f["answered"] = sum(1 for _, e, _, _ in load.answers if times[i] <= e < times[i + 1])
            if f["fault"].startswith("c:"):
                f["answered_after_5s"] = haproxy_slow(topology, f["at"], times[i + 1])
            f["sent_twice"] = sum(count[r] - 1 for r in twice if times[i] <= first_delivery[r] < times[i + 1])
            f["at_utc"] = time.strftime("%H:%M:%S", time.gmtime(f["at"]))
            f["lost"] = sum(1 for t, _ in lost if times[i] <= t < times[i + 1])
            if f["error_seconds"] > args.max_error_seconds:
                failures.append(f"{f['fault']}: errors for {f['error_seconds']} s (at most {args.max_error_seconds})")
            if f["fault"].startswith("b:") and f["errors"]:
                failures.append(f"{f['fault']}: {f['errors']} errors; a stopping instance should cost clients nothing")
            if any(v is None for k, v in f.items() if k.endswith("_s")):
                failures.append(f"{f['fault']}: did not recover: {f}")
        if drained.get("down_at"):
            sent = haproxy_requests_to(topology, "portal2", drained["down_at"] + 0.2, drained["exited_at"])
            faults[1]["sent_to_it_after_taken_out"] = sent
            if sent:
                failures.append(f"HAProxy sent {sent} requests to the stopping instance after taking it out")
        if load.unexpected:
            failures.append(f"unexpected answers: {load.unexpected}")
        kinds = collections.Counter(kind for _, _, kind, status in load.answers if status != "dropped" and status < 300)
        figures["answered_2xx"] = dict(kinds)
        figures["promised"] = {"accounts": len(load.accounts), "sessions": len(load.sessions), "lookups": load.lookups}
        if not load.accounts or not load.sessions or not load.lookups:
            failures.append(f"a flow never completed: {figures['promised']}")
        figures["metrics_instance3"] = [line for line in topology.metrics(56233).splitlines()
                                        if line.startswith(("portal_outbox_queued", "portal_outbox_oldest", "portal_database_errors"))
                                        or ('status="503"' in line and "_total" in line)][:20]
        completed = True
    finally:
        if load:
            load.finish()
        if not args.running:
            topology.stop(keep=args.keep or bool(failures) or not completed)  # the logs of a failed run stay

    figures["faults"] = faults
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2, default=str)
    lines = [f"  {f['fault']}: {f.get('errors')} answers 5xx/dropped of {f.get('answered')} "
             f"({f.get('errors_by_kind')}), errors for {f.get('error_seconds')} s; "
             + ", ".join(f"{k} {v}" for k, v in f.items() if k.endswith("_s") and k != "error_seconds")
             + f"; SMS sent twice {f.get('sent_twice')}; lost {f.get('lost')}; without an answer {len(f.get('hung', []))}" for f in faults]
    for f in faults:
        for key in ("in_flight_on_leader_before_kill", "new_leader_synchronous_standby_names", "waited_5s_on_new_leader",
                    "answered_after_5s"):
            if key in f:
                lines.append(f"    {key.replace('_', ' ')}: {f[key] or 'none'}")
        for instance, series in f.get("database_metrics_after", {}).items():
            lines.append(f"    {instance} after the fault: {'; '.join(series) or 'no portal_database series yet'}")
    print("\n".join(lines))
    inv = figures.get("invariants", {})
    return harness.report("fault_run", failures, started,
                          f"load answered {figures.get('answered_2xx')}; promised {figures.get('promised')}; outbox drained "
                          f"{figures.get('outbox_drained_s')} s after the load; {inv.get('accounts_registered')} registered + "
                          f"{inv.get('accounts_counter')} counter accounts, outbox {inv.get('outbox')}, "
                          f"{inv.get('gateway_deliveries')} deliveries of {inv.get('references_delivered')} references "
                          f"({inv.get('same_reference_again')} again with the same reference)")


if __name__ == "__main__":
    harness.run_script(main)
