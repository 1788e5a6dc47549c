"""jobs.exports on SQLite and (marked requires_postgres) PostgreSQL: documents, events and trends read back
equal to what was stored in CSV (pandas), XLSX (openpyxl) and Parquet (pyarrow), with Asia/Shanghai day cuts,
offsets, empty cells, the formula guard and every filter; plus the `yuqing export` command's exit codes."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from jobs import export_writers
from jobs.exports import (
    DOCUMENT_COLUMNS,
    EVENT_COLUMNS,
    ExportError,
    ExportRequest,
    export_to,
    parse_codes,
    run_export,
)
from store import exports as q
from store.db import open_store
from store.queries import upsert_documents, write_analysis
from store.schema import events
from yuqing.cli import main

TZ_NAME = "Asia/Shanghai"
TZ = ZoneInfo(TZ_NAME)
NATIONAL, JUNAN = "审计署全国", "莒南县审计局"
SITE, LOCAL, WEIBO, NOLEVEL = "审计署网站", "莒南新闻网", "微博搜索", "无级别源"
FORMULA = '=HYPERLINK("http://evil.example/","点我")'


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# key: published (UTC) or None, first seen (UTC), source, level, source region, plans, title, author, media
DOCS = {
    "d1": (utc(2026, 11, 20, 15, 30), utc(2026, 11, 20, 15, 40), SITE, "central", None, [NATIONAL], "某县挪用资金被审计发现", "张三", "新华社"),  # 20th 23:30 local
    "d2": (utc(2026, 11, 20, 16, 30), utc(2026, 11, 20, 16, 40), SITE, "central", None, [NATIONAL], "某县挪用资金（转载）", None, None),  # 21st 00:30 local
    "d3": (None, utc(2026, 11, 19, 2, 0), LOCAL, "county", "临沂市", [JUNAN], FORMULA, None, None),  # undated: 19th 10:00 local
    "d4": (utc(2026, 11, 18, 4, 0), utc(2026, 11, 18, 4, 5), WEIBO, "self-media", None, [NATIONAL, JUNAN], "-负号开头的微博", "网友甲", None),
    "d5": (utc(2026, 10, 1, 4, 0), utc(2026, 10, 1, 5, 0), SITE, "central", None, [NATIONAL], "十月的旧闻", None, None),
    "d6": (utc(2026, 11, 19, 8, 0), utc(2026, 11, 19, 8, 1), NOLEVEL, None, None, [], "@提及审计", None, None),
}  # fmt: skip
# key: sentiment, score, target, keywords, province, city, county, reprint group key, event, engagement
ANALYSIS = {
    "d1": ("neg", -0.8, "office", ["审计整改", "资金"], "山东省", "临沂市", "莒南县", "d1", 101, (5, 2, 1, 100)),
    "d2": ("neg", -0.5, "audited", ["资金"], "山东省", None, None, "d1", 101, (0, 0, 0, 0)),
    "d3": (None, None, None, None, None, None, None, None, None, (0, 0, 0, 0)),
    "d4": ("pos", 0.25, "other", ["莒南"], None, None, None, None, None, (3, 4, 7, 0)),
    "d5": ("neu", 0.0, "other", [], None, None, None, None, 102, (0, 0, 0, 0)),
    "d6": ("neu", 0.1, "other", ["审计"], None, None, None, None, None, (0, 0, 0, 0)),
}  # fmt: skip


def populate(engine) -> dict[str, int]:
    rows = []
    for key, (pub, seen, source, level, region, plans, title, author, media) in DOCS.items():
        rows.append(
            {
                "url": f"https://news.example.cn/{key}.html", "source": source,
                "platform": "weibo" if source == WEIBO else "news", "level": level, "region": region,
                "title": title, "body": "正文", "author": author, "media": media, "published_at": pub,
                "fetched_at": seen, "first_seen_at": seen, "plans": plans, "terms": ["审计"], "content_hash": key,
                "reposts": ANALYSIS[key][9][0], "comments": ANALYSIS[key][9][1], "likes": ANALYSIS[key][9][2],
                "reads": ANALYSIS[key][9][3],
            }
        )  # fmt: skip
    with engine.begin() as conn:
        upsert_documents(conn, rows)
        ids = dict(conn.execute(text("SELECT content_hash, id FROM documents")).all())
        write_analysis(
            conn,
            [
                {
                    "id": ids[key], "sentiment_label": s, "sentiment_score": score, "target": t, "keywords": kw,
                    "region_province": p, "region_city": c, "region_county": k,
                    "reprint_group": ids[g] if g else None, "event_id": e,
                }
                for key, (s, score, t, kw, p, c, k, g, e, _eng) in ANALYSIS.items()
            ],
        )  # fmt: skip
        now = utc(2026, 11, 21)
        conn.execute(
            events.insert(),
            [
                {
                    "id": 101, "title": "某县挪用资金", "keywords": ["资金", "挪用"],
                    "first_seen_at": utc(2026, 11, 20, 15, 40), "first_published_at": utc(2026, 11, 20, 15, 30),
                    "first_doc_id": ids["d1"], "first_source": SITE, "last_seen_at": utc(2026, 11, 20, 16, 40),
                    "doc_count": 2, "reprint_count": 1, "source_count": 1, "negative_share": 1.0,
                    "office_critical_count": 1, "heat": 55.5, "response_class": "A",
                    "deadline_at": utc(2026, 11, 20, 20, 40), "status": "处置中", "assignee": "李四",
                    "region": "山东省临沂市莒南县", "updated_at": now,
                },
                {
                    "id": 102, "title": "=旧事件", "keywords": [], "first_seen_at": utc(2026, 10, 1, 5, 0),
                    "first_published_at": None, "first_doc_id": None, "first_source": None,
                    "last_seen_at": utc(2026, 10, 1, 5, 0), "doc_count": 1, "reprint_count": 0, "source_count": 1,
                    "negative_share": None, "office_critical_count": 0, "heat": 3.0, "response_class": None,
                    "deadline_at": None, "status": "待研判", "assignee": None, "region": None, "updated_at": now,
                },
            ],
        )  # fmt: skip
    return ids


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path}/exports.db")
    engine.ids = populate(engine)
    yield engine
    engine.dispose()


# Exports only read: the read-back tests share one store per backend (migrations cost ~1 s a store).
@pytest.fixture(scope="module")
def sqlite_module(tmp_path_factory):
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('exports')}/exports.db")
    engine.ids = populate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def pg_module():
    """Like conftest's pg_schema_url, for a whole module: a fresh schema, dropped afterwards."""
    import os
    import uuid

    from sqlalchemy import create_engine

    from tests.conftest import POSTGRES_URL

    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = open_store(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    try:
        engine.ids = populate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.requires_postgres)])
