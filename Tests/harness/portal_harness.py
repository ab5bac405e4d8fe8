"""The one harness of the Python tests, fault scripts and benchmarks (Tests/e2e, Tests/fuzz, Tests/security,
bench): the fake SMS gateway, free ports, the portal started as a process and waited for, API calls and the
sign-in helpers, made-up citizens, upload bodies, and the tables read back with the sqlite3 module or psql.
Standard library only.

Scripts import it with a path relative to their own file, e.g. from Tests/security:

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
    import portal_harness as harness
"""
import asyncio
import base64
import contextlib
import csv
import functools
import http
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = os.environ.get("PORTAL_BINARY", str(ROOT / ".build" / "debug" / "portal"))
PG_BIN = "/usr/lib/postgresql/15/bin"

# Accounts of `portal demo`, as (ID number, phone), all with one password.
DEMO_PASSWORD = "PhoNoi@Hy2025"
SUPER_ADMIN = ("033080000001", "+84912000001")
CENTRE_OFFICER = ("033190000003", "+84912000003")       # officer of the public administrative service centre
DESK_OFFICER = ("033092000004", "+84912000004")         # officer of the commune one-stop desk (Lạc Đạo)
DISTRICT_ADMIN = ("033085000005", "+84912000005")       # unit admin of UBND huyện Văn Lâm
MISNAMED_DESK_OFFICER = ("033094000007", "+84912000007")  # officer of a unit whose name breaks the one-stop rule
DEMO_UNIT_CODE = "DEMO-HY-VL-LD-BPMC"

PROVINCES = ["001", "079", "048", "031", "092", "038", "040", "026", "052", "096"]
PREFIXES = ["32", "33", "34", "35", "36", "37", "38", "39", "70", "76", "77", "78", "79", "81", "82", "83", "84", "85",
            "86", "88", "89", "90", "91", "93", "94", "96", "97", "98"]


