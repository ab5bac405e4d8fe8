#!/usr/bin/env python3
"""Random-JSON fuzzer for every call of the citizen API (/api/v1). Standard library only.

Starts the built debug server on a temporary SQLite file with HUMAN_CHECK=off and a local fake SMS gateway,
drives real flows to get live ids, codes and tokens, then sends random and mutated requests to every route:
wrong types, huge strings, deep nesting, odd Unicode, nulls, missing and extra fields, broken JSON, random
ids, tokens, content types and client addresses. Any 5xx answer or a connection the server drops without an
answer is a failure; so is the server process dying.

    python3 Tests/fuzz/fuzz_api.py --cases 100000 [--seed N] [--threads 4] [--binary .build/debug/portal]

Exit status 0 when every case got a non-5xx answer. The last line is the result, for RESULTS.md.
"""
import argparse
import collections
import http.client
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import portal_harness as harness  # noqa: E402

ROOT = harness.ROOT

# Every call of the citizen API: method, path (with {id}), whether it takes a bearer token, and a valid body.
ROUTES = [
    ("GET", "/api/v1/human-check", False, None),
    ("POST", "/api/v1/registrations", False, "registration"),
    ("POST", "/api/v1/registrations/{id}/otp", False, "empty"),
    ("POST", "/api/v1/registrations/{id}/verify", False, "code"),
    ("POST", "/api/v1/registrations/{id}/complete", False, "complete"),
    ("POST", "/api/v1/login", False, "login"),
    ("POST", "/api/v1/login/{id}/otp", False, "empty"),
    ("POST", "/api/v1/login/{id}/verify", False, "code"),
    ("POST", "/api/v1/password-resets", False, "reset"),
    ("POST", "/api/v1/password-resets/{id}/otp", False, "empty"),
    ("POST", "/api/v1/password-resets/{id}/complete", False, "reset_complete"),
    ("GET", "/api/v1/services", False, None),
    ("GET", "/api/v1/me", True, None),
    ("POST", "/api/v1/me/password", True, "change_password"),
    ("POST", "/api/v1/logout", True, "empty"),
    ("GET", "/api/v1/me/sessions", True, None),
    ("DELETE", "/api/v1/me/sessions/{id}", True, None),
    # Administration and the counter: signed in as the demo super admin or officer most of the time.
    ("GET", "/api/v1/admin/me", True, None),
    ("POST", "/api/v1/rights-requests", True, "rights_request"),
    ("GET", "/api/v1/admin/units", True, None),
    ("POST", "/api/v1/admin/units", True, "unit"),
    ("PATCH", "/api/v1/admin/units/{id}", True, "unit"),
    ("GET", "/api/v1/admin/units/{id}/staff", True, None),
    ("POST", "/api/v1/admin/units/{id}/staff", True, "grant"),
    ("DELETE", "/api/v1/admin/units/{id}/staff/{accountId}", True, None),
    ("GET", "/api/v1/admin/rights-requests", True, None),
    ("POST", "/api/v1/admin/rights-requests/{id}/approve", True, "empty"),
    ("POST", "/api/v1/admin/rights-requests/{id}/refuse", True, "empty"),
    ("GET", "/api/v1/admin/audit", True, None),
    ("GET", "/api/v1/admin/audit.csv", True, None),
    ("GET", "/api/v1/admin/citizen-accounts", True, None),
    ("GET", "/api/v1/admin/citizen-accounts/lookup", True, None),
    ("POST", "/api/v1/admin/citizen-accounts/drafts", True, "draft"),
    ("GET", "/api/v1/admin/citizen-accounts/drafts/{id}", True, None),
    ("PATCH", "/api/v1/admin/citizen-accounts/drafts/{id}", True, "draft"),
    ("GET", "/api/v1/admin/citizen-accounts/drafts/{id}/id-scan", True, None),
    ("GET", "/api/v1/admin/citizen-accounts/drafts/{id}/request-form.pdf", True, None),
    ("POST", "/api/v1/admin/citizen-accounts/drafts/{id}/otp", True, "empty"),
    ("GET", "/api/v1/admin/citizen-accounts/drafts/{id}/messages", True, None),
    ("POST", "/api/v1/admin/citizen-accounts/drafts/{id}/create", True, "code"),
    ("POST", "/api/v1/admin/citizen-accounts/{accountId}/password-reissue/otp", True, "empty"),
    ("POST", "/api/v1/admin/citizen-accounts/{accountId}/password-reissue", True, "code"),
]

