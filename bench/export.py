"""Benchmark analyst exports: rows/s per format and peak memory for N synthetic documents.

A fresh SQLite store gets N documents (executemany of store.schema.documents, not timed beyond `build_s`):
Chinese titles, a short body, 24 sources over six levels, dates spread over one year, 方案 / keyword lists,
analysis columns (sentiment, target, region, reprint group, event) and engagement counts, some fields empty.
Then each format (csv, xlsx, parquet) exports every document with `jobs.exports.run_export`, and a long-form
trends export counts them, each in its own child process (`--worker`), so the figure is the export's own:
Rows/s are per wall-clock second of the export (CPU seconds are reported beside them: on a shared
machine the wall time includes waiting for a core). `peak_rss_mb.<fmt>` is the child's VmHWM from /proc/self/status (whole process: Python, SQLAlchemy, pandas
pulled in by store.reports, openpyxl or pyarrow, plus the export), `base_rss_mb.<fmt>` its VmRSS after the
imports and before the export. Streaming means the peak does not grow with N: compare `--n 100000` with
`--n 1000000`.

JSON (last line with --json): flat dotted keys rows_per_s.csv, rows_per_s.xlsx, rows_per_s.parquet,
docs_per_s.trends, peak_rss_mb (largest of the children), peak_rss_mb.<fmt>, base_rss_mb.<fmt>,
seconds.<fmt>, cpu_s.<fmt>, bytes.<fmt>, peak_rss_mb.trends, n, build_s.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._common import ROOT, emit, make_parser

SEED = 20261122
TZ_NAME = "Asia/Shanghai"
FORMATS = ("csv", "xlsx", "parquet")
CHUNK = 20_000
LEVELS = ("central", "provincial", "municipal", "county", "self-media", "official")
SOURCES = [(f"{name}{i}", LEVELS[i % len(LEVELS)]) for i, name in enumerate(
    ["人民网", "新华网", "央视网", "光明网", "大众网", "澎湃新闻", "南方网", "齐鲁晚报", "临沂日报", "成都商报",
     "莒南新闻网", "温岭新闻网", "网易新闻", "今日头条", "微博", "审计署网站", "山东省政府网", "四川在线",
     "北京日报", "解放日报", "浙江新闻", "湖北日报", "河南日报", "广州日报"])]  # fmt: skip
PLANS = ["审计署全国", "莒南县审计局", "审计整改", "专项审计"]
WORDS = ["审计", "整改", "资金", "挪用", "专项", "扶贫", "医保", "债务", "政府", "通报", "问题", "追回", "责任",
         "项目", "违规", "工程", "财政", "公告", "监督", "发现"]  # fmt: skip
REGIONS = [("山东省", "临沂市", "莒南县"), ("浙江省", "台州市", "温岭市"), ("四川省", "成都市", None),
           ("北京市", "北京市", "朝阳区"), (None, None, None), (None, None, None)]  # fmt: skip


def _vm(field: str) -> float:
    """A /proc/self/status figure (VmHWM, VmRSS) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def build_store(path: Path, n: int) -> float:
    """A SQLite store with `n` synthetic documents; returns the seconds it took."""
    from store.db import open_store
    from store.schema import documents

    started = time.perf_counter()
    engine = open_store(f"sqlite:///{path}")
    rng = random.Random(SEED)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    step = timedelta(days=365) / max(n, 1)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        rows: list[dict[str, Any]] = []
        for i in range(n):
            source, level = SOURCES[i % len(SOURCES)]
            published = start + step * i + timedelta(seconds=rng.randint(0, 3600))
            undated = i % 17 == 0
            words = rng.sample(WORDS, 6)
            label = ("neg", "neu", "pos", None)[i % 4]
            province, city, county = REGIONS[i % len(REGIONS)]
            rows.append(
                {
                    "url": f"https://news{i % 97}.example.cn/{published:%Y%m}/{i}.html", "source": source,
                    "platform": "weibo" if source == "微博" else "news", "level": level,
                    "title": ("=" if i % 5000 == 0 else "") + "".join(words) + f"第{i}号通报",
                    "body": "审计署公布审计结果，" * 6, "author": None if i % 3 else f"记者{i % 50}",
                    "media": None if i % 4 else "新华社", "published_at": None if undated else published,
                    "date_missing": undated, "fetched_at": published + timedelta(minutes=5),
                    "first_seen_at": published + timedelta(minutes=5), "updated_at": now,
                    "reposts": rng.randint(0, 500), "comments": rng.randint(0, 100), "likes": rng.randint(0, 1000),
                    "reads": rng.randint(0, 100_000), "region": None, "plans": rng.sample(PLANS, 1 + i % 2),
                    "terms": words[:2], "content_hash": f"{i:040x}", "keywords": None if label is None else words,
                    "sentiment_label": label, "sentiment_score": None if label is None else rng.uniform(-1, 1),
                    "target": None if label is None else ("office", "audited", "other")[i % 3],
                    "region_province": province, "region_city": city, "region_county": county,
                    "reprint_group": i - i % 7 + 1 if i % 7 else None, "event_id": i - i % 50 + 1 if i % 3 == 0 else None,
                    "doc_time": published + timedelta(minutes=5) if undated else published,
                }
            )  # fmt: skip
            if len(rows) == CHUNK:
                conn.execute(documents.insert(), rows)
                rows = []
        if rows:
            conn.execute(documents.insert(), rows)
    engine.dispose()
    return time.perf_counter() - started