def exit_cleanly_on_sigterm():
    """A script stopped with SIGTERM still runs its `finally` blocks: its server and database go with it."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def run_script(main):
    """A script's entry point: exits with main()'s status, and cleanly on SIGTERM."""
    exit_cleanly_on_sigterm()
    sys.exit(main())


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

CODE_PREFIX = "Ma xac thuc"  # every one-time code SMS starts so
CODE = re.compile(rb"(?<![0-9])[0-9]{6}(?![0-9])")
ACCEPTED_BODY = b'{"status":"accepted"}'
REFUSED_BODY = b"\x00<html>gateway error</html>"
JUNK = b"\x00\x01\x02 not http at all \xff\r\n\r\n"


@functools.lru_cache(maxsize=None)
def sms_answer(status):
    return http_response(status, ACCEPTED_BODY if status < 300 else REFUSED_BODY)


def http_response(status, body, content_type="application/json"):
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Status"
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
            .encode() + body)


class Gateway:
    """The contract's SMS gateway on 127.0.0.1, in a thread of its own (asyncio, HTTP/1.1 keep-alive, bodies
    with a Content-Length), so that it costs little CPU next to the portal.

    How it answers an SMS (a POST of {"to","text","reference"}), decided when the request arrives:
    set_mode("accept") 200; "status:N" HTTP N with a short garbage body; "slow:S" 200 after S seconds;
    "junk" bytes that are not HTTP at all, then the connection is closed. down() closes the port and every open
    connection (connection refused); up() opens it again at the same port. configure(delay_ms=, status=)
    changes the delay and the status alone, as the benchmarks' /_/config does.

    What it keeps: `received` every SMS body that reached it; `accepted` the bodies answered 2xx, in order (once
    the answer is written), with `accepted_at` their monotonic times; and the benchmarks' figures (stats()).
    With `log_path`, each accepted SMS is also appended there as one JSON line {"at": epoch seconds, "reference",
    "to"} (never the text), so that another process can check deliveries afterwards (read_gateway_log()).

    The same gateway in another process (bench/fake_gateway.py) is read over HTTP, GET on the same port:
        /_/code?to=+849...&after=EPOCH   latest 6-digit code sent to that phone after that time (404 if none)
        /_/stats   {"received", "unique_references", "duplicates", "first_at", "last_at", "by_status", ...}
        /_/reset   forgets everything        /_/config?delay_ms=2000&status=503   (either may be omitted)
        /_/times   the arrival time of every accepted message (epoch seconds), one a line
    """

    def __init__(self, port=None, status=200, delay_ms=0, log_path=None):
        self.port = port or 0
        self.lock = threading.Lock()
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self.status, self.delay, self.junk = status, delay_ms / 1000.0, False
        self.reset()
        self._server = None
        self._connections = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-sms-gateway", daemon=True)
        self._thread.start()
        self.up()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/sms"

    # -- behaviour

    def set_mode(self, mode):
        """accept | status:N | slow:S | junk (see the class)."""
        with self.lock:
            self.status, self.delay, self.junk = 200, 0.0, mode == "junk"
            if mode.startswith("status:"):
                self.status = int(mode.split(":")[1])
            elif mode.startswith("slow:"):
                self.delay = float(mode.split(":")[1])

    def configure(self, delay_ms=None, status=None):
        with self.lock:
            if delay_ms is not None:
                self.delay = float(delay_ms) / 1000.0
            if status is not None:
                self.status = int(status)

    def up(self):
        self._run(self._up())

    def down(self):
        """Closes the port and every open connection: the portal's kept-alive ones would go on working."""
        self._run(self._down())

    def stop(self):
        if self._loop.is_closed():
            return
        self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        if self.log:
            self.log.close()

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    async def _up(self):
        if self._server is None:
            self._server = await self._loop.create_server(lambda: _GatewayConnection(self), "127.0.0.1", self.port,
                                                          backlog=1024, reuse_address=True)
            self.port = self._server.sockets[0].getsockname()[1]

    async def _down(self):
        server, self._server = self._server, None
        if server:
            server.close()
            await server.wait_closed()
        for transport in list(self._connections):
            transport.close()

    # -- what it got

    def reset(self):
        with self.lock:
            self.received, self.accepted, self.accepted_at = [], [], []
            # The benchmarks' figures, kept as the messages come so that reading them costs nothing.
            self.by_status, self.references, self.duplicates, self.arrivals, self.last_codes = {}, set(), 0, [], {}

    def mark(self):
        """How many SMS were accepted so far: a position for messages(), code() and latest_code()."""
        with self.lock:
            return len(self.accepted)

    def messages(self, to=None, after=0, starting=None, wait=0.0):
        """The accepted SMS after position `after`, to `to` and starting with `starting` when given; waits up to
        `wait` seconds for at least one."""
        deadline = time.time() + wait
        while True:
            with self.lock:
                found = [m for m in self.accepted[after:]
                         if (to is None or m.get("to") == to) and (starting is None or m.get("text", "").startswith(starting))]
            if found or time.time() >= deadline:
                return found
            time.sleep(0.05)

    def code(self, phone, after=0, timeout=15):
        """The 6 digits of the newest code SMS accepted for `phone` after position `after`; None if none came
        within `timeout` seconds."""
        found = self.messages(phone, after, CODE_PREFIX, wait=timeout)
        return re.search(r"\b(\d{6})\b", found[-1]["text"]).group(1) if found else None

    def latest_code(self, phone, after=0, timeout=15):
        """As code(), but a missing code is a failed check."""
        code = self.code(phone, after, timeout)
        if code is None:
            raise AssertionError(f"no code reached {phone}")
        return code

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

    def stats(self):
        """The benchmarks' figures: SMS answered 2xx counted when they arrived (epoch seconds), by status."""
        with self.lock:
            return {"received": len(self.arrivals), "unique_references": len(self.references), "duplicates": self.duplicates,
                    "first_at": self.arrivals[0] if self.arrivals else None, "last_at": self.arrivals[-1] if self.arrivals else None,
                    "by_status": {str(k): v for k, v in self.by_status.items()}, "delay_ms": self.delay * 1000,
                    "status": self.status}

    # -- the wire (called in the gateway's thread)

    def _arrived(self, body):
        """Records an SMS as it arrives; answers (message, status, delay, junk) for its answer."""
        now = time.time()
        try:
            message = json.loads(body or b"{}")
        except ValueError:
            message = None
        if not isinstance(message, dict):
            message = None
        with self.lock:
            status, delay, junk = self.status, self.delay, self.junk
            if message is not None:
                self.received.append(message)
            if junk:
                return message, status, delay, junk
            self.by_status[status] = self.by_status.get(status, 0) + 1
            if status < 300 and message is not None:
                reference = message.get("reference", "")
                if reference in self.references:
                    self.duplicates += 1
                self.references.add(reference)
                self.arrivals.append(now)
                found = CODE.search(str(message.get("text", "")).encode())
                if found:
                    self.last_codes[message.get("to", "")] = (found.group(0).decode(), now)
        return message, status, delay, junk

    def _answered(self, message):
        with self.lock:
            self.accepted.append(message)
            self.accepted_at.append(time.monotonic())
            if self.log:
                self.log.write(json.dumps({"at": round(time.time(), 6), "reference": message.get("reference"),
                                           "to": message.get("to")}) + "\n")

    def _control(self, target):
        url = urllib.parse.urlsplit(target)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path == "/_/code":
            with self.lock:
                found = self.last_codes.get(q.get("to", "").replace(" ", "+"))
            if found and found[1] > float(q.get("after", "0")):
                return http_response(200, found[0].encode(), "text/plain")
            return http_response(404, b"none", "text/plain")
        if url.path == "/_/stats":
            return http_response(200, json.dumps(self.stats()).encode())
        if url.path == "/_/reset":
            self.reset()
            return http_response(200, b'{"reset":true}')
        if url.path == "/_/config":
            self.configure(q.get("delay_ms"), q.get("status"))
            return http_response(200, json.dumps({"delay_ms": self.delay * 1000, "status": self.status}).encode())
        if url.path == "/_/times":
            with self.lock:
                return http_response(200, "".join(f"{t:.6f}\n" for t in self.arrivals).encode(), "text/plain")
        return http_response(404, b'{"error":"unknown"}')


