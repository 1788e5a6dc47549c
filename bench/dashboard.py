"""Benchmark the dashboard on a year of data: first render and a filter change of every page, and peak memory.

`python -m bench.dashboard [--n N] [--json] [--db-url URL] [--repeats R]`

1. Builds a store of N synthetic documents (default 1,000,000) spread over the year ending today, with
   realistic mixes: ~60 sources on six levels (a few large ones, many small), six 监测方案 (one to three
   per document), sentiment and target, regions, undated pages, Zipf-distributed keywords, and 50,000
   events (N/20 for smaller N), then its daily counts (store.aggregates.rebuild) and the 公告 text links
   (jobs.announcement_links.rebuild), each timed separately. A
   SQLite store is cached under tmp/cache/dashboard-bench/ keyed by N, so reruns start at once; with
   --db-url (PostgreSQL) the store is built in that database unless it already holds N documents.
2. Renders each page with Streamlit's AppTest, logged in, in a fresh process per repeat (cold caches):
   `first_s` is the first render; `filter_s` the slowest of the page's filter changes (总览: a one-year
   range, a 方案 and a sentiment filter; 热点: 90 days; 仿冒网站: minimum score; 数据导出: a one-year
   range; 舆情报告: the 周报, then one 方案; 信息检索: a common two-character term (审计, in every document), a one-year range, then a rarer
   term (社保, in titles only) and a trigram-length one (a document number); 公告反响: a one-year range, then
   another 公告 opened; pages without filters: a rerun). Medians over the repeats; peak RSS of the
   measuring process.
3. The documents of the `official` sources are the 审计结果公告 (source kind official, titles numbered
   "审计署YYYY年第N号公告：…"): `official_fixups` makes them so, also in a store cached before the bench knew
   公告反响.

Last line with --json: one flat JSON object, keys `pages.<page>.first_s`, `pages.<page>.filter_s`,
`peak_rss_mb`, `build_s`, `counts_s`, `links_s`, `n`, `backend`.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench._common import ROOT, emit, make_parser

APP = str(ROOT / "dashboard" / "app.py")
CACHE = ROOT / "tmp" / "cache" / "dashboard-bench"
TZ = "Asia/Shanghai"
SEED = 20261201
USERNAME = "bench_admin"
CHUNK = 20_000
PAGES = {
    "overview": "views/overview.py",
    "events": "views/events.py",
    "sources": "views/sources.py",
    "impersonation": "views/impersonation.py",
    "integrity": "views/integrity.py",
    "reports": "views/reports.py",
    "exports": "views/exports.py",
    "search": "views/search.py",
    "announcements": "views/announcements.py",
}
LEVELS = (("central", 8), ("provincial", 14), ("municipal", 14), ("county", 12), ("self-media", 8),
          ("official", 4))  # fmt: skip
PLANS = ("审计署全国", "审计结果公告", "经济责任审计", "扶贫资金审计", "地方审计局", "审计整改")
PLAN_WEIGHTS = (30, 20, 12, 10, 18, 10)
PROVINCES = (("山东省", "临沂市", "莒南县"), ("河北省", "石家庄市", "平山县"), ("江苏省", "盐城市", "响水县"),
             ("广东省", "广州市", "天河区"), ("四川省", "成都市", "郫都区"), ("北京市", "北京市", "东城区"))  # fmt: skip
CHARS = "审计署局整改资金扶贫财政预算专项挪用违规问责公告报告结果经济责任国有企业政府债务医保基金住房社保工程"


def _sources(rng: random.Random) -> list[tuple[str, str, str | None, float]]:
    """(name, level, region, weight): a few large sources, a long tail of small ones."""
    out = []
    i = 0
    for level, count in LEVELS:
        for _ in range(count):
            i += 1
            region = None if level in ("central", "self-media") else rng.choice(PROVINCES)[0]
            out.append((f"信源{i:02d}{level[:3]}", level, region, 1.0 / i**0.8))
    return out


def _vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(CHARS) for _ in range(rng.choice((2, 2, 3, 4)))))
    return sorted(words)


def build_store(url: str, n: int) -> dict[str, float]:
    """Fill an empty store at `url` (schema at head) with `n` documents, events, sources and the bench
    account; then rebuild its daily counts. Returns build and count seconds."""
    from argon2 import PasswordHasher

    from config.vocabulary import EVENT_PENDING
    from jobs import announcement_links
    from store import aggregates, users
    from store.db import open_store
    from store.queries import plan_rows, sync_sources
    from store.schema import document_plans, documents, events

    rng = random.Random(SEED)
    t0 = time.perf_counter()
    engine = open_store(url)
    srcs = _sources(rng)
    src_weights = [w for *_, w in srcs]
    vocab = _vocabulary(rng)
    src_index = {s[0]: i for i, s in enumerate(srcs)}
    vocab_weights = [1.0 / (r + 1) ** 1.05 for r in range(len(vocab))]
    n_events = 50_000 if n >= 1_000_000 else max(10, n // 20)
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=365)
    span = (end - start).total_seconds()
    now = end
    with engine.begin() as conn:
        sync_sources(conn, [{"name": s, "kind": "official" if lv == "official" else "list", "url": f"https://s{i}.example.cn/", "level": lv,
                             "region": rg} for i, (s, lv, rg, _) in enumerate(srcs)])  # fmt: skip
        pw = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("bench-password-1")
        users.add_user(conn, username=USERNAME, display_name="基准测试", role="admin", password_hash=pw, now=now)
    # events: first seen spread over the year, more recent ones more likely
    ev_times = sorted(start + timedelta(seconds=span * (1 - rng.random() ** 2)) for _ in range(n_events))
    ev_rows = []
    for i, t in enumerate(ev_times, start=1):
        cls = rng.choices(("A", "B", None), (1, 8, 91))[0]
        ev_rows.append({
            "id": i, "title": "".join(rng.choices(vocab, vocab_weights, k=3)) + "事件", "keywords": [],
            "first_seen_at": t, "first_published_at": t, "last_seen_at": t + timedelta(hours=rng.randint(0, 96)),
            "doc_count": 0, "reprint_count": 0, "source_count": 1, "negative_share": rng.random(),
            "office_critical_count": 0, "heat": rng.random() * 100, "heat_components": {}, "heat_history": [],
            "is_burst": rng.random() < 0.02, "response_class": cls, "response_terms": [],
            "deadline_at": t + timedelta(hours=5 if cls == "A" else 48) if cls else None,
            "status": EVENT_PENDING, "updated_at": now,
        })  # fmt: skip
    with engine.begin() as conn:
        for i in range(0, len(ev_rows), CHUNK):
            conn.execute(events.insert(), ev_rows[i : i + CHUNK])
    rows: list[dict[str, Any]] = []
    plan_batch: list[dict[str, Any]] = []
    # diurnal and weekly rhythm, and growth over the year
    for i in range(1, n + 1):
        while True:
            t = start + timedelta(seconds=span * rng.random() ** 0.8)  # more documents lately
            local = t.astimezone(ZoneInfo(TZ))
            keep = (0.3 + 0.7 * math.sin(math.pi * local.hour / 24)) * (0.6 if local.weekday() >= 5 else 1.0)
            if rng.random() < keep:
                break
        name, level, region, _ = rng.choices(srcs, src_weights)[0]
        k = rng.choices((1, 2, 3), (80, 15, 5))[0]
        plans = list(dict.fromkeys(rng.choices(PLANS, PLAN_WEIGHTS, k=k)))
        undated = rng.random() < 0.03
        recent = (end - t) < timedelta(hours=6)
        label = None if recent and rng.random() < 0.5 else rng.choices(("neg", "neu", "pos"), (25, 58, 17))[0]
        kws = list(dict.fromkeys(rng.choices(vocab, vocab_weights, k=8)))
        prov = rng.choice(PROVINCES)
        # 40% belong to an event that was first seen shortly before (events are numbered in time order)
        ev = max(1, bisect.bisect_right(ev_times, t) - rng.randint(0, 20)) if rng.random() < 0.4 else None
        published = None if undated else t
        seen = t + timedelta(minutes=rng.randint(1, 120))
        rows.append({
            "id": i, "url": f"https://s{src_index[name]}.example.cn/{t:%Y%m%d}/{i}.html", "source": name,
            "platform": "weibo" if level == "self-media" else "news", "level": level,
            "title": "".join(kws[:3]) + f"第{i}号", "body": "审计署公布审计结果，" * 10, "author": None,
            "media": None, "published_at": published, "date_missing": undated, "fetched_at": seen,
            "first_seen_at": seen, "updated_at": now, "reposts": rng.randint(0, 500), "comments": rng.randint(0, 100),
            "likes": rng.randint(0, 1000), "reads": rng.randint(0, 100_000), "region": region, "plans": plans,
            "terms": kws[:2], "content_hash": f"{i:040x}",
            "analyzed_at": None if label is None else seen, "analysis_version": None if label is None else "bench",
            "keywords": None if label is None else kws, "sentiment_label": label,
            "sentiment_score": None if label is None else rng.uniform(-1, 1),
            "target": None if label is None else rng.choices(("office", "audited", "other"), (3, 40, 57))[0],
            "event_id": ev, "region_province": prov[0], "region_city": prov[1], "region_county": prov[2],
            "stage2_at": None if label is None else seen, "doc_time": published or seen,
        })  # fmt: skip
        plan_batch.extend(plan_rows(i, plans, published or seen))
        if len(rows) == CHUNK:
            with engine.begin() as conn:
                conn.execute(documents.insert(), rows)
                conn.execute(document_plans.insert(), plan_batch)
            rows, plan_batch = [], []
            if i % 200_000 == 0:
                print(f"  {i} documents", file=sys.stderr, flush=True)
    if rows:
        with engine.begin() as conn:
            conn.execute(documents.insert(), rows)
            conn.execute(document_plans.insert(), plan_batch)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('documents', 'id'), (SELECT max(id) FROM documents))")
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events))")
    engine.dispose()
    official_fixups(url)
    engine = open_store(url)
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    aggregates.rebuild(engine, TZ)
    counts_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    announcement_links.rebuild(engine)
    links_s = time.perf_counter() - t2
    with engine.begin() as conn:  # planner statistics (committed: PostgreSQL's ANALYZE is transactional)
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"build_s": round(build_s, 1), "counts_s": round(counts_s, 1), "links_s": round(links_s, 1)}


def official_fixups(url: str) -> int:
    """Make the documents of the `official` level sources 审计结果公告 (kind official; numbered titles naming a
    subject), unless they already are; returns the titles rewritten."""
    from sqlalchemy import bindparam, select, update

    from store.db import open_store
    from store.schema import documents, sources

    engine = open_store(url)
    try:
        with engine.begin() as conn:
            conn.execute(update(sources).where(sources.c.level == "official").values(kind="official"))
            d = documents.c
            rows = conn.execute(
                select(d.id, d.doc_time).where(d.level == "official", d.title.not_like("%公告：%"))
            ).all()
            rng = random.Random(SEED + 1)
            vocab = _vocabulary(random.Random(SEED))
            per_year: dict[int, int] = {}
            batch = []
            for doc_id, when in sorted(rows, key=lambda r: (r.doc_time, r.id)):
                per_year[when.year] = per_year.get(when.year, 0) + 1
                place = "".join(rng.choice(PROVINCES)[1:])
                subject = f"{place}{rng.choice(vocab)}{rng.choice(PLANS)}情况"
                batch.append({"doc_id": doc_id, "new_title": f"审计署{when.year}年第{(per_year[when.year] - 1) % 999 + 1}号公告：{subject}"})
            if batch:
                stmt = update(documents).where(d.id == bindparam("doc_id")).values(title=bindparam("new_title"))
                for i in range(0, len(batch), CHUNK):
                    conn.execute(stmt, batch[i : i + CHUNK])
            return len(batch)
    finally:
        engine.dispose()


def _update_links(url: str) -> dict[str, float]:
    """Bring the stored 公告 text links of a cached store up to date (built when it predates them)."""
    from jobs import announcement_links
    from store.db import open_store

    engine = open_store(url)
    try:
        t = time.perf_counter()
        added = announcement_links.update(engine)
        announcement_links.logger.info("%d links added", added)
        return {"links_s": round(time.perf_counter() - t, 1)}
    finally:
        engine.dispose()


def _stored_documents(url: str) -> int | None:
    from sqlalchemy import func, select

    from store.db import open_store
    from store.schema import documents

    try:  # a store built by an older version is brought to head (never filled a second time)
        engine = open_store(url)
    except Exception:  # noqa: BLE001 - no store, or one that cannot be migrated: build anew
        return None
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(documents)).scalar_one())
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------------ measuring


def _run(at, timeout: float) -> float:
    t = time.perf_counter()
    at.run(timeout=timeout)
    elapsed = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(f"page raised: {[e.message for e in at.exception]}")
    return elapsed


def measure(url: str, pages: tuple[str, ...] = tuple(PAGES)) -> dict[str, Any]:
    """Render every page cold, then change its filters; seconds per page and peak RSS (this process)."""
    import resource

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["MONITOR_DB_URL"] = url
    today = datetime.now(ZoneInfo(TZ)).date()
    year = (today - timedelta(days=364), today)
    changes: dict[str, list] = {
        "overview": [("date_input", "ov_dates", year), ("multiselect", "ov_plans", [PLANS[1]]),
                     ("multiselect", "ov_sentiment", ["负面"])],
        "events": [("slider", "hs_days", 90)],
        "impersonation": [("slider", "imp_min_score", 50)],
        "exports": [("date_input", "ex_dates", year)],
        "reports": [("radio", "rp_kind", "weekly"), ("selectbox", "rp_plan", PLANS[1])],
        "search": [("text_input", "sr_query", "审计"), ("date_input", "sr_dates", year), ("text_input", "sr_query", "社保"),
                   ("text_input", "sr_query", "第123456号")],
        "announcements": [("date_input", "an_dates", year), ("selectbox", "an_pick", "second")],
    }  # fmt: skip

    def app(page: str):
        at = AppTest.from_file(APP, default_timeout=600)
        at.session_state["auth_login"] = {"username": USERNAME, "seen": time.time()}
        if page != "overview":
            at.switch_page(PAGES[page])
        return at

    # warm the interpreter (imports, page modules) on the login-free error path, then measure cold caches
    _run(app("sources"), 600)
    out: dict[str, Any] = {}
    for page in pages:
        st.cache_data.clear()
        st.cache_resource.clear()
        at = app(page)
        out[f"pages.{page}.first_s"] = _run(at, 600)
        worst = 0.0
        for kind, key, value in changes.get(page, [(None, None, None)]):
            if kind is None:
                worst = max(worst, _run(at, 600))
                continue
            widget = getattr(at, kind)(key=key)
            if value == "second":  # another choice than the page's default one
                widget.select_index(min(1, len(widget.options) - 1))
            else:
                widget.set_value(value)
            elapsed = _run(at, 600)
            name = f"pages.{page}.filter.{key}_s"
            name = name if name not in out else f"pages.{page}.filter.{key}.{value}_s"
            out[name] = elapsed
            worst = max(worst, elapsed)
        out[f"pages.{page}.filter_s"] = worst
    st.cache_resource.clear()
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv: list[str] | None = None) -> int:
    parser = make_parser("Dashboard pages on a year of synthetic documents: first render, filter change, memory.")
    parser.add_argument("--n", type=int, default=1_000_000, help="documents in the store (default 1,000,000)")
    parser.add_argument("--db-url", help="build and measure in this database (default: a cached SQLite file)")
    parser.add_argument("--repeats", type=int, default=3, help="measuring processes; medians are reported (0: only build the store)")
    parser.add_argument("--rebuild", action="store_true", help="build the store anew even if cached")
    parser.add_argument("--pages", help=f"comma-separated pages to measure (default all: {','.join(PAGES)})")
    parser.add_argument("--measure-only", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    pages = tuple(p.strip() for p in args.pages.split(",")) if args.pages else tuple(PAGES)
    if unknown := set(pages) - set(PAGES):
        parser.error(f"unknown pages {sorted(unknown)}; choose from {', '.join(PAGES)}")
    if args.measure_only:
        print(json.dumps(measure(args.measure_only, pages)))
        return 0
    url = args.db_url
    if url is None:
        CACHE.mkdir(parents=True, exist_ok=True)
        path = CACHE / f"dashboard-{args.n}.db"
        url = f"sqlite:///{path}"
        if args.rebuild and path.exists():
            for p in CACHE.glob(f"dashboard-{args.n}.db*"):
                p.unlink()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    build: dict[str, Any] = {}
    if args.rebuild or _stored_documents(url) != args.n:
        if _stored_documents(url):
            raise SystemExit(f"{url} holds other documents; point --db-url at an empty database or schema")
        print(f"building {args.n} documents ...", file=sys.stderr, flush=True)
        build = build_store(url, args.n)
        print(f"built in {build['build_s']} s, daily counts in {build['counts_s']} s", file=sys.stderr)
    elif fixed := official_fixups(url):
        print(f"{fixed} official documents made 审计结果公告", file=sys.stderr)
    if not build:
        build = _update_links(url)
    if args.repeats < 1:  # build only
        emit({"n": args.n, "backend": backend, **build}, args.json)
        return 0
    runs = []
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for r in range(args.repeats):
        proc = subprocess.run([sys.executable, "-m", "bench.dashboard", "--measure-only", url, "--pages", ",".join(pages)], cwd=ROOT,
                              env=env, capture_output=True, text=True, check=False)  # fmt: skip
        if proc.returncode != 0:
            print(proc.stderr[-4000:], file=sys.stderr)
            raise SystemExit("measuring failed")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"run {r + 1}: " + ", ".join(f"{k}={v:.2f}" for k, v in sorted(runs[-1].items())), file=sys.stderr)
    result: dict[str, Any] = {k: round(statistics.median(run[k] for run in runs), 3) for k in runs[0]}
    result.update({"n": args.n, "backend": backend, "repeats": args.repeats, **build})
    width = max(len(p) for p in pages)
    print(f"{'page':<{width}}  first_s  filter_s")
    for page in pages:
        print(f"{page:<{width}}  {result[f'pages.{page}.first_s']:7.2f}  {result[f'pages.{page}.filter_s']:8.2f}")
    print(f"peak RSS {result['peak_rss_mb']:.0f} MB; medians of {args.repeats} runs; {args.n} documents ({backend})")
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
