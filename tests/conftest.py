"""Shared pytest fixtures and the skip-or-fail policy for tests that need services or shared data.

Fixtures: `mockserver` (a local site, tests/mockserver.py), `store_url` / `store` (an empty store with the
schema at head, on SQLite and, marked requires_postgres, on PostgreSQL), `sqlite_store` (SQLite only),
`stories` (tests/factories.story_documents() after stage 1 in `store`), `pg_schema_url`, `shared_data`."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
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


# ------------------------------------------------------------------------------------------ local site


@pytest.fixture
def mockserver() -> Iterator[MockServer]:
    """A started local server with nothing registered: add routes, or `serve_directory(...)`."""
    with MockServer() as server:
        yield server


# ------------------------------------------------------------------------------------------ the store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.requires_postgres)])
def store_url(request, tmp_path) -> str:
    """The URL of an empty database: a SQLite file, or a fresh schema on the local PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.db"
    return request.getfixturevalue("pg_schema_url")


def _open_store(url: str):
    from store.db import open_store

    engine = open_store(url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def store(store_url):
    """An engine on a store migrated to head, once on SQLite and once on PostgreSQL. Its URL, for code that
    opens the store itself (settings, the CLI, the dashboard): `store_url`."""
    yield from _open_store(store_url)


@pytest.fixture
def sqlite_store(tmp_path):
    """An engine on a SQLite store migrated to head, for tests that need the file or run on SQLite only."""
    yield from _open_store(f"sqlite:///{tmp_path}/store.db")


@pytest.fixture
def stories(store) -> tuple:
    """(engine, content hash → id): tests/factories.story_documents() stored and analysed (stage 1)."""
    from tests.factories import insert_documents, story_documents

    return store, insert_documents(store, story_documents())
