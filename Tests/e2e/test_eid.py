"""Signing in with the national electronic identity, end to end: the portal as the OpenID Connect relying party of
a stand-in provider (Tests/harness/eid_provider.py, built on pyop), driven by a headless Chromium through the
portal's pages and the provider's page, on SQLite and, when TEST_DATABASE_URL is set, on a fresh PostgreSQL
database.

One portal server and one provider per database for the whole module. The provider's issuer is named
http://localhost:PORT while the portal is http://127.0.0.1:PORT, so that the provider is another site for the
browser, as the real one is (cookies with SameSite rules must survive the round trip). EID_MIN_ACR is "2": the
provider's people at level "1" link to an existing account only after that account's own password and SMS code.

Every failure (a broken ID token, a provider that errs or does not answer) must end on an error page with a link
to the password sign-in, and leave nothing behind: the tables are read directly, and the same person's clean
attempt afterwards must still take the new-account path.
"""
import base64
import hashlib
import json
import os
import shutil
import tempfile
import time
import urllib.parse
import uuid

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import SHOTS, harness
from test_citizen import fill

from eid_provider import REDIRECT_PATH, EIDProvider, person  # Tests/harness, on the path through conftest

EID_NAME = "VNeID"  # the portal's default label; EID_NAME is left unset
START_PATH = "/dang-nhap/dinh-danh-dien-tu"
CONFIRM_PREFIX = "/dang-nhap/dinh-danh-dien-tu/lien-ket/"

# Accounts of `portal demo` (ID number, phone).
AN = ("033060000011", "+84912000011")       # Nguyễn Văn An, 1960-10-10: linked at once (level 2)
MAI = ("033193000006", "+84912000006")      # Vũ Thị Mai: level 1, linked after her own sign-in
THU = ("033195000008", "+84912000008")      # Bùi Thị Thu: level 1, someone else signs in instead
LAN = ("033182000002", "+84912000002")      # Trần Thị Lan: that someone else
HOA = ("033190000003", "+84912000003")      # Lê Thị Hoa: signs in with her password after a failure
QUAN = ("033080000001", "+84912000001")     # Nguyễn Văn Quản: linked, then another subject claims his number

PEOPLE = [
    # New people, verified (level 2): each gets an account from the claims.
    person("bich", "Trần Thị Bích", "1990-03-15", "+84987000101", acr="2", female=True, province="001", serial=12345),
    person("es", "Phan Thị Ánh Tuyết", "1988-12-01", "+84987000103", acr="2", female=True, province="030", serial=881),
    person("ui", "Hồ Đức Phước", "1979-05-20", "+84987000104", acr="2", province="040", serial=7723),
    person("next", "Lương Thị Huệ", "2002-02-28", "+84987000105", acr="2", female=True, province="036", serial=4411),
    person("xoay", "Chu Văn Khoa", "1983-08-08", "+84987000107", acr="2", province="027", serial=3131),
    # A new person at level 1: no account.
    person("dung", "Lê Văn Dũng", "2001-07-02", "+84987000102", acr="1", province="079", serial=2468),
    # Claims that break the registration rules: the birth year is not the one the number carries; no phone.
    person("lech", "Đinh Thị Lệ", "1991-09-09", "+84987000106", acr="2", female=True,
           id_number="001190054321"),
    person("khongso", "Mạc Văn Khải", "1970-01-01", None, acr="2", province="031", serial=5),
    # Existing accounts of `portal demo`.
    person("an", "Nguyễn Văn An", "1960-10-10", AN[1], acr="2", id_number=AN[0]),
    person("mai", "Vũ Thị Mai", "1993-04-14", MAI[1], acr="1", female=True, id_number=MAI[0]),
    person("thu", "Bùi Thị Thu", "1995-06-18", THU[1], acr="1", female=True, id_number=THU[0]),
    person("quan", "Nguyễn Văn Quản", "1980-03-12", QUAN[1], acr="2", id_number=QUAN[0]),
    person("quan-khac", "Nguyễn Văn Quản", "1980-03-12", QUAN[1], acr="2", id_number=QUAN[0]),
]
for p in PEOPLE:
    if p["claims"]["phone_number"] is None:
        del p["claims"]["phone_number"], p["claims"]["phone_number_verified"]

