"""Starts the built portal and a local fake SMS gateway, and a headless Chromium.

The shared portal runs on PostgreSQL, the production database (a new database on the server of
TEST_DATABASE_URL); the smoke tests — a citizen's whole path and the counter's — also run on SQLite through
`each_portal`. Without TEST_DATABASE_URL the PostgreSQL tests fail under REQUIRE_POSTGRES=1 (the test
command) and are skipped otherwise."""
import contextlib
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
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


@contextlib.contextmanager
def running_portal(database, gateway, **settings):
    """The demo province served on `database` ("postgres" or "sqlite"), with the browser tests' settings and
    `settings`; yields what the tests use of it."""
    data = tempfile.mkdtemp(prefix=f"portal-e2e-{database}-")
    try:
        with harness.database_for(database, data, "portal_e2e_") as database_url:
            env = harness.portal_env(database_url, gateway.url, dict(PASSWORD_SCRYPT_N=1024, HUMAN_CHECK="pow",
                                                                     OTP_RESEND_SECONDS=2), settings)
            server = harness.Server(env, data)
            try:
                server.demo(timeout=180)
                server.start(timeout=60)
                yield {"base": server.base, "data": data, "binary": server.binary, "env": server.env, "database": database}
                assert server.stop(timeout=10), "the portal did not stop within 10 s of SIGTERM"
            finally:
                server.stop(timeout=10)
    finally:
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def portal(gateway):
    with running_portal("postgres", gateway) as p:
        yield p


@pytest.fixture(scope="session")
def sqlite_portal(gateway):
    with running_portal("sqlite", gateway) as p:
        yield p


@pytest.fixture(params=["postgres", "sqlite"])
def each_portal(request):
    """For the smoke tests: the shared portal on PostgreSQL, then one on SQLite."""
    return request.getfixturevalue("portal" if request.param == "postgres" else "sqlite_portal")


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


def page_left(old):
    """A wait condition: the page whose <html> element is `old` is gone. Chromium reports the old page's node
    either as stale or as "not in the document": both mean gone."""
    def gone(_):
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True
    return gone
