"""The 数据导出 page under AppTest: counts follow the filters, three download buttons, the size limit that sends
big exports to the CLI; and the bytes behind the buttons equal `yuqing export`'s file."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data_exports
from jobs.exports import ExportRequest, run_export
from store.db import open_store
from tests.pages import open_view, rerun
from tests.test_dashboard_app import JUNAN, TZ, make_db

FORMATS = ("csv", "xlsx", "parquet")


# every page here is seen by a logged-in 处置人员 (nothing renders before a login)
pytestmark = pytest.mark.usefixtures("fresh_caches", "logged_in")


@pytest.fixture
def today():
    from datetime import datetime

    return datetime.now(TZ).date()


@pytest.fixture
def db_url(sqlite_store, monkeypatch, today) -> str:
    url = make_db(sqlite_store, today)
    monkeypatch.setenv("MONITOR_DB_URL", url)
    return url


def open_page() -> AppTest:
    return open_view("views/exports.py")


def count(at: AppTest) -> int:
    return int(next(m.value for m in at.metric if m.label == "符合条件"))


def downloads(at: AppTest) -> list[str]:
    keys = {getattr(e, "key", None) for e in at.main}
    return [f for f in FORMATS if f"ex_download_{f}" in keys]


def commands(at: AppTest) -> list[str]:
    return [c.value for c in at.code]


def test_page_counts_documents_and_offers_three_downloads(db_url, today):
    at = open_page()
    assert at.title[0].value == "数据导出"
    assert count(at) == 9  # the last 30 days: everything but the 40-day-old document
    assert downloads(at) == list(FORMATS)
    assert [at.get_by_key(f"ex_download_{f}").label for f in FORMATS] == [
        "下载 CSV",
        "下载 Excel",
        "下载 Parquet",
    ]
    first = today - timedelta(days=29)
    assert commands(at) == [f"yuqing export documents --from {first} --to {today} --format xlsx "
                            f"--out yuqing_documents_{first:%Y%m%d}_{today:%Y%m%d}.xlsx"]  # fmt: skip


FILTERS = [  # widget key, choice, documents left, the option in the equivalent command
    ("ex_sentiment", ["负面"], 4, "--sentiment neg"),
    ("ex_levels", ["县级"], 3, "--level county"),
    ("ex_plans", [JUNAN], 4, f"--plan {JUNAN}"),
    ("ex_targets", ["审计机关自身"], 3, "--target office"),
    ("ex_sources", ["微博搜索"], 2, "--source 微博搜索"),
]


def test_each_filter_narrows_the_count_and_the_command(db_url):
    at = open_page()  # one session, one filter at a time (each AppTest start costs ~2 s)
    for key, value, expected, option in FILTERS:
        at.multiselect(key=key).set_value(value)
        at = rerun(at)
        assert count(at) == expected and downloads(at) == list(FORMATS), key
        assert option in commands(at)[0]
        at.multiselect(key=key).set_value([])
        assert count(rerun(at)) == 9


def test_date_range_narrows_the_count(db_url, today):
    at = open_page()
    at.date_input(key="ex_dates").set_value((today - timedelta(days=2), today))
    assert count(rerun(at)) == 3


def test_events_with_none_found_offer_no_download(db_url):
    at = open_page()
    at.radio(key="ex_kind").set_value("事件")
    at = rerun(at)
    assert count(at) == 0 and downloads(at) == []
    assert any("没有符合筛选条件" in i.value for i in at.info)


def test_trends_offer_shape_and_dimensions(db_url):
    at = open_page()
    at.radio(key="ex_kind").set_value("趋势")
    at = rerun(at)
    assert count(at) == 9 and downloads(at) == list(FORMATS)
    at.radio(key="ex_shape").set_value("宽表")
    at.multiselect(key="ex_dims").set_value(["情感"])
    at = rerun(at)
    assert "--shape wide --dimension sentiment" in commands(at)[0]


def test_big_export_is_sent_to_the_cli(db_url, monkeypatch):
    monkeypatch.setattr(data_exports, "MAX_ROWS", 5)
    at = open_page()
    assert downloads(at) == []
    assert "超过看板单次导出上限 5 行" in at.warning[0].value
    assert (
        commands(at)[0].startswith("yuqing export documents --from") and "--format parquet" in commands(at)[0]
    )
    at.multiselect(key="ex_sentiment").set_value(["负面"])  # 4 rows: small enough again
    at = rerun(at)
    assert downloads(at) == list(FORMATS) and not at.warning


def test_download_bytes_equal_the_cli_file(db_url, today, tmp_path):
    first = today - timedelta(days=29)
    engine = open_store(db_url, upgrade=False)
    try:
        for fmt in FORMATS:
            request = ExportRequest("documents", fmt, first=first, last=today, plans=(JUNAN,))
            payload = data_exports.export_bytes(db_url, "Asia/Shanghai", request)
            path = tmp_path / f"cli.{fmt}"
            result = run_export(engine, request, path, tz_name="Asia/Shanghai")
            assert result.rows == 4
            if fmt == "csv":
                assert payload == path.read_bytes()
            elif fmt == "parquet":
                assert pq.read_table(io.BytesIO(payload)).equals(pq.read_table(path))
            else:
                ours = openpyxl.load_workbook(io.BytesIO(payload)).active.iter_rows(values_only=True)
                assert list(ours) == list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    finally:
        engine.dispose()