# One new, verified person per fault, so that no fault's leftovers can meet another's.
FAULT_NAMES = ["Cao Thị Mận", "Tạ Văn Lộc", "Kiều Thị Ngân", "Đoàn Văn Phúc", "Lã Thị Quyên", "Văn Đức Sơn",
               "Triệu Thị Thắm", "Mai Văn Ước", "Quách Thị Vân", "Từ Văn Xuân", "Âu Thị Yến", "Khổng Văn Bảo",
               "Ông Thị Cúc", "Nghiêm Văn Đạt"]
CLIENT_ERROR = "4xx"
NO_ANSWER = "502/503"
# After these, the same person's clean attempt is made too (the tables are read after every fault).
CLEAN_AFTER = {"bad_signature", "wrong_nonce", "down_after_authorize"}
FAULTS = [
    # (fault, what the portal must answer, where the claims are)
    ("bad_signature", CLIENT_ERROR, "id_token"),
    ("foreign_key", CLIENT_ERROR, "id_token"),
    ("alg_none", CLIENT_ERROR, "id_token"),
    ("wrong_nonce", CLIENT_ERROR, "id_token"),
    ("wrong_issuer", CLIENT_ERROR, "id_token"),
    ("wrong_audience", CLIENT_ERROR, "id_token"),
    ("expired", CLIENT_ERROR, "id_token"),
    ("wrong_state", CLIENT_ERROR, "id_token"),
    ("token_error", "4xx/502", "id_token"),
    ("userinfo_other_sub", "4xx/502", "userinfo"),
    ("hang", NO_ANSWER, "id_token"),
    ("down_after_authorize", NO_ANSWER, "id_token"),
]
for i, (fault, _, _) in enumerate(FAULTS):
    PEOPLE.append(person("f-" + fault.replace("_", "-"), FAULT_NAMES[i], f"{1965 + 3 * i}-0{1 + i % 9}-1{i % 10}",
                         f"+8498700{200 + i:04d}", acr="2", female=i % 2 == 1, province="034", serial=900 + i))

SETTINGS = {
    "OTP_MAX_PER_HOUR": "1000",
    "OTP_MAX_PER_DAY": "1000",
    "RATE_LIMIT_PER_IP_PER_HOUR": "10000",
    "OTP_RESEND_SECONDS": "1",
    "PASSWORD_SCRYPT_N": "1024",
    "HUMAN_CHECK": "off",
    "LOG_LEVEL": "warning",
}


# ---------------------------------------------------------------------------------------------------------
# The portal and the provider, one pair per database


class EID:
    """A running portal configured for the stand-in provider, and what a test needs of both."""

    def __init__(self, kind, server, provider, gateway, database_url):
        self.kind, self.server, self.provider, self.gateway, self.database_url = kind, server, provider, gateway, database_url
        self.base = server.base
        self.tables = harness.Tables(database_url)

    def claims(self, key):
        return self.provider.claims(key)

    # -- what the tables hold

    def account(self, id_number):
        rows = self.tables.rows(f"SELECT id, full_name, phone, password_hash, status FROM accounts WHERE id_number = '{id_number}'")
        return rows[0] if rows else None

    def traces(self, key):
        """What the portal keeps of the provider's person `key`: accounts with its ID number, links and waiting
        links of its subject."""
        c = self.claims(key)
        return {
            "accounts": self.tables.count(f"SELECT count(*) FROM accounts WHERE id_number = '{c['id_number']}'"),
            "links": self.tables.count(f"SELECT count(*) FROM eid_links WHERE subject = '{c['sub']}'"),
            "pending": self.tables.count(f"SELECT count(*) FROM eid_pending_links WHERE subject = '{c['sub']}'"),
        }

    def links_of(self, id_number):
        return self.tables.rows("SELECT l.issuer, l.subject, l.acr FROM eid_links l JOIN accounts a ON a.id = l.account_id "
                                f"WHERE a.id_number = '{id_number}'")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def eid(request, gateway):
    kind = request.param
    folder = tempfile.mkdtemp(prefix=f"portal-eid-{kind}-")
    provider = EIDProvider(public_host="localhost", people=PEOPLE)
    provider.start()
    try:
        with harness.database_for(kind, folder, "portal_eid_") as database_url:
            env = harness.portal_env(database_url, gateway.url, SETTINGS, provider.portal_settings(EID_MIN_ACR="2"),
                                     DATA_ENCRYPTION_KEY=base64.b64encode(os.urandom(32)).decode(), EID_NAME=None)
            server = harness.Server(env, folder, name=f"server-{kind}")
            provider.add_redirect_uri(server.env["PUBLIC_BASE_URL"] + REDIRECT_PATH)
            with harness.demo_server(server):
                yield EID(kind, server, provider, gateway, database_url)
    finally:
        provider.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def clean(eid):
    """The provider as the module left it after each test: no fault, RS256, claims in the ID token, listening."""
    yield eid
    eid.provider.clear()
    eid.provider.use_alg("RS256")
    eid.provider.claims_in = "id_token"
    if not eid.provider.running:
        eid.provider.start()


