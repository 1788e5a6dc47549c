"""`yuqing demo --no-dashboard` end to end in a subprocess: ≥ 300 documents stored, drops and broken pages
reported by reason, nothing crashes, the class-A alert arrives once at each local catcher, and a second run
on other ports stores no duplicates and sends no alert twice."""

from __future__ import annotations

import email
import json
import os
import re
import socket
import subprocess
import sys
from email import policy

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ROOT


def _free_base_port(n: int = 8, start: int = 21000) -> int:
    """A base port whose next n ports are free now (the demo tries base+i for site i)."""
    for base in range(start, 60000, 97):
        ok = True
        for port in range(base, base + n):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free port range")


@pytest.mark.slow
def test_demo_crawls_analyses_and_reruns_without_duplicates(tmp_path):
    base = _free_base_port()
    cmd = [sys.executable, "-m", "yuqing.cli", "demo", "--no-dashboard", "--data-dir", str(tmp_path),
           "--port-base", str(base)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run(cmd, cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    out = first.stdout
    assert "合计：新增" in out and "丢弃原因" in out and "未命中监测方案（no_plan_match）" in out
    assert "命中屏蔽词（plan_excluded）" in out and "robots.txt 禁止" in out and "HTTP 404" in out
    assert "编码声明有误" in out and "缺少发布时间（no_date）" in out
    # site watch: impersonating sites flagged, the private-address redirect refused, the tampered page caught
    assert "建议处置  cnao-audit.cn" in out and "已拦截" in out
    assert "暗链" in out and "搜索引擎爬虫看到不同内容" in out  # finding kinds as their labels, not codes
    assert "hidden_link" not in out and "cloaking" not in out

    engine = create_engine(f"sqlite:///{tmp_path}/demo.db")
    with engine.connect() as conn:
        n_docs = conn.execute(text("select count(*) from documents")).scalar_one()
        n_sources = conn.execute(text("select count(distinct source) from documents")).scalar_one()
        analysed = conn.execute(
            text("select count(*) from documents where sentiment_label is not null")
        ).scalar_one()
        flagged = conn.execute(text("select count(*) from site_candidates where tier = 'act'")).scalar_one()
        legit = conn.execute(text("select tier from site_candidates where host like '%ciia%'")).scalar_one()
        urls = conn.execute(
            text("select count(*) from documents where url like '%10.0.0.5%' or url like '%/admin/%'")
        ).scalar_one()
    assert n_docs >= 300 and n_sources >= 6 and analysed == n_docs and urls == 0
    assert flagged >= 5 and legit == "none"
    login = _demo_login(first.stdout, engine)

    # every stored URL and watched page is on a demo host name, never a port, never the real www.audit.gov.cn
    with engine.connect() as conn:
        stored_urls = [r[0] for r in conn.execute(text("select url from documents"))]
        watched = [r[0] for r in conn.execute(text("select url from site_snapshots"))]
    assert all(".demo.yuqing.test/" in u for u in stored_urls) and watched
    assert all(u.startswith("http://www.audit.demo.yuqing.test/") for u in watched)

    # the second run on other ports (finding 7: the first demo's URLs carried its ports, so everything was
    # stored again)
    outbox_files = len(list((tmp_path / "outbox").iterdir()))
    cmd[cmd.index("--port-base") + 1] = str(_free_base_port(start=base + 8))
    second = subprocess.run(cmd, cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "合计：新增 0 篇" in second.stdout
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from documents")).scalar_one() == n_docs
        dup = conn.execute(
            text(
                "select count(*) from (select content_hash, source from documents group by url having count(*) > 1) t"
            )
        ).scalar_one()
        n_users = conn.execute(text("select count(*) from users where username = 'demo'")).scalar_one()
    # the second run keeps one demo account and prints a new password that works (the old one no longer does)
    assert n_users == 1 and _demo_login(second.stdout, engine) != login
    engine.dispose()
    assert dup == 0
    assert "没有需要分析的新文档" in second.stdout or "新分析 0 篇" in second.stdout
    # alerts: the class-A hotspot reached every catcher once (mail, 企业微信, 钉钉, 飞书, webhook), and the
    # second run sent nothing again
    assert (
        "预警：新增待发" in out
        and "本地接收端收到" in out
        and "[Webhook/值班系统] 【紧急】【舆情预警】A类事件" in out
    )
    assert class_a_deliveries(tmp_path / "outbox") == {
        "smtp": 1,
        "wecom": 1,
        "dingtalk": 1,
        "feishu": 1,
        "webhook": 1,
    }
    assert "预警：新增待发 0 条" in second.stdout and "本地接收端收到" not in second.stdout
    assert len(list((tmp_path / "outbox").iterdir())) == outbox_files


def class_a_deliveries(outbox) -> dict[str, int]:
    """Messages carrying the class-A block, per catcher kind (files are <time>-<kind>-<name>-<key>-<part>)."""
    counts: dict[str, int] = {}
    for f in outbox.iterdir():
        kind = f.name.split("-")[2]
        if f.suffix == ".eml":
            msg = email.message_from_bytes(f.read_bytes(), policy=policy.default)
            text = msg.get_body(preferencelist=("plain",)).get_content()
        else:
            text = json.dumps(json.loads(f.read_text(encoding="utf-8")), ensure_ascii=False)
        if "【A类事件】" in text:
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def _demo_login(out: str, engine) -> str:
    """The demo password printed in the summary; asserts it logs in as the demo handler and is printed once."""
    from jobs.auth import authenticate

    found = re.findall(r"看板登录：用户名 demo，密码 (\S+?)（处置人员", out)
    assert len(found) == 1, out[-2000:]
    result = authenticate(engine, "demo", found[0], client="test")
    assert result.user is not None and result.user.role == "handler", result.message
    return found[0]
