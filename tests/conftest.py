"""Shared pytest fixtures and the skip-or-fail policy for tests that need services or shared data."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MONITOR_SHARED_DATA", ROOT.parent / "shared" / "data"))
FIXTURES = ROOT / "tests" / "fixtures"

# In CI `.ci/run` sets MONITOR_REQUIRE_SERVICES=1: a test that needs PostgreSQL or Redis then fails
# when the server is missing instead of silently skipping.
REQUIRE_SERVICES = os.environ.get("MONITOR_REQUIRE_SERVICES", "") not in ("", "0", "false")
POSTGRES_URL = os.environ.get(
    "MONITOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("MONITOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-live", action="store_true", help="run tests marked requires_internet")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run_live = config.getoption("--run-live")
    for item in items:
        if "requires_internet" in item.keywords and not run_live:
            item.add_marker(pytest.mark.skip(reason="live internet test; pass --run-live to run it"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, port, what in (("requires_postgres", 5432, "PostgreSQL"), ("requires_redis", 6379, "Redis")):
        if marker in item.keywords and not _port_open("127.0.0.1", port):
            msg = f"{what} is not reachable on 127.0.0.1:{port}"
            if REQUIRE_SERVICES:
                pytest.fail(f"{msg} and MONITOR_REQUIRE_SERVICES is set", pytrace=False)
            pytest.skip(msg)
    if "requires_shared_data" in item.keywords and not SHARED_DATA.is_dir():
        pytest.skip(f"shared evaluation data not found at {SHARED_DATA}")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared evaluation data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def pg_schema_url():
    """A URL on the local PostgreSQL whose search_path is a fresh schema, dropped afterwards, so tests never
    touch each other's tables (nor the `public` schema)."""
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def text_resources():
    """What an entry point does once per process: hand analysis.text the shipped dictionary and stopwords."""
    from analysis import text
    from config.resources import load_text_resources

    resources = load_text_resources()
    text.configure(resources)
    return resources


TEST_PASSWORD = "test-password-1"


_test_hash: list[str] = []


def make_account(db_url: str, username: str, role: str, display_name: str | None = None) -> None:
    """Create an account in the store at `db_url` (unless it exists), password TEST_PASSWORD, hashed once per
    session with cheap argon2 parameters (a login still verifies it; the defaults take ~0.7 s here)."""
    from datetime import UTC, datetime

    from argon2 import PasswordHasher

    from store import users
    from store.db import open_store

    if not _test_hash:
        _test_hash.append(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(TEST_PASSWORD))
    engine = open_store(db_url, upgrade=False)
    try:
        with engine.begin() as conn:
            if users.get_user(conn, username) is None:
                users.add_user(conn, username=username, display_name=display_name or username, role=role,
                               password_hash=_test_hash[0], now=datetime.now(UTC))  # fmt: skip
    finally:
        engine.dispose()


@pytest.fixture
def login_as(monkeypatch):
    """`login_as(role)`: from now on every `AppTest.from_file` in this test starts logged in (session state, as
    dashboard.auth keeps it) as the account `<role>_tester` (display name 测试员), created in the store named by
    MONITOR_DB_URL when that store exists and is at the current schema. Returns the 操作人 label."""
    import time

    from streamlit.testing.v1 import AppTest

    original = AppTest.from_file.__func__

    def use(role: str = "handler") -> str:
        username = f"{role}_tester"

        def from_file(cls, *args, **kwargs):
            at = original(cls, *args, **kwargs)
            url = os.environ.get("MONITOR_DB_URL", "")
            missing = url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file()
            try:
                if not missing:  # never create the file a test expects to stay missing
                    make_account(url, username, role, "测试员")
            except Exception:  # noqa: BLE001 - no usable store: the app shows its store error before any login
                pass
            at.session_state["auth_login"] = {"username": username, "seen": time.time()}
            return at

        monkeypatch.setattr(AppTest, "from_file", classmethod(from_file))
        return f"测试员（{username}）"

    return use


@pytest.fixture
def logged_in(login_as) -> str:
    """Dashboard AppTests in this test start logged in as a 处置人员 (handler); the value is its 操作人 label."""
    return login_as("handler")