def engine(request):
    return request.getfixturevalue("sqlite_module" if request.param == "sqlite" else "pg_module")


# ----------------------------------------------------------------------------------------- expected


LEVELS = {"central": "中央", "county": "县级", "self-media": "自媒体", None: None}
SENTIMENTS = {"neg": "负面", "neu": "中性", "pos": "正面", None: "未分析"}
TARGETS = {"office": "审计机关自身", "audited": "被审计单位", "other": "其他", None: None}
REGIONS = {"d1": "山东省临沂市莒南县", "d2": "山东省", "d3": "临沂市"}


def expected_document(key: str, ids: dict[str, int]) -> dict[str, object]:
    """The typed values of one exported document, by Parquet column name (written out by hand)."""
    pub, seen, source, level, _region, plans, title, author, media = DOCS[key]
    s, score, t, kw, _p, _c, _k, group, event, (reposts, comments, likes, reads) = ANALYSIS[key]
    return {
        "id": ids[key], "title": title, "url": f"https://news.example.cn/{key}.html", "source": source,
        "level": LEVELS[level], "platform": "微博" if source == WEIBO else "新闻网站", "published_at": pub,
        "first_seen_at": seen, "author": author, "media": media, "plans": plans, "terms": ["审计"],
        "sentiment": SENTIMENTS[s], "sentiment_score": score, "target": TARGETS[t],
        "criticises_office": None if s is None else (s == "neg" and t == "office"), "region": REGIONS.get(key),
        "reprint_group": ids[group] if group else None, "event_id": event, "reposts": reposts,
        "comments": comments, "likes": likes, "reads": reads, "keywords": kw,
    }  # fmt: skip


def guarded(value: str) -> str:
    return "'" + value if value[:1] in "=+-@\t\r" else value


def as_csv_cell(kind: str, v: object) -> str:
    if v is None:
        return ""
    if kind == "datetime":
        return v.astimezone(TZ).isoformat()  # type: ignore[union-attr]
    if kind == "list":
        return guarded("、".join(v)) if v else ""  # type: ignore[arg-type]
    if kind == "bool":
        return "是" if v else "否"
    if kind == "text":
        return guarded(str(v))
    return str(v)


