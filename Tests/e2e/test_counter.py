"""The counter in a real browser: the demo officer looks up an ID number, drafts the account with a scan,
downloads the request form, sends the code, creates the account; the citizen then signs in with the SMS
password and must change it (on both databases)."""
import os
import re
import subprocess
import tempfile
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import harness, shot
from test_citizen import fill, fill_new_password, set_date, submit, submit_for_code
from test_console import sign_in_to_console


def scan_file():
    """A small real PDF standing for the scan of both sides of the card."""
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    path = os.path.join(tempfile.mkdtemp(), "cccd-hai-mat.pdf")
    with open(path, "wb") as f:
        f.write(body)
    return path


def test_officer_creates_a_citizen_account_at_the_counter(each_portal, gateway, phone_browser):
    """A smoke test: on PostgreSQL and on SQLite."""
    portal = each_portal
    d = phone_browser
    sign_in_to_console(d, portal, gateway, harness.CENTRE_OFFICER)
    submit(d, "menu-create")
    assert "Tài khoản công dân do bạn tạo" in d.page_source
    shot(d, "counter-01-list")
    submit(d, "add-new")

    # R4: look-up first; an existing account is told and nothing can be created.
    fill(d, "lookup-idNumber", "033060000011")
    submit(d, "lookup-submit")
    assert "đã có tài khoản" in d.find_element(By.ID, "lookup-result").text
    assert not d.find_elements(By.ID, "draft-form")
    shot(d, "counter-02-lookup-exists")
    fill(d, "lookup-idNumber", "036185004321")
    submit(d, "lookup-submit")
    assert "chưa có tài khoản" in d.find_element(By.ID, "lookup-result").text
    shot(d, "counter-03-lookup-free")

    # R5, R6: the details and the scan.
    fill(d, "idNumber", "036185004321")
    fill(d, "fullName", "Hoàng Thị Nguyệt")
    set_date(d, "dateOfBirth", "1985-08-15")
    fill(d, "phone", "0977 123 987")
    d.find_element(By.ID, "idScan").send_keys(scan_file())
    shot(d, "counter-04-draft-form")
    submit(d, "draft-submit")
    WebDriverWait(d, 10).until(EC.presence_of_element_located((By.ID, "create-form")))
    shot(d, "counter-05-draft")

    # R7: the request form downloads as a PDF with the name upper-case.
    href = d.find_element(By.ID, "download-form").get_attribute("href")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in d.get_cookies())
    request = urllib.request.Request(href, headers={"Cookie": cookies})
    pdf = urllib.request.urlopen(request).read()
    assert pdf.startswith(b"%PDF-")
    path = os.path.join(tempfile.mkdtemp(), "form.pdf")
    with open(path, "wb") as f:
        f.write(pdf)
    text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout
    assert "HOÀNG THỊ NGUYỆT" in text and "036185004321" in text

    # R8: send the code; the SMS appears in the list with its state.
    before = gateway.mark()
    submit(d, "send-otp")
    code = gateway.latest_code("+84977123987", after=before)
    # The page after the send lists the message with its state.
    assert d.find_element(By.ID, "messages-table").text.count("Mã OTP") == 1
    shot(d, "counter-06-code-sent")

    # R9: the latest code creates the account; the password goes by SMS.
    before = gateway.mark()
    fill(d, "code", code)
    submit(d, "create-account")
    assert "Đã tạo tài khoản" in d.page_source
    shot(d, "counter-07-created")
    messages = gateway.messages(after=before, starting="Tai khoan ", wait=5)
    match = re.match(r"Tai khoan (\d+), mat khau tam (\S+), het han \d\d/\d\d/\d{4} \d\d:\d\d\. .+: doi mat khau khi dang nhap lan dau\.$",
                     messages[-1]["text"])
    assert match and match.group(1) == "036185004321"
    password = match.group(2)

    # The citizen signs in with the SMS password and is sent to change it first.
    submit(d, "nav-logout")
    d.get(portal["base"] + "/dang-nhap")
    fill(d, "username", "036185004321")
    fill(d, "password", password)
    fill(d, "code", submit_for_code(d, gateway, "login-submit", "+84977123987"))
    submit(d, "otp-submit")
    assert "mật khẩu tạm thời" in d.page_source
    shot(d, "counter-08-citizen-must-change")
    fill(d, "currentPassword", password)
    fill_new_password(d, "Hoa cúc vàng 1985 ở Văn Lâm")
    submit(d, "password-submit")
    assert "Đã đổi mật khẩu" in d.page_source
    shot(d, "counter-09-password-changed")
