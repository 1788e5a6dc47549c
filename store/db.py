"""Open the store: engine creation (SQLite WAL or PostgreSQL by URL) and schema migrations via Alembic."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class StoreError(RuntimeError):
    """The store cannot be used: unreachable, or its schema is not the one this code expects."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite files get WAL mode and their folder created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # psycopg prepares a statement on the server after 5 runs on a connection, and PostgreSQL may then plan it
    # generically, without the values: a LIKE pattern as a parameter can no longer use the pg_trgm indexes
    # (公告反响's 300 searches in one connection took 10 s instead of 2 s). Plan every statement with its values.
    args = {"prepare_threshold": None} if parsed.get_driver_name() == "psycopg" else {}
    return create_engine(url, pool_pre_ping=True, connect_args=args)


def _alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> str:
    """Create or upgrade the schema to the newest migration; returns the revision now in place."""
    command.upgrade(_alembic_config(engine), "head")
    rev = current_revision(engine)
    logger.info("store schema at revision %s", rev)
    return rev or ""


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages; a URL that does not parse is shown by its scheme only."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL must not hide the message about it
        return (url.split("://", 1)[0] + "://…") if "://" in url else "（无法解析的地址）"


def _first_line(exc: BaseException) -> str:
    """A driver error's first line (SQLAlchemy appends the statement and a background link on later lines)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300]


def open_store(url: str, *, upgrade: bool = True) -> Engine:
    """Open the store at `url`; upgrade its schema, or fail with one clear message (StoreError) if the URL is
    malformed, the server unreachable, the tables cannot be created, or the schema is behind."""
    try:
        make_url(url)
    except Exception as exc:  # noqa: BLE001 - ArgumentError, or ValueError for a bad port
        raise StoreError(
            f"数据库地址无效（db_url / MONITOR_DB_URL）：{safe_url(url)}：{_first_line(exc)}；"
            "示例 sqlite:///data/monitor.db 或 postgresql+psycopg://用户@主机:5432/库名"
        ) from exc
    engine = None
    try:
        engine = make_engine(url)
        with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001 - any driver error means the same thing to the user
        if engine is not None:
            engine.dispose()
        raise StoreError(f"无法连接数据库 {safe_url(url)}: {_first_line(exc)}") from exc
    if upgrade:
        try:
            migrate(engine)
        except Exception as exc:  # noqa: BLE001 - read-only file, no permission, a clashing table ...
            engine.dispose()
            raise StoreError(
                f"无法创建或升级数据库表（{safe_url(url)}）：{_first_line(exc)}"
            ) from exc
        return engine
    have, want = current_revision(engine), head_revision()
    if have != want:
        engine.dispose()
        raise StoreError(
            f"数据库结构版本为 {have or '空'}，程序需要 {want}：请先运行 `yuqing init-db` 升级数据库"
        )
    return engine