def make_driver(width=1280):
    """conftest's Chromium, with the performance log on so that tests can read the status of each page."""
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},900", "--lang=vi"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "vi-VN,vi"})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.width = width
    return driver


@pytest.fixture(scope="module")
def module_browser():
    driver = make_driver()
    yield driver
    driver.quit()


@pytest.fixture
def d(module_browser, clean):
    """The browser with no cookies at the start of each test (nor any left at the provider)."""
    module_browser.get("about:blank")
    module_browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    module_browser.eid_kind = clean.kind
    yield module_browser


# ---------------------------------------------------------------------------------------------------------
# Browser steps


def body_text(d):
    try:
        return d.find_element(By.TAG_NAME, "body").text[:1200]
    except WebDriverException as error:
        return f"(no page: {error.msg})"


def wait_for(d, element_id, timeout=15):
    try:
        return WebDriverWait(d, timeout, poll_frequency=0.05).until(EC.presence_of_element_located((By.ID, element_id)))
    except TimeoutException as error:
        raise AssertionError(f"no #{element_id} at {d.current_url}:\n{body_text(d)}") from error


def click_and_wait(d, element, timeout=15):
    """Clicks and waits until the page has been left and the next one is loaded."""
    old = d.find_element(By.TAG_NAME, "html")
    element.click()

    def left(_):
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True

    WebDriverWait(d, timeout, poll_frequency=0.05).until(left)
    WebDriverWait(d, timeout, poll_frequency=0.05).until(lambda drv: drv.execute_script("return document.readyState") == "complete")


def submit(d, button_id, timeout=15):
    click_and_wait(d, d.find_element(By.ID, button_id), timeout)


def path_of(d):
    return urllib.parse.urlsplit(d.current_url).path


def query_of(url):
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).items()}


def shot(d, name):
    """A screenshot in .build/e2e, on the first database's run only (they look the same on both)."""
    if getattr(d, "eid_kind", "sqlite") != "sqlite":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    d.save_screenshot(str(SHOTS / f"eid-{name}.png"))


def drain_log(d):
    d.get_log("performance")


def document_status(d):
    """(URL, HTTP status) of the last page the browser received since the log was drained (redirects are not
    pages)."""
    last = None
    for entry in d.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.responseReceived" and message["params"].get("type") == "Document":
            response = message["params"]["response"]
            last = (response["url"], response["status"])
    return last


def eid_button(d, eid, page="/dang-nhap"):
    d.get(eid.base + page)
    buttons = d.find_elements(By.ID, "eid-login")
    assert buttons, f"no #eid-login on {page}:\n{body_text(d)}"
    assert EID_NAME in buttons[0].text, buttons[0].text
    return buttons[0]


def to_provider(d, eid, page=None, start=START_PATH):
    """From a portal page's e-ID button, when `page` is given, or else straight from the button's address
    (`start`), to the provider's page."""
    if page is not None:
        click_and_wait(d, eid_button(d, eid, page))
    else:
        d.get(eid.base + start)
    wait_for(d, "eid-choose")
    assert d.current_url.startswith(eid.provider.issuer + "/authorize?"), d.current_url


def choose(d, key, timeout=30):
    """Picks the person at the provider; answers the status of the portal's page the browser ends on."""
    drain_log(d)
    click_and_wait(d, d.find_element(By.ID, f"eid-user-{key}"), timeout)
    return document_status(d)


def eid_sign_in(d, eid, key, page=None, start=START_PATH, timeout=30):
    to_provider(d, eid, page, start)
    return choose(d, key, timeout)


