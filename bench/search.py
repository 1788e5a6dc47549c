"""Benchmark 信息检索: query time and insert cost of the full-text index for N synthetic documents.

A fresh store (SQLite by default, or `--db-url` for PostgreSQL) gets N documents of realistic length (a
Chinese title and a 300–900 character body built from audit-news sentences, dates over one year), written
with executemany so the index triggers fire as they do for the crawl. Then each query of QUERIES runs
through store.search (count + first page of 20, newest first), over the whole year and over the last 30
days, and, for comparison, the same terms as a plain LIKE scan over title and body (what search costs
without an index). Each figure is the best of `--repeat` runs.

JSON (last line with --json): n, build_s, docs_per_s, db_mb, and per query name
`seconds.<name>.all`, `seconds.<name>.30d`, `seconds.<name>.scan`, `hits.<name>.all`, `hits.<name>.30d`.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._common import emit, make_parser

SEED = 20261201
CHUNK = 5000
QUERIES = {
    "two_chars": "审计",  # the most common query: 2 characters, LIKE on SQLite
    "two_chars_rare": "医保",
    "four_chars": "审计整改",
    "two_terms": "扶贫 挪用",
    "number": "2026年第3号",
    "phrase": "专项资金被挪用",
    "absent": "不存在的检索词",
}
SENTENCES = [
    "审计署公布{a}专项审计结果，发现{n}个县{w}问题。", "{p}审计局对{a}开展审计，涉及资金{n}亿元。",
    "据2026年第{k}号公告，{p}部分项目资金闲置。", "网友质疑{p}审计整改走过场，相关部门尚未回应。",
    "{p}表示将立即整改，追回被挪用资金，并对责任人问责。", "医保基金专项检查发现{n}家定点医药机构违规。",
    "扶贫专项资金被挪用用于办公楼装修，涉及{n}万元。", "{p}召开新闻发布会，通报{a}整改进展。",
    "专家认为，审计监督应当与纪检监察贯通协同。", "当地政府债务风险引发关注，{n}个项目存在违规举债。",
]  # fmt: skip
PLACES = ["河北省", "山东省临沂市", "莒南县", "浙江省温岭市", "四川省", "湖北省", "广东省", "北京市朝阳区"]
AREAS = ["保障性安居工程", "乡村振兴", "医疗保障基金", "地方政府债务", "义务教育经费", "养老保险基金"]
WORRIES = ["虚报冒领", "挪用", "闲置", "违规出借", "套取"]


def _text(rng: random.Random, chars: int) -> str:
    out = []
    while sum(map(len, out)) < chars:
        out.append(rng.choice(SENTENCES).format(a=rng.choice(AREAS), p=rng.choice(PLACES), n=rng.randint(2, 99),
                                                w=rng.choice(WORRIES), k=rng.randint(1, 40)))  # fmt: skip
    return "".join(out)


def build(url: str, n: int) -> float:
    from store.db import open_store
    from store.schema import documents

    engine = open_store(url)
    rng = random.Random(SEED)
    start = datetime(2025, 12, 1, tzinfo=UTC)
    step = timedelta(days=365) / max(n, 1)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for i in range(n):
        when = start + step * i
        rows.append({
            "url": f"https://news{i % 97}.example.cn/{i}.html", "source": f"信源{i % 40}", "platform": "news",
            "level": ("central", "provincial", "municipal", "county", "self-media")[i % 5],
            "title": _text(rng, 12)[:30], "body": _text(rng, rng.randint(300, 900)), "published_at": when,
            "date_missing": False, "fetched_at": when, "first_seen_at": when, "updated_at": now, "reposts": 0,
            "comments": 0, "likes": 0, "reads": 0, "plans": [], "terms": [], "content_hash": f"{i:040x}",
            "sentiment_label": ("neg", "neu", "pos")[i % 3], "target": ("office", "audited", "other")[i % 3],
        })  # fmt: skip
        if len(rows) == CHUNK:
            with engine.begin() as conn:
                conn.execute(documents.insert(), rows)
            rows = []
    if rows:
        with engine.begin() as conn:
            conn.execute(documents.insert(), rows)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def _best(fn, repeat: int) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t)
    return best, value


def measure(url: str, repeat: int) -> dict[str, Any]:
    from sqlalchemy import and_, func, or_, select

    from store import search
    from store.db import open_store
    from store.exports import ExportFilter
    from store.fulltext import query_terms
    from store.schema import documents

    engine = open_store(url, upgrade=False)
    end = datetime(2026, 12, 1, tzinfo=UTC)
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for name, query in QUERIES.items():
            terms = query_terms(query)
            for span, start in (("all", None), ("30d", end - timedelta(days=30))):
                flt = ExportFilter(start=start, end=end if start else None, text=terms)

                def run(flt=flt):
                    total = search.count_hits(conn, flt)
                    search.search_page(conn, flt, limit=20)
                    return total

                out[f"seconds.{name}.{span}"], out[f"hits.{name}.{span}"] = _best(run, repeat)
            d = documents.c
            scan = select(func.count()).where(and_(*(or_(d.title.contains(t), d.body.contains(t)) for t in terms)))
            out[f"seconds.{name}.scan"], _ = _best(lambda scan=scan: conn.execute(scan).scalar_one(), repeat)
    engine.dispose()
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="documents (default 100000)")
    parser.add_argument("--db-url", help="a PostgreSQL URL (an empty schema) instead of a temporary SQLite file")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query; the best is reported")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db_url or f"sqlite:///{Path(tmp) / 'search.db'}"
        build_s = build(url, args.n)
        result: dict[str, Any] = {"n": args.n, "build_s": round(build_s, 2), "docs_per_s": round(args.n / build_s)}
        if not args.db_url:
            result["db_mb"] = round((Path(tmp) / "search.db").stat().st_size / 2**20, 1)
        result.update(measure(url, args.repeat))
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
