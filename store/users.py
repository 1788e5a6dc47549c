"""Local accounts: the `users` table (username, display name, role, argon2 password hash, disabled, failed-login
counter and lock) and the acting-user value (`User`) that every workflow write receives.

Only hashes are stored here; hashing, verifying and the login rules live in `jobs.auth`, and which role may do
what lives in `jobs.workflows.PERMISSIONS`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from store.schema import audit_log, users

logger = logging.getLogger(__name__)

ENTITY_USER = "user"  # audit_log.entity of logins, logouts and account changes

ROLE_ADMIN = "admin"
ROLE_HANDLER = "handler"
ROLE_DUTY_LEADER = "duty_leader"
ROLE_ANALYST = "analyst"
# The console operator (`yuqing ... --by NAME`): trusted, never stored in `users`.
ROLE_CONSOLE = "console"
ROLES = (ROLE_ADMIN, ROLE_HANDLER, ROLE_DUTY_LEADER, ROLE_ANALYST)
ROLE_LABELS = {
    ROLE_ADMIN: "管理员",
    ROLE_HANDLER: "处置人员",
    ROLE_DUTY_LEADER: "值班领导",
    ROLE_ANALYST: "分析员",
    ROLE_CONSOLE: "控制台操作员",
}


@dataclass(frozen=True)
class User:
    """Who acts: a logged-in account, or the console operator named by `--by`."""

    username: str
    display_name: str
    role: str
    id: int = 0

    @property
    def label(self) -> str:
        """How the audit log and the 操作人 columns name this user: 张三（zhangsan）, or the name alone when the
        display name is the username (and for the console operator, exactly what `--by` said)."""
        if self.role == ROLE_CONSOLE or not self.display_name or self.display_name == self.username:
            return self.username
        return f"{self.display_name}（{self.username}）"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def console_user(name: str) -> User:
    """The operator at the console (CLI `--by NAME`): trusted, may do every workflow action."""
    return User(username=(name or "").strip(), display_name=(name or "").strip(), role=ROLE_CONSOLE)


def as_user(row: dict[str, Any]) -> User:
    return User(
        username=row["username"], display_name=row["display_name"], role=row["role"], id=int(row["id"])
    )


def get_user(conn: Connection, username: str) -> dict[str, Any] | None:
    row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    return dict(row) if row else None


def list_users(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(users).order_by(users.c.username)).mappings()]


def add_user(conn: Connection, *, username: str, display_name: str, role: str, password_hash: str,
             now: datetime) -> int:  # fmt: skip
    """Insert an account; raises sqlalchemy IntegrityError when the username is taken."""
    res = conn.execute(
        users.insert().values(
            username=username, display_name=display_name, role=role, password_hash=password_hash,
            disabled=False, created_at=now, failed_count=0,
        )
    )  # fmt: skip
    return int(res.inserted_primary_key[0])


def update_user(conn: Connection, user_id: int, **values: Any) -> None:
    """Set columns of one account (password_hash, disabled, role, display_name, failed_count, locked_until,
    last_login_at)."""
    conn.execute(users.update().where(users.c.id == user_id).values(**values))


def client_failures(conn: Connection, client: str, since: datetime) -> int:
    """Failed logins from `client` (audit_log new_value) at or after `since`."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(
                audit_log.c.entity == ENTITY_USER,
                audit_log.c.action == "login_failed",
                audit_log.c.new_value == client,
                audit_log.c.at >= since,
            )
        ).scalar_one()
    )


def user_log(conn: Connection, limit: int = 200) -> list[dict[str, Any]]:
    """The newest audit-log rows about accounts (logins, logouts, changes), newest first."""
    q = (
        select(audit_log)
        .where(audit_log.c.entity == ENTITY_USER)
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in conn.execute(q).mappings()]
