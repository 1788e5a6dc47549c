"""`yuqing users add|passwd|list|disable|enable`: local dashboard accounts (jobs.auth).

Passwords are read with getpass (twice) or from an environment variable named by `--password-env` (for
scripts); there is no plain `--password` flag, and nothing secret is ever printed. Roles: admin 管理员,
handler 处置人员, duty_leader 值班领导, analyst 分析员 (what each may do: jobs.workflows.PERMISSIONS).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from store.users import ROLE_LABELS, ROLES
from yuqing.cli.common import _settings
from yuqing.console import format_table


class _PasswordInputError(Exception):
    pass


def _engine(args):
    from store.db import open_store

    return open_store(_settings(args).resolved_db_url, upgrade=True)


def _read_password(args, prompt: str = "密码：") -> str:
    if args.password is not None:  # refused without echoing it
        raise _PasswordInputError(
            "不接受在命令行上给出密码（会留在 shell 历史和进程列表中）：请交互输入或用 --password-env"
        )
    if args.password_env:
        value = os.environ.get(args.password_env)
        if value is None:
            raise _PasswordInputError(f"环境变量 {args.password_env} 未设置")
        return value
    if not sys.stdin.isatty():
        raise _PasswordInputError("没有终端可输入密码：请用 --password-env 变量名 从环境变量读取")
    first = getpass.getpass(prompt)
    second = getpass.getpass("再输入一次：")
    if first != second:
        raise _PasswordInputError("两次输入的密码不一致")
    return first


def cmd_add(args) -> int:
    from jobs.auth import AuthError, create_user

    try:
        password = _read_password(args)
    except _PasswordInputError as exc:
        print(f"未添加：{exc}", file=sys.stderr)
        return 2
    engine = _engine(args)
    try:
        user = create_user(engine, args.username, password, args.role, display_name=args.name)
    except AuthError as exc:
        print(f"未添加：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"已添加用户 {user.username}（{user.display_name}，{user.role_label}）")
    return 0


def cmd_passwd(args) -> int:
    from jobs.auth import AuthError, set_password

    try:
        password = _read_password(args, "新密码：")
    except _PasswordInputError as exc:
        print(f"未修改：{exc}", file=sys.stderr)
        return 2
    engine = _engine(args)
    try:
        set_password(engine, args.username, password)
    except AuthError as exc:
        print(f"未修改：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"已修改用户 {args.username} 的密码（如曾锁定，已解除）")
    return 0


def _set_disabled(args, disabled: bool) -> int:
    from jobs.auth import AuthError, set_disabled

    engine = _engine(args)
    try:
        changed = set_disabled(engine, args.username, disabled)
    except AuthError as exc:
        print(f"未修改：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    state = "停用" if disabled else "启用"
    print(f"已{state}用户 {args.username}" if changed else f"用户 {args.username} 本来就是{state}状态")
    return 0


def cmd_disable(args) -> int:
    return _set_disabled(args, True)


def cmd_enable(args) -> int:
    return _set_disabled(args, False)


def cmd_list(args) -> int:
    from zoneinfo import ZoneInfo

    from jobs.auth import list_users

    settings = _settings(args)
    tz = ZoneInfo(settings.dashboard.timezone)
    engine = _engine(args)
    try:
        rows = list_users(engine)
    finally:
        engine.dispose()
    if not rows:
        print("还没有用户：用 `yuqing users add 用户名 --role admin` 添加第一个管理员")
        return 0

    def local(value) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else "—"

    table = [
        [r["username"], r["display_name"], ROLE_LABELS.get(r["role"], r["role"]),
         "停用" if r["disabled"] else "正常", local(r["last_login_at"]),
         f"至 {local(r['locked_until'])}" if r["locked_until"] else "—"]
        for r in rows
    ]  # fmt: skip
    for line in format_table(["用户名", "显示名称", "角色", "状态", "最近登录", "锁定"], table):
        print(line)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("users", help="dashboard accounts: add, passwd, list, disable, enable")
    sub = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    roles = ", ".join(f"{r} ({ROLE_LABELS[r]})" for r in ROLES)
    env_help = "read the password from this environment variable (for scripts) instead of asking twice"

    s = sub.add_parser("add", help="add an account (asks for the password twice)", allow_abbrev=False)
    s.add_argument("username", help="login name: letters, digits, _ . -")
    s.add_argument("--role", required=True, choices=ROLES, help=f"one of: {roles}")
    s.add_argument("--name", help="display name shown as 操作人 (default: the username)")
    s.add_argument("--password-env", metavar="VAR", help=env_help)
    s.add_argument("--password", help=argparse.SUPPRESS)  # only to refuse it without echoing the value
    s.set_defaults(func=cmd_add)

    s = sub.add_parser("passwd", help="set a new password (also lifts a lock)", allow_abbrev=False)
    s.add_argument("username")
    s.add_argument("--password-env", metavar="VAR", help=env_help)
    s.add_argument("--password", help=argparse.SUPPRESS)  # only to refuse it without echoing the value
    s.set_defaults(func=cmd_passwd)

    s = sub.add_parser("list", help="list accounts with role, state and last login")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("disable", help="disable an account (its sessions end at their next click)")
    s.add_argument("username")
    s.set_defaults(func=cmd_disable)

    s = sub.add_parser("enable", help="enable a disabled account")
    s.add_argument("username")
    s.set_defaults(func=cmd_enable)
