"""The page in a real headless Chromium (Debian's chromium and chromedriver, driven by
Selenium; nothing downloaded at test time) against a real service on loopback.

`UI_SCREENSHOTS=docs` also writes the screenshots into docs/ (docs/web.md shows them).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docx import Document
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from service.settings import EMBEDDED_BUNDLES
from tests.service.routing.conftest import CAPTION, ODD
from tests.service.server import RunningService, running_service
from tests.service.web.gateway import gateway
from tests.system_deps import require_server

REPO = Path(__file__).resolve().parents[3]
# Every text the document status line shows, in order.
RECORD_DOCUMENT_STATUS = """
window.statuses = [];
const line = document.getElementById("doc-status");
new MutationObserver(() => window.statuses.push(line.textContent))
  .observe(line, {childList: true, characterData: true, subtree: true});
"""
# What a person dropping a file does: a drop event carrying it, on the drop zone.
DROP_TEXT_FILE = """
const transfer = new DataTransfer();
transfer.items.add(new File([arguments[1]], arguments[0], {type: "text/plain"}));
const zone = document.getElementById("drop-zone");
zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true}));
zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
"""
# Two captions of the kind the embedded student was trained on.
SCREENSHOT_TEXT = "A man in a blue shirt is standing on a ladder. Two dogs play in the snow."
HOSTILE = '<script>document.title = "pwned"</script> A dog. <img src=x onerror="alert(1)">'


@pytest.fixture(scope="session")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
def browser(downloads: Path) -> Iterator[WebDriver]:
    chromium, chromedriver = require_server("chromium"), require_server("chromedriver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.set_window_size(1280, 1000)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(condition: Callable[[], object], timeout: float = 60.0) -> object:
    """The condition's first truthy value (the tiny model on a busy machine may take seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def by_id(driver: WebDriver, element_id: str) -> WebElement:
    return driver.find_element(By.ID, element_id)


@pytest.fixture
def page(browser: WebDriver, web_service: RunningService) -> WebDriver:
    """The page, loaded fresh and ready (directions listed)."""
    browser.set_window_size(1280, 1000)
    browser.get(f"{web_service.url}/")
    wait_for(lambda: "Ready" in by_id(browser, "service-state").text)
    browser.get_log("browser")  # start each case with an empty console
    return browser


def translate_by_typing(driver: WebDriver, text: str) -> str:
    """Type into the text box and wait for the debounced translation; returns it."""
    box = by_id(driver, "source-text")
    box.clear()
    box.send_keys(text)
    wait_for(lambda: by_id(driver, "text-status").text.startswith("Translated"))
    return by_id(driver, "result").text


def allow_clipboard(driver: WebDriver, service: RunningService) -> None:
    """What a person grants when the browser asks (headless Chromium cannot ask)."""
    permissions = ["clipboardReadWrite", "clipboardSanitizedWrite"]
    driver.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": service.url, "permissions": permissions}
    )


def press(driver: WebDriver, keys: str) -> None:
    """Keys sent to whatever has the focus, as a keyboard does."""
    ActionChains(driver).send_keys(keys).perform()


def policy_violations(driver: WebDriver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if "Content Security" in e["message"]]


def test_typing_translates_after_a_pause_into_an_element_marked_with_the_target_language(
    page: WebDriver,
) -> None:
    translation = translate_by_typing(page, "A dog is running in the park.")

    assert translation and translation != "A dog is running in the park."
    assert by_id(page, "source-text").get_attribute("lang") == "en"
    assert by_id(page, "result").get_attribute("lang") == "de"
    assert "Confidence" in by_id(page, "confidence").text
    assert policy_violations(page) == []


def test_the_button_translates_when_translate_as_you_type_is_off(page: WebDriver) -> None:
    by_id(page, "as-you-type").click()
    by_id(page, "source-text").send_keys("Two dogs play in the snow.")
    time.sleep(0.6)  # twice the debounce of this service
    assert by_id(page, "result").text == ""

    by_id(page, "translate").click()

    wait_for(lambda: by_id(page, "result").text)


def test_swapping_translates_the_translation_back_in_the_other_direction(
    page: WebDriver,
) -> None:
    translation = translate_by_typing(page, "A man is sitting on a bench.")

    by_id(page, "swap").click()

    assert Select(by_id(page, "source-lang")).first_selected_option.get_attribute("value") == "de"
    assert Select(by_id(page, "target-lang")).first_selected_option.get_attribute("value") == "en"
    assert by_id(page, "source-text").get_attribute("value") == translation
    assert by_id(page, "source-text").get_attribute("lang") == "de"
    assert by_id(page, "result").get_attribute("lang") == "en"
    wait_for(lambda: by_id(page, "text-status").text.startswith("Translated"))


