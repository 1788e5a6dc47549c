"""热点与回应 in headless Chromium at 1440 px: the deciding columns (回应类别, 倒计时, 状态, 指派, 标题) are on the
first screen without scrolling, and the response form starts afresh after a successful submit (a browser keeps
typed values unless the page sets them: AppTest alone cannot show this). Uses test_dashboard_browser's server
(its own store, so its audit-log checks are not disturbed); leaves a screenshot in the pytest tmp folder."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import TEST_PASSWORD
from tests.test_dashboard_browser import CHROMIUM, server  # noqa: F401 - the module-scoped server fixture

pytestmark = pytest.mark.browser

DECIDING = ["回应类别", "倒计时", "状态", "指派", "标题"]


def _settled(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=30000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=30000)
    page.wait_for_selector("[data-testid='stSkeleton']", state="detached", timeout=30000)


def _drive(base: str, folder) -> tuple[list[str], str, str]:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(base + "/")
            _settled(page)
            page.locator("input[type='text']").first.fill("zhang")
            page.locator("input[type='password']").first.fill(TEST_PASSWORD)
            page.keyboard.press("Enter")
            expect(page.get_by_role("heading", name="舆情总览")).to_be_visible(timeout=30000)
            page.goto(base + "/events")
            expect(page.get_by_text("当前状态：")).to_be_visible(timeout=30000)
            _settled(page)
            page.screenshot(path=str(folder / "events_1440.png"))
            # the grid renders accessible header cells only for the columns it draws in its viewport
            cells = page.locator(".st-key-hs_events [role='columnheader']")
            expect(cells.first).to_have_text("回应类别", timeout=30000)
            headers = cells.all_inner_texts()
            url = page.get_by_placeholder("https://")
            url.fill("https://www.example.gov.cn/info.html")
            page.get_by_role("button", name="记录回应").click()
            expect(page.get_by_text("已记录回应")).to_be_visible(timeout=30000)
            _settled(page)
            return headers, url.input_value(), page.get_by_text("当前状态：").inner_text()
        finally:
            browser.close()


def test_deciding_columns_on_the_first_screen_and_the_form_resets(server) -> None:  # noqa: F811
    base, folder = server.base, server.shots
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API needs a thread without pytest-twisted's loop
        headers, url_after, status = pool.submit(_drive, base, folder).result(timeout=180)
    assert headers[:5] == DECIDING, headers
    assert url_after == ""  # the form starts afresh after a success
    assert status == "当前状态：处置中"  # class A: information recorded, the press conference still due