def as_xlsx_cell(kind: str, v: object) -> object:
    if v is None:
        return None
    if kind == "datetime":
        return v.astimezone(TZ).replace(tzinfo=None)  # type: ignore[union-attr]
    if kind == "list":
        return guarded("、".join(v)) if v else None  # type: ignore[arg-type]
    if kind == "text":
        return guarded(str(v))
    return v


def export(engine, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    export_to(engine, ExportRequest(fmt=fmt, **{"kind": "documents", **kw}), buf, tz_name=TZ_NAME)
    return buf.getvalue()


def read_csv(payload: bytes) -> pd.DataFrame:
    assert payload.startswith("\ufeff".encode())  # BOM: Excel detects UTF-8
    return pd.read_csv(io.BytesIO(payload), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def read_xlsx(payload: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(payload))
    return wb.worksheets[0]


def read_parquet(payload: bytes) -> pa.Table:
    return pq.read_table(io.BytesIO(payload))


WINDOW = {"first": date(2026, 11, 18), "last": date(2026, 11, 20)}
IN_WINDOW = ["d4", "d3", "d6", "d1"]  # by time: d2 is 00:30 on the 21st local, d5 in October


# -------------------------------------------------------------------------------------- documents


def test_documents_csv_reads_back_equal(engine):
    df = read_csv(export(engine, "csv", **WINDOW))
    assert list(df.columns) == [c.label for c in DOCUMENT_COLUMNS]
    expected = [
        [as_csv_cell(c.kind, expected_document(k, engine.ids)[c.name]) for c in DOCUMENT_COLUMNS]
        for k in IN_WINDOW
    ]
    assert df.values.tolist() == expected
    flat = df.to_numpy().ravel().tolist()
    assert not any(v in ("nan", "NaN", "None", "NaT") for v in flat)  # empty cells are empty
    assert df.loc[0, "发布时间"] == "2026-11-18T12:00:00+08:00" and df.loc[1, "发布时间"] == ""
    assert df.loc[1, "标题"] == "'" + FORMULA and df.loc[0, "标题"] == "'-负号开头的微博"
    assert df.loc[2, "标题"] == "'@提及审计" and df.loc[2, "信源级别"] == "" and df.loc[1, "情感"] == "未分析"


def test_documents_xlsx_reads_back_equal_typed_and_frozen(engine):
    ws = read_xlsx(export(engine, "xlsx", **WINDOW))
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [c.label for c in DOCUMENT_COLUMNS]
    expected = [
        tuple(as_xlsx_cell(c.kind, expected_document(k, engine.ids)[c.name]) for c in DOCUMENT_COLUMNS)
        for k in IN_WINDOW
    ]
    assert rows[1:] == expected
    assert ws.freeze_panes == "A2" and ws.title == "文档" and ws["A1"].font.bold
    pub = ws.cell(row=2, column=7)  # 发布时间 of d4: a real date shown with its offset
    assert pub.is_date and pub.number_format == 'yyyy-mm-dd"T"hh:mm:ss"+08:00"'
    assert ws.cell(row=2, column=1).data_type == "n" and ws.cell(row=2, column=16).data_type == "b"
    title = ws.cell(row=3, column=2)  # the formula title is stored as text, never as a formula
    assert title.data_type == "s" and title.value == "'" + FORMULA


def test_documents_parquet_reads_back_equal_with_types(engine):
    table = read_parquet(export(engine, "parquet", **WINDOW))
    assert table.column_names == [c.name for c in DOCUMENT_COLUMNS]
    types = {f.name: f.type for f in table.schema}
    assert types["published_at"] == pa.timestamp("us", tz=TZ_NAME) and types["id"] == pa.int64()
    assert types["plans"] == pa.list_(pa.string()) and types["criticises_office"] == pa.bool_()
    assert table.schema.field("title").metadata == {b"label": "标题".encode()}
    got = table.to_pylist()
    assert got == [expected_document(k, engine.ids) for k in IN_WINDOW]  # aware datetimes compare as instants
    assert got[0]["published_at"].utcoffset() == timedelta(hours=8)
    assert got[1]["title"] == FORMULA  # Parquet is data, not a spreadsheet: no guard


def test_documents_newest_first_reverses_the_order(engine):
    df = read_csv(export(engine, "csv", newest_first=True, **WINDOW))
    assert df["编号"].tolist() == [str(engine.ids[k]) for k in reversed(IN_WINDOW)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["d5", "d4", "d3", "d6", "d1", "d2"]),
        ({"first": date(2026, 11, 21), "last": date(2026, 11, 21)}, ["d2"]),
        ({"first": date(2026, 11, 19)}, ["d3", "d6", "d1", "d2"]),
        ({"last": date(2026, 11, 18)}, ["d5", "d4"]),
        ({"plans": (JUNAN,)}, ["d4", "d3"]),
        ({"plans": ("不存在的方案",)}, []),
        ({"sources": (WEIBO, NOLEVEL)}, ["d4", "d6"]),
        ({"levels": ("county",)}, ["d3"]),
        ({"levels": ("none",)}, ["d6"]),
        ({"sentiments": ("neg",)}, ["d1", "d2"]),
        ({"sentiments": ("none",)}, ["d3"]),
        ({"targets": ("office",)}, ["d1"]),
        ({"targets": ("none",)}, ["d3"]),
        ({"regions": ("山东省",)}, ["d1", "d2"]),
        ({"regions": ("临沂市",)}, ["d3", "d1"]),
        ({"regions": ("莒南县",)}, ["d1"]),
        ({"plans": (NATIONAL,), "sentiments": ("neg", "pos"), "first": date(2026, 11, 20)}, ["d1", "d2"]),
    ],
)
def test_document_filters_each_narrow(engine, filters, expected):
    want = [engine.ids[k] for k in expected]
    for fmt in ("csv", "parquet"):
        payload = export(engine, fmt, **filters)
        got = (
            [int(v) for v in read_csv(payload)["编号"]]
            if fmt == "csv"
            else read_parquet(payload).column("id").to_pylist()
        )
        assert got == want, fmt
    flt = ExportRequest(kind="documents", fmt="csv", **filters).filter(TZ_NAME)
    with engine.connect() as conn:
        assert q.count_documents(conn, flt) == len(want)