def sign_in_with_password(d, eid, who, password=harness.DEMO_PASSWORD):
    """The portal's own sign-in, from the page the browser is on: the password, then the SMS code."""
    id_number, phone = who
    wait_for(d, "login-form")
    fill(d, "username", id_number)
    fill(d, "password", password)
    before = eid.gateway.mark()
    submit(d, "login-submit")
    wait_for(d, "otp-form")
    fill(d, "code", eid.gateway.latest_code(phone, after=before))
    drain_log(d)
    submit(d, "otp-submit")
    return document_status(d)


def sign_out(d, eid):
    d.get(eid.base + "/tai-khoan")
    submit(d, "nav-logout")
    d.get(eid.base + "/tai-khoan")
    assert path_of(d) == "/dang-nhap", f"still signed in after signing out: {d.current_url}"


def assert_signed_in_as(d, eid, name, path="/tai-khoan"):
    assert path_of(d) == path, f"expected {path}, at {d.current_url}:\n{body_text(d)}"
    if path == "/tai-khoan":
        assert d.find_element(By.ID, "account-name").text == name


def assert_error_page(d, status, expected):
    """A clear error page: the expected status, a message, and a link to the password sign-in in the page's body."""
    assert status is not None, f"no page received; at {d.current_url}:\n{body_text(d)}"
    url, code = status
    if expected == CLIENT_ERROR:
        ok = 400 <= code < 500
    elif expected == NO_ANSWER:
        ok = code in (502, 503, 504)
    else:
        ok = 400 <= code < 500 or code == 502
    assert ok, f"expected {expected}, got HTTP {code} at {url}:\n{body_text(d)}"
    main = d.find_element(By.ID, "main")
    assert main.text.strip(), f"an empty error page at {url}"
    links = [a.get_attribute("href") for a in main.find_elements(By.TAG_NAME, "a")]
    assert any(urllib.parse.urlsplit(h or "").path == "/dang-nhap" for h in links), \
        f"no link to /dang-nhap in the error page's body (links: {links}):\n{main.text}"
    for leak in ("Traceback", "Fatal error", "Swift.", "Abort."):
        assert leak not in main.text, main.text


def assert_nothing_of(eid, key):
    assert eid.traces(key) == {"accounts": 0, "links": 0, "pending": 0}, (key, eid.traces(key))


def no_session_cookie(d, eid):
    d.get(eid.base + "/tai-khoan")
    return path_of(d) == "/dang-nhap"


# ---------------------------------------------------------------------------------------------------------
# The button


def test_the_button_on_the_sign_in_and_registration_pages_goes_to_the_provider(eid, d):
    for page in ("/dang-nhap", "/dang-ky"):
        button = eid_button(d, eid, page)
        href = urllib.parse.urlsplit(button.get_attribute("href"))
        assert href.path == START_PATH, button.get_attribute("href")
    # The sign-in page's next= is carried by the button.
    button = eid_button(d, eid, "/dang-nhap?next=/tai-khoan/phien")
    assert query_of(button.get_attribute("href")).get("next") == "/tai-khoan/phien", button.get_attribute("href")

    eid.provider.forget()
    to_provider(d, eid, page="/dang-nhap")
    shot(d, "01-provider-page")
    sent = eid.provider.seen["authorize"][-1]
    assert sent["response_type"] == "code"
    assert sent["client_id"] == eid.provider.client_id
    assert sent["redirect_uri"] == eid.base + REDIRECT_PATH
    assert "openid" in sent["scope"].split()
    assert sent.get("code_challenge_method") == "S256" and len(sent.get("code_challenge", "")) == 43, sent
    assert len(sent.get("state", "")) >= 16 and len(sent.get("nonce", "")) >= 16, sent
    # A second start gets a new state, nonce and challenge.
    to_provider(d, eid)
    again = eid.provider.seen["authorize"][-1]
    for name in ("state", "nonce", "code_challenge"):
        assert again[name] != sent[name], name


def test_without_an_issuer_there_is_no_button(portal):
    """The browser tests' own portal (conftest) has no EID_* settings."""
    assert "EID_ISSUER" not in portal["env"]
    for page in ("/dang-nhap", "/dang-ky"):
        r = requests.get(portal["base"] + page, timeout=15)
        assert r.status_code == 200
        assert 'id="eid-login"' not in r.text, f"an e-ID button on {page} with no EID_ISSUER"
    r = requests.get(portal["base"] + START_PATH, allow_redirects=False, timeout=15)
    assert r.status_code == 404, (r.status_code, r.headers.get("Location"))


