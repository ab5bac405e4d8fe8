"""The issue «Pages that every citizen and officer can use», items 7 to 22, in a real browser at 360 and 1280 px:
each test shows one item on the rendered page (texts, ids, landmarks, states), and saves a screenshot named
rough-NN-<what>-<width>.png in .build/e2e.

The module has a portal of its own (on PostgreSQL, like the shared one): it signs the same demo staff in many
times over, more than the phones' default hourly code limit allows, and its audit trail holds only this module's
events. Item 14 (the busy state of a form that hashes a password) starts one more, with slow hashing."""
import base64
import csv
import io
import json
import os
import re
import subprocess
import tempfile
import unicodedata
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
import websocket  # websocket-client, which selenium itself depends on
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import SHOTS, harness, make_driver, running_portal, shot
from test_citizen import fill, fill_new_password, set_date, submit, submit_for_code, wait_for_human_check
from test_console import sign_in_to_console
from test_counter import scan_file

VN = timezone(timedelta(hours=7))
CITIZEN = ("033060000011", "+84912000011")   # Nguyễn Văn An, born 1960-10-10, no staff role
MEMBER = ("033195000008", "+84912000008")    # Bùi Thị Thu: member of the Lạc Đạo desk, without the officer right
COUNTER_PATHS = ["/quantri/tai-khoan-cong-dan", "/quantri/tai-khoan-cong-dan/them-moi"]

ELEVEN_DIGITS = ("Vui lòng nhập số định danh cá nhân (12 chữ số) hoặc số điện thoại di động (10 chữ số); "
                 "đã nhập 11 chữ số.")
RESET_LEAD = ("Nếu thông tin vừa nhập khớp với một tài khoản, mã xác thực (OTP) gồm 6 chữ số đã được gửi qua SMS "
              "tới số điện thoại đã đăng ký với tài khoản đó.")
BUSY = "Đang xử lý…"
PASSWORD_SMS = re.compile(r"Tai khoan (\d{12}), mat khau tam (\S+), het han (\d\d/\d\d/\d{4} \d\d:\d\d)\. (.+): "
                          r"doi mat khau khi dang nhap lan dau\.")


@pytest.fixture(scope="module")
def portal(gateway):
    with running_portal("postgres", gateway, OTP_MAX_PER_HOUR=1000, OTP_MAX_PER_DAY=10000,
                        RATE_LIMIT_PER_IP_PER_HOUR=100000) as p:
        yield p


# ---------------------------------------------------------------------------------------------------------
# Steps


def tag(d, n=4):
    """The window's width as `n` digits, so that the two runs of a test never share a person or a phone."""
    return f"{d.width:0{n}d}"[-n:]


def person(d, item):
    """A made-up citizen for item `item` at this width: a CCCD of a woman born in 1985 (province 036), a Viettel phone."""
    digits = f"{item:02d}{tag(d)}"
    return {"idNumber": "036185" + digits, "fullName": "Hoàng Thị Nguyệt", "dob": "1985-08-15",
            "phone": "0977" + digits, "e164": "+84977" + digits}


def path_of(d):
    return urllib.parse.urlsplit(d.current_url).path


def main_text(d):
    return d.find_element(By.ID, "main").text


def text_of(element):
    """The text as the document has it, also for parts that are closed or visually hidden."""
    return " ".join((element.get_attribute("textContent") or "").split())


def cookie_header(d):
    return "; ".join(f"{c['name']}={c['value']}" for c in d.get_cookies())


def fetch(d, url):
    """GET with the browser's session (the harness's plain HTTP call): (status, headers, body bytes)."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (("?" + parts.query) if parts.query else "")
    status, headers, body = harness.request(f"{parts.scheme}://{parts.netloc}", "GET", path,
                                            headers={"Cookie": cookie_header(d), "Accept-Language": "vi-VN,vi"})
    return status, {k.lower(): v for k, v in headers}, body


def sign_in(d, portal, gateway, who, next_path=None):
    """The portal's own sign-in page (no next= unless given), the password, then the SMS code."""
    id_number, phone = who
    d.get(portal["base"] + "/dang-nhap" + (f"?next={urllib.parse.quote(next_path)}" if next_path else ""))
    fill(d, "username", id_number)
    fill(d, "password", harness.DEMO_PASSWORD)
    fill(d, "code", submit_for_code(d, gateway, "login-submit", phone))
    submit(d, "otp-submit")


def no_overflow(d):
    """No sideways scrolling: the page is no wider than the window, and the window is as wide as the device (a
    phone zooms a page that is too wide out, and its window.innerWidth grows with it, as test_smoke checks)."""
    scroll, inner = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    return scroll <= inner == d.width


def overflow(d):
    """How the page's width compares with the window's, in words, for a failure message."""
    scroll, inner = d.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    return f"{scroll - d.width}px ({scroll}px wide, window.innerWidth {inner}px, on a {d.width}px screen)"


def past_right_edge(d):
    """The innermost elements that end past the layout's right edge."""
    return d.execute_script("""
        var edge = document.documentElement.clientWidth, out = [];
        document.querySelectorAll('body *').forEach(function (e) {
          var r = e.getBoundingClientRect();
          if (r.right > edge + 0.5 && !Array.prototype.some.call(e.children, function (c) { return c.getBoundingClientRect().right > edge + 0.5; }))
            out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ').join('.') : '') +
                     ' «' + e.textContent.trim().slice(0, 20) + '» ' + Math.round(r.left) + '–' + Math.round(r.right) + 'px');
        });
        return out.slice(0, 8);""")


def wait_enabled(d, element_id, timeout=20):
    WebDriverWait(d, timeout, poll_frequency=0.1).until(lambda x: x.find_element(By.ID, element_id).is_enabled())


