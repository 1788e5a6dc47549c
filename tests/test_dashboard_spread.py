"""The 传播 section of an event's detail under AppTest: the audit story (新华网 首发, reprinted by 人民网 and
大众网) ranks 新华网 first among the 核心传播节点; every count is a link that opens 信息检索 with exactly those
documents."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages import open_view
from tests.test_dashboard_events import db, events_table, page, show_all  # noqa: F401 - fixtures
from tests.test_dashboard_search import total

pytestmark = pytest.mark.usefixtures("fresh_caches", "logged_in")


def _count(link: str) -> int:
    return int(parse_qs(urlsplit(link).query)["n"][0])


def _open_search(link: str) -> AppTest:
    return open_view("views/search.py", **parse_qs(urlsplit(link).query))


@pytest.mark.slow
def test_spread_section_ranks_first_publisher_and_links_counts_to_documents(db):  # noqa: F811
    at = show_all(page())
    df = events_table(at)
    audit = int(df[df["首发"] == "新华网"]["id"].iloc[0])
    at.selectbox(key="hs_event").set_value(audit).run()
    assert not at.exception, [e.message for e in at.exception]
    nodes = at.get_by_key("sp_nodes").dataframe[0].value
    assert nodes["信源"].tolist()[0] == "新华网" and bool(nodes["首发"].iloc[0])
    first = nodes.iloc[0]
    assert _count(first["被转载"]) == 2 and _count(first["文档"]) == 1
    by_source = nodes.set_index("信源")
    assert by_source.loc["人民网", "转载"] == 1 and by_source.loc["大众网", "转载"] == 1
    levels = at.get_by_key("sp_levels").dataframe[0].value
    assert dict(zip(levels["级别"], map(_count, levels["文档"]), strict=True)) == {"中央": 2, "省级": 1}
    timeline = at.get_by_key("sp_timeline").dataframe[0].value
    assert timeline["阶段"].tolist() == ["首发", "转载", "转载"]
    assert timeline["转载自"].tolist() == ["", "新华网", "新华网"]
    assert any(t.value.endswith("新华网（中央）首发") for t in at.text)

    # the 被转载 count opens 信息检索 with exactly the two reprints
    search = _open_search(first["被转载"])
    assert total(search) == 2
    assert "人民网" in "".join(h.proto.body for h in search.get("html"))