# ---------------------------------------------------------------------------------------------------------
# A new person


def test_a_new_verified_person_gets_an_account_without_a_password(eid, d):
    c = eid.claims("bich")
    assert_nothing_of(eid, "bich")
    eid.provider.forget()
    status = eid_sign_in(d, eid, "bich", page="/dang-ky")
    shot(d, "02-new-account")
    assert status[1] == 200, status
    assert_signed_in_as(d, eid, c["name"])

    # What the portal sent: client_secret_basic with its own credentials, the PKCE verifier of the challenge.
    authorize = eid.provider.seen["authorize"][-1]
    token = eid.provider.seen["token"][-1]
    scheme, _, credentials = (token["authorization"] or "").partition(" ")
    assert scheme == "Basic", token
    client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
    assert (urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)) == (eid.provider.client_id, eid.provider.client_secret)
    assert "client_secret" not in token["form"], "the secret also went in the body"
    form = token["form"]
    assert form["grant_type"] == "authorization_code" and form["redirect_uri"] == eid.base + REDIRECT_PATH
    challenge = base64.urlsafe_b64encode(hashlib.sha256(form["code_verifier"].encode()).digest()).rstrip(b"=").decode()
    assert challenge == authorize["code_challenge"]

    assert eid.provider.seen["userinfo"] == [], "userinfo asked although the ID token had every claim"

    # The account, from the claims, with no password, and its link.
    account = eid.account(c["id_number"])
    assert account is not None
    assert account["full_name"] == c["name"] and account["phone"] == c["phone_number"]
    assert account["password_hash"] in ("", None), "an account made from the e-ID has a password"
    assert eid.links_of(c["id_number"]) == [{"issuer": eid.provider.issuer, "subject": c["sub"], "acr": "2"}]

    # Its links page: the provider, and a remove button that is refused while it is the only way in.
    d.get(eid.base + "/tai-khoan/dinh-danh")
    assert eid.provider.issuer in body_text(d), body_text(d)
    drain_log(d)
    submit(d, "eid-unlink")
    shot(d, "03-unlink-refused")
    assert eid.traces("bich")["links"] == 1, "the only way to sign in was removed"
    assert eid.provider.issuer in body_text(d)
    alert = d.find_elements(By.CSS_SELECTOR, "#main .alert")
    assert alert and alert[0].text.strip(), f"no message saying why:\n{body_text(d)}"

    # The session is an ordinary one: listed, and signing out ends it.
    d.get(eid.base + "/tai-khoan/phien")
    rows = d.find_elements(By.CSS_SELECTOR, "#sessions-table tbody tr")
    assert len(rows) == 1 and rows[0].find_elements(By.CSS_SELECTOR, ".badge-ok"), body_text(d)
    sign_out(d, eid)

    # A password does not sign this account in, and the refusal reads as for a wrong password.
    d.get(eid.base + "/dang-nhap")
    fill(d, "username", c["id_number"])
    fill(d, "password", "Mật khẩu đoán thử 2025")
    submit(d, "login-submit")
    no_password = d.find_element(By.ID, "login-alert").text
    fill(d, "username", AN[0])
    fill(d, "password", "Mật khẩu đoán thử 2025")
    submit(d, "login-submit")
    wrong_password = d.find_element(By.ID, "login-alert").text
    assert no_password == wrong_password, (no_password, wrong_password)
    assert not d.find_elements(By.ID, "otp-form")

    # Next time the same person goes straight in, to the same account.
    status = eid_sign_in(d, eid, "bich")
    assert status[1] == 200, status
    assert_signed_in_as(d, eid, c["name"])
    assert eid.traces("bich") == {"accounts": 1, "links": 1, "pending": 0}


def test_a_new_person_below_the_level_gets_no_account(eid, d):
    status = eid_sign_in(d, eid, "dung")
    shot(d, "04-level-too-low")
    assert_error_page(d, status, CLIENT_ERROR)
    assert_nothing_of(eid, "dung")
    assert no_session_cookie(d, eid)


def test_claims_that_break_the_registration_rules_make_nothing(eid, d):
    """The birth year the ID number carries is not the birth date's."""
    status = eid_sign_in(d, eid, "lech")
    assert_error_page(d, status, CLIENT_ERROR)
    assert_nothing_of(eid, "lech")
    assert no_session_cookie(d, eid)


