"""Benchmark the whole analysis stage (stage 1 + stage 2) from and into the store, per kind of document.

For each kind, N documents are built from ../shared/data texts and inserted into a fresh SQLite file with
store.queries.upsert_documents (not timed); then `jobs.analysis.analyze` runs once (timed: keywords,
sentiment, target, reprint groups, events, heat, response classes, all reads and writes) and once more
straight away (the incremental run, timed).
- short: Weibo-length posts (platform weibo, no title) from the sentiment sets (NLPCC 2013 and COVID-19
  Weibo sentences, the Weibo 100k subset, BDCI news headlines), in a fixed shuffled order;
- article: THUCNews articles and CEC emergency reports (title + body); beyond the 1,332 distinct texts,
  later copies are reprints on other sites (headline changed, last sentence dropped).
Documents are spread over time at DOCS_PER_DAY so the live window (and the state) stays bounded as N grows.

Before the timed run each kind process analyses WARM_UP_DOCS documents in a throw-away store (untimed,
reported as `warm_up_s`): the tokenizer, sentiment model, division table and response rules load once per
process, and a long-running analyser pays that once, not per batch; `--cold` counts it in the first run.

Each kind runs in its own subprocess, so its peak memory is its own: `peak_rss_mb` is the largest
resource.getrusage(RUSAGE_SELF).ru_maxrss of the kind processes (whole process: Python, jieba and region
tables, the sentiment model and the analysis state), not a tracemalloc figure.
JSON keys: short_docs_per_s, article_docs_per_s, peak_rss_mb, incremental_s (the slower kind's second run),
plus per-kind details under `kinds`.
"""

from __future__ import annotations

import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._common import ROOT, emit, make_parser, shared_data_dir

SEED = 20250101
WARM_UP_DOCS = 20
DOCS_PER_DAY = 400
SHORT_SETS = (
    "sentiment/nlpcc2013_weibo_emotion_test_sentences.csv",
    "sentiment/covid19_weibo_emotion7.csv",
    "sentiment/weibo_senti_100k_subset2400.csv",
    "sentiment/bdci2019_news_sentiment.csv",
)
SOURCES = [  # name, level
    ("人民网", "central"), ("新华网", "central"), ("央视网", "central"), ("光明网", "central"),
    ("山东省政府网", "official"), ("审计署网站", "official"), ("大众网", "provincial"), ("澎湃新闻", "provincial"),
    ("南方网", "provincial"), ("齐鲁晚报", "provincial"), ("临沂日报", "municipal"), ("成都商报", "municipal"),
    ("莒南新闻网", "county"), ("温岭新闻网", "county"), ("网易新闻", "self-media"), ("今日头条", "self-media"),
]  # fmt: skip
WEIBO_SOURCES = [f"微博用户{i:02d}" for i in range(40)]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def short_texts(data: Path, n: int) -> list[str]:
    texts: list[str] = []
    for name in SHORT_SETS:
        texts.extend(r["text"].strip() for r in _read(data / name) if r.get("text", "").strip())
    random.Random(SEED).shuffle(texts)
    return [texts[i % len(texts)] for i in range(n)]


def articles(data: Path) -> list[tuple[str, str]]:
    out = [(r["title"].strip(), r["text"].strip()) for r in _read(data / "topics/cec_emergency_events.csv")]
    for r in _read(data / "topics/thucnews_cnews_1000.csv"):
        text = r["text"].strip()
        head, _, rest = text.partition(" ")
        title = head if 6 <= len(head) <= 40 else text[:24]
        out.append((title, rest if len(head) <= 40 and rest else text))
    random.Random(SEED).shuffle(out)
    return out