def new_draft(d, portal, c):
    """As a signed-in officer: the look-up, then the draft with a scan; ends on the draft page."""
    d.get(portal["base"] + "/quantri/tai-khoan-cong-dan/them-moi")
    fill(d, "lookup-idNumber", c["idNumber"])
    submit(d, "lookup-submit")
    assert "chưa có tài khoản" in d.find_element(By.ID, "lookup-result").text, main_text(d)
    fill(d, "idNumber", c["idNumber"])
    fill(d, "fullName", c["fullName"])
    set_date(d, "dateOfBirth", c["dob"])
    fill(d, "phone", c["phone"])
    d.find_element(By.ID, "idScan").send_keys(scan_file())
    submit(d, "draft-submit")
    WebDriverWait(d, 10).until(EC.presence_of_element_located((By.ID, "create-form")))


def api_draft(portal, gateway, c, who=harness.CENTRE_OFFICER, unit_code="DEMO-HY-TTPVHCC"):
    """A counter draft made through the API by a demo officer (the setup of a test about the draft's pages);
    answers its id."""
    base = portal["base"]
    token = harness.sign_in_staff(base, gateway, who)
    status, draft = harness.upload_draft(base, token, {"idNumber": c["idNumber"], "fullName": c["fullName"],
                                                       "dateOfBirth": c["dob"], "phone": c["phone"]},
                                         officer_unit_id(base, token, unit_code), harness.pdf_of_size(2000),
                                         filename="cccd-hai-mat.pdf")
    assert status == 201, (status, draft)
    return draft["id"].lower(), token


def officer_unit_id(where, token, code):
    status, me = harness.call(where, "GET", "/api/v1/admin/me", token=token)
    assert status == 200, (status, me)
    return next(u["id"] for u in me["units"] if u.get("code") == code)


@pytest.fixture
def desktop_browser():
    """1280 px only, for the counter's draft page, a page of the desk (test_counter walks the counter at 360 px)."""
    driver = make_driver(1280)
    driver.width = 1280
    yield driver
    driver.quit()


def ascii_fold(text):
    return "".join(ch for ch in unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
                   if not unicodedata.combining(ch))


def reasons_of(d):
    return d.find_element(By.ID, "r10-reasons")


# ---------------------------------------------------------------------------------------------------------
# 7. The catalogue: found without diacritics, listed in Vietnamese order; 8. the home page leads to it


def test_07_catalogue_search_without_diacritics_and_vietnamese_order(portal, browser):
    d = browser
    d.get(portal["base"] + "/dich-vu")
    names = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#services-table td.service-name")]
    assert names, main_text(d)

    def first(prefix):
        return next(i for i, name in enumerate(names) if name.startswith(prefix))
    # Letters before tones, Đ right after D: not the code-point order ("Chuyển…, Chứng…, Cung…, Cấp…", Đ last).
    assert first("Cấp") < first("Chứng") < first("Cung") < first("Đăng") < first("Khai"), names
    shot(d, "rough-07-catalogue")
    fill(d, "q", "ket hon")
    submit(d, "services-search")
    found = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#services-table td.service-name")]
    assert found == ["Đăng ký kết hôn"], found
    shot(d, "rough-07-catalogue-ket-hon")


def test_08_home_page_leads_to_the_catalogue(portal, browser):
    d = browser
    d.get(portal["base"] + "/")
    link = d.find_element(By.CSS_SELECTOR, "main a[href='/dich-vu']")
    shot(d, "rough-08-home")
    link.click()
    WebDriverWait(d, 10).until(EC.presence_of_element_located((By.ID, "services-table")))
    assert path_of(d) == "/dich-vu"


# ---------------------------------------------------------------------------------------------------------
# 9. Sessions: the device in words, the place, this session first


def test_09_sessions_name_the_device_and_place_and_this_session_comes_first(portal, gateway, browser):
    d = browser
    base = portal["base"]
    # Another session of the same person, signed in through the pages by the harness.
    harness.web_sign_in(base, gateway, CITIZEN[0], harness.DEMO_PASSWORD, CITIZEN[1], "/tai-khoan")
    sign_in(d, portal, gateway, CITIZEN)
    d.get(base + "/tai-khoan/phien")
    rows = d.find_elements(By.CSS_SELECTOR, "#sessions-table tbody tr")
    assert len(rows) >= 2, main_text(d)

    agent = d.execute_script("return navigator.userAgent")
    assert "HeadlessChrome" in agent and "Linux" in agent and "Android" not in agent, agent
    first = rows[0]
    assert first.get_attribute("aria-current") == "true", first.get_attribute("outerHTML")
    assert first.find_element(By.CLASS_NAME, "session-device").text == "Chrome trên Linux"
    assert first.find_element(By.CLASS_NAME, "session-current").text == "Phiên bạn đang dùng"
    assert not first.find_elements(By.TAG_NAME, "button"), "the session in use has an end button"
    address = text_of(first.find_element(By.CSS_SELECTOR, "td[data-label='Địa chỉ']"))
    assert address == "Ngay trên máy chủ (127.0.0.1)", address

    for row in rows[1:]:
        assert not row.find_elements(By.CLASS_NAME, "session-current"), row.text
        assert row.get_attribute("aria-current") is None, row.get_attribute("outerHTML")
        assert row.find_element(By.CLASS_NAME, "session-device").text.strip(), row.text
        assert [b.text for b in row.find_elements(By.TAG_NAME, "button")] == ["Kết thúc"], row.text
        assert text_of(row.find_element(By.CSS_SELECTOR, "td[data-label='Địa chỉ']")).startswith("Ngay trên máy chủ ("), row.text
    assert "Phiên bạn đang dùng" not in " ".join(r.text for r in rows[1:])
    shot(d, "rough-09-sessions")