def test_the_cost_panel_shows_the_last_translation_and_the_totals_grow(page: WebDriver) -> None:
    before = int(wait_for(lambda: by_id(page, "cost-total").get_attribute("data-requests")))

    translate_by_typing(page, "A woman is reading a book.")

    wait_for(lambda: int(by_id(page, "cost-total").get_attribute("data-requests")) > before)
    last = by_id(page, "cost-last").text
    assert "This service (student)" in last
    assert "On deepl instead" in last and "× the student" in last
    assert "saved $" in by_id(page, "cost-total").text


def test_a_translation_containing_markup_is_shown_as_text(page: WebDriver) -> None:
    translate_by_typing(page, HOSTILE)

    result = by_id(page, "result")
    assert "<script>" in result.text  # the service keeps tags; the page shows them
    assert result.find_elements(By.CSS_SELECTOR, "*") == []
    assert page.title == "Distilled MT"
    for sentence in page.find_elements(By.CSS_SELECTOR, "#quality q"):
        assert sentence.find_elements(By.CSS_SELECTOR, "*") == []


def test_the_copy_button_puts_the_translation_on_the_clipboard(
    page: WebDriver, web_service: RunningService
) -> None:
    allow_clipboard(page, web_service)
    translation = translate_by_typing(page, "A dog is running.")

    by_id(page, "copy").click()

    wait_for(lambda: "copied" in by_id(page, "text-status").text)
    pasted = page.execute_async_script(
        "navigator.clipboard.readText().then(arguments[0], () => arguments[0](null))"
    )
    assert pasted == translation


def test_a_docx_is_uploaded_followed_and_downloaded_translated(
    page: WebDriver, downloads: Path, tmp_path: Path
) -> None:
    document = Document()
    document.add_heading("A dog is running in the park.", level=1)
    document.add_paragraph("A man is sitting on a bench.")
    upload = tmp_path / "captions.docx"
    document.save(str(upload))

    page.execute_script(RECORD_DOCUMENT_STATUS)
    by_id(page, "document-file").send_keys(str(upload))

    link = by_id(page, "doc-download")
    wait_for(link.is_displayed)
    assert "captions.docx is translated" in by_id(page, "doc-status").text
    bar = by_id(page, "doc-progress")
    assert bar.get_attribute("value") == bar.get_attribute("max")
    shown = page.execute_script("return window.statuses")
    assert shown[0] == "Uploading captions.docx…"
    assert any(re.fullmatch(r"captions.docx: \d+ of 2 segments translated.*", s) for s in shown)
    link.click()
    saved = downloads / "captions.docx"
    wait_for(saved.is_file)
    wait_for(lambda: not list(downloads.glob("*.crdownload")))
    translated = Document(io.BytesIO(saved.read_bytes()))
    texts = [paragraph.text for paragraph in translated.paragraphs]
    assert len(texts) == 2
    assert texts[0] != "A dog is running in the park."


def test_a_refused_document_is_explained_in_words(page: WebDriver, tmp_path: Path) -> None:
    upload = tmp_path / "program.exe"
    upload.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00")

    by_id(page, "document-file").send_keys(str(upload))

    status = by_id(page, "doc-status")
    wait_for(lambda: "error" in (status.get_attribute("class") or ""))
    assert status.text == "program.exe: This file type is not supported."


def test_every_control_is_labelled_and_reached_in_order_by_the_keyboard(
    page: WebDriver,
) -> None:
    unlabelled = page.execute_script(
        "return [...document.querySelectorAll('input, select, textarea')]"
        ".filter((e) => !e.labels.length && !e.getAttribute('aria-label')).map((e) => e.id)"
    )
    assert unlabelled == []

    order = []
    for _ in range(12):
        press(page, Keys.TAB)
        active = page.switch_to.active_element
        order.append(active.get_attribute("id") or active.tag_name)
    expected = ["source-lang", "swap", "target-lang", "source-text", "result", "as-you-type"]
    expected += ["translate", "document-file"]
    assert order[0] == "a"  # the skip link comes first
    assert [name for name in order if name in expected] == expected


def test_a_keyboard_only_user_can_translate_and_copy(
    page: WebDriver, web_service: RunningService
) -> None:
    allow_clipboard(page, web_service)
    press(page, Keys.TAB)  # the skip link
    press(page, Keys.ENTER)
    assert page.switch_to.active_element.get_attribute("id") == "source-text"

    press(page, "A child is playing.")
    ActionChains(page).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
    wait_for(lambda: by_id(page, "result").text and by_id(page, "copy").is_enabled())
    for _ in range(4):  # the translation, the check box, Translate, Copy
        press(page, Keys.TAB)
    assert page.switch_to.active_element.get_attribute("id") == "copy"
    press(page, Keys.ENTER)

    wait_for(lambda: "copied" in by_id(page, "text-status").text)


