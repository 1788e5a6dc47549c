"""Items the crawler could not store, kept for inspection: the raw item (ASCII JSON), why, from where, when."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from store.schema import quarantine

MAX_ITEM_CHARS = 200_000

# What a write of one row raises because of that row's values (or an unusable database): callers catch these
# to fall back to item-by-item writes and quarantine the row at fault.
ROW_ERRORS = (SQLAlchemyError, ValueError, TypeError, OverflowError)


def _text(value: Any, limit: int) -> str:
    # a lone surrogate that made the item unstorable is escaped (\\ud800), never stored raw; NULs go
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "")[:limit]


def item_json(item: dict[str, Any]) -> str:
    """The item as JSON every backend stores (ASCII escapes; dates and other values as strings)."""
    text = json.dumps(item, ensure_ascii=True, default=str, sort_keys=True)
    if len(text) > MAX_ITEM_CHARS:
        text = json.dumps({"truncated": text[:MAX_ITEM_CHARS]})
    return text


def add_quarantined(
    conn: Connection, *, spider: str, source: str | None, reason: str, error: str, item: dict[str, Any],
    at: datetime,
) -> int:  # fmt: skip
    """Keep one refused item; returns its id."""
    res = conn.execute(
        quarantine.insert().values(
            spider=_text(spider, 64),
            source=None if source is None else _text(source, 200),
            reason=_text(reason, 64),
            error=_text(error, 2000),
            item=item_json(item),
            quarantined_at=at,
        )  # fmt: skip
    )
    return int(res.inserted_primary_key[0])


def list_quarantined(conn: Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """The newest quarantined items first, with the raw item decoded."""
    rows = conn.execute(select(quarantine).order_by(quarantine.c.id.desc()).limit(limit)).mappings().all()
    return [{**dict(r), "item": json.loads(r["item"])} for r in rows]


def count_quarantined(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(quarantine)).scalar_one())