# ---------------------------------------------------------------------------------------------------------
# 10. Eleven digits are named; a CMND is refused at the counter, whose lead names only the 12-digit number


def test_10_eleven_digits_are_named_and_the_counter_refuses_a_cmnd(portal, gateway, browser):
    d = browser
    base = portal["base"]
    d.get(base + "/dang-nhap")
    fill(d, "username", "03312345678")
    fill(d, "password", "Mật khẩu gì cũng được 2025")
    submit(d, "login-submit")
    assert d.find_element(By.ID, "username-error").text == ELEVEN_DIGITS, main_text(d)
    assert "username-error" in d.find_element(By.ID, "username").get_attribute("aria-describedby").split()
    shot(d, "rough-10-login-eleven-digits")

    d.get(base + "/quen-mat-khau")
    fill(d, "username", "03312345678")
    wait_for_human_check(d)
    submit(d, "reset-submit")
    assert d.find_element(By.ID, "username-error").text == ELEVEN_DIGITS, main_text(d)
    assert not d.find_elements(By.ID, "otp-form")
    shot(d, "rough-10-reset-eleven-digits")

    sign_in_to_console(d, portal, gateway, harness.CENTRE_OFFICER)
    d.get(base + "/quantri/tai-khoan-cong-dan/them-moi")
    lead = d.find_element(By.ID, "lookup-lead").text
    assert lead == "Nhập số định danh cá nhân (CCCD, 12 chữ số) của công dân, rồi bấm «Tra cứu».", lead
    assert "CMND" not in lead and "9 chữ số" not in lead
    fill(d, "lookup-idNumber", "031234567")
    submit(d, "lookup-submit")
    error = d.find_element(By.ID, "lookup-idNumber-error").text
    assert error.startswith("Chứng minh nhân dân 9 số đã hết giá trị sử dụng từ ngày 31/12/2024"), error
    assert "12 số" in error, error
    assert not d.find_elements(By.ID, "draft-form"), "a draft form for a CMND"
    shot(d, "rough-10-counter-cmnd")


# ---------------------------------------------------------------------------------------------------------
# 11. A registration whose ID number already has an account ends with the way in


def test_11_registration_of_a_taken_id_number_ends_with_sign_in_and_reset_links(portal, gateway, browser):
    d = browser
    base = portal["base"]
    phone = "0987611" + tag(d, 3)
    d.get(base + "/dang-ky/thong-tin")
    fill(d, "idNumber", CITIZEN[0])
    fill(d, "fullName", "Nguyễn Văn An")
    set_date(d, "dateOfBirth", "1960-10-10")
    fill(d, "phone", phone)
    wait_for_human_check(d)
    code = submit_for_code(d, gateway, "reg-submit", "+84" + phone[1:])
    fill(d, "code", code)
    submit(d, "otp-submit")

    assert d.find_element(By.TAG_NAME, "h1").text == "Không tạo được tài khoản mới", main_text(d)
    assert d.title.startswith("Không tạo được tài khoản mới"), d.title
    assert d.find_element(By.ID, "reg-ended-text").text.strip()
    login = d.find_element(By.ID, "reg-ended-login")
    reset = d.find_element(By.ID, "reg-ended-reset")
    assert urllib.parse.urlsplit(login.get_attribute("href")).path == "/dang-nhap"
    assert urllib.parse.urlsplit(reset.get_attribute("href")).path == "/quen-mat-khau"
    assert reset.text == "Quên mật khẩu"
    assert login.is_displayed() and reset.is_displayed()
    assert not d.find_elements(By.ID, "otp-form") and not d.find_elements(By.ID, "code"), "a code form after the end"
    assert not d.find_elements(By.ID, "password-form")
    shot(d, "rough-11-registration-ended")

    # The link leads to the reset page.
    submit(d, "reg-ended-reset")
    assert path_of(d) == "/quen-mat-khau" and d.find_elements(By.ID, "reset-form")


# ---------------------------------------------------------------------------------------------------------
# 12. The reset code page names no phone


def test_12_reset_code_page_names_no_phone(portal, gateway, browser):
    d = browser
    d.get(portal["base"] + "/quen-mat-khau")
    fill(d, "username", CITIZEN[0])
    wait_for_human_check(d)
    submit_for_code(d, gateway, "reset-submit", CITIZEN[1])  # the account's phone got the code
    alert = d.find_element(By.CSS_SELECTOR, "#main .alert").text
    assert RESET_LEAD in alert, alert
    assert "***" not in main_text(d), main_text(d)
    assert not d.find_elements(By.ID, "otp-phone")
    assert d.find_element(By.ID, "otp-expires").text.strip()
    shot(d, "rough-12-reset-code")


# ---------------------------------------------------------------------------------------------------------
# 13. The password checklist: keyboard rows, the common-password rule checked on submit


