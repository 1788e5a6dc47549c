"""`yuqing crawl` for cron and the operator (issue 11, finding 6): quiet by default, -v / -vv for more; a
non-zero exit with a one-line Chinese reason when a source got nothing; one line, no traceback, when the
crawl cannot start (unknown spider, unreachable Redis)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from jobs.crawl import fetch_failure, masked_url
from tests.conftest import FIXTURES, ROOT
from yuqing.cli import main


def _config(tmp_path, sources: str, extra: str = "") -> str:
    (tmp_path / "sources.yaml").write_text("sources:\n" + sources, encoding="utf-8")
    (tmp_path / "settings.yaml").write_text(
        f"db_url: sqlite:///{tmp_path}/cli.db\n"
        f"sources_file: {tmp_path}/sources.yaml\n"
        f"plans_file: {ROOT}/config/keywords.yaml\n"
        "crawl:\n  download_delay: 0\n  autothrottle: false\n  allow_private_networks: ['127.0.0.0/8']\n"
        + extra,
        encoding="utf-8",
    )
    return str(tmp_path / "settings.yaml")


def _site_source(url: str) -> str:
    return (f"  - {{name: 示例新闻网, kind: list, url: '{url}/news/index.html', level: municipal,"
            " link_allow: ['/news/(?!index)[^/]+\\.html$'], next_page: a.next, max_pages: 5}\n")  # fmt: skip


DEAD = "  - {name: 死站, kind: list, url: 'http://127.0.0.1:9/index.html', level: county}\n"


def _yuqing(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "yuqing.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)  # fmt: skip


@pytest.fixture
def site(mockserver):
    return mockserver.serve_directory(FIXTURES / "site").url("")


@pytest.mark.slow
def test_default_crawl_is_quiet_and_a_dead_source_fails_the_exit_code(tmp_path, site):
    cfg = _config(tmp_path, _site_source(site) + DEAD)
    proc = _yuqing("--config", cfg, "crawl")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "采集结果（按信源）" in proc.stdout and "合计：新增 2 篇" in proc.stdout
    err = proc.stderr.splitlines()
    assert not [ln for ln in err if " DEBUG " in ln or " INFO " in ln], proc.stderr[:2000]
    assert "Traceback" not in proc.stderr and len(err) <= 8, proc.stderr[:3000]
    failed = [ln for ln in err if ln.startswith("信源「")]
    assert failed == [
        "信源「死站」采集失败：没有取得任何页面（连接被拒绝（网站未开放或端口错误），1 个请求）"
    ]


@pytest.mark.slow
def test_a_healthy_crawl_exits_0_and_v_and_vv_add_info_and_debug(tmp_path, site):
    cfg = _config(tmp_path, _site_source(site))
    quiet = _yuqing("--config", cfg, "crawl")
    assert quiet.returncode == 0 and quiet.stderr.count("\n") <= 2, quiet.stderr[:2000]
    info = _yuqing("-v", "--config", cfg, "crawl")
    assert info.returncode == 0 and " INFO scrapy" in info.stderr and " DEBUG " not in info.stderr
    debug = _yuqing("-vv", "--config", cfg, "crawl")
    assert debug.returncode == 0 and " DEBUG scrapy.core.engine: Crawled (200)" in debug.stderr


def test_unknown_spider_is_one_line_and_exit_2(tmp_path, capsys):
    cfg = _config(tmp_path, DEAD)
    assert main(["--config", cfg, "crawl", "rss", "nosuch"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "未知的采集器：nosuch" in err and "news_listing" in err


def test_unreachable_redis_is_one_line_naming_redis_and_masking_the_password(tmp_path, capsys):
    cfg = _config(tmp_path, DEAD, extra="redis_url: redis://:s3cret@127.0.0.1:9/3\n")
    assert main(["--config", cfg, "crawl"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    assert err.startswith("采集未启动：无法连接 Redis（redis://:***@127.0.0.1:9/3）")
    assert "s3cret" not in err


def test_masked_url():
    assert masked_url("redis://user:pw@h:6379/0") == "redis://user:***@h:6379/0"
    assert masked_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def _run(status="finished", **stats):
    return {"status": status, "finish_reason": status, "stats": stats}


@pytest.mark.parametrize(
    ("run", "failed"),
    [
        (_run(**{"downloader/response_status_count/200": 3}), None),
        (_run(**{"downloader/response_status_count/200": 1, "robotstxt/response_status_count/200": 1,
                 "downloader/response_status_count/503": 3, "monitor/errors/http/503": 1}),
         "没有取得任何页面（服务器返回 HTTP 503，1 个请求）"),
        (_run(**{"monitor/errors/download/DNSLookupError": 2}), "没有取得任何页面（域名无法解析，2 个请求）"),
        (_run(**{"monitor/blocked/robots_txt": 1}), "没有取得任何页面（robots.txt 禁止采集，1 个请求）"),
        (_run("interrupted"), None),
        (_run("failed"), "采集异常结束（failed）"),
    ],
)  # fmt: skip
def test_fetch_failure(run, failed):
    assert fetch_failure(run) == failed
