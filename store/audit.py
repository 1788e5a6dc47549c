"""The one writer of the audit log: who changed what, when (event statuses and responses, site candidates,
own-site baselines). Which changes are allowed and logged is decided by the workflow module of the
orchestration layer above; this module only writes the row, inside the caller's transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Connection

from store.schema import audit_log

logger = logging.getLogger(__name__)


def log_action(conn: Connection, entity: str, entity_id: int, action: str, old: str | None, new: str | None,
               by_whom: str, now: datetime, note: str | None = None) -> None:  # fmt: skip
    """Append one audit-log row (`by_whom` cut to the column's 100 characters)."""
    conn.execute(
        audit_log.insert().values(
            entity=entity, entity_id=entity_id, action=action, old_value=old, new_value=new,
            by_whom=by_whom[:100], at=now, note=note,
        )
    )  # fmt: skip