def _documents_in(db: Path) -> int | None:
    """How many documents a kept store holds (None when there is none to reuse)."""
    import sqlite3

    if not db.is_file():
        return None
    try:
        with sqlite3.connect(db) as con:
            return int(con.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return None


def run_worker(db: str, kind: str, fmt: str, out: str) -> dict[str, Any]:
    """One export in this process (the child): its rows, seconds and this process's memory."""
    from jobs.exports import ExportRequest, run_export
    from store.db import open_store

    engine = open_store(f"sqlite:///{db}", upgrade=False)
    base = _vm("VmRSS")
    cpu = time.process_time()
    result = run_export(engine, ExportRequest(kind=kind, fmt=fmt), out, tz_name=TZ_NAME)
    cpu = time.process_time() - cpu
    engine.dispose()
    return {
        "rows": result.rows,
        "seconds": result.seconds,
        "cpu_s": cpu,
        "bytes": Path(out).stat().st_size,
        "base_rss_mb": round(base, 1),
        "peak_rss_mb": round(_vm("VmHWM"), 1),
    }


def _child(db: Path, kind: str, fmt: str, out: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.export", "--worker", "--db", str(db), "--kind", kind, "--format", fmt,
           "--out", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"export worker failed ({kind} {fmt}):\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic documents (default 100000)")
    parser.add_argument(
        "--formats", default=",".join(FORMATS), help="comma-separated subset of csv,xlsx,parquet"
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="build the store and files in DIR and keep them (a kept store of N is reused)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="documents", help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args.db, args.kind, args.format, args.out)))
        return 0

    formats = [f for f in args.formats.split(",") if f]
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        db = work / "export.db"
        if args.keep and _documents_in(db) == args.n:
            build_s = 0.0
            print(f"store: reusing {db} ({args.n} documents)")
        else:
            db.unlink(missing_ok=True)
            build_s = build_store(db, args.n)
            print(f"store: {args.n} documents in {build_s:.1f} s ({db.stat().st_size / 2**20:.0f} MB)")
        out: dict[str, Any] = {"n": args.n, "build_s": round(build_s, 1)}
        peaks = []
        for fmt in formats:
            r = _child(db, "documents", fmt, work / f"documents.{fmt}")
            rate = r["rows"] / r["seconds"] if r["seconds"] else 0.0
            print(
                f"{fmt:8} {r['rows']} rows in {r['seconds']:.1f} s = {rate:,.0f} rows/s "
                f"(CPU {r['cpu_s']:.1f} s = {r['rows'] / max(r['cpu_s'], 1e-9):,.0f} rows/s); "
                f"{r['bytes'] / 2**20:.1f} MB; RSS {r['base_rss_mb']:.0f} MB before, peak {r['peak_rss_mb']:.0f} MB"
            )
            out |= {
                f"rows_per_s.{fmt}": round(rate), f"seconds.{fmt}": round(r["seconds"], 2),
                f"cpu_s.{fmt}": round(r["cpu_s"], 2),
                f"bytes.{fmt}": r["bytes"], f"peak_rss_mb.{fmt}": r["peak_rss_mb"],
                f"base_rss_mb.{fmt}": r["base_rss_mb"],
            }  # fmt: skip
            peaks.append(r["peak_rss_mb"])
        r = _child(db, "trends", "parquet", work / "trends.parquet")
        rate = args.n / r["seconds"] if r["seconds"] else 0.0
        print(f"trends   {args.n} documents counted in {r['seconds']:.1f} s = {rate:,.0f} docs/s; "
              f"{r['rows']} rows; peak {r['peak_rss_mb']:.0f} MB")  # fmt: skip
        out |= {"docs_per_s.trends": round(rate), "peak_rss_mb.trends": r["peak_rss_mb"]}
        out["peak_rss_mb"] = max(peaks) if peaks else None
        print(f"peak RSS of the export processes: {out['peak_rss_mb']} MB (VmHWM, whole process)")
    emit(out, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
