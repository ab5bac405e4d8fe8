"""A citizen's whole path in a real browser at phone width: register, sign out, sign in with the SMS code,
recover the password, sign in again (on both databases). Codes come from the local fake SMS gateway."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import page_left, shot

CITIZEN = {
    "idNumber": "001090054321",
    "fullName": "Trần Văn Bình",
    "dateOfBirth": "17/05/1990",
    "phone": "0987 123 456",
    "e164": "+84987123456",
    "password": "Hoa sen nở 2025 đẹp",
    "new_password": "Trăng rằm tháng Tám 88",
}


def fill(driver, field_id, value):
    element = driver.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(value)


def fill_new_password(driver, password):
    fill(driver, "password", password)
    fill(driver, "passwordConfirm", password)


def set_date(driver, field_id, iso):
    # Date inputs take the value in ISO form; typing into them depends on the browser's locale.
    driver.execute_script("document.getElementById(arguments[0]).value = arguments[1]", field_id, iso)


def wait_for_human_check(driver):
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.NAME, "humanCheck").get_attribute("value") != "")


def submit(driver, button_id):
    """Clicks and waits for the next page, so that checks never read the page being left."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.ID, button_id).click()
    WebDriverWait(driver, 15).until(page_left(old))
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def submit_for_code(driver, gateway, button_id, phone_e164):
    """Submits a step that sends an SMS code, waits for the code form, and answers the code the gateway got."""
    before = gateway.mark()
    submit(driver, button_id)
    WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "otp-form")))
    return gateway.latest_code(phone_e164, after=before)


def test_register_sign_in_and_recover_the_password(each_portal, gateway, phone_browser):
    """A smoke test: on PostgreSQL and on SQLite."""
    d = phone_browser
    base = each_portal["base"]

    # R13–R14: Đăng ký at the top right, then the type and the verification method.
    d.get(base + "/")
    d.find_element(By.ID, "nav-register").click()
    assert "Công dân" in d.page_source and "Thuê bao di động" in d.page_source
    shot(d, "citizen-01-register-type")
    submit(d, "reg-continue")

    # R15: the form, with the human check solved by the page's own script.
    WebDriverWait(d, 10).until(EC.presence_of_element_located((By.ID, "reg-form")))
    assert d.find_elements(By.CSS_SELECTOR, "label .req")
    fill(d, "idNumber", CITIZEN["idNumber"])
    fill(d, "fullName", CITIZEN["fullName"])
    set_date(d, "dateOfBirth", "1990-05-17")
    fill(d, "phone", CITIZEN["phone"])
    wait_for_human_check(d)
    shot(d, "citizen-02-register-details")
    code = submit_for_code(d, gateway, "reg-submit", CITIZEN["e164"])

    # R16: the code by SMS, then Xác nhận.
    assert d.find_element(By.ID, "otp-phone").text == "098****456"
    shot(d, "citizen-03-register-otp")
    fill(d, "code", code)
    submit(d, "otp-submit")

    # R17: a password that meets the rules; a weak one is refused with the reason.
    WebDriverWait(d, 10).until(EC.presence_of_element_located((By.ID, "password-form")))
    fill_new_password(d, "12345678")
    submit(d, "password-submit")
    shot(d, "citizen-04a-weak-password")
    errors = " ".join(e.text for e in d.find_elements(By.CLASS_NAME, "field-error"))
    assert "phổ biến" in errors
    fill_new_password(d, CITIZEN["password"])
    shot(d, "citizen-04-register-password")
    submit(d, "password-submit")
    assert "Đăng ký thành công" in d.page_source
    shot(d, "citizen-05-register-done")

    # R18: sign in with the ID number and password, then the SMS code.
    submit(d, "message-link")
    assert "Tài khoản cấp bởi Cổng Dịch vụ công" in d.page_source
    fill(d, "username", CITIZEN["idNumber"])
    fill(d, "password", CITIZEN["password"])
    shot(d, "citizen-06-login")
    fill(d, "code", submit_for_code(d, gateway, "login-submit", CITIZEN["e164"]))
    shot(d, "citizen-07-login-otp")
    submit(d, "otp-submit")
    assert d.find_element(By.ID, "account-name").text == CITIZEN["fullName"]
    shot(d, "citizen-08-portal")

    # Choose a service from the catalogue (one whose system is not connected: the demo connects «Đăng ký khai sinh»).
    fill(d, "q", "khai tử")
    submit(d, "services-search")
    names = [e.text for e in d.find_elements(By.CLASS_NAME, "service-name")]
    assert "Đăng ký khai tử" in names
    d.find_element(By.CSS_SELECTOR, "#services-table a.btn").click()
    assert "Đăng ký khai tử" in d.find_element(By.ID, "service-chosen").text
    shot(d, "citizen-09-service-chosen")

    # Sign out.
    submit(d, "nav-logout")
    assert d.find_elements(By.ID, "nav-login")

    # R12: Quên mật khẩu from the sign-in page.
    submit(d, "nav-login")
    submit(d, "forgot-link")
    fill(d, "username", CITIZEN["phone"])
    wait_for_human_check(d)
    shot(d, "citizen-10-reset")
    fill(d, "code", submit_for_code(d, gateway, "reset-submit", CITIZEN["e164"]))
    fill_new_password(d, CITIZEN["new_password"])
    shot(d, "citizen-11-reset-code")
    submit(d, "otp-submit")
    assert "Đã đặt lại mật khẩu" in d.page_source
    shot(d, "citizen-12-reset-done")

    # The old password no longer works; the new one does.
    d.get(base + "/dang-nhap")
    fill(d, "username", CITIZEN["idNumber"])
    fill(d, "password", CITIZEN["password"])
    submit(d, "login-submit")
    assert "không đúng" in d.find_element(By.ID, "login-alert").text
    fill(d, "username", CITIZEN["idNumber"])
    fill(d, "password", CITIZEN["new_password"])
    fill(d, "code", submit_for_code(d, gateway, "login-submit", CITIZEN["e164"]))
    submit(d, "otp-submit")
    assert d.find_element(By.ID, "account-name").text == CITIZEN["fullName"]
    shot(d, "citizen-13-signed-in-again")


def test_without_javascript_the_form_says_how_to_get_an_account(portal, gateway):
    from conftest import make_driver
    from selenium.webdriver.chrome.options import Options
    d = make_driver(360, javascript=False)
    d.width = 360
    try:
        d.get(portal["base"] + "/dang-ky/thong-tin")
        warning = d.find_element(By.CLASS_NAME, "noscript-warning").text
        assert "JavaScript" in warning and "Bộ phận một cửa" in warning
        shot(d, "citizen-noscript")
    finally:
        d.quit()
