"""The usage dashboard in headless Chromium: totals, the per-day chart and the breakdowns,
drawn from generations made through the API first."""
import urllib.request
from datetime import datetime, timedelta, timezone

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from conftest import http_json
from test_console_browser import log_in, screenshot, wait


def seed_generations(easel, count=2):
    key, _ = easel.api_key(easel.member_email, "usage seed")
    auth = {"Authorization": f"Bearer {key}"}
    status, models, _ = http_json("GET", f"{easel.url}/api/v1/models", headers=auth)
    assert status == 200, models
    model = next(m for m in models["items"] if m["name"] == "Nano Banana 2")
    for index in range(count):
        status, body, _ = http_json("POST", f"{easel.url}/api/v1/generations?wait=30",
                                    {"modelId": model["id"], "prompt": f"usage seed {index}"}, auth)
        assert status == 200 and body["status"] == "succeeded", body


def test_the_dashboard_draws_its_charts_from_stored_generations(browser, easel):
    seed_generations(easel)
    log_in(browser, easel, easel.owner_email, easel.password, next_page="/admin/usage.html")
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#chart svg rect.chart-bar")))
    bars = browser.find_elements(By.CSS_SELECTOR, "#chart svg rect.chart-bar")
    assert any(float(bar.get_attribute("height")) > 0 for bar in bars)
    assert int(browser.find_element(By.ID, "total-requests").text.replace(",", "")) >= 2
    # The cost shown is the API's, for the same range (this month), at four decimals under $1.
    status, usage, _ = http_json("GET", f"{easel.url}/api/v1/usage", headers=easel.session(easel.owner_email))
    assert status == 200 and 0 < usage["totals"]["costUsd"] < 1, usage
    assert browser.find_element(By.ID, "total-cost").text == f"${usage['totals']['costUsd']:.4f}"
    assert "Nano Banana" in browser.find_element(By.ID, "by-model").text
    # Each model's latency percentiles, as the API computes them.
    assert " ms / " in browser.find_element(By.CSS_SELECTOR, "#by-model tr td:last-child").text
    browser.execute_script("document.getElementById('models-title').scrollIntoView()")
    screenshot(browser, "usage-tables")
    browser.execute_script("window.scrollTo(0, 0)")
    assert easel.member_email in browser.find_element(By.ID, "by-user").text
    assert "succeeded" in browser.find_element(By.ID, "by-reason").text
    # The tenant's limits, with this month's usage against them, and its image retention.
    facts = wait(browser, EC.visibility_of_element_located((By.ID, "limits-facts")))
    assert "no limit" in facts.text and "Requests per API key" in facts.text
    screenshot(browser, "usage")

    retention = browser.find_element(By.CSS_SELECTOR, "#retention-form input[name=retention]")
    retention.clear()
    retention.send_keys("45")
    browser.find_element(By.CSS_SELECTOR, "#retention-form button").click()
    wait(browser, EC.text_to_be_present_in_element((By.ID, "retention-message"), "older than 45 days"))
    browser.execute_script("document.getElementById('limits-card').scrollIntoView()")
    screenshot(browser, "usage-limits")
    status, me, _ = http_json("GET", f"{easel.url}/api/v1/me", headers=easel.session(easel.owner_email))
    assert status == 200 and me["limits"]["imageRetentionDays"] == 45, me

    # Switching the measure redraws the chart; the CSV link carries the range.
    browser.find_element(By.CSS_SELECTOR, "[data-measure=images]").click()
    assert browser.find_element(By.ID, "chart").get_attribute("aria-label") == "Images per day"
    assert "/api/v1/usage.csv?from=" in browser.find_element(By.ID, "csv-link").get_attribute("href")

    browser.set_window_size(390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(browser, "usage-phone")


def test_members_are_told_the_dashboard_is_not_for_them(browser, easel):
    log_in(browser, easel, easel.member_email, easel.password, next_page="/admin/usage.html")
    message = wait(browser, EC.visibility_of_element_located((By.ID, "page-message")))
    assert "owners and admins" in message.text


def test_the_history_browser_filters_and_shows_one_generations_metadata(browser, easel):
    seed_generations(easel, count=1)
    log_in(browser, easel, easel.owner_email, easel.password, next_page="/admin/history.html")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "history-body"), "usage seed"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#history-body tr")
    assert len(rows) >= 1
    # A filter narrows the list and the CSV link follows it.
    search = browser.find_element(By.NAME, "q")
    search.send_keys("no prompt says this")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "history-body"), "No generations match."))
    assert "q=no%20prompt%20says%20this" in browser.find_element(By.ID, "csv-link").get_attribute("href")
    search.clear()
    search.send_keys("usage seed")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "history-body"), "usage seed"))
    browser.find_element(By.CSS_SELECTOR, "#history-body tr button").click()
    facts = wait(browser, EC.visibility_of_element_located((By.ID, "detail-facts")))
    assert "Nano Banana" in facts.text and "succeeded" in facts.text
    assert '"costUsd"' in browser.execute_script("return document.getElementById('detail-json').textContent")
    screenshot(browser, "history-detail")


def test_the_cli_prints_the_same_usage_csv_as_the_api(easel):
    seed_generations(easel, count=1)
    # An explicit range, so both reads cover the same days even across midnight (UTC).
    first, end = "2026-01-01", (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%d")
    api = urllib.request.Request(f"{easel.url}/api/v1/usage.csv?groupBy=model&from={first}&to={end}",
                                 headers=easel.session(easel.owner_email))
    with urllib.request.urlopen(api) as response:
        expected = response.read().decode()
    cli = easel.cli("usage", "--tenant", "acme", "--group-by", "model", "--from", first, "--to", end)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout == expected and "Nano Banana" in cli.stdout
    unknown = easel.cli("usage", "--tenant", "no-such-tenant")
    assert unknown.returncode == 1 and "no tenant has the slug 'no-such-tenant'" in unknown.stderr
    bad = easel.cli("usage", "--group-by", "week")
    assert bad.returncode == 1 and "--group-by must be one of" in bad.stderr
