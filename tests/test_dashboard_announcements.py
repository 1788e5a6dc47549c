"""The 公告反响 page under AppTest: each 审计结果公告 of the period with its reception (reports, sentiment,
criticism of the office) as counts that open 信息检索 with exactly those documents; a 公告's detail lists the
ways of linking and the documents."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.pages import open_view
from tests.test_store_announcements import TITLE, received  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("fresh_caches", "logged_in")


@pytest.fixture
def db(received, monkeypatch):  # noqa: F811 - the imported fixture
    engine, ids = received
    monkeypatch.setenv("MONITOR_DB_URL", engine.url.render_as_string(hide_password=False))
    return ids


def _ids(link: str) -> list[int]:
    return sorted(int(i) for i in parse_qs(urlsplit(link).query)["id"])


def test_announcements_page_counts_reception_and_links_to_documents(db):
    at = open_view("views/announcements.py")
    at.date_input(key="an_dates").set_value((date(2026, 11, 1), date(2026, 11, 30))).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "公告反响"
    table = at.get_by_key("an_table").dataframe[0].value
    row = table[table["公告"] == TITLE].iloc[0]
    assert row["公告编号"] == "2026年第3号"
    assert _ids(row["报道"]) == sorted(db[k] for k in ("reprint", "same_event", "number", "subject", "critic"))
    assert _ids(row["批评审计机关"]) == [db["critic"]]
    assert _ids(row["负面"]) == sorted(db[k] for k in ("reprint", "number", "critic"))
    assert row["信源数"] == 5 and row["事件"] == "7"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["公告"] == "3" and int(metrics["批评审计机关"]) >= 1

    at.selectbox(key="an_pick").set_value(int(row["id"])).run()
    assert not at.exception, [e.message for e in at.exception]
    reasons = at.get_by_key("an_reasons").dataframe[0].value
    assert dict(zip(reasons["关联方式"], reasons["篇数"], strict=True)) == {
        "转载": 1, "同一事件": 1, "引用公告编号": 2, "提及公告主题": 1,
    }  # fmt: skip
    docs = at.get_by_key("an_documents").dataframe[0].value
    assert len(docs) == 5 and docs["关联方式"].tolist()[0] == "转载"
