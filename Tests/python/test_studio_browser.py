"""The studio in a real headless Chromium: generate an image, see it in the timeline and the
gallery, continue editing it, and use the page at phone width."""
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from test_console_browser import log_in, screenshot, wait


def open_studio(browser, easel):
    log_in(browser, easel, easel.member_email, easel.password, next_page="/studio.html")
    wait(browser, EC.url_contains("/studio.html"))
    # The models arrive, grouped, with the first one chosen.
    wait(browser, lambda b: len(Select(b.find_element(By.ID, "model")).options) >= 3)


def test_generating_in_the_studio_shows_the_image_and_fills_the_gallery(browser, easel):
    open_studio(browser, easel)
    # The gallery has loaded (empty, or with what other suites generated as this member).
    wait(browser, lambda b: "Loading" not in b.find_element(By.ID, "gallery").text)
    screenshot(browser, "studio-start")

    model = Select(browser.find_element(By.ID, "model"))
    model.select_by_visible_text("Nano Banana 2")
    # Only what the model offers: Nano Banana 2 has 512 and four sizes, and 14 ratios.
    sizes = [option.get_attribute("value") for option in Select(browser.find_element(By.ID, "image-size")).options]
    assert sizes == ["", "512", "1K", "2K", "4K"]
    Select(browser.find_element(By.ID, "image-size")).select_by_value("512")
    # The price of one image at that size shows before anything is sent (747 tokens at $60/M).
    wait(browser, EC.text_to_be_present_in_element((By.ID, "estimate"), "≈ $0.045 for this image"))
    Select(browser.find_element(By.ID, "aspect-ratio")).select_by_value("16:9")
    prompt = browser.find_element(By.ID, "prompt")
    prompt.send_keys("a <b>lighthouse</b> at dusk")
    prompt.send_keys(Keys.CONTROL, Keys.ENTER)

    image = wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, "#timeline .turn-succeeded .result img")), timeout=30)
    wait(browser, lambda b: b.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image))
    # The preview the page shows is the server's 512 px one, of the 16:9 image asked for.
    assert image.get_attribute("src").endswith("/preview")
    assert browser.execute_script("return arguments[0].naturalWidth", image) == 512
    turn = browser.find_element(By.CSS_SELECTOR, "#timeline .turn-succeeded")
    assert "Done" in turn.find_element(By.CSS_SELECTOR, ".badge").text
    assert "null" not in turn.text and "undefined" not in turn.text
    # The model's text is text: the prompt's markup arrives as characters, not elements.
    assert turn.find_elements(By.CSS_SELECTOR, ".turn-text b") == []
    assert "<b>lighthouse</b>" in turn.find_element(By.CSS_SELECTOR, ".turn-text").text
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#gallery .gallery-item img")))
    assert "lighthouse" in browser.find_element(By.ID, "gallery").text
    screenshot(browser, "studio-result")

    # Continue editing: the second turn replays the first and joins the same conversation.
    turn.find_element(By.XPATH, ".//button[text()='Continue editing']").click()
    assert "Continuing from" in browser.find_element(By.ID, "continuing").text
    prompt.send_keys("now in winter")
    browser.find_element(By.ID, "generate").click()
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#timeline .turn-succeeded")) == 2, timeout=30)
    conversation_url = browser.current_url
    assert "conversation=" in conversation_url
    screenshot(browser, "studio-conversation")

    # Reloading the conversation's address shows both turns again.
    browser.get(conversation_url)
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#timeline .turn-succeeded")) == 2)
    assert browser.find_element(By.ID, "timeline-title").text.startswith("a <b>lighthouse</b>")


def test_bad_input_is_reported_next_to_its_field(browser, easel):
    open_studio(browser, easel)
    browser.find_element(By.ID, "generate").click()
    error = wait(browser, EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-field=prompt] .field-error")))
    assert "Describe" in error.text
    # A file that is not an image is refused before upload, in words.
    browser.find_element(By.ID, "file-input").send_keys(__file__)
    message = wait(browser, EC.visibility_of_element_located((By.ID, "composer-message")))
    assert "is not a PNG, JPEG, WebP or HEIC image" in message.text


def test_the_studio_fits_a_phone(browser, easel):
    open_studio(browser, easel)
    browser.set_window_size(390, 844)
    wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#gallery li")))
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(browser, "studio-phone")


def test_variations_show_side_by_side_and_image_sources_link_to_their_pages(browser, easel):
    browser.set_window_size(1440, 900)
    open_studio(browser, easel)
    Select(browser.find_element(By.ID, "model")).select_by_visible_text("Nano Banana 2")
    Select(browser.find_element(By.ID, "image-size")).select_by_value("512")
    # Three variations at the flex tier: three images at half the standard price each.
    Select(browser.find_element(By.ID, "count")).select_by_value("3")
    Select(browser.find_element(By.ID, "service-tier")).select_by_value("flex")
    wait(browser, EC.text_to_be_present_in_element((By.ID, "estimate"), "for these 3 images"))
    assert "≈ $0.067 for these 3 images" in browser.find_element(By.ID, "estimate").text
    # Nano Banana 2 grounds on images too.
    browser.find_element(By.ID, "grounding").click()
    assert browser.find_element(By.ID, "image-search-field").is_displayed()
    browser.find_element(By.ID, "image-search").click()
    browser.find_element(By.ID, "prompt").send_keys("a Timareta butterfly on a flower")
    browser.find_element(By.ID, "generate").click()

    batch = wait(browser, EC.presence_of_element_located((By.CSS_SELECTOR, "#timeline .batch")), timeout=30)
    wait(browser, lambda b: len(batch.find_elements(By.CSS_SELECTOR, ".turn-succeeded .result img")) == 3, timeout=30)
    titles = [element.text for element in batch.find_elements(By.CSS_SELECTOR, ".batch-grid .turn-prompt")]
    assert titles == ["Variation 1", "Variation 2", "Variation 3"]
    # Side by side: the three cards share one row at desktop width.
    tops = {round(card.rect["y"]) for card in batch.find_elements(By.CSS_SELECTOR, ".batch-grid > .turn")}
    assert len(tops) == 1, tops
    assert "flex" in batch.text and "grounded with images" in batch.text
    # Each image source is a link to the page that holds it, not to the image file.
    links = [a.get_attribute("href") for a in batch.find_elements(By.CSS_SELECTOR, ".sources a")]
    assert "https://example.com/gallery/page" in links
    assert not any(link.endswith(".jpg") for link in links)
    assert "null" not in batch.text and "undefined" not in batch.text
    screenshot(browser, "studio-variations")

    # Continuing from one variation branches from it.
    batch.find_elements(By.XPATH, ".//button[text()='Continue editing']")[1].click()
    assert "Continuing from" in browser.find_element(By.ID, "continuing").text
    browser.set_window_size(390, 844)
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    browser.execute_script("arguments[0].scrollIntoView()", batch)
    screenshot(browser, "studio-variations-phone")
