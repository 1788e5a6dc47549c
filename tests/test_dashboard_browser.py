"""Browser checks: the real Streamlit server (started the documented way) in headless Chromium. An anonymous
visitor sees nothing but the login form; after a login the overview renders with Chinese text and data; a
read-only role gets no status controls; a handler's status change lands in the audit log under the username.
Leaves screenshots in the pytest tmp folder for a person."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import REQUIRE_SERVICES, ROOT, TEST_PASSWORD

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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One Streamlit server (the documented `python -m streamlit run dashboard/app.py`, so .streamlit/config.toml
    applies) on a store with events and three accounts; yields (base URL, DB URL, folder)."""
    if not os.path.exists(CHROMIUM):
        if REQUIRE_SERVICES:
            pytest.fail(
                "chromium is not installed (apt-get install chromium fonts-wqy-microhei)", pytrace=False
            )
        pytest.skip("chromium is not installed")
    from test_dashboard_auth import hotspot_store

    from tests.conftest import make_account

    folder = tmp_path_factory.mktemp("browser")
    url = hotspot_store(folder / "b.db")
    make_account(url, "zhang", "handler", "张三")
    make_account(url, "li", "analyst", "李四")
    port = _free_port()
    env = {**os.environ, "MONITOR_DB_URL": url, "PYTHONPATH": str(ROOT)}
    log = open(folder / "streamlit.log", "w+", encoding="utf-8")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
         "--server.fileWatcherType", "none"],
        cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        _wait_ok(f"http://127.0.0.1:{port}/_stcore/health", proc, log)
        yield f"http://127.0.0.1:{port}", url, folder
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _in_browser(fn, *args):
    # pytest-twisted keeps an asyncio loop on this thread; Playwright's sync API needs a thread without one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_drive, fn, *args).result(timeout=180)


def _drive(fn, *args):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )  # fmt: skip
        try:
            return fn(browser.new_page(viewport={"width": 1400, "height": 1000}), *args)
        finally:
            browser.close()


def _settled(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=30000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=30000)


def _login(page, base: str, username: str, password: str) -> None:
    """What /work/shared/tools/screenshots.py does: fill the first text and password inputs, press Enter."""
    from playwright.sync_api import expect

    page.goto(base + "/")
    _settled(page)
    page.locator("input[type='text']").first.fill(username)
    page.locator("input[type='password']").first.fill(password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="舆情总览")).to_be_visible(timeout=30000)
    _settled(page)


def _anonymous(page, base: str, folder) -> None:
    from playwright.sync_api import expect

    for path in ("/", "/events"):
        page.goto(base + path)
        _settled(page)
        expect(page.get_by_role("heading", name="审计舆情哨兵")).to_be_visible()
        expect(page.locator("input[type='password']")).to_have_count(1)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        expect(page.get_by_test_id("stMetric")).to_have_count(0)
        expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    page.screenshot(path=str(folder / "login.png"), full_page=True)


def test_anonymous_sees_nothing_but_the_login_form(server) -> None:
    base, _, folder = server
    _in_browser(_anonymous, base, folder)


def _overview(page, base: str, folder) -> None:
    from playwright.sync_api import expect

    _login(page, base, "li", TEST_PASSWORD)
    metric = page.get_by_test_id("stMetric").first
    expect(metric).to_contain_text("今日")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("李四（li）· 分析员")
    page.screenshot(path=str(folder / "overview.png"), full_page=True)


def test_overview_renders_in_chromium_after_login(server) -> None:
    base, _, folder = server
    _in_browser(_overview, base, folder)


def _read_only(page, base: str) -> None:
    from playwright.sync_api import expect

    _login(page, base, "li", TEST_PASSWORD)
    page.goto(base + "/events")  # a new Streamlit session: the session cookie keeps the login
    _settled(page)
    expect(page.get_by_role("heading", name="热点与回应")).to_be_visible(timeout=30000)
    expect(page.get_by_text("当前状态：")).to_be_visible()
    expect(page.get_by_role("button", name="更新状态")).to_have_count(0)
    expect(page.get_by_role("button", name="记录回应")).to_have_count(0)
    page.get_by_role("button", name="退出登录").click()
    expect(page.locator("input[type='password']")).to_have_count(1, timeout=30000)
    page.goto(base + "/events")  # after a logout the cookie no longer opens anything
    _settled(page)
    expect(page.locator("input[type='password']")).to_have_count(1)
    expect(page.get_by_role("heading", name="热点与回应")).to_have_count(0)


def test_read_only_role_cannot_change_state_and_a_reload_keeps_the_login(server) -> None:
    base, _, _ = server
    _in_browser(_read_only, base)


def _handler_changes_status(page, base: str) -> None:
    from playwright.sync_api import expect

    _login(page, base, "zhang", TEST_PASSWORD)
    page.get_by_role("link", name="热点与回应").click()
    expect(page.get_by_role("heading", name="热点与回应")).to_be_visible(timeout=30000)
    _settled(page)
    page.get_by_role("button", name="更新状态").click()
    expect(page.get_by_text("已将状态由「待研判」改为「处置中」")).to_be_visible(timeout=30000)


def test_handler_status_change_carries_the_username_in_the_audit_log(server) -> None:
    from sqlalchemy import create_engine, select

    from store.schema import audit_log

    base, url, _ = server
    _in_browser(_handler_changes_status, base)
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings().all()
    engine.dispose()
    changes = [(r["entity"], r["action"], r["old_value"], r["new_value"], r["by_whom"]) for r in rows
               if r["entity"] == "event"]  # fmt: skip
    assert changes == [("event", "status", "待研判", "处置中", "张三（zhang）")]
    assert ("user", "login", "zhang") in {(r["entity"], r["action"], r["by_whom"]) for r in rows}


def test_documented_start_command_listens_on_loopback_only() -> None:
    """.streamlit/config.toml makes `python -m streamlit run dashboard/app.py` bind 127.0.0.1."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
