"""Each downloader middleware on its own, as Scrapy's own tests do: built with build_from_crawler on a test
crawler, process_request / process_response called directly. The private-address guard (crawler.middlewares)
refuses by URL host and by the address a response came from, counting monitor/blocked/private_address; the
host map (crawler.hostmap, tests and the demo only) routes mapped plain-http hosts through a local server."""

from __future__ import annotations

from ipaddress import ip_address

import pytest
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.hostmap import HostMapMiddleware
from crawler.middlewares import PrivateAddressGuardMiddleware


def guard(*allowed: str):
    crawler = get_crawler(settings_dict={"MONITOR_ALLOW_PRIVATE_NETWORKS": list(allowed)})
    return build_from_crawler(PrivateAddressGuardMiddleware, crawler), crawler


def response(url: str, ip: str | None) -> HtmlResponse:
    req = Request(url)
    return HtmlResponse(url, body=b"<html></html>", request=req, ip_address=ip_address(ip) if ip else None)


def blocked(crawler) -> int | None:
    return crawler.stats.get_value("monitor/blocked/private_address")


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.5/a", "http://127.0.0.1:8080/", "http://[::1]/", "http://169.254.169.254/latest/meta-data/",
     "http://localhost/admin", "https://192.168.1.1/"],
)  # fmt: skip
def test_guard_refuses_private_hosts_with_reason_and_counts(url):
    mw, crawler = guard()
    with pytest.raises(
        IgnoreRequest, match=r"^PrivateAddressGuard: .+: " + url.replace("[", r"\[").replace("?", r"\?")
    ):
        mw.process_request(Request(url))
    assert blocked(crawler) == 1


def test_guard_lets_public_hosts_and_allowed_networks_through():
    mw, crawler = guard("127.0.0.0/8")
    for url in (
        "http://www.audit.gov.cn/",
        "https://8.8.8.8/",
        "http://127.0.0.1:8080/",
        "http://localhost/",
    ):
        assert mw.process_request(Request(url)) is None, url
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request("http://10.0.0.5/"))  # only the listed network is allowed
    assert blocked(crawler) == 1


def test_guard_checks_the_address_a_response_came_from():
    mw, crawler = guard()
    public = response("http://news.example.cn/", "93.184.216.34")
    assert mw.process_response(public.request, public) is public
    unknown = response("http://news.example.cn/", None)  # e.g. cached: no address to check
    assert mw.process_response(unknown.request, unknown) is unknown
    rebound = response("http://evil.example.cn/", "10.1.2.3")  # a public name resolving to a private address
    with pytest.raises(
        IgnoreRequest, match="^PrivateAddressGuard: resolved to .*10.1.2.3.*: http://evil.example.cn/$"
    ):
        mw.process_response(rebound.request, rebound)
    assert blocked(crawler) == 1


def test_guard_accepts_responses_from_allowed_networks():
    mw, crawler = guard("127.0.0.1/32")
    local = response("http://www.fake.cn/", "127.0.0.1")
    assert mw.process_response(local.request, local) is local
    other = response("http://www.fake.cn/", "127.0.0.2")
    with pytest.raises(IgnoreRequest, match="127.0.0.2"):
        mw.process_response(other.request, other)
    assert blocked(crawler) == 1


def test_host_map_is_not_configured_without_a_map():
    with pytest.raises(NotConfigured):
        build_from_crawler(HostMapMiddleware, get_crawler(settings_dict={}))


def test_host_map_routes_mapped_http_hosts_through_the_local_server():
    crawler = get_crawler(
        settings_dict={"MONITOR_HOST_MAP": {"WWW.Fake.cn": "127.0.0.1:81", "*.fake.cn": "127.0.0.1:82"}}
    )
    mw = build_from_crawler(HostMapMiddleware, crawler)
    exact, sub, off = (
        Request("http://www.fake.cn/a"),
        Request("http://x.y.fake.cn/"),
        Request("http://fake.cn.evil.com/"),
    )
    for req in (exact, sub, off):
        assert mw.process_request(req) is None
    assert exact.url == "http://www.fake.cn/a"  # the URL keeps the real host name
    assert exact.meta["proxy"] == "http://127.0.0.1:81" and sub.meta["proxy"] == "http://127.0.0.1:82"
    assert "proxy" not in off.meta
    https = Request("https://www.fake.cn/")
    mw.process_request(https)
    assert "proxy" not in https.meta  # only plain http is served locally


def test_host_map_drops_its_proxy_when_a_redirect_leaves_the_mapped_hosts_only():
    mw = build_from_crawler(
        HostMapMiddleware, get_crawler(settings_dict={"MONITOR_HOST_MAP": {"a.cn": "127.0.0.1:81"}})
    )
    req = Request("http://a.cn/")
    mw.process_request(req)
    moved = req.replace(url="http://b.cn/")
    mw.process_request(moved)
    assert "proxy" not in moved.meta
    own = Request(
        "http://b.cn/", meta={"proxy": "http://corporate-proxy:3128"}
    )  # a proxy the map did not set
    mw.process_request(own)
    assert own.meta["proxy"] == "http://corporate-proxy:3128"
