"""What the fault, upload and soak scripts share: a fake SMS gateway that can go down or answer garbage, the
debug server started and killed as a process, API calls, made-up citizens, and the tables read back with the
sqlite3 module or psql. Standard library only."""
import base64
import csv
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
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
DEFAULT_BINARY = os.environ.get("PORTAL_BINARY", str(ROOT / ".build" / "debug" / "portal"))
PG_BIN = "/usr/lib/postgresql/15/bin"

# Demo staff from `portal demo`: the commune desk's officer and a citizen, all with one password.
OFFICER_ID, OFFICER_PHONE = "033092000004", "+84912000004"
DEMO_CITIZEN_ID, DEMO_CITIZEN_PHONE = "033060000011", "+84912000011"
DEMO_PASSWORD = "PhoNoi@Hy2025"
DEMO_UNIT_CODE = "DEMO-HY-VL-LD-BPMC"

PROVINCES = ["001", "079", "048", "031", "092", "038", "040", "026", "052", "096"]
PREFIXES = ["32", "33", "34", "35", "36", "37", "38", "39", "70", "76", "77", "78", "79", "81", "82", "83", "84", "85",
            "86", "88", "89", "90", "91", "93", "94", "96", "97", "98"]


def exit_cleanly_on_sigterm():
    """A script stopped with SIGTERM still runs its `finally` blocks: its server and database go with it."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


# ---------------------------------------------------------------------------------------------------------
# The SMS gateway

class QuietServer(ThreadingHTTPServer):
    """A killed portal cuts its requests off mid-way; that is expected here, not worth a traceback."""
    allow_reuse_address = True
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


class Gateway:
    """Answers like the contract's gateway. `mode` decides each answer:
    accept — 200; down — the port is closed (connection refused); status:N — HTTP N with a short body;
    junk — bytes that are not HTTP at all, then the connection is closed; slow:S — waits S seconds, then 200.
    `received` holds every request that reached it; `accepted` the bodies answered 2xx, in order."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.received = []
        self.accepted = []
        self.accepted_at = []
        self.mode = "accept"
        self.server = None
        self.connections = set()
        self.up()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/sms"

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with gateway.lock:
                    gateway.connections.add(self.connection)

            def finish(self):
                with gateway.lock:
                    gateway.connections.discard(self.connection)
                try:
                    super().finish()
                except OSError:
                    pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with gateway.lock:
                    gateway.received.append(body)
                    mode = gateway.mode
                if mode == "junk":
                    self.wfile.write(b"\x00\x01\x02 not http at all \xff\r\n\r\n")
                    self.close_connection = True
                    return
                status = 200
                if mode.startswith("status:"):
                    status = int(mode.split(":")[1])
                elif mode.startswith("slow:"):
                    time.sleep(float(mode.split(":")[1]))
                payload = b'{"status":"accepted"}' if status < 300 else b"\x00<html>gateway error</html>"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    self.wfile.flush()
                except OSError:
                    return  # the portal gave up waiting: not accepted
                if status < 300:
                    with gateway.lock:
                        gateway.accepted.append(body)
                        gateway.accepted_at.append(time.monotonic())

            def log_message(self, *args):
                pass

        return Handler

    def up(self):
        with self.lock:
            if self.server:
                return
            self.server = QuietServer(("127.0.0.1", self.port), self._handler())
            threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        """Closes the port and every open connection: the portal's kept-alive ones would go on working."""
        with self.lock:
            server, self.server = self.server, None
        if server:
            server.shutdown()
            server.server_close()
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def set_mode(self, mode):
        with self.lock:
            self.mode = mode

    def mark(self):
        with self.lock:
            return len(self.accepted)

    def code(self, phone, after=0, timeout=15):
        """The 6 digits of the newest code SMS accepted for `phone` after position `after`."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for m in self.accepted[after:] if m["to"] == phone and m["text"].startswith("Ma xac thuc")]
            if found:
                return re.search(r"\b(\d{6})\b", found[-1]["text"]).group(1)
            time.sleep(0.05)
        return None

    def accepted_references(self):
        with self.lock:
            return [m["reference"] for m in self.accepted]

    def acceptance_times(self):
        """reference → every monotonic time the gateway answered 2xx for it."""
        with self.lock:
            times = {}
            for m, at in zip(self.accepted, self.accepted_at):
                times.setdefault(m["reference"], []).append(at)
            return times

    def first_acceptance(self):
        """reference → the monotonic time the gateway first answered 2xx for it."""
        with self.lock:
            first = {}
            for m, at in zip(self.accepted, self.accepted_at):
                first.setdefault(m["reference"], at)
            return first

    def stop(self):
        self.down()


# ---------------------------------------------------------------------------------------------------------
# The server as a process

def base_env(database_url, gateway_url, port=None, **extra):
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    env.update({
        "DATABASE_URL": database_url,
        "SMS_GATEWAY_URL": gateway_url,
        "DATA_ENCRYPTION_KEY": base64.b64encode(bytes(range(101, 133))).decode(),
        "HUMAN_CHECK": "off",
        "PASSWORD_SCRYPT_N": "16", "PASSWORD_SCRYPT_R": "1", "PASSWORD_SCRYPT_P": "1",
        "RATE_LIMIT_PER_IP_PER_HOUR": "1000000",
        "OTP_RESEND_SECONDS": "0",
        "LOG_LEVEL": "warning",
    })
    if port:
        env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_demo(binary, env, log):
    subprocess.run([binary, "demo"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=180, check=True)


class Server:
    """`portal serve` on a fixed port, so that it can be killed and started again at the same address."""

    def __init__(self, binary, env, port, log_path):
        self.binary, self.env, self.port, self.log_path = binary, env, port, log_path
        self.proc = None
        self.starts = 0

    def start(self, timeout=120):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.binary, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
                                     cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.starts += 1
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _ = call(self.port, "GET", "/health/ready", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the server did not become ready:\n" + self.log_tail())

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def rss_kb(self):
        return rss_kb(self.pid)

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


def rss_kb(pid):
    """VmRSS of a process in kB, from /proc."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# ---------------------------------------------------------------------------------------------------------