def test_13_password_checklist_flags_keyboard_rows_and_leaves_common_passwords_to_the_server(portal, gateway, browser):
    d = browser
    who = ("033096000009", "+84912000009")   # Ngô Văn Tài: keeps his password (every one tried here is refused)
    sign_in(d, portal, gateway, who, "/tai-khoan/doi-mat-khau")
    d.get(portal["base"] + "/tai-khoan/doi-mat-khau")
    field = d.find_element(By.ID, "password")
    rules = d.find_element(By.ID, "password-rules")

    def item(rule):
        return rules.find_element(By.CSS_SELECTOR, f"li[data-rule='{rule}']")

    def state(rule):
        found = item(rule).find_elements(By.CLASS_NAME, "rule-state")
        return text_of(found[0]) if found else ""

    common = item("common")
    assert "Không phải mật khẩu phổ biến" in text_of(common), text_of(common)
    assert state("common") == "", "the common rule has a state before anything is typed"

    field.send_keys("qwerty!!99")
    assert state("sequence") == "chưa đạt" and "bad" in item("sequence").get_attribute("class").split()
    assert state("length") == "đạt"
    assert state("common") == "sẽ được kiểm tra khi bấm gửi"
    assert "bad" not in item("common").get_attribute("class").split()
    shot(d, "rough-13-keyboard-row")

    field.clear()
    field.send_keys("12345678")
    assert state("sequence") == "chưa đạt" and "bad" in item("sequence").get_attribute("class").split()
    assert state("common") == "sẽ được kiểm tra khi bấm gửi"

    # password1 passes every rule the page checks; the server refuses it as common, under the field.
    fill(d, "currentPassword", harness.DEMO_PASSWORD)
    fill_new_password(d, "password1")
    assert state("sequence") == "đạt" and state("length") == "đạt" and state("personal") == "đạt"
    submit(d, "password-submit")
    error = d.find_element(By.ID, "password-error").text
    assert error == "Mật khẩu này quá phổ biến nên dễ bị đoán ra; hãy chọn mật khẩu khác.", error
    assert d.find_element(By.ID, "password").get_attribute("aria-invalid") == "true"
    shot(d, "rough-13-common-refused")


# ---------------------------------------------------------------------------------------------------------
# 14. A form that hashes a password says it is working (on a server with slow hashing)


@pytest.fixture(scope="module")
def slow_portal(gateway):
    with running_portal("postgres", gateway, PASSWORD_SCRYPT_N=131072, PASSWORD_SCRYPT_R=8, PASSWORD_SCRYPT_P=1,
                        OTP_MAX_PER_HOUR=1000, OTP_MAX_PER_DAY=10000, RATE_LIMIT_PER_IP_PER_HOUR=100000) as p:
        yield p