class _GatewayConnection(asyncio.Protocol):
    """One connection to the gateway: requests in order, each answered before the next is read."""

    def __init__(self, gateway):
        self.gateway = gateway
        self.buf = b""
        self.transport = None
        self.busy = False

    def connection_made(self, transport):
        self.transport = transport
        self.gateway._connections.add(transport)

    def connection_lost(self, exc):
        self.gateway._connections.discard(self.transport)

    def data_received(self, data):
        self.buf += data
        if not self.busy:
            self.process()

    def process(self):
        while not self.busy and not self.transport.is_closing():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = self.buf[:end].decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) < 2:
                self.transport.close()
                return
            method, target = parts[0], parts[1]
            length, close = 0, False
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value.strip())
                elif name == "connection":
                    close = value.strip().lower() == "close"
            if len(self.buf) < end + 4 + length:
                return
            body = self.buf[end + 4:end + 4 + length]
            self.buf = self.buf[end + 4 + length:]
            if method == "POST" and not target.startswith("/_/"):
                self.sms(body, close)
            else:
                self.transport.write(self.gateway._control(target))
                if close:
                    self.transport.close()

    def sms(self, body, close):
        message, status, delay, junk = self.gateway._arrived(body)
        if junk:
            self.transport.write(JUNK)
            self.transport.close()
        elif delay > 0:
            self.busy = True
            asyncio.get_running_loop().call_later(delay, self.delayed, message, status, close)
        else:
            self.answer(message, status, close)

    def delayed(self, message, status, close):
        self.busy = False
        self.answer(message, status, close)
        self.process()

    def answer(self, message, status, close):
        if self.transport.is_closing():
            return  # the portal gave up waiting, or the gateway went down: not accepted
        self.transport.write(sms_answer(status))
        if status < 300 and message is not None and not self.transport.is_closing():
            self.gateway._answered(message)
        if close:
            self.transport.close()


