"""Canonical URLs and the private-address guard."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import PrivateAddressGuardMiddleware
from crawler.urls import blocked_host, canonical_url, parse_networks


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://WWW.Audit.GOV.cn:80/n5/index.html#top", "http://www.audit.gov.cn/n5/index.html"),
        ("https://a.cn:443/x?b=2&a=1&utm_source=wx&spm=1.2", "https://a.cn/x?a=1&b=2"),
        ("http://a.cn", "http://a.cn/"),
        ("http://127.0.0.1:8080/a?id=3", "http://127.0.0.1:8080/a?id=3"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_canonical_url_rejects_non_http():
    with pytest.raises(ValueError):
        canonical_url("javascript:alert(1)")
    with pytest.raises(ValueError):
        canonical_url("ftp://a.cn/x")


@pytest.mark.parametrize(
    "host",
    [
        "10.0.0.5",
        "192.168.1.1",
        "172.16.3.4",
        "127.0.0.1",
        "localhost",
        "169.254.169.254",
        "[::1]",
        "0.0.0.0",
    ],
)
def test_private_hosts_blocked_by_default(host):
    assert blocked_host(host, []) is not None


@pytest.mark.parametrize("host", ["www.audit.gov.cn", "8.8.8.8", "202.108.22.5"])
def test_public_hosts_allowed(host):
    assert blocked_host(host, []) is None


def test_allowlisted_network_only():
    allowed = parse_networks(["127.0.0.0/8"])
    assert blocked_host("127.0.0.1", allowed) is None
    assert blocked_host("localhost", allowed) is None
    assert blocked_host("10.0.0.5", allowed) is not None


def _mw(allowed=()):
    crawler = get_crawler(settings_dict={"MONITOR_ALLOW_PRIVATE_NETWORKS": list(allowed)})
    crawler.stats.open_spider()
    return PrivateAddressGuardMiddleware.from_crawler(crawler), crawler


def test_middleware_ignores_private_request_and_counts_it():
    mw, crawler = _mw()
    with pytest.raises(IgnoreRequest, match="private address 10.0.0.5"):
        mw.process_request(Request("http://10.0.0.5/secret.html"))
    assert crawler.stats.get_value("monitor/blocked/private_address") == 1
    assert mw.process_request(Request("http://www.audit.gov.cn/")) is None


def test_middleware_checks_resolved_address_of_response():
    """A public-looking name that resolves to a private address (DNS rebinding) is refused too."""
    mw, _ = _mw()
    req = Request("http://evil.example.cn/")
    resp = HtmlResponse(
        url=req.url,
        body=b"<html></html>",
        request=req,
        ip_address=__import__("ipaddress").ip_address("192.168.0.10"),
    )
    with pytest.raises(IgnoreRequest, match="resolved to"):
        mw.process_response(req, resp)