class PageDevTools:
    """The page's own DevTools connection, beside chromedriver's. chromedriver holds every command (a script, a
    screenshot) while the browser loads the next page, so the page being left, with what its scripts did on
    submit, can only be read and photographed this way. Chrome keeps showing that page until the answer comes."""

    def __init__(self, d):
        address = d.capabilities["goog:chromeOptions"]["debuggerAddress"]
        with urllib.request.urlopen(f"http://{address}/json/list", timeout=10) as answer:
            targets = json.load(answer)
        target = next(t for t in targets if t["id"] == d.current_window_handle)
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.serial = 0

    def call(self, method, **params):
        self.serial += 1
        self.ws.send(json.dumps({"id": self.serial, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.serial:
                assert "error" not in message, message
                return message["result"]

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))

    def close(self):
        self.ws.close()


BUSY_STATE = """(function (formId, buttonId, click) {
  var form = document.getElementById(formId), button = document.getElementById(buttonId);
  if (!form || !button) return null;
  if (click) button.click();
  var status = form.querySelector('.busy-status');
  return {disabled: button.disabled, text: button.textContent.trim(), formBusy: form.getAttribute('aria-busy'),
          status: status && status.textContent.trim(), role: status && status.getAttribute('role'),
          live: status && status.getAttribute('aria-live'), url: location.href};
})(%s, %s)"""


def click_and_read_busy(d, form_id, button_id, name):
    """Clicks the submit button (its own click(): the same submit event as a tap) and reads the form in the same
    script, then photographs the page while the server works on the answer: seconds, with slow hashing, during
    which Chrome still shows the page being left (a later read of the page waits for the next one; the
    screenshot does not). Answers once the next page is loaded."""
    page = d.current_url
    old = d.find_element(By.TAG_NAME, "html")
    tools = PageDevTools(d)
    try:
        state = tools.evaluate(BUSY_STATE % (f"{json.dumps(form_id)}, {json.dumps(button_id)}", "true"))
        SHOTS.mkdir(parents=True, exist_ok=True)
        tools.screenshot(str(SHOTS / f"{name}-{d.width}.png"))
    finally:
        tools.close()
    assert state is not None and state["url"] == page, state
    assert state["disabled"] is True and state["text"] == BUSY, state
    assert state["formBusy"] == "true", state
    assert state["status"] and state["status"].startswith(BUSY) and "vui lòng chờ" in state["status"], state
    assert state["role"] == "status" and state["live"] == "polite", state
    # The form was sent all the same: the next page comes (the caller checks which).
    WebDriverWait(d, 90, poll_frequency=0.1).until(EC.staleness_of(old))
    WebDriverWait(d, 30, poll_frequency=0.05).until(lambda x: x.execute_script("return document.readyState") == "complete")


def test_14_forms_that_hash_a_password_say_they_are_working(slow_portal, gateway, browser):
    d = browser
    base = slow_portal["base"]
    c = person(d, 14)
    c["password"] = "Hoa sữa thơm lừng 1985 Văn Lâm"

    # Sign-in: the password is checked (hashed) before the code is sent.
    d.get(base + "/dang-nhap")
    fill(d, "username", CITIZEN[0])
    fill(d, "password", harness.DEMO_PASSWORD)
    before = gateway.mark()
    click_and_read_busy(d, "login-form", "login-submit", "rough-14-busy-login")
    assert d.find_elements(By.ID, "otp-form"), main_text(d)
    gateway.latest_code(CITIZEN[1], after=before)

    # Registration: its password form.
    d.get(base + "/dang-ky/thong-tin")
    fill(d, "idNumber", c["idNumber"])
    fill(d, "fullName", c["fullName"])
    set_date(d, "dateOfBirth", c["dob"])
    fill(d, "phone", c["phone"])
    wait_for_human_check(d)
    fill(d, "code", submit_for_code(d, gateway, "reg-submit", c["e164"]))
    submit(d, "otp-submit")
    WebDriverWait(d, 30).until(EC.presence_of_element_located((By.ID, "password-form")))
    fill_new_password(d, c["password"])
    click_and_read_busy(d, "password-form", "password-submit", "rough-14-busy-register")
    assert "Đăng ký thành công" in main_text(d), main_text(d)

    # Reset: the code page with the new password.
    d.get(base + "/quen-mat-khau")
    fill(d, "username", c["idNumber"])
    wait_for_human_check(d)
    fill(d, "code", submit_for_code(d, gateway, "reset-submit", c["e164"]))
    fill_new_password(d, c["password"] + " mới")
    click_and_read_busy(d, "otp-form", "otp-submit", "rough-14-busy-reset")
    assert "Đã đặt lại mật khẩu" in main_text(d), main_text(d)


# ---------------------------------------------------------------------------------------------------------
# 15. Staff land on the console and the header links to it


def test_15_staff_land_on_the_console_and_citizens_on_their_account(portal, gateway, browser):
    d = browser
    wrong = []   # every person is looked at before the test fails
    for who, name in [(harness.DESK_OFFICER, "officer"), (harness.DISTRICT_ADMIN, "admin")]:
        sign_in(d, portal, gateway, who)
        assert path_of(d) == "/quantri", (name, d.current_url, main_text(d))
        link = d.find_element(By.ID, "nav-console")
        assert link.text == "Quản trị" and link.is_displayed()
        assert urllib.parse.urlsplit(link.get_attribute("href")).path == "/quantri"
        shot(d, f"rough-15-{name}-lands-on-console")
        # The header with its one more link still fits the window (no sideways scrolling on a phone).
        if not no_overflow(d):
            wrong.append(f"{name} at {d.width}px: the page is {overflow(d)} wider than the window; "
                         f"past its right edge: {past_right_edge(d)}")
        submit(d, "nav-logout")

    sign_in(d, portal, gateway, CITIZEN)
    assert path_of(d) == "/tai-khoan", (d.current_url, main_text(d))
    assert not d.find_elements(By.ID, "nav-console")
    assert d.find_element(By.ID, "account-name").text == "Nguyễn Văn An"
    if not no_overflow(d):
        wrong.append(f"citizen at {d.width}px: the page is {overflow(d)} wider than the window; "
                     f"past its right edge: {past_right_edge(d)}")
    shot(d, "rough-15-citizen-lands-on-account")
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------------------------------------
# 16. The counter's pages, without the right, explain why (403), as the console does


def test_16_counter_pages_without_the_right_explain_why(portal, gateway, browser):
    d = browser
    base = portal["base"]
    wrong = []   # every page is looked at before the test fails, so that the report names them all
    for who, name in [(MEMBER, "member"), (CITIZEN, "citizen")]:
        sign_in_to_console(d, portal, gateway, who)
        d.get(base + "/quantri")
        console_reasons = reasons_of(d).text
        assert console_reasons.strip(), main_text(d)
        for path in COUNTER_PATHS:
            d.get(base + path)
            status, _, _ = fetch(d, base + path)
            heading = d.find_element(By.CSS_SELECTOR, "#main h1").text
            reasons = d.find_elements(By.ID, "r10-reasons")
            body = d.find_element(By.TAG_NAME, "body").text
            seen = f"{name} at {path}: HTTP {status}, h1 «{heading}»"
            if status != 403:
                wrong.append(seen + " (403 expected)")
            if heading != "Chưa thể tạo tài khoản công dân":
                wrong.append(seen + " (h1 «Chưa thể tạo tài khoản công dân» expected)")
            if not reasons or reasons[0].text != console_reasons:
                wrong.append(seen + f": reasons {reasons[0].text if reasons else None!r}, on /quantri {console_reasons!r}")
            if "Đã có lỗi xảy ra" in body:
                wrong.append(seen + ": the generic error page")
            shot(d, f"rough-16-counter-refused-{name}-{path.rstrip('/').split('/')[-1]}")
        submit(d, "nav-logout")
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------------------------------------
# 17. The province's super admin is not told to ask himself


def test_17_super_admin_is_sent_to_support_not_to_himself(portal, gateway, browser):
    d = browser
    sign_in_to_console(d, portal, gateway, harness.SUPER_ADMIN)
    reasons = reasons_of(d)
    assert "Nguyễn Văn Quản" not in reasons.text, reasons.text
    support_phone = d.find_element(By.CSS_SELECTOR, ".site-footer a[href^='tel:']").text
    items = reasons.find_elements(By.TAG_NAME, "li")
    assert items, reasons.text
    for li in items:
        named = [s.text for s in li.find_elements(By.TAG_NAME, "strong")]
        support = li.find_elements(By.CLASS_NAME, "ask-support")
        assert "Nguyễn Văn Quản" not in named, li.text
        assert named or support, f"a reason that names nobody and no support contact: {li.text}"
        if support:
            phones = [a.text for a in support[0].find_elements(By.CSS_SELECTOR, "a[href^='tel:']")]
            assert phones == [support_phone], (phones, support_phone)
            assert "Hãy liên hệ" not in li.text, li.text
    assert reasons.find_elements(By.CLASS_NAME, "ask-support"), reasons.text
    shot(d, "rough-17-super-admin-reasons")


# ---------------------------------------------------------------------------------------------------------
# 18. The counter's draft page: first send, resend, the buttons' words, the no-code message


def test_18_counter_draft_page_says_what_happened(portal, gateway, desktop_browser):
    d = desktop_browser
    c = person(d, 18)
    sign_in_to_console(d, portal, gateway, harness.CENTRE_OFFICER)
    new_draft(d, portal, c)

    assert d.find_element(By.ID, "download-form").text == "Tải giấy đề nghị (PDF)"
    hint = d.find_element(By.CSS_SELECTOR, "#download-form").find_element(By.XPATH, "ancestor::p/following-sibling::p[1]")
    assert "hint" in hint.get_attribute("class").split()
    assert hint.text == "Giấy đề nghị tạo tài khoản (PDF) để công dân kiểm tra và ký xác nhận.", hint.text
    assert ".pdf" not in hint.text and "cccd-hai-mat" not in hint.text
    details = d.find_element(By.CSS_SELECTOR, "details:has(#draft-edit-form)")
    assert details.find_element(By.TAG_NAME, "summary").text == "Sửa thông tin công dân"
    assert text_of(d.find_element(By.ID, "draft-save")) == "Lưu thông tin đã sửa"
    assert details.get_attribute("open") is None
    shot(d, "rough-18-draft")

    # «Tạo tài khoản» before any code was sent.
    fill(d, "code", "123456")
    submit(d, "create-account")
    # The field says it in short; the summary above the page says what to do.
    assert d.find_element(By.ID, "code-error").text == "Chưa gửi mã OTP.", main_text(d)
    assert d.find_element(By.ID, "draft-alert").text.startswith(
        "Chưa gửi mã OTP nào cho hồ sơ này. Bấm «Gửi mã OTP» để gửi mã đến số điện thoại của công dân"), main_text(d)
    assert "code-error" in d.find_element(By.ID, "code").get_attribute("aria-describedby").split()
    assert d.find_element(By.CSS_SELECTOR, "details:has(#draft-edit-form)").get_attribute("open") is None
    shot(d, "rough-18-no-code-sent")

    # The first send, then a resend once the wait is over.
    before = gateway.mark()
    submit(d, "send-otp")
    first = gateway.latest_code(c["e164"], after=before)
    alert = d.find_element(By.ID, "draft-alert").text
    assert alert == "Đã gửi mã OTP đến số điện thoại của công dân.", alert
    assert "Mã cũ không còn dùng được" not in main_text(d)
    shot(d, "rough-18-first-send")
    # The button comes back when its countdown ends. The countdown's time (data-available-at) is written to the
    # second, without the fraction the server keeps, so the button can come back up to a second before the server
    # accepts a new send ("Vui lòng chờ đến hh:mm:ss để gửi lại mã."): wait that second out as well.
    wait_enabled(d, "send-otp")
    available = d.find_element(By.ID, "send-otp").get_attribute("data-available-at")
    WebDriverWait(d, 10, poll_frequency=0.1).until(
        lambda x: x.execute_script("return Date.now() >= Date.parse(arguments[0]) + 1000", available))
    before = gateway.mark()
    submit(d, "send-otp")
    second = gateway.latest_code(c["e164"], after=before)
    alert = d.find_element(By.ID, "draft-alert").text
    assert alert == "Đã gửi mã mới. Mã cũ không còn dùng được.", alert
    shot(d, "rough-18-resend")

    # A wrong code: an error at the code, the edit section stays closed.
    wrong = next(x for x in ("000000", "111111", "222222") if x not in (first, second))
    fill(d, "code", wrong)
    submit(d, "create-account")
    assert d.find_element(By.ID, "code-error").text.strip(), main_text(d)
    assert d.find_element(By.CSS_SELECTOR, "details:has(#draft-edit-form)").get_attribute("open") is None
    assert not d.find_element(By.ID, "draft-edit-form").is_displayed()
    shot(d, "rough-18-wrong-code")


# ---------------------------------------------------------------------------------------------------------
# 19. The printable form: a landmark, a print button, the same lines as the PDF, no overflow on a phone


def squeeze(text):
    return " ".join(text.split())


def test_19_printable_form_matches_the_pdf(portal, gateway, browser):
    d = browser
    c = person(d, 19)
    draft, _ = api_draft(portal, gateway, c)
    sign_in_to_console(d, portal, gateway, harness.CENTRE_OFFICER)
    d.get(portal["base"] + f"/quantri/tai-khoan-cong-dan/ho-so/{draft}")
    WebDriverWait(d, 10).until(EC.presence_of_element_located((By.ID, "create-form")))
    pdf_url = d.find_element(By.ID, "download-form").get_attribute("href")
    d.get(d.find_element(By.ID, "print-form").get_attribute("href"))

    main = d.find_element(By.TAG_NAME, "main")
    button = d.find_element(By.ID, "print-button")
    assert button.is_displayed() and button.text == "In giấy đề nghị"
    recipient = d.find_element(By.ID, "print-recipient").text
    recipient_line = squeeze(d.find_element(By.ID, "print-recipient").find_element(By.XPATH, "..").text)
    assert recipient_line == "Kính gửi: " + recipient, recipient_line
    place_date = d.find_element(By.ID, "print-date").text
    year = datetime.now(VN).year
    assert re.fullmatch(r".+, ngày \d\d tháng \d{1,2} năm " + str(year), place_date), place_date
    headings = [s.text for s in main.find_elements(By.CSS_SELECTOR, ".signatures > div > strong:first-child")]
    assert headings == ["CÁN BỘ TIẾP NHẬN", "NGƯỜI ĐỀ NGHỊ"], headings
    assert d.find_element(By.ID, "print-name").text == "HOÀNG THỊ NGUYỆT"
    assert no_overflow(d), overflow(d)
    shot(d, "rough-19-printable")

    # The PDF says the same.
    status, headers, pdf = fetch(d, pdf_url)
    assert status == 200 and pdf.startswith(b"%PDF-"), (status, headers)
    path = os.path.join(tempfile.mkdtemp(), "form.pdf")
    with open(path, "wb") as f:
        f.write(pdf)
    layout = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True).stdout
    lines = [squeeze(line) for line in layout.splitlines() if line.strip()]
    flat = squeeze(layout)
    assert recipient_line in flat, (recipient_line, lines)
    assert place_date in lines, (place_date, lines)
    heading_line = next((line for line in lines if "CÁN BỘ TIẾP NHẬN" in line), None)
    assert heading_line == "CÁN BỘ TIẾP NHẬN NGƯỜI ĐỀ NGHỊ", (heading_line, lines)
    assert squeeze(main.find_element(By.CSS_SELECTOR, "h1").text.split("\n")[0]) in lines


