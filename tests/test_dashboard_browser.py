"""Browser check: the real Streamlit server in headless Chromium renders the overview with Chinese text and
data, and a filter click changes what is shown. Leaves a screenshot in the pytest tmp folder for a person."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import REQUIRE_SERVICES, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ok(url: str, proc: subprocess.Popen, log, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"streamlit exited: {log.read()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(
        f"streamlit not healthy within {timeout}s: {proc.stdout.read() if proc.stdout else ''}"
    )


@pytest.fixture
def demo_db(sqlite_store):
    from tests.factories import document, insert_documents

    now = datetime.now(UTC)
    insert_documents(sqlite_store, [
        document(i, url=f"http://news.example.cn/{i}.html", source="审计时报网" if i % 2 else "齐鲁要闻网",
                 level="central", title=f"审计署发布审计结果公告第{i}号", body="审计发现问题。" * 10,
                 published_at=now - timedelta(hours=i), fetched_at=now, terms=["审计署"])
        for i in range(6)
    ])  # fmt: skip
    return str(sqlite_store.url)


def test_overview_renders_in_chromium(demo_db, tmp_path):
    if not os.path.exists(CHROMIUM):
        if REQUIRE_SERVICES:
            pytest.fail(
                "chromium is not installed (apt-get install chromium fonts-wqy-microhei)", pytrace=False
            )
        pytest.skip("chromium is not installed")
    port = _free_port()
    env = {**os.environ, "MONITOR_DB_URL": demo_db, "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / "streamlit.log", "w+", encoding="utf-8")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        _wait_ok(f"http://127.0.0.1:{port}/_stcore/health", proc, log)
        # pytest-twisted keeps an asyncio loop on this thread; Playwright's sync API needs a thread without one
        with ThreadPoolExecutor(1) as pool:
            pool.submit(_drive_browser, port, tmp_path).result(timeout=120)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _drive_browser(port: int, tmp_path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=30000)
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=30000)
        expect(page.get_by_role("heading", name="舆情总览")).to_be_visible()
        metric = page.get_by_test_id("stMetric").first
        expect(metric).to_contain_text("今日")
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
        browser.close()