def test_a_new_person_without_a_phone_gives_one_and_proves_it(eid, d):
    """The provider gave no phone: the portal asks for one and its SMS code before making the account."""
    key, phone = "khongso", ("0987 000 166", "+84987000166")
    c = eid.claims(key)
    status = eid_sign_in(d, eid, key)
    shot(d, "11-ask-phone")
    assert path_of(d).startswith(START_PATH + "/so-dien-thoai/"), (status, d.current_url, body_text(d))
    assert d.find_element(By.ID, "eid-person").text == c["name"]
    asked_at = d.current_url
    assert eid.traces(key) == {"accounts": 0, "links": 0, "pending": 0}

    # The page belongs to this browser: another one (no cookies) is refused.
    kept = d.get_cookies()
    d.execute_cdp_cmd("Network.clearBrowserCookies", {})
    drain_log(d)
    d.get(asked_at)
    other = document_status(d)
    assert other and other[1] >= 400 and not d.find_elements(By.ID, "eid-phone-form"), (other, body_text(d))
    for cookie in kept:
        d.add_cookie({k: v for k, v in cookie.items() if k in ("name", "value", "path", "httpOnly", "secure", "sameSite")})
    d.get(asked_at)
    wait_for(d, "eid-phone-form")

    # A phone that already has an account is refused, as at registration.
    fill(d, "phone", "0912 000 011")
    submit(d, "eid-phone-submit")
    assert d.find_elements(By.CSS_SELECTOR, "#main .alert"), f"no refusal for a phone in use:\n{body_text(d)}"
    assert eid.account(c["id_number"]) is None
    if not d.find_elements(By.ID, "eid-phone-form"):
        d.get(asked_at)

    fill(d, "phone", phone[0])
    before = eid.gateway.mark()
    submit(d, "eid-phone-submit")
    wait_for(d, "otp-form")
    assert eid.account(c["id_number"]) is None, "the account was made before the phone was proved"
    fill(d, "code", eid.gateway.latest_code(phone[1], after=before))
    submit(d, "otp-submit")
    assert_signed_in_as(d, eid, c["name"])
    assert eid.account(c["id_number"])["phone"] == phone[1]
    assert eid.traces(key) == {"accounts": 1, "links": 1, "pending": 0}


def test_es256_id_tokens(eid, d):
    eid.provider.use_alg("ES256")
    status = eid_sign_in(d, eid, "es")
    assert status[1] == 200, (status, body_text(d))
    assert_signed_in_as(d, eid, eid.claims("es")["name"])
    assert eid.traces("es") == {"accounts": 1, "links": 1, "pending": 0}


def test_claims_only_in_userinfo(eid, d):
    eid.provider.claims_in = "userinfo"
    eid.provider.forget()
    status = eid_sign_in(d, eid, "ui")
    assert status[1] == 200, (status, body_text(d))
    assert_signed_in_as(d, eid, eid.claims("ui")["name"])
    calls = eid.provider.seen["userinfo"]
    assert len(calls) == 1 and (calls[0]["authorization"] or "").startswith("Bearer "), calls
    account = eid.account(eid.claims("ui")["id_number"])
    assert account["phone"] == eid.claims("ui")["phone_number"]


def test_the_next_page_is_kept_and_stays_on_the_portal(eid, d):
    # The first sign-in makes the account; where it goes next is the page that was asked for.
    status = eid_sign_in(d, eid, "next", page="/dang-nhap?next=/tai-khoan/phien")
    assert status[1] == 200, status
    assert path_of(d) == "/tai-khoan/phien", d.current_url
    sign_out(d, eid)
    # A next= that leaves the portal is not followed.
    for outside in ("https://example.org/lua-dao", "/\\example.org"):
        d.execute_cdp_cmd("Network.clearBrowserCookies", {})
        status = eid_sign_in(d, eid, "next", start=START_PATH + "?next=" + urllib.parse.quote(outside, safe=""))
        assert status[1] == 200, status
        assert urllib.parse.urlsplit(d.current_url).netloc == urllib.parse.urlsplit(eid.base).netloc, (outside, d.current_url)


# ---------------------------------------------------------------------------------------------------------
# Existing accounts