# ---------------------------------------------------------------------------------------------------------
# 20. The password SMS: what it is, when it expires, the portal, in one SMS


def test_20_password_sms_fits_one_message(portal, gateway, desktop_browser):
    d = desktop_browser
    c = person(d, 20)
    sign_in_to_console(d, portal, gateway, harness.CENTRE_OFFICER)
    new_draft(d, portal, c)
    before = gateway.mark()
    submit(d, "send-otp")
    fill(d, "code", gateway.latest_code(c["e164"], after=before))
    before = gateway.mark()
    submit(d, "create-account")
    assert "Đã tạo tài khoản" in main_text(d), main_text(d)
    shot(d, "rough-20-created")

    sms = gateway.messages(to=c["e164"], after=before, starting="Tai khoan ", wait=15)
    assert len(sms) == 1, sms
    text = sms[0]["text"]
    match = PASSWORD_SMS.fullmatch(text)
    assert match, text
    assert match.group(1) == c["idNumber"]
    assert len(text) <= 160 and text.isascii(), (len(text), text)
    portal_name = d.execute_script("return document.querySelector('.brand-name').textContent.trim()")
    assert match.group(4) == ascii_fold(portal_name), (match.group(4), portal_name)
    expires = datetime.strptime(match.group(3), "%d/%m/%Y %H:%M").replace(tzinfo=VN)
    assert datetime.now(VN) < expires <= datetime.now(VN) + timedelta(days=30), match.group(3)


