"""Starts the built portal against a fresh SQLite file and a local fake SMS gateway, and a headless Chromium."""
import sys
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import portal_harness as harness  # noqa: E402

ROOT = harness.ROOT
SHOTS = ROOT / ".build" / "e2e"


@pytest.fixture(scope="session")
def gateway():
    g = harness.Gateway()
    yield g
    g.stop()


@pytest.fixture(scope="session")
def portal(gateway):
    data = tempfile.mkdtemp(prefix="portal-e2e-")
    env = harness.portal_env(harness.sqlite_url(data), gateway.url,
                             PASSWORD_SCRYPT_N=1024, HUMAN_CHECK="pow", OTP_RESEND_SECONDS=2)
    server = harness.Server(env, data)
    server.demo(timeout=120)
    server.start(timeout=20)
    yield {"base": server.base, "data": data, "binary": server.binary, "env": server.env}
    assert server.stop(timeout=10), "the portal did not stop within 10 s of SIGTERM"


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
