"""The console in a real headless Chromium: log in through the page, use the account and admin
pages, and check the phone-width layout."""
import os
import uuid
from urllib.parse import urlparse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import http_json


def wait(browser, condition, timeout=15):
    try:
        return WebDriverWait(browser, timeout).until(condition)
    except Exception:
        screenshot(browser, "failure")
        raise


def screenshot(browser, name):
    directory = os.environ.get("EASEL_SCREENSHOT_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        browser.save_screenshot(os.path.join(directory, f"{name}.png"))


def log_in(browser, easel, email, password, next_page="/account.html"):
    browser.get(f"{easel.url}/login.html?next={next_page}")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "login-submit").click()
    wait(browser, lambda b: urlparse(b.current_url).path == next_page)


def test_login_through_the_page_shows_the_account(browser, easel):
    # A member of their own, so the account starts empty whichever suites ran before.
    email = f"fresh-{uuid.uuid4().hex[:8]}@acme.test"
    status, created, _ = http_json("POST", f"{easel.url}/api/v1/users",
                                   {"email": email, "role": "member", "password": easel.password, "tenantId": easel.tenant_id},
                                   easel.session(easel.owner_email))
    assert status == 201, created
    browser.get(f"{easel.url}/account.html")
    # Not logged in: sent to the log-in page, which comes back here afterwards.
    wait(browser, EC.url_contains("/login.html?next="))
    screenshot(browser, "login")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys("wrong password!")
    browser.find_element(By.ID, "login-submit").click()
    error = wait(browser, EC.visibility_of_element_located((By.ID, "login-message")))
    assert "not right" in error.text

    browser.find_element(By.ID, "password").clear()
    browser.find_element(By.ID, "password").send_keys(easel.password)
    browser.find_element(By.ID, "login-submit").click()
    wait(browser, EC.url_contains("/account.html"))
    wait(browser, EC.text_to_be_present_in_element((By.ID, "profile-email"), email))
    assert browser.find_element(By.ID, "profile-role").text == "Member"
    assert browser.find_element(By.ID, "profile-tenant").text == "Acme Studio"
    wait(browser, EC.text_to_be_present_in_element((By.ID, "keys-body"), "No API keys yet"))
    screenshot(browser, "account-empty")


def test_creating_an_api_key_shows_it_once(browser, easel):
    log_in(browser, easel, easel.member_email, easel.password)
    wait(browser, EC.url_contains("/account.html"))
    name = browser.find_element(By.CSS_SELECTOR, "#key-form input[name=name]")
    name.send_keys("Browser key")
    name.submit()
    secret = wait(browser, EC.visibility_of_element_located((By.ID, "new-key-value")))
    assert secret.text.startswith("esl_")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "keys-body"), "Browser key"))
    assert secret.text not in browser.find_element(By.ID, "keys-body").text
    screenshot(browser, "account-key")


def test_an_admin_invites_a_user(browser, easel):
    log_in(browser, easel, easel.owner_email, easel.password)
    wait(browser, EC.url_contains("/account.html"))
    browser.find_element(By.LINK_TEXT, "Users").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "users-body"), easel.member_email))
    form = browser.find_element(By.ID, "invite-form")
    form.find_element(By.NAME, "email").send_keys("invitee@acme.test")
    form.find_element(By.NAME, "displayName").send_keys("Ivy Invitee")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    link = wait(browser, EC.visibility_of_element_located((By.ID, "link-value")))
    assert "/set-password.html#token=" in link.text
    wait(browser, EC.text_to_be_present_in_element((By.ID, "users-body"), "Ivy Invitee"))
    screenshot(browser, "users")

    # The invitee follows the link and sets a password.
    invite = link.text
    browser.delete_all_cookies()
    browser.get(invite)
    browser.find_element(By.ID, "new-password").send_keys("a fine new password")
    browser.find_element(By.ID, "repeat-password").send_keys("a fine new password")
    browser.find_element(By.ID, "set-submit").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "set-message"), "Your password is set"))
    log_in(browser, easel, "invitee@acme.test", "a fine new password")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "profile-email"), "invitee@acme.test"))


