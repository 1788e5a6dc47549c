"""Accounts and logins: create, re-password, disable and list local accounts (argon2id hashes via argon2-cffi),
and the login check with its lockouts, every outcome written to the audit log (entity "user").

Login rules: a wrong password adds to the account's failed_count; at `max_failures` the account is locked for
`lockout_minutes` (and the count restarts). Independently, a client (browser address) with `max_failures`
failed logins within the last `lockout_minutes` is refused until the oldest ages out, whatever username it
tries (counted from the audit log, so it holds across dashboard processes). A disabled or unknown account gets
the same message as a wrong password. Passwords are never logged, printed or stored; only hashes are.
Which role may do what is `jobs.workflows.PERMISSIONS`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from store import users as users_store
from store.audit import log_action
from store.users import ENTITY_USER, ROLE_LABELS, ROLES, User

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
MAX_DISPLAY_NAME = 64

_hasher = PasswordHasher()  # argon2id, the library's (RFC 9106 low-memory) defaults
_dummy: dict[PasswordHasher, str] = {}


def _dummy_hash() -> str:
    """A hash to verify against for unknown users, so their refusal takes as long as a wrong password."""
    if _hasher not in _dummy:
        _dummy[_hasher] = _hasher.hash("not-a-password: equalises timing for unknown users")
    return _dummy[_hasher]


class AuthError(ValueError):
    """Bad input for an account change (the message is Chinese, for the user)."""


@dataclass(frozen=True)
class LoginResult:
    """The outcome of one login attempt: the user when it succeeded, else a Chinese message to show."""

    user: User | None
    message: str = ""
    remaining: int | None = None  # attempts left before a lock, when known


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
    if not password.strip():
        raise AuthError("密码不能全是空白字符")


def _check_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise AuthError("用户名须为 1–64 个英文字母、数字或 _ . -")
    return username


def create_user(engine: Engine, username: str, password: str, role: str, *, display_name: str | None = None,
                by: str = "控制台", now: datetime | None = None) -> User:  # fmt: skip
    """Add an account (logged as action "add" by `by`); raises AuthError for a taken name, an unknown role or
    a weak password."""
    now = now or datetime.now(UTC)
    username = _check_username(username)
    if role not in ROLES:
        raise AuthError(f"未知角色“{role}”，可选：{'、'.join(f'{r}（{ROLE_LABELS[r]}）' for r in ROLES)}")
    display = (display_name or "").strip() or username
    if len(display) > MAX_DISPLAY_NAME:
        raise AuthError(f"显示名称最多 {MAX_DISPLAY_NAME} 个字符")
    check_password_rules(password)
    try:
        with engine.begin() as conn:
            uid = users_store.add_user(
                conn, username=username, display_name=display, role=role, password_hash=hash_password(password),
                now=now,
            )  # fmt: skip
            log_action(conn, ENTITY_USER, uid, "add", None, f"{username} {role}", by, now)
    except IntegrityError:
        raise AuthError(f"用户名“{username}”已存在") from None
    logger.info("user %s added with role %s", username, role)
    return User(username=username, display_name=display, role=role, id=uid)


def _existing(conn, username: str) -> dict:
    row = users_store.get_user(conn, (username or "").strip())
    if row is None:
        raise AuthError(f"没有用户“{username}”")
    return row


def set_password(engine: Engine, username: str, password: str, *, by: str = "控制台",
                 now: datetime | None = None) -> None:  # fmt: skip
    """Replace an account's password (and lift its lock); raises AuthError."""
    now = now or datetime.now(UTC)
    check_password_rules(password)
    with engine.begin() as conn:
        row = _existing(conn, username)
        users_store.update_user(conn, row["id"], password_hash=hash_password(password), failed_count=0,
                                locked_until=None)  # fmt: skip
        log_action(conn, ENTITY_USER, row["id"], "passwd", None, None, by, now)
    logger.info("user %s: password changed", row["username"])