def read_gateway_log(path):
    """The accepted SMS a Gateway with `log_path` wrote, in order: dicts {"at", "reference", "to"}."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class RemoteGateway:
    """The gateway of another process (bench/fake_gateway.py), read over HTTP: enough for sign_in()."""

    def __init__(self, base):
        self.base = base.rstrip("/")

    def mark(self):
        return time.time()

    def code(self, phone, after=0.0, timeout=30.0):
        deadline = time.time() + timeout
        query = urllib.parse.urlencode({"to": phone, "after": f"{after:.6f}"})
        while time.time() < deadline:
            status, _, data = request(self.base, "GET", "/_/code?" + query, timeout=60)
            if status == 200:
                return data.decode()
            time.sleep(0.02)
        return None


# ---------------------------------------------------------------------------------------------------------
# The server as a process

FAST_HASHING = {"PASSWORD_SCRYPT_N": "16", "PASSWORD_SCRYPT_R": "1", "PASSWORD_SCRYPT_P": "1"}
# The fault scripts and the soak: one root key across restarts, no human check, cheap hashing, no per-address limit.
SCRIPT_SETTINGS = {
    "DATA_ENCRYPTION_KEY": base64.b64encode(bytes(range(101, 133))).decode(),
    "HUMAN_CHECK": "off",
    **FAST_HASHING,
    "RATE_LIMIT_PER_IP_PER_HOUR": "1000000",
    "OTP_RESEND_SECONDS": "0",
    "LOG_LEVEL": "warning",
}


def portal_env(database_url, gateway_url, *presets, **settings):
    """This process's environment without TEST_DATABASE_URL, with DATABASE_URL (sqlite://… or postgres://…),
    SMS_GATEWAY_URL, then each preset and the settings in order; a value of None removes the variable.
    Server adds PUBLIC_BASE_URL for its port."""
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    env.update({"DATABASE_URL": database_url, "SMS_GATEWAY_URL": gateway_url})
    for group in (*presets, settings):
        for name, value in group.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = str(value)
    return env


def sqlite_url(folder):
    return f"sqlite://{folder}/portal.sqlite"


class Server:
    """`portal serve` on 127.0.0.1 as a child process, run from the repository root with `env` (and
    PUBLIC_BASE_URL for its port), or from `cwd`; its output is appended to FOLDER/NAME.log. The port stays the same across
    restarts, so that it can be killed and started again at the same address."""

    def __init__(self, env, folder, binary=None, port=None, name="server", cwd=None):
        self.binary = binary or DEFAULT_BINARY
        self.cwd = cwd or ROOT
        self.port = port or free_port()
        self.env = dict(env, PUBLIC_BASE_URL=f"http://127.0.0.1:{self.port}")
        self.folder, self.name = folder, name
        self.log_path = os.path.join(folder, f"{name}.log")
        self.proc = None
        self.starts = 0

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def demo(self, timeout=180):
        """`portal demo` on the server's database (output in FOLDER/demo.log)."""
        path = os.path.join(self.folder, "demo.log")
        with open(path, "a") as log:
            done = subprocess.run([self.binary, "demo"], cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"`portal demo` exited with {done.returncode}:\n{tail(path)}")

    def start(self, timeout=120):
        """Starts the process and waits until /health/ready answers 200."""
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen([self.binary, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
                                         cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.starts += 1
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the {self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _ = call(self.port, "GET", "/health/ready", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the {self.name} did not become ready within {timeout} s:\n{self.log_tail()}")

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self, timeout=20):
        """SIGTERM, then SIGKILL after `timeout` seconds; answers False when it had to be killed."""
        if not self.alive():
            return True
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return False

    def rss_kb(self):
        return rss_kb(self.pid)

    def log_tail(self, lines=40):
        return tail(self.log_path, lines)


@contextlib.contextmanager
def demo_server(server, demo_timeout=180, start_timeout=60, stop_timeout=15):
    """`portal demo`, then the server started; yields it, checks it is still alive afterwards, and stops it."""
    try:
        server.demo(timeout=demo_timeout)
        server.start(timeout=start_timeout)
        yield server
        assert server.alive(), f"the portal died:\n{server.log_tail()}"
    finally:
        server.stop(timeout=stop_timeout)


def scratch(prefix, binary=None, database_url=None, *presets, **settings):
    """What a fault script or the soak starts from: a temporary folder, a Gateway, and a Server (not started yet)
    on `database_url`, or on a SQLite file in the folder, with SCRIPT_SETTINGS, then the presets and settings.
    Answers (folder, gateway, server); clean_up() ends them."""
    folder = tempfile.mkdtemp(prefix=prefix)
    gateway = Gateway()
    env = portal_env(database_url or sqlite_url(folder), gateway.url, SCRIPT_SETTINGS, *presets, **settings)
    return folder, gateway, Server(env, folder, binary)


def clean_up(server, gateway, folder, failures, lines=40):
    """The end of a script: stops the server (if any) and the gateway, prints the tail of the server's log when a
    check failed, and removes the folder."""
    if server:
        server.stop()
    gateway.stop()
    if server and failures:
        print(server.log_tail(lines), file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)


def verdict(failures):
    """Prints each failure to stderr (FAIL …); answers PASS or FAIL (N) for the script's result line."""
    for failure in failures:
        print("FAIL " + failure, file=sys.stderr)
    return "PASS" if not failures else f"FAIL ({len(failures)})"


def report(name, failures, started, details):
    """Prints the failures, then the script's result line, `NAME: PASS in N s — DETAILS` (or FAIL (n)); answers the
    exit status, 0 when nothing failed."""
    print(f"{name}: {verdict(failures)} in {time.time() - started:.0f} s — {details}")
    return 0 if not failures else 1


def tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
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

def request(where, method, path, body=None, headers=None, timeout=30):
    """One request on a fresh connection to `where` (a port on 127.0.0.1, or a base URL); answers (status,
    headers, body bytes). Raises OSError when the server cannot be reached or drops the connection."""
    if isinstance(where, int):
        host, port = "127.0.0.1", where
    else:
        parts = urllib.parse.urlsplit(where)
        host, port = parts.hostname, parts.port or 80
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, res.getheaders(), res.read()
    except (http.client.HTTPException, ConnectionError) as error:
        raise OSError(str(error)) from error
    finally:
        conn.close()


def call(where, method, path, body=None, token=None, timeout=30, headers=None):
    """A JSON call; answers (status, parsed JSON or None). A body of None is sent as {} except on GET."""
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = f"Bearer {token}"
    h.update(headers or {})
    data = None if body is None and method == "GET" else json.dumps(body if body is not None else {}).encode()
    status, _, raw = request(where, method, path, data, h, timeout)
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = None
    return status, payload


def error_code(payload):
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return payload["error"].get("code")
    return None


def sender(where):
    """`where` as a function (method, path, body) → (status, payload): a port or base URL goes through call();
    a function is used as it is (to add headers, or to keep a connection)."""
    if callable(where):
        return where
    return lambda method, path, body=None: call(where, method, path, body)


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


# ---------------------------------------------------------------------------------------------------------
# Registration and sign-in, as a citizen or an officer would (the code read back from the fake gateway)

def register(where, gateway, citizen):
    """Registers a citizen (a Citizens.new() dict) through the API: start, the code from the gateway, verify,
    complete with its password. Answers the completion's payload (accountId); a failed step is a failed check."""
    send = sender(where)
    mark = gateway.mark()
    status, started = send("POST", "/api/v1/registrations", registration_body(citizen))
    if status != 201:
        raise AssertionError(f"registration of {citizen['idNumber']}: {status} {started}")
    code = gateway.code(citizen["e164"], mark)
    if code is None:
        raise AssertionError(f"no registration code reached {citizen['e164']}")
    status, verified = send("POST", f"/api/v1/registrations/{started['id']}/verify", {"code": code})
    if status != 200:
        raise AssertionError(f"registration code of {citizen['idNumber']}: {status} {verified}")
    status, done = send("POST", f"/api/v1/registrations/{started['id']}/complete",
                        {"completionToken": verified["completionToken"], "password": citizen["password"]})
    if status != 201:
        raise AssertionError(f"registration of {citizen['idNumber']} not completed: {status} {done}")
    return done


def sign_in(where, gateway, username, password, phone):
    """API sign-in: the password, then the code the gateway got for `phone`. Answers the bearer token; a failed
    step is a failed check. `gateway` is a Gateway or a RemoteGateway."""
    send = sender(where)
    mark = gateway.mark()
    status, started = send("POST", "/api/v1/login", {"username": username, "password": password})
    if status != 200:
        raise AssertionError(f"sign-in of {username}: {status} {started}")
    code = gateway.code(phone, mark)
    if code is None:
        raise AssertionError(f"no sign-in code reached {phone}")
    status, verified = send("POST", f"/api/v1/login/{started['challengeId']}/verify", {"code": code})
    if status != 200:
        raise AssertionError(f"sign-in code of {username}: {status} {verified}")
    return verified["token"]


def sign_in_staff(where, gateway, who=DESK_OFFICER):
    """A demo staff account's bearer token; `who` is (ID number, phone), e.g. SUPER_ADMIN."""
    id_number, phone = who
    return sign_in(where, gateway, id_number, DEMO_PASSWORD, phone)


def more_officers(port, gateway, citizens, unit, count):
    """`count` more officers at `unit` (each may hold one upload slot at a time): citizens registered through
    the API, given the officer right there by the demo super admin, each signed in. Answers their tokens."""
    admin = sign_in_staff(port, gateway, SUPER_ADMIN)
    tokens = []
    for _ in range(count):
        c = citizens.new()
        register(port, gateway, c)
        status, body = call(port, "POST", f"/api/v1/admin/units/{unit}/staff",
                            {"idNumber": c["idNumber"], "roles": ["member", "officer"]}, token=admin)
        if status != 201:
            raise AssertionError(f"officer right for {c['idNumber']}: {status} {body}")
        tokens.append(sign_in(port, gateway, c["idNumber"], c["password"], c["e164"]))
    return tokens


def officer_unit(port, token):
    """The id of the demo desk officer's unit."""
    status, me = call(port, "GET", "/api/v1/admin/me", token=token)
    assert status == 200, (status, me)
    for unit in me.get("units", []):
        if unit.get("code") == DEMO_UNIT_CODE or "Lạc Đạo" in unit.get("name", ""):
            return unit["id"]
    raise AssertionError(f"the demo officer has no desk unit: {me}")


def cookies_of(headers):
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            k, _, rest = value.partition("=")
            jar[k] = rest.split(";")[0]
    return jar


def web_sign_in(where, gateway, username, password, phone, next_path, timeout=30):
    """Sign-in through the pages (/dang-nhap, then the code form), as a browser without JavaScript would.
    Answers the Cookie header value of the signed-in session; a failed step is a failed check."""
    status, headers, data = request(where, "GET", "/dang-nhap", timeout=timeout)
    jar = cookies_of(headers)
    csrf = re.search(rb'name="_csrf" value="([^"]+)"', data).group(1).decode()
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    form = {"_csrf": csrf, "next": next_path, "username": username, "password": password, "login-method": "portal"}
    mark = gateway.mark()
    status, headers, data = request(where, "POST", "/dang-nhap", urllib.parse.urlencode(form),
                                    {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}, timeout)
    location = dict((k.lower(), v) for k, v in headers).get("location")
    if status not in (302, 303) or not location:
        raise AssertionError(f"web sign-in of {username}: HTTP {status}")
    code = gateway.code(phone, mark)
    if code is None:
        raise AssertionError(f"no sign-in code reached {phone}")
    status, headers, data = request(where, "POST", location, urllib.parse.urlencode({"_csrf": csrf, "code": code}),
                                    {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}, timeout)
    session = {k: v for k, v in cookies_of(headers).items() if k.endswith("session")}
    if not session:
        raise AssertionError(f"web sign-in code of {username}: HTTP {status}, no session cookie")
    jar.update(session)
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# ---------------------------------------------------------------------------------------------------------
# ID-card uploads at the counter

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
    """A counter draft with `data` as its ID-card scan; answers (status, parsed JSON or None)."""
    status, _, payload = upload_draft_answer(port, token, citizen, unit, data, filename, timeout)
    return status, payload


def upload_draft_answer(port, token, citizen, unit, data, filename="cccd.pdf", timeout=60):
    """As upload_draft(), with the answer's headers: (status, {lowercase name: value}, parsed JSON or None)."""
    content_type, head, file_bytes, tail = multipart(draft_fields(citizen, unit), "idScan", filename, "application/pdf", data)
    status, headers, raw = request(port, "POST", "/api/v1/admin/citizen-accounts/drafts", head + file_bytes + tail,
                                   {"Content-Type": content_type, "Authorization": f"Bearer {token}"}, timeout)
    headers = {name.lower(): value for name, value in headers}
    try:
        return status, headers, json.loads(raw) if raw else None
    except ValueError:
        return status, headers, None


# ---------------------------------------------------------------------------------------------------------
# Databases

def psql_path():
    found = shutil.which("psql") or os.path.join(PG_BIN, "psql")
    return found if os.path.exists(found) else None


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def run_sql(url, sql, timeout=60):
    subprocess.run([psql_path(), url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True, timeout=timeout)


def postgres_for(database):
    """For a test parametrized over "sqlite" and "postgres": None for SQLite, else TEST_DATABASE_URL. Without it
    the test fails under REQUIRE_POSTGRES=1 (the test command) and is skipped otherwise."""
    if database != "postgres":
        return None
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        import pytest
        assert os.environ.get("REQUIRE_POSTGRES") != "1", "REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set"
        pytest.skip("needs TEST_DATABASE_URL (PostgreSQL)")
    assert psql_path(), "TEST_DATABASE_URL is set but psql is not installed"
    return url


@contextlib.contextmanager
def database_for(database, folder, prefix="portal_"):
    """For a test parametrized over "sqlite" and "postgres": a SQLite file in `folder`, or a new database on the
    PostgreSQL server of TEST_DATABASE_URL, dropped afterwards (see postgres_for); yields its URL."""
    url = postgres_for(database)
    if url is None:
        yield sqlite_url(folder)
        return
    with new_postgres_database(url, prefix) as made:
        yield made


@contextlib.contextmanager
def script_database(postgres_url, prefix="portal_"):
    """A script's --database-url: a new database on that PostgreSQL server, dropped afterwards, whose URL is
    yielded; None (the script's SQLite file) when no server is given."""
    if not postgres_url:
        yield None
        return
    with new_postgres_database(postgres_url, prefix) as made:
        yield made


@contextlib.contextmanager
def new_postgres_database(url, prefix="portal_"):
    """A new, empty database on the PostgreSQL server of `url` (any of its databases), dropped afterwards;
    yields its URL."""
    name = prefix + uuid.uuid4().hex[:10]
    admin = with_database(url, "postgres")
    run_sql(admin, f"CREATE DATABASE {name}", timeout=None)
    try:
        yield with_database(url, name)
    finally:
        run_sql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", timeout=None)


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


def epoch_seconds(value):
    """A timestamp column read by Tables as epoch seconds: SQLite keeps Fluent's dates as seconds since 1970 (or
    ISO text), PostgreSQL's COPY writes `2026-12-01 08:30:00.123456+00`."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except ValueError:
        pass
    text = value.strip().replace(" ", "T", 1)
    if re.search(r"[+-]\d\d$", text):
        text += ":00"
    from datetime import datetime, timezone
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


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


class Topology:
    """deploy/topology.sh driven from a script: HAProxy in front of three instances, a Patroni-managed PostgreSQL
    leader and standby, pgBackRest, the fake SMS gateway (see that script for the ports). Needs root."""

    SCRIPT = ROOT / "deploy" / "topology.sh"
    WEB, STATS, DB, GATEWAY = 56200, 56201, 56202, 56240
    RESTORED_DB, RESTORED_WEB = 56250, 56251

    def __init__(self, binary=None, folder=None, settings=None, max_seconds=3600):
        self.env = dict(os.environ, PORTAL_BINARY=binary or DEFAULT_BINARY, MAX_SECONDS=str(max_seconds))
        if folder:
            self.env["TOPOLOGY_DIR"] = folder
        self.folder = self.env.get("TOPOLOGY_DIR", "/tmp/portal-topology")
        if settings:
            self.env["PORTAL_SETTINGS"] = " ".join(f"{k}={v}" for k, v in settings.items())
        self.gateway = RemoteGateway(f"http://127.0.0.1:{self.GATEWAY}")

    def run(self, *args, timeout=600, check=True):
        """One command of the script; answers its standard output."""
        done = subprocess.run(["bash", str(self.SCRIPT), *map(str, args)], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"topology.sh {' '.join(map(str, args))}: exit {done.returncode}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        return done.stdout

    def start(self, demo=True, timeout=600):
        self.env["DEMO"] = "1" if demo else "0"
        return self.run("start", timeout=timeout)

    def stop(self, keep=False):
        self.env["KEEP"] = "1" if keep else "0"
        return self.run("stop", timeout=300, check=False)

    @property
    def web(self):
        return f"http://127.0.0.1:{self.WEB}"

    def secret(self, name):
        return self.run("secret", name).strip()

    def database_url(self, port=None, user="portal"):
        """The portal database through HAProxy's leader frontend (or on `port`), as the portal role or postgres."""
        return f"postgres://{user}:{self.secret(user)}@127.0.0.1:{port or self.DB}/portal"

    def leader(self):
        out = self.run("leader", check=False).strip()
        return int(out) if out.isdigit() else None

    def gateway_log(self):
        return read_gateway_log(os.path.join(self.folder, "gateway.jsonl"))

    def haproxy(self, backend):
        """{server: status} as HAProxy sees the backend now."""
        _, _, data = request(self.STATS, "GET", "/;csv", timeout=5)
        view = {}
        for row in csv.reader(io.StringIO(data.decode().lstrip("# "))):
            if len(row) > 17 and row[0] == backend and row[1] not in ("FRONTEND", "BACKEND"):
                view[row[1]] = row[17]
        return view

    def metrics(self, port):
        """An instance's /metrics text (with the topology's METRICS_TOKEN)."""
        token = next(line.split("=", 1)[1] for line in self.run("env").splitlines() if line.startswith("METRICS_TOKEN="))
        _, _, data = request(port, "GET", "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        return data.decode(errors="replace")


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