def test_an_existing_account_is_linked_at_once_for_a_verified_identity(eid, d):
    assert eid.links_of(AN[0]) == []
    status = eid_sign_in(d, eid, "an")
    assert status[1] == 200, status
    assert_signed_in_as(d, eid, "Nguyễn Văn An")
    assert eid.links_of(AN[0]) == [{"issuer": eid.provider.issuer, "subject": "vneid-an", "acr": "2"}]
    assert eid.traces("an")["accounts"] == 1, "a second account with the same ID number"
    d.get(eid.base + "/tai-khoan/dinh-danh")
    shot(d, "05-linked")
    assert eid.provider.issuer in body_text(d)

    # An has a password, so the link can be removed; the next e-ID sign-in links again at once.
    submit(d, "eid-unlink")
    assert eid.links_of(AN[0]) == [], body_text(d)
    sign_out(d, eid)
    status = eid_sign_in(d, eid, "an")
    assert status[1] == 200, status
    assert_signed_in_as(d, eid, "Nguyễn Văn An")
    assert len(eid.links_of(AN[0])) == 1


def test_a_lower_level_links_only_after_the_accounts_own_password_and_code(eid, d):
    status = eid_sign_in(d, eid, "mai")
    shot(d, "06-confirm-with-password")
    assert path_of(d) == "/dang-nhap", (status, d.current_url, body_text(d))
    nxt = query_of(d.current_url).get("next", "")
    assert nxt.startswith(CONFIRM_PREFIX), d.current_url
    uuid.UUID(nxt[len(CONFIRM_PREFIX):])
    text = d.find_element(By.ID, "main").text.lower()
    assert "mật khẩu" in text and ("mã" in text or "sms" in text), text
    assert eid.traces("mai") == {"accounts": 1, "links": 0, "pending": 1}
    assert no_session_cookie(d, eid), "signed in by a level-1 identity before confirming"

    d.get(eid.base + "/dang-nhap?next=" + urllib.parse.quote(nxt) + "&lien-ket=1")
    status = sign_in_with_password(d, eid, MAI)
    shot(d, "07-linked-after-password")
    said_linked = (status, d.current_url, body_text(d), bool(d.find_elements(By.ID, "eid-linked")))
    assert status[1] == 200 and path_of(d) == nxt, said_linked
    assert eid.links_of(MAI[0]) == [{"issuer": eid.provider.issuer, "subject": "vneid-mai", "acr": "1"}]
    assert eid.traces("mai")["pending"] == 0

    # From now on the e-ID signs her straight in.
    sign_out(d, eid)
    status = eid_sign_in(d, eid, "mai")
    assert status[1] == 200, status
    assert_signed_in_as(d, eid, "Vũ Thị Mai")
    # The page that said so is marked for the tests.
    assert said_linked[3], f"no #eid-linked on the page that confirmed the link, {said_linked[1]}:\n{said_linked[2]}"


def test_someone_elses_sign_in_does_not_make_the_link(eid, d):
    eid_sign_in(d, eid, "thu")
    nxt = query_of(d.current_url).get("next", "")
    assert nxt.startswith(CONFIRM_PREFIX), (d.current_url, body_text(d))
    status = sign_in_with_password(d, eid, LAN)
    shot(d, "08-someone-else")
    assert not d.find_elements(By.ID, "eid-linked"), body_text(d)
    assert eid.links_of(THU[0]) == [] and eid.links_of(LAN[0]) == []
    assert eid.traces("thu")["links"] == 0
    assert status is None or status[1] >= 400 or path_of(d) != nxt, status


def test_a_number_linked_to_another_subject_is_refused(eid, d):
    status = eid_sign_in(d, eid, "quan")
    assert status[1] == 200, status
    assert len(eid.links_of(QUAN[0])) == 1
    sign_out(d, eid)
    status = eid_sign_in(d, eid, "quan-khac")
    assert_error_page(d, status, CLIENT_ERROR)
    assert eid.traces("quan-khac")["links"] == 0 and eid.traces("quan-khac")["pending"] == 0
    assert eid.links_of(QUAN[0]) == [{"issuer": eid.provider.issuer, "subject": "vneid-quan", "acr": "2"}]
    assert no_session_cookie(d, eid)


# ---------------------------------------------------------------------------------------------------------
# Failures: an error page, a way back to the password, and nothing made


def test_the_person_cancels_at_the_provider(eid, d):
    to_provider(d, eid)
    drain_log(d)
    submit(d, "eid-cancel")
    status = document_status(d)
    assert_error_page(d, status, CLIENT_ERROR)
    assert no_session_cookie(d, eid)


