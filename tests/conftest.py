"""Shared pytest fixtures and the skip-or-fail policy for tests that need services or shared data.

Fixtures: `mockserver` (a local site, tests/mockserver.py); `store` (an engine on an empty store with the
schema at head, on SQLite and, marked requires_postgres, on PostgreSQL) and `store_url` (its URL);
`sqlite_store` (SQLite only); `stories` (tests/factories.story_documents() after stage 1 in `store`);
`empty_store_url` (a database without a schema, both backends); `pg_schema_url`; `shared_data`."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.mockserver import MockServer

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


@contextmanager
def _pg_schema() -> Iterator[str]:
    """A fresh schema on the local PostgreSQL, dropped afterwards; yields a URL whose search_path is it."""
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


@pytest.fixture
def pg_schema_url():
    """A URL on the local PostgreSQL whose search_path is a fresh schema, dropped afterwards, so tests never
    touch each other's tables (nor the `public` schema)."""
    with _pg_schema() as url:
        yield url


# ------------------------------------------------------------------------------------------ local site


@pytest.fixture
def mockserver() -> Iterator[MockServer]:
    """A started local server with nothing registered: add routes, or `serve_directory(...)`."""
    with MockServer() as server:
        yield server


# ------------------------------------------------------------------------------------------ the store


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.requires_postgres)]


@pytest.fixture(params=BACKENDS)
def empty_store_url(request, tmp_path) -> str:
    """The URL of an empty database (no schema): a new SQLite file, or a fresh schema on the local PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/empty.db"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """A SQLite store migrated to head once per session (per xdist worker); each test gets a copy of it,
    the same file migrating a new one gives, without a tenth of a second of DDL and fsyncs per test."""
    from store.db import open_store

    path = tmp_path_factory.mktemp("store-template") / "store.db"
    open_store(f"sqlite:///{path}").dispose()
    assert not path.with_name("store.db-wal").exists()  # checkpointed on close: the file is the whole store
    return path


@pytest.fixture(scope="session")
def _pg_store_schema() -> Iterator[tuple[str, str]]:
    """A PostgreSQL schema migrated to head once per session (per xdist worker), and the SQL that empties it
    (every row deleted, every sequence restarted), run before each test that uses it: a few milliseconds
    instead of a second for a new schema and its migration."""
    from sqlalchemy import text

    from store.db import open_store
    from store.schema import metadata

    with _pg_schema() as url:
        engine = open_store(url)
        with engine.connect() as conn:
            sequences = conn.execute(
                text(
                    "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()"
                )
            ).scalars()
            empty = "SET LOCAL lock_timeout = '10s';" + "".join(
                [f'DELETE FROM "{t.name}";' for t in reversed(metadata.sorted_tables)]
                + [f'ALTER SEQUENCE "{name}" RESTART;' for name in sequences]
            )
        engine.dispose()
        yield url, empty


@pytest.fixture
def sqlite_store(tmp_path, _sqlite_template):
    """An engine on a SQLite store migrated to head (a file in tmp_path), for tests that run on SQLite only."""
    from store.db import open_store

    path = tmp_path / "store.db"
    shutil.copyfile(_sqlite_template, path)
    engine = open_store(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def store(request):
    """An engine on an empty store with the schema at head, once on SQLite and once on PostgreSQL (marked
    requires_postgres). Its URL, for code that opens the store itself (settings, the CLI): `store_url`."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_store")
        return
    from store.db import open_store

    url, empty = request.getfixturevalue("_pg_store_schema")
    engine = open_store(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(empty)
    yield engine
    engine.dispose()


@pytest.fixture
def store_url(store) -> str:
    """The URL of `store` (password included), for settings, the CLI and anything that opens it itself."""
    return store.url.render_as_string(hide_password=False)


@pytest.fixture
def stories(store) -> tuple:
    """(engine, content hash → id): tests/factories.story_documents() stored and analysed (stage 1)."""
    from tests.factories import insert_documents, story_documents

    return store, insert_documents(store, story_documents())


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


# ------------------------------------------------------------------------------------------ dashboard


@pytest.fixture
def fresh_caches():
    """Empty Streamlit's caches before a dashboard test (they outlive AppTest instances, so one test's store
    would answer the next) and after it (clearing cache_resource disposes the engines the app opened)."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
