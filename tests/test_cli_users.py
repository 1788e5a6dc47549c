"""`yuqing users add|passwd|list|disable|enable`: passwords only from getpass (asked twice) or a named environment
variable, never printed; one-line errors with a non-zero exit; a list aligned by display width."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

import jobs.auth
from jobs.auth import active_user, authenticate
from store.db import open_store
from yuqing.cli import main
from yuqing.console import display_width as width
from yuqing.console import format_table

PW = "first-pass-1"


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    monkeypatch.setenv("MONITOR_DB_URL", url)
    monkeypatch.setattr(jobs.auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    return url


def login(url: str, username: str, password: str):
    engine = open_store(url, upgrade=False)
    try:
        return authenticate(engine, username, password, client="cli-test").user
    finally:
        engine.dispose()


def test_add_from_env_then_list_passwd_disable(db, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PW1", PW)
    assert (
        main(["users", "add", "zhangsan", "--role", "handler", "--name", "张三", "--password-env", "PW1"])
        == 0
    )
    assert main(["users", "add", "admin", "--role", "admin", "--password-env", "PW1"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[0] == "已添加用户 zhangsan（张三，处置人员）" and PW not in out.out + out.err
    assert login(db, "zhangsan", PW).role == "handler"

    assert main(["users", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["用户名", "显示名称", "角色", "状态", "最近登录", "锁定"]
    assert lines[1].split()[:4] == ["admin", "admin", "管理员", "正常"]
    assert lines[2].split()[:5] == ["zhangsan", "张三", "处置人员", "正常", lines[2].split()[4]]
    col = [
        width(line[: line.index(h)]) for line, h in zip(lines, ("角色", "管理员", "处置人员"), strict=True)
    ]
    assert len(set(col)) == 1  # the role column starts at the same display column on every line

    monkeypatch.setenv("PW2", "second-pass-2")
    assert main(["users", "passwd", "zhangsan", "--password-env", "PW2"]) == 0
    assert login(db, "zhangsan", PW) is None and login(db, "zhangsan", "second-pass-2") is not None
    assert main(["users", "disable", "zhangsan"]) == 0
    engine = open_store(db, upgrade=False)
    assert active_user(engine, "zhangsan") is None
    engine.dispose()
    assert main(["users", "enable", "zhangsan"]) == 0
    assert "second-pass-2" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["users", "add", "x", "--role", "analyst", "--password-env", "NOPE"], {}, "未添加：环境变量 NOPE 未设置"),
        (["users", "add", "x", "--role", "analyst", "--password-env", "P"], {"P": "short"}, "未添加：密码至少 8 个字符"),
        (["users", "add", "a b", "--role", "analyst", "--password-env", "P"], {"P": PW}, "未添加：用户名须为"),
        (["users", "passwd", "ghost", "--password-env", "P"], {"P": PW}, "未修改：没有用户“ghost”"),
        (["users", "disable", "ghost"], {}, "未修改：没有用户“ghost”"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(db, monkeypatch, capsys, argv, env, message) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and len(err.strip().splitlines()) == 1


def test_duplicate_username_is_refused(db, monkeypatch, capsys) -> None:
    monkeypatch.setenv("P", PW)
    assert main(["users", "add", "li", "--role", "analyst", "--password-env", "P"]) == 0
    assert main(["users", "add", "li", "--role", "handler", "--password-env", "P"]) == 2
    assert capsys.readouterr().err.strip() == "未添加：用户名“li”已存在"


def test_password_is_asked_twice_and_must_match(db, monkeypatch, capsys) -> None:
    answers = iter(["one-password", "other-password", PW, PW])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    assert main(["users", "add", "wang", "--role", "duty_leader"]) == 2
    assert capsys.readouterr().err.strip() == "未添加：两次输入的密码不一致"
    assert main(["users", "add", "wang", "--role", "duty_leader"]) == 0
    assert login(db, "wang", PW).role == "duty_leader"


@pytest.mark.parametrize("flag", ["--password", "--password=" + PW])
def test_a_password_on_the_command_line_is_refused_without_echo(db, capsys, flag) -> None:
    argv = ["users", "add", "x", "--role", "analyst", flag] + ([] if "=" in flag else [PW])
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: an unknown abbreviation
        code = exc.code
    out = capsys.readouterr()
    assert code == 2 and PW not in out.out + out.err


def test_table_aligns_by_display_width() -> None:
    lines = format_table(["名", "b"], [["张三丰", "x"], ["abc", "y"]])
    assert [width(line[:-1]) for line in lines] == [8, 8, 8] and lines[1] == "张三丰  x"