def test_empty_export_has_header_and_types(engine):
    kw = {"plans": ("不存在的方案",)}
    assert read_csv(export(engine, "csv", **kw)).shape == (0, len(DOCUMENT_COLUMNS))
    assert list(read_xlsx(export(engine, "xlsx", **kw)).iter_rows(values_only=True)) == [
        tuple(c.label for c in DOCUMENT_COLUMNS)
    ]
    table = read_parquet(export(engine, "parquet", **kw))
    assert table.num_rows == 0 and table.schema.field("first_seen_at").type == pa.timestamp("us", tz=TZ_NAME)


# ---------------------------------------------------------------------------------------- events


def expected_events(ids: dict[str, int]) -> list[dict[str, object]]:
    return [
        {
            "id": 102, "title": "=旧事件", "keywords": [], "first_seen_at": utc(2026, 10, 1, 5, 0),
            "first_source": None, "first_url": None, "first_published_at": None,
            "last_seen_at": utc(2026, 10, 1, 5, 0), "doc_count": 1, "reprint_count": 0, "source_count": 1,
            "negative_share": None, "office_critical_count": 0, "heat": 3.0, "response_class": "无需回应",
            "deadline_at": None, "status": "待研判", "assignee": None, "region": None,
        },
        {
            "id": 101, "title": "某县挪用资金", "keywords": ["资金", "挪用"],
            "first_seen_at": utc(2026, 11, 20, 15, 40), "first_source": SITE,
            "first_url": "https://news.example.cn/d1.html", "first_published_at": utc(2026, 11, 20, 15, 30),
            "last_seen_at": utc(2026, 11, 20, 16, 40), "doc_count": 2, "reprint_count": 1, "source_count": 1,
            "negative_share": 1.0, "office_critical_count": 1, "heat": 55.5, "response_class": "A类",
            "deadline_at": utc(2026, 11, 20, 20, 40), "status": "处置中", "assignee": "李四",
            "region": "山东省临沂市莒南县",
        },
    ]  # fmt: skip


