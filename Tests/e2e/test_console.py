"""The administration console in a real browser: the demo super admin signs in at /quantri, creates a
unit and grants an officer; an officer whose unit breaks the naming rule is told why."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import harness, shot
from test_citizen import fill, submit, submit_for_code


def sign_in_to_console(d, portal, gateway, who):
    """Signs a demo staff account, (ID number, phone), in at /quantri."""
    id_number, phone_e164 = who
    d.get(portal["base"] + "/quantri")
    WebDriverWait(d, 10).until(EC.presence_of_element_located((By.ID, "login-form")))
    fill(d, "username", id_number)
    fill(d, "password", harness.DEMO_PASSWORD)
    fill(d, "code", submit_for_code(d, gateway, "login-submit", phone_e164))
    submit(d, "otp-submit")


def test_super_admin_creates_a_unit_and_grants_an_officer(portal, gateway, browser):
    d = browser
    sign_in_to_console(d, portal, gateway, harness.SUPER_ADMIN)
    assert "Quản trị hệ thống" in d.find_element(By.TAG_NAME, "h1").text
    shot(d, "console-01-home")

    submit(d, "menu-units")
    assert "Bộ phận 1 cửa xã Tân Quang" in d.page_source
    shot(d, "console-02-units")
    name = f"Bộ phận một cửa phường Thử {d.width}"
    fill(d, "name", name)
    Select(d.find_element(By.ID, "parentId")).select_by_visible_text("— UBND huyện Văn Lâm")
    Select(d.find_element(By.ID, "kind")).select_by_value("other")
    submit(d, "unit-create")
    assert d.find_element(By.ID, "unit-title").text == name
    assert d.find_element(By.ID, "unit-one-stop").text == "Đơn vị một cửa"
    shot(d, "console-03-unit-created")

    # The demo citizen becomes an officer of the new unit.
    fill(d, "idNumber", "033060000011")
    submit(d, "grant-submit")
    table = d.find_element(By.ID, "staff-table").text
    assert "Nguyễn Văn An" in table and "Cán bộ một cửa" in table
    shot(d, "console-04-officer-granted")

    submit(d, "menu-audit")
    # Events by their names; the code stays in each name's title.
    audit = d.find_element(By.ID, "audit-table").text
    assert "Cấp quyền" in audit and "Tạo đơn vị" in audit and "Đăng nhập trang quản trị" in audit, audit
    codes = {e.get_attribute("title") for e in d.find_elements(By.CSS_SELECTOR, "#audit-table .audit-event")}
    assert {"staff.grant", "unit.create", "console.sign_in"} <= codes, codes
    shot(d, "console-05-audit")


def test_officer_of_a_wrongly_named_unit_is_told_why(portal, gateway, phone_browser):
    d = phone_browser
    sign_in_to_console(d, portal, gateway, harness.MISNAMED_DESK_OFFICER)
    reasons = d.find_element(By.ID, "r10-reasons").text
    assert "Bộ phận 1 cửa xã Tân Quang" in reasons
    assert "Đỗ Văn Hùng" in reasons
    shot(d, "console-r10-unit-not-one-stop")