def test_the_platform_admin_creates_a_tenant(browser, easel):
    log_in(browser, easel, easel.root_email, easel.root_password)
    wait(browser, EC.url_contains("/account.html"))
    browser.find_element(By.LINK_TEXT, "Tenants").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "tenants-body"), "Acme Studio"))
    form = browser.find_element(By.ID, "tenant-form")
    form.find_element(By.NAME, "name").send_keys("Browser Made Co")
    form.find_element(By.NAME, "quota").send_keys("250")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "tenants-body"), "browser-made-co"))
    assert "250" in browser.find_element(By.ID, "tenants-body").text
    screenshot(browser, "tenants")

    # The edit dialog sets the queue bound, a per-user rate and whether blocked results count.
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "#tenants-body tr") if "browser-made-co" in r.text)
    row.find_element(By.XPATH, ".//button[text()='Edit']").click()
    dialog = wait(browser, EC.visibility_of_element_located((By.ID, "edit-form")))
    dialog.find_element(By.NAME, "concurrency").send_keys("2")
    dialog.find_element(By.NAME, "queued").send_keys("3")
    dialog.find_element(By.NAME, "perUser").send_keys("20")
    dialog.find_element(By.NAME, "imageless").click()
    screenshot(browser, "tenant-edit")
    dialog.find_element(By.ID, "edit-save").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "tenants-body"), "+ 3 waiting"))
    status, tenants, _ = http_json("GET", f"{easel.url}/api/v1/tenants", headers=easel.session(easel.root_email, easel.root_password))
    limits = next(t for t in tenants["items"] if t["slug"] == "browser-made-co")["limits"]
    assert status == 200 and limits["maxConcurrentGenerations"] == 2 and limits["maxQueuedGenerations"] == 3
    assert limits["userRequestsPerMinute"] == 20 and limits["apiKeyRequestsPerMinute"] is None
    assert limits["quotaCountsImagelessResults"] is True


@pytest.mark.parametrize("page", ["/account.html", "/admin/users.html", "/admin/models.html"])
def test_phone_width_has_no_sideways_scroll(browser, easel, page):
    log_in(browser, easel, easel.owner_email, easel.password)
    wait(browser, EC.url_contains("/account.html"))
    browser.set_window_size(390, 844)
    try:
        browser.get(f"{easel.url}{page}")
        wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, ".nav a")))
        screenshot(browser, "phone" + page.replace("/", "-").replace(".html", ""))
        overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{page} is {overflow}px wider than a phone screen"
    finally:
        browser.set_window_size(1280, 900)


def table_layout(browser):
    """The models table as [(group, [model names in order])]."""
    return browser.execute_script(
        """
        const layout = [];
        for (const row of document.querySelectorAll('#models-body tr')) {
          if (row.classList.contains('group-row')) layout.push([row.textContent.trim(), []]);
          else if (row.dataset.model) layout[layout.length - 1][1].push(row.dataset.model);
        }
        return layout;
        """
    )


def test_a_model_made_in_the_form_is_listed_in_its_group_and_place(browser, easel):
    log_in(browser, easel, easel.root_email, easel.root_password)
    wait(browser, EC.url_contains("/account.html"))
    browser.find_element(By.LINK_TEXT, "Models").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "models-body"), "Nano Banana Pro"))
    assert table_layout(browser) == [["Image generation", ["Nano Banana 2 Lite", "Nano Banana 2", "Nano Banana Pro"]]]

    def fill_form(name, api_model, group, order, base_url=""):
        browser.find_element(By.ID, "new-model").click()
        form = wait(browser, EC.visibility_of_element_located((By.ID, "model-form")))
        for field, value in [("name", name), ("apiModel", api_model), ("groupName", group), ("sortOrder", str(order)), ("baseUrl", base_url)]:
            element = form.find_element(By.NAME, field)
            element.clear()
            element.send_keys(value)
        return form

    # A bad base URL is refused, and the message sits beside the field.
    form = fill_form("Mid Banana", "gemini-3.1-flash-image-preview", "Image generation", 15, "ftp://relay.example.com")
    form.find_element(By.ID, "dialog-save").click()
    error = wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-field="baseUrl"] .field-error')))
    assert "http:// or https://" in error.text
    screenshot(browser, "models-form-error")
    base_url = form.find_element(By.NAME, "baseUrl")
    base_url.clear()
    form.find_element(By.NAME, "token").send_keys("relay-token-ABCD")
    form.find_element(By.ID, "dialog-save").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "models-body"), "Mid Banana"))

    form = fill_form("Sketch", "gemini-2.5-flash-image", "Experiments", 1)
    form.find_element(By.ID, "dialog-save").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "models-body"), "Sketch"))
    assert table_layout(browser) == [
        ["Experiments", ["Sketch"]],
        ["Image generation", ["Nano Banana 2 Lite", "Mid Banana", "Nano Banana 2", "Nano Banana Pro"]],
    ]
    body = browser.find_element(By.ID, "models-body").text
    assert "Token ••••ABCD" in body and "relay-token-ABCD" not in browser.page_source
    screenshot(browser, "models")

    # Reorder by number: Nano Banana 2 Lite moves after Nano Banana Pro.
    order = browser.find_element(By.CSS_SELECTOR, 'tr[data-model="Nano Banana 2 Lite"] .order-input')
    order.send_keys(Keys.CONTROL, "a")
    order.send_keys("40", Keys.TAB)
    wait(browser, lambda b: table_layout(b)[1][1][-1] == "Nano Banana 2 Lite")