# Calls

def call(port, method, path, body=None, token=None, timeout=30, headers=None):
    """One request on a fresh connection; answers (status, parsed JSON or None). Raises OSError when the
    server cannot be reached or drops the connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        data = None if body is None and method == "GET" else json.dumps(body if body is not None else {}).encode()
        conn.request(method, path, body=data, headers=h)
        res = conn.getresponse()
        raw = res.read()
    except (http.client.HTTPException, ConnectionError) as error:
        raise OSError(str(error)) from error
    finally:
        conn.close()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = None
    return res.status, payload


def error_code(payload):
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return payload["error"].get("code")
    return None


class Citizens:
    """Made-up people with ID numbers and phones never handed out twice in one run."""

    def __init__(self, seed=None):
        self.rng = random.Random(seed)
        self.used = set()
        self.lock = threading.Lock()

    def new(self):
        with self.lock:
            while True:
                year = self.rng.randint(1950, 2005)
                id_number = f"{self.rng.choice(PROVINCES)}{(year - 1900) // 100 * 2}{year % 100:02d}{self.rng.randint(0, 999999):06d}"
                nine = self.rng.choice(PREFIXES) + f"{self.rng.randint(0, 9999999):07d}"
                if id_number in self.used or nine in self.used:
                    continue
                self.used.update((id_number, nine))
                return {
                    "idNumber": id_number, "dateOfBirth": f"{year}-05-17", "fullName": "Nguyễn Thị Hồng Đào",
                    "phone": "0" + nine, "e164": "+84" + nine,
                    "password": f"Sông Hồng chảy mãi {self.rng.randint(1000, 9999)} {uuid.uuid4().hex[:6]}",
                }


def registration_body(c):
    return {"accountType": "citizen", "verificationMethod": "mobile", "idNumber": c["idNumber"], "fullName": c["fullName"],
            "dateOfBirth": c["dateOfBirth"], "phone": c["phone"]}


def sign_in(port, gateway, username, password, phone):
    mark = gateway.mark()
    status, started = call(port, "POST", "/api/v1/login", {"username": username, "password": password})
    if status != 200:
        raise AssertionError(f"sign-in of {username}: {status} {started}")
    code = gateway.code(phone, mark)
    if code is None:
        raise AssertionError(f"no sign-in code reached {phone}")
    status, verified = call(port, "POST", f"/api/v1/login/{started['challengeId']}/verify", {"code": code})
    if status != 200:
        raise AssertionError(f"sign-in code of {username}: {status} {verified}")
    return verified["token"]


def officer_unit(port, token):
    status, me = call(port, "GET", "/api/v1/admin/me", token=token)
    assert status == 200, (status, me)
    for unit in me.get("units", []):
        if unit.get("code") == DEMO_UNIT_CODE or "Lạc Đạo" in unit.get("name", ""):
            return unit["id"]
    raise AssertionError(f"the demo officer has no desk unit: {me}")


def multipart(fields, file_field, filename, content_type, data):
    boundary = "----portal-" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode())
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{filename}\"\r\n"
                 f"Content-Type: {content_type}\r\n\r\n".encode())
    head = b"".join(parts)
    tail = f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", head, data, tail


def pdf_of_size(size):
    """A small valid PDF padded with a comment to exactly `size` bytes."""
    head = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%"
    tail = b"\n%%EOF\n"
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


def draft_fields(citizen, unit):
    return {"idNumber": citizen["idNumber"], "fullName": citizen["fullName"], "dateOfBirth": citizen["dateOfBirth"],
            "phone": citizen["phone"], "email": "", "unitId": unit}


def upload_draft(port, token, citizen, unit, data, filename="cccd.pdf", timeout=60):
    content_type, head, file_bytes, tail = multipart(draft_fields(citizen, unit), "idScan", filename, "application/pdf", data)
    body = head + file_bytes + tail
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/api/v1/admin/citizen-accounts/drafts", body=body,
                     headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"})
        res = conn.getresponse()
        raw = res.read()
    except (http.client.HTTPException, ConnectionError) as error:
        raise OSError(str(error)) from error
    finally:
        conn.close()
    try:
        return res.status, json.loads(raw) if raw else None
    except ValueError:
        return res.status, None


# ---------------------------------------------------------------------------------------------------------
# Databases

def psql_path():
    found = shutil.which("psql") or os.path.join(PG_BIN, "psql")
    return found if os.path.exists(found) else None


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def run_sql(url, sql):
    subprocess.run([psql_path(), url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True, timeout=60)


class Tables:
    """Reads rows as dicts from a SQLite file or a PostgreSQL URL. UUIDs come back as lowercase text either way."""

    def __init__(self, database_url):
        self.url = database_url

    def rows(self, sql):
        if self.url.startswith("sqlite"):
            import sqlite3
            path = self.url.split("sqlite://", 1)[1] if "sqlite://" in self.url else self.url.split(":", 1)[1]
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            try:
                conn.row_factory = sqlite3.Row
                return [{k: normal(row[k]) for k in row.keys()} for row in conn.execute(sql).fetchall()]
            finally:
                conn.close()
        out = subprocess.run([psql_path(), self.url, "-v", "ON_ERROR_STOP=1", "-q", "-c",
                              f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"],
                             check=True, capture_output=True, timeout=60, text=True).stdout
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(io.StringIO(out))]

    def count(self, sql):
        return int(list(self.rows(sql)[0].values())[0])


def normal(value):
    if isinstance(value, (bytes, bytearray)) and len(value) == 16:
        return str(uuid.UUID(bytes=bytes(value)))
    if isinstance(value, str) and re.fullmatch(r"[0-9A-Fa-f-]{36}", value):
        return value.lower()
    return value


class PostgresCluster:
    """A throwaway PostgreSQL server of our own (initdb in a temporary folder), started and stopped with pg_ctl
    as the postgres user, so that a test can take the database away under a running portal."""

    def __init__(self, port=None):
        self.port = port or (55460 if port_is_free(55460) else free_port())
        self.dir = tempfile.mkdtemp(prefix="portal-pgfault-")
        os.chmod(self.dir, 0o777)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "log")

    @staticmethod
    def available():
        return os.geteuid() == 0 and os.path.exists(os.path.join(PG_BIN, "pg_ctl")) and shutil.which("runuser") is not None

    def _as_postgres(self, *args, timeout=120):
        return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=timeout, text=True)

    def init(self):
        shutil.chown(self.dir, "postgres", "postgres")
        self._as_postgres(f"{PG_BIN}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.start()
        self._as_postgres(f"{PG_BIN}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "portal_faults")

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/portal_faults"

    def start(self):
        self._as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-o",
                          f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c max_connections=100", "start")

    def stop(self, mode="fast"):
        self._as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def destroy(self):
        try:
            self.stop("immediate")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------
# The invariants a crash must not break

DEMO_IDS = {"033080000001", "033182000002", "033190000003", "033092000004", "033085000005", "033193000006",
            "033094000007", "033195000008", "033096000009", "033197000010", "033060000011"}


def check_invariants(tables, accepted_references):
    """Reads the tables after the last restart and the outbox has drained. Answers (failures, figures)."""
    failures = []
    accounts = [a for a in tables.rows("SELECT id, id_number, phone, created_by FROM accounts") if a["id_number"] not in DEMO_IDS]
    audit = {(r["action"], r["target"]) for r in tables.rows("SELECT action, target FROM audit_events")}
    outbox = tables.rows("SELECT id, reference, recipient, kind, flow_id, status, attempts, last_error FROM outbox_messages")
    scans = tables.rows("SELECT id, account_id FROM id_scans")
    drafts = tables.rows("SELECT id, scan_id FROM citizen_drafts")
    account_ids = {a["id"] for a in accounts} | {a["id"] for a in tables.rows("SELECT id FROM accounts")}

    counter_made = [a for a in accounts if a["created_by"]]
    registered = [a for a in accounts if not a["created_by"]]
    password_sms = {}
    notices = {}
    for m in outbox:
        if m["kind"] == "password":
            password_sms.setdefault(m["flow_id"], []).append(m)
        elif m["kind"] == "notice":
            notices.setdefault(m["recipient"], []).append(m)
    for a in counter_made:
        if ("citizen.create", f"account:{a['id']}") not in audit:
            failures.append(f"account {a['id_number']} made at the counter has no citizen.create audit record")
        sms = password_sms.get(a["id"], [])
        if len(sms) != 1:
            failures.append(f"account {a['id_number']} made at the counter has {len(sms)} password SMS (one expected)")
    for a in registered:
        sms = notices.get(a["phone"], [])
        if len(sms) != 1:
            failures.append(f"registered account {a['id_number']} has {len(sms)} notices (one expected)")

    draft_scans = {d["scan_id"] for d in drafts}
    orphans = [s for s in scans if s["id"] not in draft_scans and (s["account_id"] is None or s["account_id"] not in account_ids)]
    if orphans:
        failures.append(f"{len(orphans)} id_scans rows belong to no draft and no account")

    by_status = {}
    for m in outbox:
        by_status[m["status"]] = by_status.get(m["status"], 0) + 1
    delivered = {}
    for ref in accepted_references:
        delivered[ref] = delivered.get(ref, 0) + 1
    known = {m["reference"] for m in outbox}
    for m in outbox:
        if m["status"] == "queued":
            failures.append(f"{m['kind']} SMS {m['reference']} still queued after the restart (attempts {m['attempts']}, {m['last_error']})")
        elif m["status"] == "sent" and m["reference"] not in delivered:
            failures.append(f"{m['kind']} SMS {m['reference']} is marked sent but never reached the gateway")
        elif m["status"] == "failed":
            failures.append(f"{m['kind']} SMS {m['reference']} failed: {m['last_error']}")
        elif m["status"] == "expired" and m["kind"] != "otp":
            failures.append(f"{m['kind']} SMS {m['reference']} expired; only codes may")
    phantom = [r for r in delivered if r not in known]
    if phantom:
        failures.append(f"{len(phantom)} references reached the gateway that the outbox does not know")
    duplicates = {r: n for r, n in delivered.items() if n > 1}
    figures = {
        "accounts_registered": len(registered), "accounts_counter": len(counter_made), "drafts_left": len(drafts),
        "scans": len(scans), "outbox": dict(sorted(by_status.items())), "gateway_deliveries": len(accepted_references),
        "references_delivered": len(delivered), "same_reference_again": sum(n - 1 for n in duplicates.values()),
    }
    return failures, figures