def test_events_read_back_equal_in_all_formats(engine):
    want = expected_events(engine.ids)
    table = read_parquet(export(engine, "parquet", kind="events"))
    assert table.column_names == [c.name for c in EVENT_COLUMNS] and table.to_pylist() == want
    df = read_csv(export(engine, "csv", kind="events"))
    assert list(df.columns) == [c.label for c in EVENT_COLUMNS]
    assert df.values.tolist() == [[as_csv_cell(c.kind, e[c.name]) for c in EVENT_COLUMNS] for e in want]
    assert df.loc[1, "回应截止时间"] == "2026-11-21T04:40:00+08:00" and df.loc[0, "标题"] == "'=旧事件"
    ws = read_xlsx(export(engine, "xlsx", kind="events"))
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1:] == [tuple(as_xlsx_cell(c.kind, e[c.name]) for c in EVENT_COLUMNS) for e in want]
    assert ws.title == "事件"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"first": date(2026, 11, 18), "last": date(2026, 11, 21)}, [101]),
        ({"sentiments": ("neu",)}, [102]),
        ({"targets": ("audited",)}, [101]),
        ({"regions": ("山东省",), "last": date(2026, 10, 31)}, []),
        ({"sources": (SITE,)}, [102, 101]),
    ],
)
def test_event_filters_narrow(engine, filters, expected):
    table = read_parquet(export(engine, "parquet", kind="events", **filters))
    assert table.column("id").to_pylist() == expected


# ---------------------------------------------------------------------------------------- trends


TRENDS_LONG = [
    (date(2026, 11, 18), "监测方案", NATIONAL, 1), (date(2026, 11, 18), "监测方案", JUNAN, 1),
    (date(2026, 11, 18), "信源", WEIBO, 1), (date(2026, 11, 18), "信源级别", "自媒体", 1),
    (date(2026, 11, 18), "情感", "正面", 1), (date(2026, 11, 18), "对象", "其他", 1),
    (date(2026, 11, 18), "地域", "未知", 1),
    (date(2026, 11, 19), "监测方案", "无方案", 1), (date(2026, 11, 19), "监测方案", JUNAN, 1),
    (date(2026, 11, 19), "信源", NOLEVEL, 1), (date(2026, 11, 19), "信源", LOCAL, 1),
    (date(2026, 11, 19), "信源级别", "县级", 1), (date(2026, 11, 19), "信源级别", "未知", 1),
    (date(2026, 11, 19), "情感", "中性", 1), (date(2026, 11, 19), "情感", "未分析", 1),
    (date(2026, 11, 19), "对象", "其他", 1), (date(2026, 11, 19), "对象", "未分析", 1),
    (date(2026, 11, 19), "地域", "临沂市", 1), (date(2026, 11, 19), "地域", "未知", 1),
    (date(2026, 11, 20), "监测方案", NATIONAL, 1), (date(2026, 11, 20), "信源", SITE, 1),
    (date(2026, 11, 20), "信源级别", "中央", 1), (date(2026, 11, 20), "情感", "负面", 1),
    (date(2026, 11, 20), "对象", "审计机关自身", 1), (date(2026, 11, 20), "地域", "山东省临沂市莒南县", 1),
]  # fmt: skip


def test_trends_long_counts_by_local_day(engine):
    table = read_parquet(export(engine, "parquet", kind="trends", **WINDOW))
    assert table.column_names == ["day", "dimension", "value", "count"]
    assert table.schema.field("day").type == pa.date32() and table.schema.field("count").type == pa.int64()
    assert sorted(tuple(r.values()) for r in table.to_pylist()) == sorted(TRENDS_LONG)
    df = read_csv(export(engine, "csv", kind="trends", **WINDOW))
    assert list(df.columns) == ["日期", "维度", "取值", "数量"]
    assert sorted(df.itertuples(index=False, name=None)) == sorted(
        (d.isoformat(), dim, v, str(n)) for d, dim, v, n in TRENDS_LONG
    )
    ws = read_xlsx(export(engine, "xlsx", kind="trends", **WINDOW))
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert sorted((r[0].date(), *r[1:]) for r in rows) == sorted(TRENDS_LONG) and ws.cell(2, 1).is_date