@pytest.mark.parametrize("fault,expected,claims_in", FAULTS, ids=[f[0] for f in FAULTS])
def test_a_fault_makes_nothing(eid, d, fault, expected, claims_in):
    key = "f-" + fault.replace("_", "-")
    eid.provider.claims_in = claims_in
    to_provider(d, eid)
    eid.provider.fault(fault)
    started = time.monotonic()
    status = choose(d, key, timeout=40)
    took = time.monotonic() - started
    shot(d, f"10-fault-{fault}")
    codes = [e.get_attribute("data-code") for e in d.find_elements(By.ID, "eid-error")]
    print(f"{fault}: HTTP {status and status[1]} {codes} after {took:.1f} s")
    assert_error_page(d, status, expected)
    if fault == "hang":
        assert 3 <= took < 15, f"the portal waited {took:.1f} s for a provider that does not answer"
    assert_nothing_of(eid, key)  # no account, so no session either

    # The provider back to normal: the same person's clean attempt still takes the new-account path.
    if fault not in CLEAN_AFTER:
        return
    eid.provider.clear()
    if not eid.provider.running:
        eid.provider.start()
    d.execute_cdp_cmd("Network.clearBrowserCookies", {})
    status = eid_sign_in(d, eid, key)
    assert status[1] == 200, (status, body_text(d))
    assert_signed_in_as(d, eid, eid.claims(key)["name"])
    assert eid.traces(key) == {"accounts": 1, "links": 1, "pending": 0}


def test_the_password_still_works_while_the_provider_is_down(eid, d):
    to_provider(d, eid)
    eid.provider.fault("down_after_authorize")
    status = choose(d, "bich")
    assert_error_page(d, status, NO_ANSWER)
    main = d.find_element(By.ID, "main")
    link = [a for a in main.find_elements(By.TAG_NAME, "a") if urllib.parse.urlsplit(a.get_attribute("href")).path == "/dang-nhap"][0]
    click_and_wait(d, link)
    status = sign_in_with_password(d, eid, HOA)
    # Lê Thị Hoa is an officer: without a page asked for, staff land on the console.
    assert path_of(d) == "/quantri", (status, d.current_url, body_text(d))
    d.get(eid.base + "/tai-khoan")
    assert d.find_element(By.ID, "account-name").text == "Lê Thị Hoa"


def test_a_replayed_return_makes_nothing_more(eid, d):
    """The provider's answer used twice: the second use finds no sign-in under way."""
    to_provider(d, eid)
    status = choose(d, "es")  # signed in already (test_es256_id_tokens made the account) or made now
    assert status[1] == 200, status
    log = eid.provider.seen["authorize"][-1]
    callback = eid.provider.seen["token"][-1]["form"]
    sign_out(d, eid)
    d.execute_cdp_cmd("Network.clearBrowserCookies", {})
    drain_log(d)
    d.get(eid.base + REDIRECT_PATH + "?" + urllib.parse.urlencode({"code": callback["code"], "state": log["state"]}))
    status = document_status(d)
    assert_error_page(d, status, CLIENT_ERROR)
    assert no_session_cookie(d, eid)


def test_new_keys_at_the_provider_are_fetched_when_a_token_names_one(eid, d):
    """The provider's discovery and keys may be cached for an hour; a token signed with a key the portal has not
    seen yet (a new kid) makes it read the keys again, as providers rotate their keys. The old key is put back
    afterwards, so that a portal that does not read them again fails this test alone."""
    status = eid_sign_in(d, eid, "xoay")
    assert status[1] == 200, (status, body_text(d))
    sign_out(d, eid)
    fetched = len(eid.provider.seen["jwks"])
    old = eid.provider.rotate_keys()
    try:
        status = eid_sign_in(d, eid, "xoay")
        codes = [e.get_attribute("data-code") for e in d.find_elements(By.ID, "eid-error")]
        refetched = len(eid.provider.seen["jwks"]) - fetched
        assert status[1] == 200 and refetched > 0, \
            f"after the provider's new key {eid.provider.rsa.kid}: HTTP {status[1]} {codes}, keys read again {refetched} time(s)"
        assert_signed_in_as(d, eid, eid.claims("xoay")["name"])
    finally:
        eid.provider.set_rsa_key(old)