# Demo staff (from `portal demo`), signed in once at the start: the super admin, an officer, the district admin.
STAFF = [harness.SUPER_ADMIN, harness.CENTRE_OFFICER, harness.DISTRICT_ADMIN]

PROVINCES = ["001", "079", "048", "031", "092", "038", "040", "026", "052", "096"]
MOBILE_PREFIXES = ["32", "33", "34", "35", "36", "37", "38", "39", "52", "56", "58", "59", "70", "76", "77", "78", "79",
                   "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "96", "97", "98", "99"]
# Integers at the edges of 32- and 64-bit arithmetic, for page numbers and sizes.
BOUNDARIES = [0, -1, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 + 1, 10 ** 17, 10 ** 18, 2 ** 62, 2 ** 63 - 1, 2 ** 63,
              -2 ** 63, -2 ** 63 - 1, 2 ** 64, "1e3", "0x10", "+5", " 7", "08"]
NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Long", "Phạm Thu Hà", "Đặng Quốc Việt", "Hồ Ngọc Thuý"]


# The server: a throwaway SQLite file, no human check, cheap hashing, client addresses from X-Forwarded-For (so
# that the per-address limits see many callers), codes sent again at once.
SETTINGS = {"HUMAN_CHECK": "off", **harness.FAST_HASHING, "TRUSTED_PROXIES": "127.0.0.1", "OTP_RESEND_SECONDS": "0",
            "LOG_LEVEL": "warning"}


class Dropped(Exception):
    pass


class Client:
    """One keep-alive connection; a request that gets no answer even on a fresh connection is 'dropped'."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def send(self, method, path, body, headers):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                res = self.conn.getresponse()
                data = res.read()
                if res.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return res.status, data
            except (http.client.HTTPException, OSError) as error:
                self.conn.close()
                self.conn = None
                # A keep-alive connection the server closed while idle fails at once: try a fresh one.
                if attempt == 2:
                    raise Dropped(f"{type(error).__name__}: {error}")


class Identity:
    def __init__(self, rng):
        year = rng.randint(1950, 2005)
        century = (year - 1900) // 100 * 2 + rng.randint(0, 1)
        self.id_number = f"{rng.choice(PROVINCES)}{century}{year % 100:02d}{rng.randint(0, 999999):06d}"
        self.dob = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        nine = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 9999999):07d}"
        self.phone = "0" + nine
        self.e164 = "+84" + nine
        self.name = rng.choice(NAMES)
        self.password = f"Trời xanh mây trắng {rng.randint(1000, 9999)} {uuid.uuid4().hex[:6]}"


class Live:
    """Real ids, codes and tokens, refreshed from time to time by driving the flows as a citizen would."""

    def __init__(self, port, gateway, rng):
        self.client = Client(port)
        self.gateway = gateway
        self.rng = rng
        self.lock = threading.Lock()
        self.ids = collections.defaultdict(list)
        self.tokens = []
        self.staff_tokens = []
        self.codes = []
        self.passwords = []
        self.identities = []

    def call(self, method, path, body=None, token=None):
        headers = {"Content-Type": "application/json", "X-Forwarded-For": f"10.200.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"}
        if token:
            headers["Authorization"] = "Bearer " + token
        status, data = self.client.send(method, path, json.dumps(body).encode() if body is not None else None, headers)
        try:
            return status, json.loads(data or b"null")
        except ValueError:
            return status, None

    def refresh(self):
        """One new citizen through registration and sign-in, and a flow of every kind left open."""
        who = Identity(self.rng)
        mark = self.gateway.mark()
        status, started = self.call("POST", "/api/v1/registrations", {
            "accountType": "citizen", "verificationMethod": "mobile", "idNumber": who.id_number,
            "fullName": who.name, "dateOfBirth": who.dob, "phone": who.phone})
        if status != 201:
            return
        registration = started["id"]
        code = self.gateway.code(who.e164, mark, timeout=10)
        status, verified = self.call("POST", f"/api/v1/registrations/{registration}/verify", {"code": code})
        if status != 200:
            return
        completion = verified["completionToken"]
        status, _ = self.call("POST", f"/api/v1/registrations/{registration}/complete",
                              {"completionToken": completion, "password": who.password})
        if status != 201:
            return
        mark = self.gateway.mark()
        status, challenge = self.call("POST", "/api/v1/login", {"username": who.id_number, "password": who.password})
        if status != 200:
            return
        code = self.gateway.code(who.e164, mark, timeout=10)
        status, signed = self.call("POST", f"/api/v1/login/{challenge['challengeId']}/verify", {"code": code})
        if status != 200:
            return
        token = signed["token"]
        _, sessions = self.call("GET", "/api/v1/me/sessions", token=token)
        mark = self.gateway.mark()
        _, open_challenge = self.call("POST", "/api/v1/login", {"username": who.phone, "password": who.password})
        _, reset = self.call("POST", "/api/v1/password-resets", {"username": who.id_number})
        other = Identity(self.rng)
        _, pending = self.call("POST", "/api/v1/registrations", {
            "accountType": "citizen", "verificationMethod": "mobile", "idNumber": other.id_number,
            "fullName": other.name, "dateOfBirth": other.dob, "phone": other.phone})
        with self.lock:
            self.tokens = (self.tokens + [token])[-20:]
            self.passwords = (self.passwords + [who.password])[-20:]
            self.identities = (self.identities + [who])[-20:]
            self.ids["registrations"] = (self.ids["registrations"] + [registration] + ([pending["id"]] if isinstance(pending, dict) and "id" in pending else []))[-20:]
            if isinstance(open_challenge, dict) and "challengeId" in open_challenge:
                self.ids["login"] = (self.ids["login"] + [open_challenge["challengeId"], challenge["challengeId"]])[-20:]
            if isinstance(reset, dict) and "id" in reset:
                self.ids["password-resets"] = (self.ids["password-resets"] + [reset["id"]])[-20:]
            if isinstance(sessions, dict):
                self.ids["sessions"] = (self.ids["sessions"] + [s["id"] for s in sessions.get("items", [])])[-20:]
            self.codes = (self.codes + [c for c in [code, self.gateway.code(who.e164, mark, timeout=2)] if c])[-20:]
            self.completion = completion

    def sign_in_staff(self):
        """The demo super admin, officer and district admin, so that admin calls get past the role checks."""
        for who in STAFF:
            try:
                self.staff_tokens.append(harness.sign_in_staff(self.call, self.gateway, who))
            except AssertionError:
                continue
        if self.staff_tokens:
            _, units = self.call("GET", "/api/v1/admin/units?per=100", token=self.staff_tokens[0])
            if isinstance(units, dict):
                self.ids["admin"] = [u["id"] for u in units.get("items", [])][:50]

    def staff_token(self):
        with self.lock:
            return self.rng.choice(self.staff_tokens) if self.staff_tokens else self.token()

    def pick(self, kind):
        with self.lock:
            pool = self.ids.get(kind) or []
            return self.rng.choice(pool) if pool else str(uuid.uuid4())

    def token(self):
        with self.lock:
            return self.rng.choice(self.tokens) if self.tokens else None


class Mutator:
    """Random JSON and the ways a body can be wrong."""

    STRINGS = ["", " ", "null", "true", "0", "-1", "1e309", "NaN", "\u0000", "\ud7ff", "\ufeff", "\u202e", "\u200d",
               "' OR 1=1 --", "\"; DROP TABLE accounts; --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "%s%n",
               "０９１２３４５６７８", "+84 (0) 912 345 678", "001090012345", "０01090012345", "2000-02-30", "9999-12-31",
               "0000-00-00", "17/05/1990", "Nguyễn Văn An", "\ud800", "a\udfffb", "N\u0301guye\u0302\u0303n", "🇻🇳" * 50, "\\", "\"", "{}", "[]"]

    def __init__(self, rng):
        self.rng = rng

    def text(self):
        r = self.rng.random()
        if r < 0.3:
            return self.rng.choice(self.STRINGS)
        if r < 0.5:
            return "".join(chr(self.rng.choice([self.rng.randint(0, 0x7F), self.rng.randint(0x80, 0x2FFF),
                                                self.rng.randint(0xE000, 0x10FFFF)])) for _ in range(self.rng.randint(0, 40)))
        if r < 0.6:
            return self.rng.choice("ab0<\"\\é") * self.rng.choice([100, 1000, 10000, 30000])
        if r < 0.8:
            return "".join(self.rng.choice("0123456789 .-+") for _ in range(self.rng.randint(0, 20)))
        return uuid.uuid4().hex[: self.rng.randint(0, 32)]

    def number(self):
        return self.rng.choice([0, -1, 1, 2 ** 31, 2 ** 63 - 1, -2 ** 63, 2 ** 64, 10 ** 30, 1.5, -0.0, 1e308, 123456,
                                self.rng.randint(-10 ** 9, 10 ** 9), self.rng.random()])

    def value(self, depth=0):
        r = self.rng.random()
        if depth > 3 or r < 0.35:
            return self.text()
        if r < 0.5:
            return self.number()
        if r < 0.6:
            return self.rng.choice([True, False, None])
        if r < 0.8:
            return [self.value(depth + 1) for _ in range(self.rng.randint(0, 5))]
        return {self.text()[:20]: self.value(depth + 1) for _ in range(self.rng.randint(0, 5))}

    def nested(self, depth):
        opening, closing = self.rng.choice([("[", "]"), ('{"a":', "}")])
        return opening * depth + self.rng.choice(["1", "null", '"x"']) + closing * depth

    def body(self, valid):
        """Raw bytes of a request body: usually a valid body with something wrong, sometimes anything at all."""
        r = self.rng.random()
        if valid is None or r < 0.08:
            return json.dumps(self.value()).encode()
        if r < 0.13:
            return self.nested(self.rng.choice([50, 500, 5000, 20000, 60000])).encode()
        if r < 0.18:
            raw = json.dumps(valid)
            return self.rng.choice([raw[: self.rng.randint(0, len(raw))].encode(), b"\xff\xfe\x00{", b"", b"{,}",
                                    raw.replace(":", "::").encode(), (raw[:-1] + ',"' + raw[1:]).encode(),
                                    b"{\"a\":1}" * 5000, os.urandom(self.rng.randint(1, 200))])
        body = dict(valid)
        for _ in range(self.rng.randint(1, 3)):
            op = self.rng.random()
            keys = list(body.keys())
            if op < 0.45 and keys:
                body[self.rng.choice(keys)] = self.value()
            elif op < 0.6 and keys:
                del body[self.rng.choice(keys)]
            elif op < 0.7 and keys:
                body[self.rng.choice(keys)] = None
            elif op < 0.8:
                body[self.text()[:30]] = self.value()
            elif op < 0.9 and keys:
                body[self.rng.choice(keys)] = json.loads(self.nested(self.rng.choice([10, 100, 800])))
            else:
                return (json.dumps(body)[:-1] + ", " + json.dumps(self.rng.choice(keys or ["x"])) + ": "
                        + json.dumps(self.value()) + "}").encode()
        return json.dumps(body, ensure_ascii=self.rng.random() < 0.5).encode("utf-8", "surrogatepass")


def valid_body(kind, live, rng):
    who = rng.choice(live.identities) if live.identities else Identity(rng)
    code = rng.choice(live.codes) if live.codes and rng.random() < 0.3 else f"{rng.randint(0, 999999):06d}"
    return {
        "registration": lambda: {"accountType": "citizen", "verificationMethod": "mobile", "idNumber": Identity(rng).id_number,
                                 "fullName": rng.choice(NAMES), "dateOfBirth": "1990-05-17", "phone": Identity(rng).phone,
                                 "email": "a@b.vn", "humanCheck": ""},
        "empty": lambda: {},
        "code": lambda: {"code": code},
        "complete": lambda: {"completionToken": getattr(live, "completion", "x"), "password": who.password},
        "login": lambda: {"username": rng.choice([who.id_number, who.phone, who.e164]), "password": who.password},
        "reset": lambda: {"username": who.id_number, "humanCheck": ""},
        "reset_complete": lambda: {"code": code, "newPassword": "Một mật khẩu mới rất dài 2025"},
        "change_password": lambda: {"currentPassword": who.password, "newPassword": "Một mật khẩu mới rất dài 2025"},
        "rights_request": lambda: {"unitId": live.pick("admin"), "position": "Chuyên viên một cửa"},
        "unit": lambda: {"name": "Bộ phận một cửa " + rng.choice(NAMES), "parentId": live.pick("admin"), "code": f"FZ-{rng.randint(0, 10 ** 6)}",
                         "kind": rng.choice(["other", "commune", "district", "planet"])},
        "grant": lambda: {"idNumber": who.id_number, "roles": rng.sample(["member", "officer", "unit_admin", "super_admin", "x"], 2)},
        "draft": lambda: {"idNumber": Identity(rng).id_number, "fullName": rng.choice(NAMES), "dateOfBirth": "1990-05-17",
                          "phone": Identity(rng).phone, "unitId": live.pick("admin")},
    }[kind]()


def make_case(rng, mutator, live):
    method, template, needs_token, kind = rng.choice(ROUTES)
    if "{accountId}" in template:
        template = template.replace("{accountId}", str(uuid.uuid4()) if rng.random() < 0.8 else urllib.parse.quote(mutator.text()[:100], safe="", errors="surrogatepass") or "x")
    if "{id}" in template:
        family = template.split("/")[3]
        r = rng.random()
        if r < 0.5:
            ident = live.pick("sessions" if family == "me" else family)
        elif r < 0.7:
            ident = str(uuid.uuid4()).upper() if rng.random() < 0.5 else str(uuid.uuid4())
        else:
            ident = urllib.parse.quote(mutator.text()[:300], safe="", errors="surrogatepass") or "x"
        path = template.replace("{id}", ident)
    else:
        path = template
    if method == "GET" and rng.random() < 0.7:
        params = {k: (mutator.text() if rng.random() < 0.4 else str(mutator.number()) if rng.random() < 0.5
                      else str(rng.choice(BOUNDARIES)))[:500]
                  for k in rng.sample(["q", "page", "per", "chon", "x", "idNumber", "status", "action", "actor", "from", "role"], rng.randint(1, 3))}
        path += "?" + urllib.parse.urlencode(params, errors="surrogatepass")
    headers = {"X-Forwarded-For": rng.choice([f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                                               "::1", "garbage", "1.2.3.4, 5.6.7.8", "", "2001:db8::" + str(rng.randint(1, 9999))])}
    if rng.random() < 0.9:
        headers["Content-Type"] = "application/json" if rng.random() < 0.85 else rng.choice(
            ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1",
             "application/vnd.api+json", "application/json, text/html", "*/*", "garbage"])
    if rng.random() < 0.3:
        headers["Accept-Language"] = rng.choice(["en", "vi", "en-US,en;q=0.9", "zz", "*", ";;;", "x" * 300])
    if needs_token or rng.random() < 0.2:
        r = rng.random()
        staff = "/admin/" in path or "rights-requests" in path
        token = (live.staff_token() if staff and r < 0.6 else live.token()) if r < 0.7 else (mutator.text()[:200] if r < 0.9 else uuid.uuid4().hex * 3)
        if token is not None:
            headers["Authorization"] = rng.choice(["Bearer ", "bearer ", "Basic ", "Bearer  ", ""]) + token
    # Header values as bytes: any Unicode goes out as UTF-8, but no control character that would break HTTP itself.
    headers = {k: "".join(c for c in v if c >= " " and c != "\x7f").encode("utf-8", "surrogatepass") for k, v in headers.items()}
    body = None
    if method != "GET" or rng.random() < 0.05:
        body = mutator.body(valid_body(kind, live, rng) if kind else None)
    return method, path, body, headers


def describe(case):
    method, path, body, headers = case
    return f"{method} {path[:200]} headers={ {k: bytes(v[:60]) for k, v in headers.items()} } body={(body or b'')[:300]!r}"


def run(cases, seed, threads, binary, quiet=False, postgres_url=None):
    """Answers the failures. With `postgres_url` (any database of a PostgreSQL server), on a new database made
    beside it and dropped afterwards; else on a SQLite file."""
    if postgres_url:
        with harness.new_postgres_database(postgres_url, "portal_fuzz_") as database_url:
            return _run(cases, seed, threads, binary, quiet, database_url)
    return _run(cases, seed, threads, binary, quiet, None)


def _run(cases, seed, threads, binary, quiet, database_url):
    gateway = harness.Gateway()
    data = tempfile.mkdtemp(prefix="portal-fuzz-")
    portal = harness.Server(harness.portal_env(database_url or harness.sqlite_url(data), gateway.url, SETTINGS), data, binary)
    failures = []
    statuses = collections.Counter()
    started = time.time()
    lock = threading.Lock()
    done = [0]
    try:
        portal.demo(timeout=120)
        portal.start(timeout=30)
        live = Live(portal.port, gateway, random.Random(seed))
        for _ in range(3):
            live.refresh()
        live.sign_in_staff()
        if not live.tokens:
            raise RuntimeError("could not drive a citizen through registration and sign-in:\n" + portal.log_tail())

        def worker(index, count):
            rng = random.Random(f"{seed}-{index}")
            mutator = Mutator(rng)
            client = Client(portal.port)
            for n in range(count):
                if index == 0 and n and n % 500 == 0:
                    live.refresh()
                case = make_case(rng, mutator, live)
                try:
                    status, _ = client.send(*case)
                except (ValueError, UnicodeError) as error:
                    # The fuzzer could not even put this case on the wire: not the server's fault, but counted.
                    with lock:
                        statuses["unsendable"] += 1
                    continue
                except Dropped as error:
                    with lock:
                        failures.append(f"dropped ({error}): {describe(case)}")
                        statuses["dropped"] += 1
                    if not portal.alive():
                        return
                    continue
                with lock:
                    statuses[status] += 1
                    done[0] += 1
                    if status >= 500:
                        failures.append(f"{status}: {describe(case)}")
                    if not quiet and done[0] % 10000 == 0:
                        print(f"  {done[0]} cases, {len(failures)} failures, {time.time() - started:.0f} s", flush=True)

        shares = [cases // threads + (1 if i < cases % threads else 0) for i in range(threads)]
        pool = [threading.Thread(target=worker, args=(i, shares[i])) for i in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        if not portal.alive():
            failures.append("the server process died:\n" + portal.log_tail())
        else:
            # The server still answers properly after it all.
            try:
                status, _ = Client(portal.port).send("GET", "/health/ready", None, {})
                if status != 200:
                    failures.append(f"/health/ready answered {status} after the run")
            except Dropped as error:
                failures.append(f"/health/ready got no answer after the run: {error}")
    finally:
        if failures:
            print("server log (tail):\n" + portal.log_tail(), file=sys.stderr)
        portal.stop(timeout=15)
        gateway.stop()
        shutil.rmtree(data, ignore_errors=True)
    elapsed = time.time() - started
    for failure in failures[:20]:
        print("FAIL " + failure, file=sys.stderr)
    histogram = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))
    fives = sum(v for k, v in statuses.items() if isinstance(k, int) and k >= 500)
    where = "PostgreSQL" if database_url else "SQLite"
    print(f"fuzz_api: {sum(statuses.values())} cases on {where}, seed {seed}, {threads} threads, {elapsed:.0f} s; "
          f"5xx: {fives}, dropped: {statuses['dropped']}; statuses {{{histogram}}}")
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--binary", default=harness.DEFAULT_BINARY)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server's database; a new one is made beside it")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1, 10 ** 9)
    failures = run(args.cases, seed, args.threads, args.binary, args.quiet, args.database_url)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