def test_trends_long_and_wide_agree(engine):
    first, last = date(2026, 11, 17), date(2026, 11, 21)
    long = pd.read_parquet(io.BytesIO(export(engine, "parquet", kind="trends", first=first, last=last)))
    wide = pd.read_parquet(
        io.BytesIO(export(engine, "parquet", kind="trends", shape="wide", first=first, last=last))
    )
    assert wide["day"].tolist() == [first + timedelta(days=i) for i in range(5)]  # every day, zeros filled
    assert wide.iloc[0, 1:].sum() == 0
    pivot = long.assign(col=long["dimension"].map(_DIMENSION_CODES) + ":" + long["value"]).pivot_table(
        index="day", columns="col", values="count", aggfunc="sum", fill_value=0
    )
    wide_i = wide.set_index("day")
    assert set(pivot.columns) == set(wide_i.columns)
    for day, row in pivot.iterrows():
        assert row.to_dict() == wide_i.loc[day, list(pivot.columns)].to_dict()
    assert wide_i.loc[date(2026, 11, 21), "sentiment:负面"] == 1  # d2 at 00:30 local on the 21st
    # the same table with Chinese headers in CSV
    csv_wide = read_csv(export(engine, "csv", kind="trends", shape="wide", first=first, last=last))
    assert list(csv_wide.columns)[:1] == ["日期"] and "情感:负面" in csv_wide.columns
    assert csv_wide["情感:负面"].astype(int).tolist() == wide["sentiment:负面"].tolist()
    assert list(csv_wide.columns)[list(csv_wide.columns).index("情感:负面") :][:4] == [
        "情感:负面", "情感:中性", "情感:正面", "情感:未分析",
    ]  # fmt: skip


_DIMENSION_CODES = {"监测方案": "plan", "信源": "source", "信源级别": "level", "情感": "sentiment", "对象": "target",
                    "地域": "region"}  # fmt: skip


def test_trends_dimension_choice_and_filters(engine):
    table = read_parquet(
        export(engine, "parquet", kind="trends", dimensions=("sentiment",), sentiments=("neg",), shape="wide")
    )
    assert table.column_names == ["day", "sentiment:负面"]
    assert table.to_pylist() == [
        {"day": date(2026, 11, 20), "sentiment:负面": 1},
        {"day": date(2026, 11, 21), "sentiment:负面": 1},
    ]


