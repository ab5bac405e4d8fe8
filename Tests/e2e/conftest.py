"""Starts the built portal against a fresh SQLite file and a local fake SMS gateway, and a headless Chromium."""
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".build" / "e2e"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeGateway:
    """Accepts every SMS at once and keeps them, so the tests can read the codes."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with gateway.lock:
                    gateway.messages.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"status":"accepted"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def latest_code(self, phone_e164, after=0, timeout=10):
        """The 6-digit code of the newest message to `phone_e164`, waiting for it to arrive."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                found = [m for m in self.messages[after:] if m["to"] == phone_e164]
            if found:
                match = re.search(r"\b(\d{6})\b", found[-1]["text"])
                if match:
                    return match.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no SMS to {phone_e164}")

    def count(self):
        with self.lock:
            return len(self.messages)


@pytest.fixture(scope="session")
def gateway():
    g = FakeGateway()
    yield g
    g.server.shutdown()


@pytest.fixture(scope="session")
def portal(gateway):
    binary = os.environ.get("PORTAL_BINARY", str(ROOT / ".build" / "debug" / "portal"))
    data = tempfile.mkdtemp(prefix="portal-e2e-")
    port = free_port()
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"sqlite://{data}/portal.sqlite",
        "SMS_GATEWAY_URL": gateway.url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PASSWORD_SCRYPT_N": "1024",
        "HUMAN_CHECK": "pow",
        "OTP_RESEND_SECONDS": "2",
    })
    env.pop("TEST_DATABASE_URL", None)
    log = open(os.path.join(data, "server.log"), "w")
    demo = subprocess.run([binary, "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    proc = subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if urllib.request.urlopen(base + "/health/ready", timeout=1).status == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("the portal did not start: " + open(os.path.join(data, "server.log")).read())
    yield {"base": base, "data": data, "binary": binary, "env": env}
    proc.terminate()
    proc.wait(timeout=10)


def make_driver(width, javascript=True):
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},900", "--lang=vi"):
        options.add_argument(arg)
    prefs = {"intl.accept_languages": "vi-VN,vi"}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    if width < 500:
        # Desktop windows have a minimum width; a phone is emulated instead.
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": 780, "pixelRatio": 2}})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


@pytest.fixture(params=[360, 1280], ids=["phone", "desktop"])
def browser(request):
    driver = make_driver(request.param)
    driver.width = request.param
    yield driver
    driver.quit()


@pytest.fixture
def phone_browser():
    driver = make_driver(360)
    driver.width = 360
    yield driver
    driver.quit()


def shot(driver, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}-{driver.width}.png"))