def test_the_model_panel_links_a_report_that_runs_no_script(page: WebDriver) -> None:
    models = wait_for(lambda: by_id(page, "models").find_elements(By.TAG_NAME, "article"))
    assert isinstance(models, list) and len(models) == 2
    assert "tests/tiny-teacher" in by_id(page, "models").text

    page.find_element(By.LINK_TEXT, "Build report of tiny-en-de").click()

    wait_for(lambda: page.find_elements(By.CSS_SELECTOR, "main.report"))
    assert "<script>alert('report')</script>" in page.find_element(By.TAG_NAME, "h1").text
    image = page.find_element(By.CSS_SELECTOR, "main.report img")
    assert page.execute_script("return arguments[0].naturalWidth", image) > 0
    assert policy_violations(page) == []


@pytest.fixture(scope="module")
def embedded_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    """The embedded en-de bundle: the real student, for screenshots worth looking at."""
    log = tmp_path_factory.mktemp("embedded-logs") / "service.log"
    with running_service(EMBEDDED_BUNDLES, log) as running:
        yield running


@pytest.mark.parametrize(("name", "width", "height"), [("desktop", 1280, 900), ("phone", 390, 844)])
def test_screenshots_at_desktop_and_phone_width_without_sideways_scrolling(
    browser: WebDriver,
    embedded_service: RunningService,
    tmp_path: Path,
    name: str,
    width: int,
    height: int,
) -> None:
    browser.set_window_size(width, height)
    browser.get(f"{embedded_service.url}/")
    wait_for(lambda: "Ready" in by_id(browser, "service-state").text)
    translate_by_typing(browser, SCREENSHOT_TEXT)
    wait_for(lambda: int(by_id(browser, "cost-total").get_attribute("data-requests") or 0))
    wait_for(lambda: by_id(browser, "models").find_elements(By.TAG_NAME, "article"))

    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    full_height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, full_height + 140)
    shot = tmp_path / f"web-{name}.png"
    assert browser.save_screenshot(str(shot))
    target = os.environ.get("UI_SCREENSHOTS")
    if target:
        shutil.copy(shot, REPO / target / f"web-{name}.png")


def test_behind_a_gateway_that_wants_a_key_the_page_asks_and_keeps_it_in_the_tab_only(
    browser: WebDriver, web_service: RunningService
) -> None:
    with gateway(web_service.url, key="s3cret") as url:
        browser.get(f"{url}/")
        panel = by_id(browser, "key-panel")
        wait_for(panel.is_displayed)
        assert "An API key is needed." in by_id(browser, "service-state").text

        by_id(browser, "api-key").send_keys("s3cret", Keys.ENTER)

        wait_for(lambda: "Ready" in by_id(browser, "service-state").text)
        assert not panel.is_displayed()
        assert translate_by_typing(browser, "A dog is running.")
        stored = browser.execute_script(
            "return [sessionStorage.getItem('mt-api-key'), localStorage.length]"
        )
        assert stored == ["s3cret", 0]


def test_a_sentence_the_student_was_unsure_of_is_listed_with_its_reason(
    browser: WebDriver, embedded_service: RunningService
) -> None:
    page = browser
    page.get(f"{embedded_service.url}/")
    wait_for(lambda: "Ready" in by_id(page, "service-state").text)

    translate_by_typing(page, f"{CAPTION} {ODD[0]}")

    [flagged] = page.find_elements(By.CSS_SELECTOR, "#flagged li")
    assert flagged.find_element(By.TAG_NAME, "q").text == ODD[0]
    assert flagged.find_element(By.TAG_NAME, "q").get_attribute("lang") == "en"
    assert (
        "kept from the student: the model was unsure of its words; "
        "the source's words are unlike the model's training text." in flagged.text
    )
    assert "likely wrong" in by_id(page, "quality").text
    assert "low" in (by_id(page, "result").get_attribute("class") or "")


def test_a_sentence_the_teacher_translated_instead_is_shown_so_with_its_cost(
    browser: WebDriver, escalating_service: RunningService
) -> None:
    browser.get(f"{escalating_service.url}/")
    wait_for(lambda: "Ready" in by_id(browser, "service-state").text)

    translate_by_typing(browser, f"{CAPTION} {ODD[0]}")

    [flagged] = browser.find_elements(By.CSS_SELECTOR, "#flagged li")
    assert "translated by the teacher model" in flagged.text
    assert "Teacher, escalated sentences" in by_id(browser, "cost-last").text


def test_a_file_dropped_on_the_zone_is_translated(page: WebDriver) -> None:
    page.execute_script(DROP_TEXT_FILE, "notes.txt", "A dog is running in the park.\n")

    link = by_id(page, "doc-download")
    wait_for(link.is_displayed)
    assert link.get_attribute("download") == "notes.txt"
    assert "notes.txt is translated" in by_id(page, "doc-status").text