# ------------------------------------------------------------------------------ writers and the job


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(monkeypatch):
    monkeypatch.setattr(export_writers, "XLSX_MAX_ROWS", 3)  # header + 2 rows per sheet
    cols = (export_writers.Column("数", "n", "int"),)
    buf = io.BytesIO()
    assert export_writers.write_xlsx(cols, ((i,) for i in range(5)), buf, TZ, sheet="文档") == 5
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert wb.sheetnames == ["文档", "文档（2）", "文档（3）"]
    assert [[r[0] for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets] == [
        ["数", 0, 1], ["数", 2, 3], ["数", 4],
    ]  # fmt: skip


def test_parquet_is_written_in_row_groups_and_xlsx_strips_control_characters():
    cols = (export_writers.Column("标题", "title", "text"),)
    buf = io.BytesIO()
    rows = ((f"t{i}",) for i in range(25))
    assert export_writers.write_parquet(cols, rows, buf, TZ, row_group=10, batch=4) == 25
    meta = pq.ParquetFile(io.BytesIO(buf.getvalue())).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [10, 10, 5]
    assert pq.read_table(io.BytesIO(buf.getvalue())).column("title").to_pylist() == [
        f"t{i}" for i in range(25)
    ]
    out = io.BytesIO()
    export_writers.write_xlsx(cols, [("审计\x0b公告\x00",), ("\t=1+1",)], out, TZ)
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert [c.value for c in ws["A"]][1:] == ["审计公告", "'\t=1+1"]


def test_missing_values_from_pandas_are_empty_cells_in_every_format():
    """NaN, NaT and pd.NA (what a pandas frame holds for a missing value) are written as empty cells, never as
    "nan", "NaT" or "<NA>", and a missing flag is not 是."""
    import numpy as np

    cols = (export_writers.Column("标题", "title", "text"), export_writers.Column("转载", "reprints", "int"),
            export_writers.Column("得分", "score", "float"), export_writers.Column("首发", "first", "bool"),
            export_writers.Column("时间", "at", "datetime"), export_writers.Column("日期", "day", "date"),
            export_writers.Column("方案", "plans", "list"))  # fmt: skip
    missing_row = (float("nan"), pd.NA, np.float64("nan"), float("nan"), pd.NaT, pd.NaT, None)
    full_row = ("标题", 3, 0.5, True, datetime(2026, 1, 2, 3, 4, tzinfo=UTC), date(2026, 1, 2), ["甲"])
    out = io.BytesIO()
    export_writers.write_csv(cols, [missing_row, full_row], out, TZ)
    lines = out.getvalue().decode("utf-8-sig").splitlines()
    assert lines[1] == ",,,,,," and lines[2].startswith(
        "标题,3,0.5,是,2026-01-02T11:04:00+08:00,2026-01-02,甲"
    )
    out = io.BytesIO()
    export_writers.write_xlsx(cols, [missing_row, full_row], out, TZ)
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert [c.value for c in ws[2]] == [None] * 7 and ws[3][1].value == 3
    out = io.BytesIO()
    export_writers.write_parquet(cols, [missing_row, full_row], out, TZ)
    table = pq.read_table(io.BytesIO(out.getvalue()))
    assert table.slice(0, 1).to_pylist() == [dict.fromkeys(table.column_names)]


def test_iter_documents_streams(sqlite_engine):
    with sqlite_engine.connect() as conn:
        rows = q.iter_documents(conn, q.ExportFilter(), yield_per=2)
        assert iter(rows) is rows  # a generator over a streamed result, not a list
        assert next(rows).id == sqlite_engine.ids["d5"]
        rows.close()


def test_run_export_leaves_no_partial_file(sqlite_engine, tmp_path, monkeypatch):
    out = tmp_path / "docs.csv"

    def boom(*_a, **_k):
        raise RuntimeError("disk gone")

    monkeypatch.setattr("jobs.exports.write_table", boom)
    with pytest.raises(RuntimeError):
        run_export(sqlite_engine, ExportRequest("documents", "csv"), out, tz_name=TZ_NAME)
    assert not out.exists() and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_parse_codes_takes_codes_and_labels():
    assert parse_codes("sentiment", ["负面", "neu", "未分析"]) == ("neg", "neu", "none")
    assert parse_codes("level", ["中央", "self-media", "未知"]) == ("central", "self-media", "none")
    with pytest.raises(ExportError, match="未知的对象"):
        parse_codes("target", ["领导"])


# -------------------------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_db(sqlite_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DB_URL", f"sqlite:///{tmp_path}/exports.db")
    return tmp_path


def test_cli_exports_a_file_and_prints_one_line(cli_db, capsys):
    out = cli_db / "neg.xlsx"
    argv = ["export", "documents", "--from", "2026-11-18", "--to", "2026-11-21", "--sentiment", "负面",
            "--plan", NATIONAL, "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "2 行" in lines[0] and "xlsx" in lines[0]
    rows = list(openpyxl.load_workbook(out).active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [cli_db_ids(cli_db)["d1"], cli_db_ids(cli_db)["d2"]]


def cli_db_ids(tmp_path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(tmp_path / "exports.db") as con:
        return dict(con.execute("SELECT content_hash, id FROM documents"))


def test_cli_trends_wide_parquet(cli_db, capsys):
    out = cli_db / "t.parquet"
    assert main(["export", "trends", "--shape", "wide", "--dimension", "level", "--format", "parquet",
                 "--out", str(out)]) == 0  # fmt: skip
    table = pq.read_table(out)
    assert table.column_names == ["day", "level:中央", "level:县级", "level:自媒体", "level:未知"]
    assert sum(sum(table.column(i).to_pylist()) for i in range(1, 5)) == 6


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["--from", "2026-02-30"], 2, "--from"),
        (["--to", "yesterday"], 2, "--to"),
        (["--from", "2026-11-20", "--to", "2026-11-01"], 2, "早于"),
        (["--sentiment", "很负面"], 2, "情感"),
        (["--format", "xlsx", "--out", "/nonexistent-dir/x.xlsx"], 1, "无法写入"),
        (["--format", "csv", "--out", "{tmp}"], 1, "目录"),
        (["--out", "{tmp}/x.txt"], 2, "--format"),
    ],
)
def test_cli_errors_are_one_line(cli_db, capsys, argv, code, words):
    argv = [a.replace("{tmp}", str(cli_db)) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(cli_db / "x.csv")]
    assert main(["export", "documents", *argv]) == code
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and words in err[0] and "Traceback" not in captured.err
    assert not (cli_db / "x.csv").exists()


def test_cli_missing_sqlite_store_is_reported_not_created(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MONITOR_DB_URL", f"sqlite:///{tmp_path}/none.db")
    assert main(["export", "events", "--out", str(tmp_path / "e.csv")]) == 2
    assert "数据库文件不存在" in capsys.readouterr().err and not (tmp_path / "none.db").exists()


def test_cli_export_explains_itself(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["export", "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and "usage: yuqing export" in out and "--shape" in out and "--region" in out
