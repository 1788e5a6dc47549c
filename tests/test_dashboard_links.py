"""Demo links: stored URLs keep the demo's stable host names; the dashboard that `yuqing demo` starts opens
them on the local servers (display only), and without the demo's map every link is shown as stored."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboard import links
from tests.pages import open_view
from tests.test_dashboard_events import db, page, show_all  # noqa: F401 - the fixture


@pytest.fixture
def demo_map(monkeypatch):
    links._demo_links.cache_clear()
    monkeypatch.setenv(links.DEMO_LINKS_ENV, json.dumps({"news.demo.yuqing.test": "127.0.0.1:18701"}))
    yield
    links._demo_links.cache_clear()


def test_demo_host_opens_on_its_local_server(demo_map):
    assert links.display_url("http://news.demo.yuqing.test/a/1.html?p=2") == "http://127.0.0.1:18701/a/1.html?p=2"
    assert links.display_url("https://www.audit.gov.cn/n5/x.html") == "https://www.audit.gov.cn/n5/x.html"
    assert links.display_url(None) is None


def test_tables_show_demo_links_rewritten_without_touching_the_frame(demo_map):
    df = pd.DataFrame({"标题": ["审计"], "原文": ["http://news.demo.yuqing.test/1.html"], "n": [3]})
    shown = links.display_frame(df)
    assert shown["原文"].tolist() == ["http://127.0.0.1:18701/1.html"]
    assert df["原文"].tolist() == ["http://news.demo.yuqing.test/1.html"] and shown["n"].tolist() == [3]


def test_styled_tables_show_demo_links_rewritten(demo_map):
    styled = pd.DataFrame({"原文": ["http://news.demo.yuqing.test/1.html"], "热度": [3.0]}).style.format(precision=1)
    shown = links.display_frame(styled)
    assert shown.data["原文"].tolist() == ["http://127.0.0.1:18701/1.html"]
    assert "18701" in shown.to_html()


def test_without_the_demo_map_links_are_shown_as_stored(monkeypatch):
    links._demo_links.cache_clear()
    monkeypatch.delenv(links.DEMO_LINKS_ENV, raising=False)
    try:
        assert links.display_url("http://news.demo.yuqing.test/1.html") == "http://news.demo.yuqing.test/1.html"
        monkeypatch.setenv(links.DEMO_LINKS_ENV, "not json")
        links._demo_links.cache_clear()
        assert links.display_url("http://news.demo.yuqing.test/1.html") == "http://news.demo.yuqing.test/1.html"
    finally:
        links._demo_links.cache_clear()


@pytest.mark.usefixtures("fresh_caches", "logged_in")
def test_the_events_page_renders_with_the_demo_map(db, monkeypatch):  # noqa: F811 - the imported fixture
    """The page's styled table (a pandas Styler) goes through the rewrite too (it once raised on it)."""
    links._demo_links.cache_clear()
    monkeypatch.setenv(links.DEMO_LINKS_ENV, json.dumps({"www.example.cn": "127.0.0.1:18701"}))
    try:
        show_all(page())  # asserts no exception on either view
    finally:
        links._demo_links.cache_clear()


def test_link_ids_take_only_plain_positive_64_bit_numbers():
    assert links.link_ids(["3", "²", "-1", "1e9", "9" * 19, "", None, "42"]) == [3, 42]
    assert len(links.link_ids([str(i) for i in range(1, 2000)])) == links.MAX_LINK_IDS


@pytest.mark.usefixtures("fresh_caches", "logged_in")
def test_crafted_links_do_not_break_the_pages(db):  # noqa: F811 - the imported fixture
    for path, params in (("views/events.py", {"event": "²"}), ("views/search.py", {"id": "²", "event": "9" * 30})):
        open_view(path, **params)  # fails on any exception the page shows
