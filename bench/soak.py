#!/usr/bin/env python3
"""Soak: a steady request rate for a number of minutes; no error, memory flat, latency steady.

Starts `portal serve` (the debug build unless --binary says otherwise) on a temporary SQLite file with a fake SMS
gateway, registers a pool of citizens, then sends requests at a fixed rate (open loop: a request is due every
1/rate seconds whatever the answers do), mixed as

    GET /                 25 %      GET /api/v1/services (a third with ?q=)   25 %
    GET /health/ready     20 %      GET /api/v1/me with a signed-in token     25 %
    sign-in               5 %       (password, the SMS code from the fake gateway, verify; the new token
                                     replaces the oldest one, which is logged out)

Every 10 s it samples the server's VmRSS (/proc/PID/status); every minute it prints the requests, errors and
p50/p99 latency. At the end it judges:

  - errors: no answer other than the expected 2xx, no dropped connection, and at most 1 % of the requests sent
    more than 1 s after they were due;
  - memory: the lowest RSS sample of the last minute is at most --rss-slack-mb (default 4) above that of the
    second minute (runs of 3 minutes or more; a sign-in's scrypt borrows 32 MB for a moment, which the lowest
    sample leaves out; measured growth: under 1 MB in 10 minutes, bench/SOAK.md);
  - latency: the last minute's p99 is under 3× the first full minute's p99 + 50 ms.

    python3 bench/soak.py --minutes 10 [--rate 20] [--binary .build/release/portal] [--light-hashing]

The passwords are hashed with the portal's default scrypt parameters unless --light-hashing is given. Exit
status 0 when all three hold; the last line is the result. Standard library only.
"""
import argparse
import collections
import http.client
import os
import queue
import random
import shutil
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "Tests" / "harness"))
import portal_harness as harness  # noqa: E402

