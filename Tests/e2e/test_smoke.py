"""The home page in a real browser, at phone and desktop width."""
from selenium.webdriver.common.by import By

from conftest import shot


def test_home_page_links_and_language_switch(portal, browser):
    browser.get(portal["base"] + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    register = browser.find_element(By.ID, "nav-register")
    login = browser.find_element(By.ID, "nav-login")
    assert register.text == "Đăng ký"
    assert login.text == "Đăng nhập"
    assert register.is_displayed() and login.is_displayed()
    # Top right: both links sit in the right half of the header on every width.
    assert register.location["x"] + register.size["width"] > browser.width / 2
    assert "0221.3856789" in browser.find_element(By.CLASS_NAME, "site-footer").text
    # No horizontal scrolling on a phone.
    assert browser.execute_script("return window.innerWidth") == browser.width
    assert browser.execute_script("return document.documentElement.scrollWidth") <= browser.width
    shot(browser, "home-vi")

    browser.find_element(By.CSS_SELECTOR, ".lang-switch a[lang=en]").click()
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.ID, "nav-register").text == "Register"
    shot(browser, "home-en")

    browser.find_element(By.CSS_SELECTOR, ".lang-switch a[lang=vi]").click()
    assert browser.find_element(By.ID, "nav-login").text == "Đăng nhập"
    # The stylesheet loaded (the CSP allows only our own files).
    colour = browser.execute_script("return getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
