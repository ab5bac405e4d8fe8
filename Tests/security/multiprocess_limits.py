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
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROVINCES = ["001", "079", "048", "031", "092"]
PREFIXES = ["32", "33", "34", "35", "36", "37", "38", "39", "70", "76", "77", "78", "79", "81", "82", "83", "84", "85",
            "86", "88", "89", "90", "91", "93", "94", "96", "97", "98"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql():
    found = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    if not os.path.exists(found):
        raise SystemExit("psql is needed to make the test database")
    return found


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def run_sql(url, sql):
    subprocess.run([psql(), url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True)


class Gateway:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with gateway.lock:
                    gateway.messages.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def mark(self):
        with self.lock:
            return len(self.messages)

    def codes_to(self, phone):
        with self.lock:
            return [m for m in self.messages if m["to"] == phone and m["text"].startswith("Ma xac thuc")]

    def code(self, phone, after, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for m in self.messages[after:] if m["to"] == phone and m["text"].startswith("Ma xac thuc")]
            if found:
                return re.search(r"\b(\d{6})\b", found[-1]["text"]).group(1)
            time.sleep(0.05)
        raise AssertionError(f"no code reached {phone}")


class Server:
    def __init__(self, binary, env, name):
        self.port = free_port()
        self.name = name
        self.log_path = os.path.join(env["PORTAL_MP_TMP"], f"{name}.log")
        self.log = open(self.log_path, "w")
        env = dict(env, PUBLIC_BASE_URL=f"http://127.0.0.1:{self.port}")
        self.proc = subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
                                     cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(600):
            if self.proc.poll() is not None:
                break
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/health/ready")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server {name} did not start:\n" + open(self.log_path).read()[-3000:])

    def call(self, method, path, body=None, address=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json",
                   "X-Forwarded-For": address or f"10.77.{random.randint(0, 255)}.{random.randint(1, 254)}"}
        conn.request(method, path, body=json.dumps(body if body is not None else {}).encode(), headers=headers)
        res = conn.getresponse()
        data = res.read()
        conn.close()
        try:
            payload = json.loads(data or b"null")
        except ValueError:
            payload = None
        return res.status, payload

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class Citizen:
    def __init__(self):
        year = random.randint(1950, 2005)
        self.id_number = f"{random.choice(PROVINCES)}{(year - 1900) // 100 * 2}{year % 100:02d}{random.randint(0, 999999):06d}"
        self.dob = f"{year}-05-17"
        nine = random.choice(PREFIXES) + f"{random.randint(0, 9999999):07d}"
        self.phone, self.e164 = "0" + nine, "+84" + nine
        self.password = f"Sông Hồng chảy mãi {random.randint(1000, 9999)} {uuid.uuid4().hex[:6]}"

    def registration(self):
        return {"accountType": "citizen", "verificationMethod": "mobile", "idNumber": self.id_number,
                "fullName": "Nguyễn Thị Hồng Đào", "dateOfBirth": self.dob, "phone": self.phone}


class Attack:
    def __init__(self, a, b, gateway, parallel):
        self.a, self.b, self.gateway, self.parallel = a, b, gateway, parallel
        self.statuses = collections.Counter()
        self.failures = []

    def expect(self, condition, message):
        if not condition:
            self.failures.append(message)

    def both(self, calls):
        """Runs (server, method, path, body, address) calls all at once; answers (status, error code) in order."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
            answers = list(pool.map(lambda c: c[0].call(*c[1:]), calls))
        out = []
        for status, payload in answers:
            self.statuses[status] += 1
            code = (payload or {}).get("error", {}).get("code") if isinstance(payload, dict) else None
            out.append((status, code))
        self.expect(all(s < 500 for s, _ in out), f"a 5xx answer: {out}")
        return out

    def register(self, citizen, via):
        mark = self.gateway.mark()
        status, started = via.call("POST", "/api/v1/registrations", citizen.registration())
        assert status == 201, (status, started)
        rid = started["id"]
        status, verified = via.call("POST", f"/api/v1/registrations/{rid}/verify", {"code": self.gateway.code(citizen.e164, mark)})
        assert status == 200, (status, verified)
        status, done = via.call("POST", f"/api/v1/registrations/{rid}/complete",
                                {"completionToken": verified["completionToken"], "password": citizen.password})
        assert status == 201, (status, done)

    def guesses_on_one_code(self, label, path, real, body_for):
        wrong = "000000" if real != "000000" else "000001"
        calls = [((self.a, self.b)[i % 2], "POST", path, body_for(wrong), None) for i in range(self.parallel)]
        answers = self.both(calls)
        counted = sum(1 for _, code in answers if code == "otp_invalid")
        dead = sum(1 for _, code in answers if code == "otp_exhausted")
        self.expect(counted == 4 and dead == self.parallel - 4,
                    f"{label}: {counted} 'wrong, N left' and {dead} 'dead' answers from {self.parallel} guesses: {answers}")
        for server in (self.a, self.b):
            status, payload = server.call("POST", path, body_for(real))
            code = (payload or {}).get("error", {}).get("code")
            self.expect(code == "otp_exhausted", f"{label}: the right code on {server.name} after the attack: {status} {payload}")
        return counted

    def codes(self, rounds):
        counted = 0
        for r in range(rounds):
            via, other = (self.a, self.b) if r % 2 == 0 else (self.b, self.a)
            # Sign-in code: registered through one process, signed in through the other.
            citizen = Citizen()
            self.register(citizen, via)
            mark = self.gateway.mark()
            status, challenge = other.call("POST", "/api/v1/login", {"username": citizen.id_number, "password": citizen.password})
            assert status == 200, (status, challenge)
            real = self.gateway.code(citizen.e164, mark)
            counted += self.guesses_on_one_code("sign-in", f"/api/v1/login/{challenge['challengeId']}/verify", real,
                                                lambda c: {"code": c})
            # Registration code.
            fresh = Citizen()
            mark = self.gateway.mark()
            status, started = via.call("POST", "/api/v1/registrations", fresh.registration())
            assert status == 201, (status, started)
            real = self.gateway.code(fresh.e164, mark)
            counted += self.guesses_on_one_code("registration", f"/api/v1/registrations/{started['id']}/verify", real,
                                                lambda c: {"code": c})
            # Reset code.
            mark = self.gateway.mark()
            status, reset = other.call("POST", "/api/v1/password-resets", {"username": citizen.id_number})
            assert status == 202, (status, reset)
            real = self.gateway.code(citizen.e164, mark)
            counted += self.guesses_on_one_code("reset", f"/api/v1/password-resets/{reset['id']}/complete", real,
                                                lambda c: {"code": c, "newPassword": "Mùa thu Hà Nội 1945 mới"})
        return counted

    def passwords(self):
        citizen = Citizen()
        self.register(citizen, self.a)
        calls = [((self.a, self.b)[i % 2], "POST", "/api/v1/login", {"username": citizen.id_number, "password": f"guess {i}"},
                  f"10.66.{i // 200}.{i % 200 + 1}") for i in range(self.parallel)]
        answers = self.both(calls)
        judged = sum(1 for s, _ in answers if s == 401)
        paused = sum(1 for s, _ in answers if s == 429)
        self.expect(judged == 5 and paused == self.parallel - 5,
                    f"passwords: {judged} judged and {paused} paused of {self.parallel}: {answers}")
        return judged

    def sends(self):
        citizen = Citizen()
        self.register(citizen, self.b)
        calls = [((self.a, self.b)[i % 2], "POST", "/api/v1/login", {"username": citizen.id_number, "password": citizen.password},
                  f"10.55.{i // 200}.{i % 200 + 1}") for i in range(self.parallel)]
        answers = self.both(calls)
        time.sleep(2)  # the outbox workers of both processes hand the codes to the gateway
        sent = len(self.gateway.codes_to(citizen.e164))
        started = sum(1 for s, _ in answers if s == 200)
        self.expect(sent <= 5 and started == 4, f"sends: {started} sign-ins started and {sent} codes sent to one phone: {answers}")
        return sent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL"),
                        help="any database on the PostgreSQL server to use; a new one is made beside it")
    parser.add_argument("--binary", default=os.environ.get("PORTAL_BINARY", str(ROOT / ".build" / "debug" / "portal")))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=24)
    args = parser.parse_args(argv)
    if not args.database_url:
        raise SystemExit("give --database-url (or TEST_DATABASE_URL): a PostgreSQL server where a database may be made")

    started = time.time()
    name = "portal_mp_" + uuid.uuid4().hex[:10]
    admin = with_database(args.database_url, "postgres")
    run_sql(admin, f"CREATE DATABASE {name}")
    tmp = tempfile.mkdtemp(prefix="portal-mp-")
    gateway = Gateway()
    servers = []
    try:
        env = dict(os.environ)
        env.pop("TEST_DATABASE_URL", None)
        env.update({
            "DATABASE_URL": with_database(args.database_url, name),
            "DATA_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
            "SMS_GATEWAY_URL": gateway.url,
            "HUMAN_CHECK": "off",
            "PASSWORD_SCRYPT_N": "16", "PASSWORD_SCRYPT_R": "1", "PASSWORD_SCRYPT_P": "1",
            "TRUSTED_PROXIES": "127.0.0.1",
            "PORTAL_MP_TMP": tmp,
        })
        # The first process makes the schema; the second starts on it.
        servers.append(Server(args.binary, env, "A"))
        servers.append(Server(args.binary, env, "B"))
        attack = Attack(servers[0], servers[1], gateway, args.parallel)
        counted = attack.codes(args.rounds)
        judged = attack.passwords()
        sent = attack.sends()
        for server in servers:
            if server.proc.poll() is not None:
                attack.failures.append(f"server {server.name} died")
    finally:
        for server in servers:
            server.stop()
        gateway.server.shutdown()
        try:
            run_sql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except subprocess.CalledProcessError as error:
            print(f"could not drop {name}: {error.stderr.decode()}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)

    codes = args.rounds * 3
    guesses = codes * args.parallel
    for failure in attack.failures:
        print("FAIL " + failure, file=sys.stderr)
    verdict = "PASS" if not attack.failures else f"FAIL ({len(attack.failures)})"
    print(f"multiprocess_limits: {verdict} in {time.time() - started:.0f} s — 2 processes on one PostgreSQL; "
          f"{guesses} parallel wrong guesses on {codes} codes (sign-in, registration, reset): {counted} counted, "
          f"at most 4 per code plus the fifth that kills it; {args.parallel} parallel wrong passwords: {judged} judged; "
          f"{args.parallel} parallel sign-ins: {sent} codes sent to the phone; "
          f"answers {dict(sorted(attack.statuses.items()))}")
    return 0 if not attack.failures else 1


if __name__ == "__main__":
    sys.exit(main())