def build_documents(kind: str, n: int, data: Path, now: datetime) -> list[dict[str, Any]]:
    """N store rows of one kind, oldest first, the newest an hour before `now`."""
    rng = random.Random(SEED + (kind == "article"))
    step = timedelta(days=1) / DOCS_PER_DAY
    start = now - timedelta(hours=1) - step * (n - 1)
    rows = []
    if kind == "short":
        for i, text in enumerate(short_texts(data, n)):
            pub = start + step * i
            rows.append(
                {
                    "url": f"https://weibo.example.cn/{i}",
                    "source": "微博搜索",
                    "platform": "weibo",
                    "level": "self-media",
                    "author": rng.choice(WEIBO_SOURCES),
                    "title": "",
                    "body": text,
                    "published_at": pub,
                    "fetched_at": pub + timedelta(minutes=5),
                    "first_seen_at": pub + timedelta(minutes=5),
                    "reposts": rng.randint(0, 200),
                    "comments": rng.randint(0, 80),
                    "likes": rng.randint(0, 500),
                    "plans": ["审计署全国"],
                    "terms": ["审计"],
                    "content_hash": f"s{i}",
                }  # fmt: skip
            )
        return rows
    pool = articles(data)
    for i in range(n):
        title, body = pool[i % len(pool)]
        copy = i // len(pool)
        source, level = SOURCES[(i + 7 * copy) % len(SOURCES)]
        if copy:  # a reprint on another site: new headline, last sentence dropped
            title = f"{source}：{title}"
            cut = max(body.rfind("。", 0, len(body) - 1), len(body) * 2 // 3)
            body = body[: cut + 1]
        pub = start + step * i
        rows.append(
            {
                "url": f"https://news{(i % 50)}.example.cn/a/{i}.html",
                "source": source,
                "platform": "news",
                "level": level,
                "title": title,
                "body": body,
                "published_at": pub,
                "fetched_at": pub + timedelta(minutes=10),
                "first_seen_at": pub + timedelta(minutes=10),
                "reads": rng.randint(0, 5000),
                "plans": ["审计署全国"],
                "terms": ["审计"],
                "content_hash": f"a{i}",
            }  # fmt: skip
        )
    return rows


def _warm_up(kind: str, data: Path, now: datetime, tmp: Path) -> float:
    """Analyse WARM_UP_DOCS documents in a throw-away store, so the lazily loaded resources (tokenizer,
    sentiment model, division table, response rules: loaded once per process) are not counted as throughput;
    returns the seconds it took."""
    from jobs.analysis import analyze
    from store.db import open_store
    from store.queries import upsert_documents

    t0 = time.perf_counter()
    engine = open_store(f"sqlite:///{tmp}/warm.db")
    docs = build_documents(kind, WARM_UP_DOCS, data, now - timedelta(days=365))
    with engine.begin() as conn:
        upsert_documents(conn, docs)
    analyze(engine, now=now - timedelta(days=365))
    engine.dispose()
    return time.perf_counter() - t0


def run_kind(kind: str, n: int, data: Path, warm: bool = True) -> dict[str, Any]:
    """One kind, in this process: build, insert (untimed), analyse twice (timed). With `warm`, a small
    throw-away run first loads what a long-running process loads once (reported as `warm_up_s`)."""
    from jobs.analysis import analyze
    from store.db import open_store
    from store.queries import upsert_documents

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench_analysis_") as tmp:
        warm_s = _warm_up(kind, data, now, Path(tmp)) if warm else 0.0
        engine = open_store(f"sqlite:///{tmp}/bench.db")
        docs = build_documents(kind, n, data, now)
        for start in range(0, len(docs), 1000):
            with engine.begin() as conn:
                upsert_documents(conn, docs[start : start + 1000])
        chars = sum(len(d["title"]) + len(d["body"]) for d in docs) / max(1, len(docs))
        del docs
        t0 = time.perf_counter()
        first = analyze(engine, now=now)
        first_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        second = analyze(engine, now=now + timedelta(seconds=1))
        second_s = time.perf_counter() - t1
        state_bytes = _state_sizes(engine)
        engine.dispose()
    s2 = first.stage2
    return {
        "kind": kind,
        "docs": first.documents,
        "mean_chars": round(chars, 1),
        "first_s": round(first_s, 3),
        "stage1_s": round(first.stage1_seconds, 3),
        "stage2_s": round(s2.seconds if s2 else 0.0, 3),
        "docs_per_s": round(first.documents / first_s, 1) if first_s else 0.0,
        "warm_up_s": round(warm_s, 3),
        "incremental_s": round(second_s, 4),
        "incremental_docs": second.documents,
        "incremental_ratio": round(second_s / first_s, 4) if first_s else 0.0,
        "events": s2.events_touched if s2 else 0,
        "reprints_merged": s2.reprints_merged if s2 else 0,
        "pruned_events": s2.pruned_events if s2 else 0,
        "by_class": s2.by_class if s2 else {},
        "state_kb": state_bytes,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _state_sizes(engine) -> dict[str, float]:
    from store.events import all_states

    with engine.connect() as conn:
        states = all_states(conn)
    return {k: round(len(json.dumps(v)) / 1024, 1) for k, v in states.items()}


def main(argv: list[str] | None = None) -> int:
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="documents of each kind (default 2000)")
    parser.add_argument("--kind", choices=("short", "article"), action="append",
                        help="only this kind (repeatable; default both)")  # fmt: skip
    parser.add_argument("--worker", action="store_true", help=argparse_hidden())
    parser.add_argument("--cold", action="store_true",
                        help="no warm-up: count loading the tokenizer, model and tables as part of the first run")  # fmt: skip
    args = parser.parse_args(argv)
    data = shared_data_dir()
    if not data.is_dir():
        print(f"shared data not found at {data}", file=sys.stderr)
        return 2
    kinds = args.kind or ["short", "article"]
    if args.worker:  # one kind in this process; print its result as JSON
        from analysis import text
        from config.resources import load_text_resources

        text.configure(load_text_resources())
        print(json.dumps(run_kind(kinds[0], args.n, data, warm=not args.cold), ensure_ascii=False))
        return 0
    results: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.analysis", "--worker", "--kind", kind, "--n", str(args.n),
             *(["--cold"] if args.cold else [])],
            cwd=str(ROOT), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            return 1
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results[kind] = r
        print(
            f"{kind:8s} {r['docs']} docs (mean {r['mean_chars']:.0f} chars): first run {r['first_s']:.2f} s "
            f"(stage 1 {r['stage1_s']:.2f} s, stage 2 {r['stage2_s']:.2f} s) = {r['docs_per_s']:.0f} docs/s; "
            f"second run {r['incremental_s']:.3f} s ({r['incremental_ratio']:.1%} of the first, "
            f"{r['incremental_docs']} docs); warm-up {r['warm_up_s']:.2f} s (not counted); "
            f"{r['events']} events, classes {r['by_class']}; "
            f"peak RSS {r['peak_rss_mb']:.0f} MB; state KB {r['state_kb']}"
        )
    out: dict[str, Any] = {"n": args.n, "kinds": results}
    if "short" in results:
        out["short_docs_per_s"] = results["short"]["docs_per_s"]
    if "article" in results:
        out["article_docs_per_s"] = results["article"]["docs_per_s"]
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in results.values())
    out["incremental_s"] = max(r["incremental_s"] for r in results.values())
    out["incremental_ratio"] = max(r["incremental_ratio"] for r in results.values())
    out["peak_rss_method"] = "max ru_maxrss of the per-kind processes"
    out["warm_up"] = not args.cold
    print(
        f"targets: short >= 1000 docs/s, articles >= 200 docs/s, second run <= 5% of the first; "
        f"peak RSS {out['peak_rss_mb']:.0f} MB"
    )
    emit(out, args.json)
    return 0


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    sys.exit(main())