# ---------------------------------------------------------------------------------------------------------
# 21. The units list: the rule once, a concrete new name where one fits


def test_21_units_list_states_the_rule_once_and_suggests_names(portal, gateway, browser):
    d = browser
    sign_in_to_console(d, portal, gateway, harness.SUPER_ADMIN)
    d.get(portal["base"] + "/quantri/don-vi")
    legends = d.find_elements(By.ID, "unit-rule-legend")
    assert len(legends) == 1 and legends[0].is_displayed()
    rule = legends[0].text
    assert rule.startswith("Quy tắc: tên đơn vị một cửa phải chứa"), rule
    assert main_text(d).count("Quy tắc:") == 1
    rows = d.find_elements(By.CSS_SELECTOR, "#units-table tbody tr")
    assert rows
    for row in rows:
        assert "Quy tắc" not in row.text and rule not in row.text, row.text
    misnamed = next(r for r in rows if "Bộ phận 1 cửa xã Tân Quang" in r.text)
    suggestion = misnamed.find_element(By.CSS_SELECTOR, "td[data-label='Đơn vị một cửa'] p.small").text
    assert suggestion == "Nếu là bộ phận một cửa, đổi tên thành “Bộ phận Một cửa xã Tân Quang”", suggestion
    # A unit that is one-stop, or that has nothing of a desk in its name, gets no suggestion.
    for row in rows:
        name = row.find_element(By.CSS_SELECTOR, "td[data-label='Tên đơn vị'] a").text
        if name in ("Sở Tư pháp", "Bộ phận một cửa xã Lạc Đạo", "UBND huyện Văn Lâm"):
            assert "đổi tên thành" not in row.text, row.text
    # The legend and the table stay inside the layout's width (the header is item 15's: test_15 checks it).
    inside = d.execute_script("""
        var edge = document.documentElement.clientWidth;
        return ['unit-rule-legend', 'units-table'].map(function (id) {
          var e = document.getElementById(id), box = (e.closest('.table-wrap') || e).getBoundingClientRect();
          return box.right <= edge + 0.5; });""")
    assert inside == [True, True], (inside, past_right_edge(d))
    shot(d, "rough-21-units")


# ---------------------------------------------------------------------------------------------------------
# 22. The audit log: named events, readable details, filters, an empty result that says so, a CSV for Excel


def audit_rows(d):
    """The rows shown, by column (the headers' data-labels)."""
    rows = []
    for tr in d.find_elements(By.CSS_SELECTOR, "#audit-table tbody tr"):
        cells = tr.find_elements(By.TAG_NAME, "td")
        rows.append({td.get_attribute("data-label"): text_of(td) for td in cells})
    return rows


def audit_total(d):
    """How many events match, as the page says (0 when it says none)."""
    if d.find_elements(By.ID, "audit-empty"):
        assert not d.find_elements(By.ID, "audit-table")
        return 0
    said = d.find_element(By.ID, "audit-count").text
    m = re.match(r"Đang hiện (\d+)(?: trên tổng số (\d+))?", said)
    assert m, said
    shown, total = int(m.group(1)), int(m.group(2) or m.group(1))
    assert len(audit_rows(d)) == shown, said
    return total


def filter_audit(d, base, **values):
    """Opens the log and applies the filters: action, actor, unit (option values), from, to (ISO days)."""
    d.get(base + "/quantri/nhat-ky")
    for name in ("action", "actor", "unit"):
        if name in values:
            Select(d.find_element(By.ID, f"audit-{name}")).select_by_value(values[name])
    for name in ("from", "to"):
        if name in values:
            set_date(d, f"audit-{name}", values[name])
    submit(d, "audit-filter")


def option_value(d, select_id, label_part):
    options = [o for o in Select(d.find_element(By.ID, select_id)).options if label_part in o.text]
    assert len(options) == 1, (select_id, label_part, [o.text for o in Select(d.find_element(By.ID, select_id)).options])
    return options[0].get_attribute("value")


