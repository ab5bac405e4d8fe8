#!/usr/bin/env python3
"""The guessing limits hold across server processes that share one PostgreSQL database.

Starts two `portal serve` processes (different ports, the same DATABASE_URL, the same DATA_ENCRYPTION_KEY)
and one fake SMS gateway, then attacks through both at once:

  1. codes: for sign-in, registration and reset codes, many parallel wrong guesses on one code, half to
     each process: exactly OTP_MAX_ATTEMPTS - 1 answers say "wrong, N left", every other one says the code
     is dead, and afterwards the right code is refused by both processes;
  2. passwords: parallel wrong passwords for one account through both: exactly five are judged, the rest
     are told to wait;
  3. sends: parallel sign-ins for one account through both: the phone gets no more than its five codes
     an hour.

No answer may be a 5xx. The database is a new one made for the run (CREATE DATABASE on the server that
--database-url names, which needs that right) and dropped afterwards, so nothing else is touched.

    python3 Tests/security/multiprocess_limits.py --database-url postgres://postgres@127.0.0.1:55433/postgres
        [--rounds 5] [--parallel 24] [--binary .build/debug/portal]

Standard library only, plus the `psql` client to make and drop the database.
"""
import argparse
import base64
import collections
import concurrent.futures
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import portal_harness as harness  # noqa: E402


def send(server, method, path, body=None, address=None):
    """A call to one of the two servers from a client address (X-Forwarded-For), a random one by default."""
    address = address or f"10.77.{random.randint(0, 255)}.{random.randint(1, 254)}"
    return harness.call(server.port, method, path, body, timeout=60, headers={"X-Forwarded-For": address})


