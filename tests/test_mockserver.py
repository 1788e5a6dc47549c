"""The shared local server (tests/mockserver.py) does what the crawl tests rely on: files, routes by path and
by host (proxy-style requests), status, headers, redirects, gzip, slow answers, and a log of requests."""

from __future__ import annotations

import gzip
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import FIXTURES
from tests.mockserver import MockServer, Response


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, *, proxy: str | None = None, headers: dict[str, str] | None = None):
    handlers: list = [NoRedirect()]
    handlers.append(urllib.request.ProxyHandler({"http": proxy} if proxy else {}))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_serves_a_directory_and_404s_the_rest(mockserver):
    mockserver.serve_directory(FIXTURES / "site")
    status, headers, body = fetch(mockserver.url("/robots.txt"))
    assert status == 200 and body == (FIXTURES / "site" / "robots.txt").read_bytes()
    assert fetch(mockserver.url("/missing.html"))[0] == 404
    with MockServer() as bare:  # nothing to serve
        assert fetch(bare.url("/"))[:3:2] == (404, b"not found")


def test_routes_answer_with_status_headers_and_text(mockserver):
    mockserver.route(
        "/feed.xml", body="<rss>审计</rss>", content_type="application/rss+xml", headers={"X-A": "1"}
    )
    mockserver.route("/teapot", status=418, body=b"short and stout")
    status, headers, body = fetch(mockserver.url("/feed.xml?x=1"))
    assert (status, headers["Content-Type"], headers["X-A"], body.decode()) == (
        200,
        "application/rss+xml",
        "1",
        "<rss>审计</rss>",
    )
    assert fetch(mockserver.url("/teapot"))[::2] == (418, b"short and stout")


def test_redirects_gzip_and_handlers(mockserver):
    mockserver.redirect("/old", "/new", status=301)
    mockserver.route("/z", body="压缩" * 100, gzip=True)
    mockserver.route(
        "*", lambda req: Response(200, f"{req.method} {req.path} {req.query}") if req.path != "/no" else None
    )
    status, headers, _ = fetch(mockserver.url("/old"))
    assert status == 301 and headers["Location"] == "/new"
    status, headers, body = fetch(mockserver.url("/z"))
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body).decode() == "压缩" * 100
    assert fetch(mockserver.url("/any?a=1"))[2].decode() == "GET /any {'a': ['1']}"
    assert fetch(mockserver.url("/no"))[0] == 404  # the handler passed: nothing else answers


def test_routes_by_host_for_proxy_style_requests_and_logs_requests(mockserver):
    mockserver.route("*", body="子域", host="*.fake.cn")
    mockserver.route("/", body="精确", host="www.fake.cn")
    proxy = mockserver.url("")
    assert fetch("http://www.fake.cn/", proxy=proxy)[2].decode() == "精确"
    assert fetch("http://a.b.fake.cn/x", proxy=proxy)[2].decode() == "子域"
    assert fetch("http://fake.cn.evil.com/", proxy=proxy)[0] == 404
    fetch(mockserver.url("/ua"), headers={"User-Agent": "Baiduspider"})
    assert [(r.host, r.path) for r in mockserver.requests][:3] == [
        ("www.fake.cn", "/"),
        ("a.b.fake.cn", "/x"),
        ("fake.cn.evil.com", "/"),
    ]
    assert mockserver.requests[-1].header("user-agent") == "Baiduspider"


@pytest.mark.parametrize("where", ["route", "file"])
def test_slow_answers(mockserver, where):
    mockserver.serve_directory(FIXTURES / "slow").delay("/a", 0.3)
    mockserver.route("/slow-route", body="x", delay=0.3)
    path = "/slow-route" if where == "route" else "/a1.html"
    start = time.monotonic()
    assert fetch(mockserver.url(path))[0] == 200
    assert time.monotonic() - start >= 0.3
    assert fetch(mockserver.url("/index.html"))[0] == 200 and mockserver.delay_for("/index.html") == 0
