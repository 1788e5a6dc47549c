"""`yuqing init-db`: create or upgrade the database and load the configured sources."""

from __future__ import annotations

from config.loader import load_plans, load_sources
from yuqing.cli.common import _settings


def cmd_init_db(args) -> int:
    from store.db import open_store, safe_url
    from store.queries import sync_sources

    settings = _settings(args)
    sources = load_sources(settings.path(settings.sources_file))
    load_plans(settings.path(settings.plans_file))
    engine = open_store(settings.resolved_db_url, upgrade=True)
    with engine.begin() as conn:
        n = sync_sources(conn, [s.as_row() for s in sources])
    print(f"数据库已就绪：{safe_url(settings.resolved_db_url)}（信源 {n} 个）")
    return 0


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "init-db", help="create or upgrade the database and load the configured sources"
    )
    s.set_defaults(func=cmd_init_db)
