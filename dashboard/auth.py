"""The dashboard's door: the login form shown before any page, the idle timeout, the sidebar with who is logged
in and 退出登录, and the permission checks pages use to decide which write widgets to show.

The checks here only shape the page; every write is checked again server-side by `jobs.workflows` with the
`User` this module hands the pages. Session-state keys: auth_login ({"username", "seen"}: the login and the
time of its last click, and its cookie token), auth_user (the `User` of this run), auth_cookie (a cookie to set in the browser),
login_user, login_password, login_submit, logout.

A browser reload or a typed URL opens a new Streamlit session; so that it does not log the user out, a login
also sets a random session cookie (`yuqing_session`, SameSite=Strict, path /) whose SHA-256 maps, in this
process's memory, to the username and last click. Idle timeout and logout end it; a dashboard restart ends all.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time

import streamlit as st

from config.loader import Settings
from dashboard import components, data
from jobs import auth as auth_jobs
from jobs import workflows
from store.users import User

logger = logging.getLogger(__name__)

LOGIN_KEY = "auth_login"
USER_KEY = "auth_user"
COOKIE_KEY = "auth_cookie"
COOKIE = "yuqing_session"


class _Tokens:
    """Session-cookie digests -> {"username", "seen"}, shared by the sessions of this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_digest: dict[str, dict] = {}

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()

    def new(self, username: str, now: float, max_idle: float) -> str:
        """A new token for `username`; entries idle longer than `max_idle` seconds are forgotten."""
        token = secrets.token_urlsafe(32)
        with self.lock:
            for key in [k for k, v in self.by_digest.items() if now - v["seen"] > max_idle]:
                del self.by_digest[key]
            self.by_digest[self.digest(token)] = {"username": username, "seen": now}
        return token

    def get(self, token: str) -> dict | None:
        with self.lock:
            entry = self.by_digest.get(self.digest(token))
            return dict(entry) if entry else None

    def touch(self, token: str, now: float) -> None:
        with self.lock:
            entry = self.by_digest.get(self.digest(token))
            if entry:
                entry["seen"] = now

    def drop(self, token: str | None) -> None:
        if token:
            with self.lock:
                self.by_digest.pop(self.digest(token), None)


@st.cache_resource(show_spinner=False)
def _tokens() -> _Tokens:
    return _Tokens()


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no request context (bare mode, AppTest)
        return None
    return str(value) if value else None


def _set_cookie(value: str) -> None:
    """Set the session cookie in the browser (a browser-session cookie), or clear it when `value` is empty:
    a script, no visible element."""
    cookie = f"{COOKIE}={value}; path=/; SameSite=Strict" + ("" if value else "; max-age=0")
    script = f"document.cookie = {json.dumps(cookie)};"
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def _client() -> str:
    try:
        return str(st.context.ip_address or "unknown")
    except Exception:  # noqa: BLE001 - no request context (bare mode): one shared bucket
        return "unknown"


def _end_session() -> None:
    for key in (LOGIN_KEY, USER_KEY):
        st.session_state.pop(key, None)


def require_login(db_url: str, settings: Settings | None = None) -> User:
    """The logged-in user, or the login form and st.stop(). A login ends after `dashboard.session_minutes`
    without a click, and at once when the account is disabled. Call after the store was checked
    (components.page_context), with the settings already validated there."""
    settings = settings or components.settings()
    engine = data.engine(db_url)
    login = st.session_state.get(LOGIN_KEY)
    now = time.time()
    if not (isinstance(login, dict) and login.get("username")):
        cookie_token = _cookie_token()  # a reload or a typed URL: the cookie carries the login over
        entry = _tokens().get(cookie_token) if cookie_token else None
        login = {**entry, "token": cookie_token} if entry else None
    if isinstance(login, dict) and login.get("username"):
        token = login.get("token")
        user = auth_jobs.active_user(engine, str(login["username"]))
        idle = now - float(login.get("seen") or 0)
        if user is not None and idle <= settings.dashboard.session_minutes * 60:
            st.session_state[LOGIN_KEY] = {"username": user.username, "seen": now, "token": token}
            st.session_state[USER_KEY] = user
            if token:
                _tokens().touch(token, now)
            cookie = st.session_state.pop(COOKIE_KEY, None)
            if cookie:
                _set_cookie(cookie)
            _sidebar(engine, user, token)
            return user
        _end_session()
        _tokens().drop(token)
        if user is not None:
            auth_jobs.logout(engine, user, reason="超时自动退出")
            st.session_state["login_message"] = "登录已超时，请重新登录"
        else:
            st.session_state["login_message"] = "账号已停用或不存在，请重新登录"
    _login_form(settings, engine)
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


LOGIN_WIDTH = 480  # px: a login box, not a full-width form


def _login_form(settings: Settings, engine) -> None:
    box = st.container(width=LOGIN_WIDTH)
    box.title("审计舆情哨兵")
    box.caption("请登录后使用。如需账号，请联系系统管理员（命令 `yuqing users add`）。")
    _set_cookie("")  # whatever session cookie the browser holds is no longer valid
    notice = st.session_state.pop("login_message", None)
    if notice:
        box.info(notice)
    with box.form("login_form", clear_on_submit=False, enter_to_submit=True):
        username = st.text_input("用户名", key="login_user", autocomplete="username")
        password = st.text_input(
            "密码", type="password", key="login_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("登录", key="login_submit", type="primary")
    if not submitted:
        return
    result = auth_jobs.authenticate(
        engine, username, password, client=_client(), max_failures=settings.dashboard.max_failed_logins,
        lockout_minutes=settings.dashboard.lockout_minutes,
    )  # fmt: skip
    if result.user is None:
        box.error(result.message)
        return
    now = time.time()
    token = _tokens().new(result.user.username, now, settings.dashboard.session_minutes * 60)
    st.session_state[LOGIN_KEY] = {"username": result.user.username, "seen": now, "token": token}
    st.session_state[COOKIE_KEY] = token
    st.session_state.pop("login_password", None)
    st.rerun()


def _sidebar(engine, user: User, token: str | None) -> None:
    with st.sidebar:
        st.caption(f"当前用户：{user.display_name}（{user.username}）· {user.role_label}")
        if st.button("退出登录", key="logout"):
            auth_jobs.logout(engine, user)
            _tokens().drop(token)
            _end_session()
            st.session_state["login_message"] = "已退出登录"
            st.rerun()


def current_user() -> User:
    """The user of this run (set by require_login in app.py before any page runs)."""
    user = st.session_state.get(USER_KEY)
    if not isinstance(user, User):
        st.stop()
    return user


def can(action: str) -> bool:
    """Whether the logged-in user's role may do `action` (jobs.workflows.PERMISSIONS)."""
    return workflows.can(st.session_state.get(USER_KEY), action)