class Attack:
    def __init__(self, a, b, gateway, parallel):
        self.a, self.b, self.gateway, self.parallel = a, b, gateway, parallel
        self.citizens = harness.Citizens()
        self.statuses = collections.Counter()
        self.failures = []

    def expect(self, condition, message):
        if not condition:
            self.failures.append(message)

    def both(self, calls):
        """Runs (server, method, path, body, address) calls all at once; answers (status, error code) in order."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
            answers = list(pool.map(lambda c: send(*c), calls))
        out = []
        for status, payload in answers:
            self.statuses[status] += 1
            code = (payload or {}).get("error", {}).get("code") if isinstance(payload, dict) else None
            out.append((status, code))
        self.expect(all(s < 500 for s, _ in out), f"a 5xx answer: {out}")
        return out

    def register(self, citizen, via):
        harness.register(lambda method, path, body=None: send(via, method, path, body), self.gateway, citizen)

    def guesses_on_one_code(self, label, path, real, body_for):
        wrong = "000000" if real != "000000" else "000001"
        calls = [((self.a, self.b)[i % 2], "POST", path, body_for(wrong), None) for i in range(self.parallel)]
        answers = self.both(calls)
        counted = sum(1 for _, code in answers if code == "otp_invalid")
        dead = sum(1 for _, code in answers if code == "otp_exhausted")
        self.expect(counted == 4 and dead == self.parallel - 4,
                    f"{label}: {counted} 'wrong, N left' and {dead} 'dead' answers from {self.parallel} guesses: {answers}")
        for server in (self.a, self.b):
            status, payload = send(server, "POST", path, body_for(real))
            code = (payload or {}).get("error", {}).get("code")
            self.expect(code == "otp_exhausted", f"{label}: the right code on {server.name} after the attack: {status} {payload}")
        return counted

    def codes(self, rounds):
        counted = 0
        for r in range(rounds):
            via, other = (self.a, self.b) if r % 2 == 0 else (self.b, self.a)
            # Sign-in code: registered through one process, signed in through the other.
            citizen = self.citizens.new()
            self.register(citizen, via)
            mark = self.gateway.mark()
            status, challenge = send(other, "POST", "/api/v1/login", {"username": citizen["idNumber"], "password": citizen["password"]})
            assert status == 200, (status, challenge)
            real = self.gateway.latest_code(citizen["e164"], mark)
            counted += self.guesses_on_one_code("sign-in", f"/api/v1/login/{challenge['challengeId']}/verify", real,
                                                lambda c: {"code": c})
            # Registration code.
            fresh = self.citizens.new()
            mark = self.gateway.mark()
            status, started = send(via, "POST", "/api/v1/registrations", harness.registration_body(fresh))
            assert status == 201, (status, started)
            real = self.gateway.latest_code(fresh["e164"], mark)
            counted += self.guesses_on_one_code("registration", f"/api/v1/registrations/{started['id']}/verify", real,
                                                lambda c: {"code": c})
            # Reset code.
            mark = self.gateway.mark()
            status, reset = send(other, "POST", "/api/v1/password-resets", {"username": citizen["idNumber"]})
            assert status == 202, (status, reset)
            real = self.gateway.latest_code(citizen["e164"], mark)
            counted += self.guesses_on_one_code("reset", f"/api/v1/password-resets/{reset['id']}/complete", real,
                                                lambda c: {"code": c, "newPassword": "Mùa thu Hà Nội 1945 mới"})
        return counted

    def passwords(self):
        citizen = self.citizens.new()
        self.register(citizen, self.a)
        calls = [((self.a, self.b)[i % 2], "POST", "/api/v1/login", {"username": citizen["idNumber"], "password": f"guess {i}"},
                  f"10.66.{i // 200}.{i % 200 + 1}") for i in range(self.parallel)]
        answers = self.both(calls)
        judged = sum(1 for s, _ in answers if s == 401)
        paused = sum(1 for s, _ in answers if s == 429)
        self.expect(judged == 5 and paused == self.parallel - 5,
                    f"passwords: {judged} judged and {paused} paused of {self.parallel}: {answers}")
        return judged

    def sends(self):
        citizen = self.citizens.new()
        self.register(citizen, self.b)
        calls = [((self.a, self.b)[i % 2], "POST", "/api/v1/login", {"username": citizen["idNumber"], "password": citizen["password"]},
                  f"10.55.{i // 200}.{i % 200 + 1}") for i in range(self.parallel)]
        answers = self.both(calls)
        time.sleep(2)  # the outbox workers of both processes hand the codes to the gateway
        sent = len(self.gateway.messages(citizen["e164"], starting=harness.CODE_PREFIX))
        started = sum(1 for s, _ in answers if s == 200)
        self.expect(sent <= 5 and started == 4, f"sends: {started} sign-ins started and {sent} codes sent to one phone: {answers}")
        return sent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"),
                        help="any database on the PostgreSQL server to use; a new one is made beside it")
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=24)
    args = parser.parse_args(argv)
    if not args.database_url:
        raise SystemExit("give --database-url (or TEST_DATABASE_URL): a PostgreSQL server where a database may be made")
    if not harness.psql_path():
        raise SystemExit("psql is needed to make the test database")

    started = time.time()
    name = "portal_mp_" + uuid.uuid4().hex[:10]
    admin = harness.with_database(args.database_url, "postgres")
    harness.run_sql(admin, f"CREATE DATABASE {name}", timeout=None)
    tmp = tempfile.mkdtemp(prefix="portal-mp-")
    gateway = harness.Gateway()
    servers = []
    try:
        env = harness.portal_env(harness.with_database(args.database_url, name), gateway.url, harness.FAST_HASHING,
                                 DATA_ENCRYPTION_KEY=base64.b64encode(os.urandom(32)).decode(), HUMAN_CHECK="off",
                                 TRUSTED_PROXIES="127.0.0.1")
        # The first process makes the schema; the second starts on it.
        for server_name in ("A", "B"):
            servers.append(harness.Server(env, tmp, args.binary, name=server_name))
            servers[-1].start(timeout=60)
        attack = Attack(servers[0], servers[1], gateway, args.parallel)
        counted = attack.codes(args.rounds)
        judged = attack.passwords()
        sent = attack.sends()
        for server in servers:
            if not server.alive():
                attack.failures.append(f"server {server.name} died")
    finally:
        for server in servers:
            server.stop(timeout=15)
        gateway.stop()
        try:
            harness.run_sql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", timeout=None)
        except subprocess.CalledProcessError as error:
            print(f"could not drop {name}: {error.stderr.decode()}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)

    codes = args.rounds * 3
    guesses = codes * args.parallel
    return harness.report("multiprocess_limits", attack.failures, started,
                          f"2 processes on one PostgreSQL; "
                          f"{guesses} parallel wrong guesses on {codes} codes (sign-in, registration, reset): {counted} counted, "
                          f"at most 4 per code plus the fifth that kills it; {args.parallel} parallel wrong passwords: {judged} judged; "
                          f"{args.parallel} parallel sign-ins: {sent} codes sent to the phone; "
                          f"answers {dict(sorted(attack.statuses.items()))}")


if __name__ == "__main__":
    sys.exit(main())