def set_disabled(engine: Engine, username: str, disabled: bool = True, *, by: str = "控制台",
                 now: datetime | None = None) -> bool:  # fmt: skip
    """Disable (or enable) an account; a disabled account cannot log in and its open sessions end at their
    next click. Returns False when it already was."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        row = _existing(conn, username)
        if bool(row["disabled"]) == disabled:
            return False
        users_store.update_user(conn, row["id"], disabled=disabled)
        log_action(conn, ENTITY_USER, row["id"], "disable" if disabled else "enable", None, None, by, now)
    logger.info("user %s: %s", row["username"], "disabled" if disabled else "enabled")
    return True


def list_users(engine: Engine) -> list[dict]:
    """Every account (no hashes), by username."""
    with engine.connect() as conn:
        rows = users_store.list_users(conn)
    return [{k: v for k, v in r.items() if k != "password_hash"} for r in rows]


def active_user(engine: Engine, username: str) -> User | None:
    """The account behind a session, re-read on every page run: None once it is disabled or deleted, and its
    current role (a role change applies at the next click)."""
    with engine.connect() as conn:
        row = users_store.get_user(conn, username)
    if row is None or row["disabled"]:
        return None
    return users_store.as_user(row)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() // 60) + 1)


def authenticate(engine: Engine, username: str, password: str, *, client: str = "", max_failures: int = 5,
                 lockout_minutes: int = 15, now: datetime | None = None) -> LoginResult:  # fmt: skip
    """Check a login; every outcome is logged (login / login_failed / login_locked, new_value = client)."""
    now = now or datetime.now(UTC)
    username = (username or "").strip()[:64]
    client = (client or "unknown")[:100]
    window = timedelta(minutes=lockout_minutes)
    with engine.begin() as conn:
        from_client = users_store.client_failures(conn, client, now - window)
        row = users_store.get_user(conn, username) if username else None
        uid = int(row["id"]) if row else 0
        who = username or "（空）"
        if from_client >= max_failures:
            log_action(conn, ENTITY_USER, uid, "login_locked", None, client, who, now, "来源地址尝试过多")
            logger.warning("login refused: too many failures from client %s", client)
            return LoginResult(None, f"登录失败次数过多，请 {lockout_minutes} 分钟后再试", 0)
        locked_until = _aware(row["locked_until"]) if row else None
        if row and locked_until and locked_until > now:
            log_action(conn, ENTITY_USER, uid, "login_locked", None, client, who, now, "账号已锁定")
            return LoginResult(None, f"该账号已被锁定，请 {_minutes_left(locked_until, now)} 分钟后再试", 0)
        ok = False
        try:
            ok = _hasher.verify(row["password_hash"] if row else _dummy_hash(), password or "")
        except (VerificationError, InvalidHashError):
            ok = False
        if ok and row and not row["disabled"]:
            values: dict = {"failed_count": 0, "locked_until": None, "last_login_at": now}
            if _hasher.check_needs_rehash(row["password_hash"]):
                values["password_hash"] = hash_password(password)
            users_store.update_user(conn, uid, **values)
            log_action(conn, ENTITY_USER, uid, "login", None, client, who, now)
            logger.info("login: %s from %s", username, client)
            return LoginResult(users_store.as_user(row))
        reason = "已停用" if row and row["disabled"] and ok else "用户名或密码错误"
        log_action(conn, ENTITY_USER, uid, "login_failed", None, client, who, now, reason)
        left_client = max_failures - (from_client + 1)
        if row and not row["disabled"]:
            failed = int(row["failed_count"] or 0) + 1
            if failed >= max_failures:
                users_store.update_user(conn, uid, failed_count=0, locked_until=now + window)
                log_action(
                    conn, ENTITY_USER, uid, "login_locked", None, client, who, now, "连续失败，账号锁定"
                )
                logger.warning("login: %s locked after %d failures", username, failed)
                return LoginResult(None, f"密码错误次数过多，账号已锁定 {lockout_minutes} 分钟", 0)
            users_store.update_user(conn, uid, failed_count=failed)
            left = min(max_failures - failed, left_client)
        else:
            left = left_client
    logger.info("login failed for %r from %s", username, client)
    if left <= 0:
        return LoginResult(None, f"登录失败次数过多，请 {lockout_minutes} 分钟后再试", 0)
    return LoginResult(None, f"用户名或密码错误（还可尝试 {left} 次）", left)


def logout(engine: Engine, user: User, *, reason: str | None = None, now: datetime | None = None) -> None:
    """Log the end of a session (a click on 退出登录, or `reason` such as an idle timeout)."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        log_action(conn, ENTITY_USER, user.id, "logout", None, None, user.label, now, reason)
    logger.info("logout: %s", user.username)