def test_22_audit_log_names_events_filters_and_exports(portal, gateway, browser):
    d = browser
    base = portal["base"]
    c = person(d, 22)

    # Some actions: the centre's officer makes an account through the API; the desk officer looks a number up.
    draft, centre = api_draft(portal, gateway, c)
    before = gateway.mark()
    status, sent = harness.call(base, "POST", f"/api/v1/admin/citizen-accounts/drafts/{draft}/otp", token=centre)
    assert status == 202, (status, sent)
    code = gateway.latest_code(c["e164"], after=before)
    status, made = harness.call(base, "POST", f"/api/v1/admin/citizen-accounts/drafts/{draft}/create", {"code": code},
                                token=centre)
    assert status == 201, (status, made)
    desk = harness.sign_in_staff(base, gateway, harness.DESK_OFFICER)
    status, looked = harness.call(base, "GET", "/api/v1/admin/citizen-accounts/lookup?idNumber=036185990" + tag(d, 3),
                                  token=desk)
    assert status == 200 and looked["exists"] is False, (status, looked)

    sign_in_to_console(d, portal, gateway, harness.SUPER_ADMIN)
    d.get(base + "/quantri/nhat-ky")
    everything = audit_total(d)
    rows = audit_rows(d)
    events = {r["Sự kiện"] for r in rows}
    assert {"Tạo tài khoản công dân", "Tra cứu số định danh"} <= events, events
    for r in rows:
        assert not re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", r["Sự kiện"]), f"an event shown by its code: {r}"
        assert "{" not in r["Chi tiết"] and '":' not in r["Chi tiết"], f"details shown as JSON: {r}"
    created = next(r for r in rows if r["Sự kiện"] == "Tạo tài khoản công dân" and r["Người thực hiện"] == "Lê Thị Hoa")
    assert created["Chi tiết"].startswith("Hồ sơ nháp: ") and "Số định danh: " in created["Chi tiết"], created
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", created["Thời gian"]), created
    shot(d, "rough-22-audit")

    hoa = option_value(d, "audit-actor", "Lê Thị Hoa")
    minh = option_value(d, "audit-actor", "Phạm Văn Minh")
    centre_unit = option_value(d, "audit-unit", "Trung tâm Phục vụ hành chính công")
    desk_unit = option_value(d, "audit-unit", "Bộ phận một cửa xã Lạc Đạo")

    # By event.
    filter_audit(d, base, action="citizen.create")
    n = audit_total(d)
    assert 0 < n < everything
    assert {r["Sự kiện"] for r in audit_rows(d)} == {"Tạo tài khoản công dân"}
    assert Select(d.find_element(By.ID, "audit-action")).first_selected_option.text == "Tạo tài khoản công dân"
    shot(d, "rough-22-audit-by-event")

    # By person.
    filter_audit(d, base, actor=minh)
    n = audit_total(d)
    assert 0 < n < everything
    assert {r["Người thực hiện"] for r in audit_rows(d)} == {"Phạm Văn Minh"}
    assert "Tra cứu số định danh" in {r["Sự kiện"] for r in audit_rows(d)}

    # By unit: the desk's events are not the centre's.
    filter_audit(d, base, unit=desk_unit)
    n = audit_total(d)
    assert 0 < n < everything
    people = {r["Người thực hiện"] for r in audit_rows(d)}
    assert "Phạm Văn Minh" in people and "Lê Thị Hoa" not in people, people
    filter_audit(d, base, unit=centre_unit)
    n = audit_total(d)
    assert 0 < n < everything
    rows = audit_rows(d)
    assert "Phạm Văn Minh" not in {r["Người thực hiện"] for r in rows}
    assert any(r["Sự kiện"] == "Tạo tài khoản công dân" and r["Người thực hiện"] == "Lê Thị Hoa" for r in rows), rows

    # By days (Vietnam time): today has them, tomorrow and yesterday have none.
    today = datetime.now(VN).date()
    filter_audit(d, base, action="citizen.create", **{"from": today.isoformat(), "to": today.isoformat()})
    assert audit_total(d) > 0
    for days in ({"from": (today + timedelta(days=1)).isoformat()}, {"to": (today - timedelta(days=1)).isoformat()}):
        filter_audit(d, base, **days)
        empty = d.find_elements(By.ID, "audit-empty")
        assert empty and empty[0].text.startswith("Không có sự kiện nào khớp với bộ lọc"), (days, main_text(d))
        assert not d.find_elements(By.ID, "audit-table")
        assert d.find_element(By.ID, "audit-clear").is_displayed()
    shot(d, "rough-22-audit-empty")

    # The CSV of a filtered view: for Excel (a byte-order mark), Vietnamese headers and times, the same rows.
    filter_audit(d, base, action="citizen.create", actor=hoa)
    shown = audit_total(d)
    assert shown > 0
    status, headers, body = fetch(d, d.find_element(By.ID, "audit-csv").get_attribute("href"))
    assert status == 200 and headers.get("content-type", "").startswith("text/csv"), (status, headers)
    assert body.startswith(b"\xef\xbb\xbf"), body[:20]
    table = list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))
    header, data = table[0], table[1:]
    assert header[0] == "Thời gian (giờ Việt Nam)", header
    assert {"Người thực hiện", "Sự kiện", "Mã sự kiện", "Chi tiết"} <= set(header), header
    col = {name: i for i, name in enumerate(header)}
    assert len(data) == shown, (len(data), shown)
    for row in data:
        assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", row[col["Thời gian (giờ Việt Nam)"]]), row
        assert row[col["Mã sự kiện"]] == "citizen.create" and row[col["Sự kiện"]] == "Tạo tài khoản công dân", row
        assert row[col["Người thực hiện"]] == "Lê Thị Hoa", row
        assert "{" not in row[col["Chi tiết"]], row