MIX = [("home", 25), ("ready", 20), ("services", 25), ("me", 25), ("signin", 5)]


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def cpu_seconds(pid):
    """User and system CPU time of a process, in seconds, from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Soak:
    def __init__(self, port, gateway, members, tokens, rate):
        self.port, self.gateway, self.members, self.rate = port, gateway, members, rate
        self.tokens = collections.deque(tokens)
        self.idle = queue.Queue()
        for member in members:
            self.idle.put(member)
        self.lock = threading.Lock()
        self.records = []           # (minute, op, seconds, ok, late)
        self.errors = collections.Counter()
        self.examples = []
        self.jobs = queue.Queue()
        self.started = None

    def get(self, path, token=None, expect=200):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            conn.request("GET", path, headers=headers)
            res = conn.getresponse()
            res.read()
            return res.status == expect, res.status
        finally:
            conn.close()

    def sign_in(self):
        # One sign-in per member at a time, or the code read from the gateway could be the other one's.
        member = self.idle.get(timeout=30)
        try:
            token = harness.sign_in(self.port, self.gateway, member["idNumber"], member["password"], member["e164"])
        finally:
            self.idle.put(member)
        with self.lock:
            self.tokens.append(token)
            old = self.tokens.popleft()
        status, _ = harness.call(self.port, "POST", "/api/v1/logout", {}, token=old)
        return status == 204, status

    def one(self, op):
        if op == "home":
            return self.get("/")
        if op == "ready":
            return self.get("/health/ready")
        if op == "services":
            return self.get("/api/v1/services" + (random.choice(["?q=ho%20tich", "?q=dat%20dai", "?q=khai%20sinh"]) if random.random() < 0.33 else ""))
        if op == "me":
            with self.lock:
                token = random.choice(self.tokens)
            return self.get("/api/v1/me", token=token)
        return self.sign_in()

    def worker(self):
        while True:
            job = self.jobs.get()
            if job is None:
                return
            op, due = job
            begin = time.monotonic()
            late = begin - due
            try:
                ok, status = self.one(op)
            except (OSError, http.client.HTTPException, AssertionError, queue.Empty) as error:
                ok, status = False, f"{type(error).__name__}: {error}"[:120]
            seconds = time.monotonic() - begin
            minute = int((due - self.started) // 60)
            with self.lock:
                self.records.append((minute, op, seconds, ok, late))
                if not ok:
                    self.errors[(op, str(status)[:60])] += 1
                    if len(self.examples) < 10:
                        self.examples.append(f"{op}: {status}")

    def run(self, seconds, workers=16):
        threads = [threading.Thread(target=self.worker, daemon=True) for _ in range(workers)]
        for t in threads:
            t.start()
        ops = [op for op, weight in MIX for _ in range(weight)]
        self.started = time.monotonic()
        i = 0
        while True:
            due = self.started + i / self.rate
            if due - self.started >= seconds:
                break
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.jobs.put((random.choice(ops), due))
            i += 1
        for _ in threads:
            self.jobs.put(None)
        for t in threads:
            t.join(timeout=60)
        return i


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second (a sign-in counts as one)")
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--members", type=int, default=12, help="citizens registered first, who then sign in")
    parser.add_argument("--light-hashing", action="store_true", help="cheap scrypt parameters instead of the defaults")
    parser.add_argument("--rss-slack-mb", type=float, default=4.0,
                        help="largest growth of the RSS floor from the second minute to the last")
    args = parser.parse_args(argv)

    t_start = time.time()
    # The portal's default scrypt parameters unless --light-hashing: the variables are removed.
    hashing = {} if args.light_hashing else dict.fromkeys(harness.FAST_HASHING)
    tmp, gateway, server = harness.scratch("portal-soak-", args.binary, None, hashing,
                                           OTP_MAX_PER_HOUR=1000, OTP_MAX_PER_DAY=1000, LOG_LEVEL="error")
    port = server.port
    failures = []
    rss = []
    machine = []  # (seconds, 1-minute load average, the server's CPU seconds so far)
    try:
        server.start()
        citizens = harness.Citizens(seed=31)
        members, tokens = [], []
        for _ in range(args.members):
            c = citizens.new()
            harness.register(port, gateway, c)
            members.append(c)
            tokens.append(harness.sign_in(port, gateway, c["idNumber"], c["password"], c["e164"]))

        soak = Soak(port, gateway, members, tokens, args.rate)
        stop = threading.Event()

        def sample():
            t0 = time.monotonic()
            while not stop.is_set():
                rss.append((time.monotonic() - t0, server.rss_kb() or 0))
                machine.append((time.monotonic() - t0, load_average(), cpu_seconds(server.pid)))
                stop.wait(10)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        sent = soak.run(args.minutes * 60)
        stop.set()
        sampler.join()
        rss.append((args.minutes * 60, server.rss_kb() or 0))
        alive = server.alive()
    finally:
        server.stop()
        gateway.stop()
        log_tail = server.log_tail(20)
        shutil.rmtree(tmp, ignore_errors=True)

    # Per minute.
    minutes = sorted({r[0] for r in soak.records})
    # The server's own CPU per minute tells its work from the machine's: a p99 that rises while the server's CPU
    # per minute stays flat and the load average rises was caused by something else on the machine.
    print(f"{'min':>3} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'sign-in p50':>11} {'RSS MB':>7} "
          f"{'server CPU s':>12} {'load':>5}   p99 ms: home ready services me")
    p99s = {}
    for m in minutes:
        rows = [r for r in soak.records if r[0] == m]
        plain = [r[2] for r in rows if r[1] != "signin"]
        signin = [r[2] for r in rows if r[1] == "signin"]
        errors = sum(1 for r in rows if not r[3])
        p99s[m] = percentile(plain, 99)
        mem = [kb for t, kb in rss if m * 60 <= t < (m + 1) * 60]
        inside = [(t, load, cpu) for t, load, cpu in machine if m * 60 <= t < (m + 1) * 60 + 10]
        cpu = (inside[-1][2] - inside[0][2]) * 60 / max(1, inside[-1][0] - inside[0][0]) if len(inside) > 1 else 0
        load = max((x[1] for x in inside), default=0)
        per_op = " ".join(f"{percentile([r[2] for r in rows if r[1] == op], 99) * 1000:.0f}" for op in ("home", "ready", "services", "me"))
        print(f"{m + 1:>3} {len(rows):>8} {errors:>6} {percentile(plain, 50) * 1000:>7.1f} {p99s[m] * 1000:>7.1f} "
              f"{max(plain, default=0) * 1000:>7.1f} {percentile(signin, 50) * 1000:>11.0f} {(max(mem) / 1024 if mem else 0):>7.1f} "
              f"{cpu:>12.1f} {load:>5.2f}   {per_op}")
    print("RSS samples (MB, every 10 s): " + " ".join(f"{kb / 1024:.0f}" for _, kb in rss))

    errors = sum(1 for r in soak.records if not r[3])
    late = sum(1 for r in soak.records if r[4] > 1.0)
    if errors:
        failures.append(f"{errors} errors: {dict(soak.errors)}; e.g. {soak.examples[:5]}")
    if late > len(soak.records) // 100:
        failures.append(f"{late} requests went out more than 1 s after they were due (the generator or the server fell behind)")
    if not alive:
        failures.append("the server died:\n" + log_tail)
    # Memory after warm-up: the floor (lowest sample) of the second minute against that of the last minute. Each
    # sign-in's scrypt takes 32 MB for a moment and gives it back, so single samples jump by 32 or 64 MB; the
    # floor is what the server keeps.
    def floor_mb(samples):
        return min(kb for _, kb in samples) / 1024 if samples else 0.0
    warm_mb = floor_mb([(t, kb) for t, kb in rss if 60 <= t < 120])
    end_mb = floor_mb([(t, kb) for t, kb in rss if t >= args.minutes * 60 - 60])
    growth_mb = end_mb - warm_mb
    if args.minutes >= 3 and growth_mb > args.rss_slack_mb:
        failures.append(f"RSS grew by {growth_mb:.1f} MB from the second minute to the last (floors {warm_mb:.1f} → {end_mb:.1f} MB; limit {args.rss_slack_mb:g} MB)")
    full = [m for m in minutes if (m + 1) * 60 <= args.minutes * 60]
    if len(full) >= 2 and p99s[full[-1]] > 3 * p99s[full[0]] + 0.05:
        failures.append(f"p99 went from {p99s[full[0]] * 1000:.0f} ms in minute 1 to {p99s[full[-1]] * 1000:.0f} ms in minute {full[-1] + 1}")

    all_plain = [r[2] for r in soak.records if r[1] != "signin"]
    signins = [r[2] for r in soak.records if r[1] == "signin"]
    verdict = harness.verdict(failures)
    print(f"soak: {verdict} — {args.minutes:g} min at {args.rate:g}/s ({sent} requests, {errors} errors, {late} late); "
          f"p50 {percentile(all_plain, 50) * 1000:.1f} ms, p99 {percentile(all_plain, 99) * 1000:.1f} ms "
          f"(sign-in with its SMS code p50 {percentile(signins, 50) * 1000:.0f} ms, p99 {percentile(signins, 99) * 1000:.0f} ms); "
          f"RSS {rss[0][1] / 1024:.0f} MB at start, floor {warm_mb:.1f} MB in minute 2 and {end_mb:.1f} MB in the last minute "
          f"(growth {growth_mb:+.1f} MB, limit {args.rss_slack_mb:g}; max {max(kb for _, kb in rss) / 1024:.0f}); "
          f"{time.time() - t_start:.0f} s in all")
    return 0 if not failures else 1


if __name__ == "__main__":
    harness.run_script(main)
