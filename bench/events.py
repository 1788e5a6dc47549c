"""Benchmark event clustering: B-cubed precision / recall of analysis.opinion.events against topic labels.

Default sets (../shared/data/topics):
- cec_timed: CEC emergency reports in report_time order with their real dates, default window (the 2
  reports whose date cannot be read are left out and counted);
- cec_one_window: the same reports in the same order, but synthetic times one minute apart (one window);
- cec_titles: headlines only, one window;
- thucnews: THUCNews articles (headline fused into the body), file order, synthetic times (no timestamps);
- nlpcc_headlines: the first 2,000 NLPCC 2017 headlines, file order, synthetic times.
Labels are coarse topics (5 emergency types, 10 / 18 news classes), so two stories of the same type in one
cluster count as correct, and B-cubed recall against such labels is low by nature for an event clusterer.
`--data CSV` takes text,label (optional title,published_at; without published_at: file order, synthetic times).
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from analysis import text
from analysis.opinion.events import (
    DEFAULT_ANCHOR_FREE_THRESHOLD,
    DEFAULT_SHORT_THRESHOLD,
    DEFAULT_THRESHOLD,
    DEFAULT_WINDOW_DAYS,
    EventClusterer,
)
from bench._common import emit, make_parser, shared_data_dir, timed
from config.resources import load_text_resources

SYNTHETIC_START = datetime(2024, 1, 1, 8, 0)
NLPCC_ROWS = 2000
_DATE = re.compile(
    r"((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\D{0,3}?(\d{1,2})[:：](\d{2}))?"
)


def parse_report_time(value: str) -> datetime | None:
    """Dates as written in the CEC reports ("2008年04月05日 09:12", "2007-7-26", "... 来源：…")."""
    m = _DATE.search(value or "")
    if not m:
        return None
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    hour, minute = (int(m.group(4)), int(m.group(5))) if m.group(4) else (0, 0)
    try:
        return datetime(year, month, day, min(hour, 23), min(minute, 59))
    except ValueError:
        return None


def _synthetic(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(d, published_at=SYNTHETIC_START + timedelta(minutes=i)) for i, d in enumerate(docs)]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_cec(path: Path) -> tuple[list[dict[str, Any]], int]:
    """CEC reports sorted by report time (stable), and how many had no readable time."""
    docs, skipped = [], 0
    for i, row in enumerate(_read(path)):
        t = parse_report_time(row.get("report_time", ""))
        if t is None:
            skipped += 1
            continue
        docs.append(
            {
                "id": i,
                "title": row.get("title", ""),
                "text": row["text"],
                "label": row["label"],
                "published_at": t,
            }
        )
    docs.sort(key=lambda d: (d["published_at"], d["id"]))
    return docs, skipped


def load_plain(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    rows = _read(path)[:limit] if limit else _read(path)
    docs = [
        {
            "id": i,
            "title": r.get("title", "") or "",
            "text": r["text"],
            "label": r["label"],
            "published_at": r.get("published_at") or None,
        }
        for i, r in enumerate(rows)
    ]
    if any(d["published_at"] is None for d in docs):
        return _synthetic(docs)
    docs = [dict(d, published_at=datetime.fromisoformat(d["published_at"])) for d in docs]
    docs.sort(key=lambda d: (d["published_at"], d["id"]))
    return docs


def bcubed(pred: dict[Any, Any], truth: dict[Any, Any]) -> tuple[float, float]:
    """Mean over items of |own cluster ∩ own class| / |own cluster| and / |own class|."""
    cell = Counter((pred[k], truth[k]) for k in truth)
    csize = Counter(pred[k] for k in truth)
    tsize = Counter(truth.values())
    n = len(truth)
    precision = sum(cell[(pred[k], truth[k])] / csize[pred[k]] for k in truth) / n
    recall = sum(cell[(pred[k], truth[k])] / tsize[truth[k]] for k in truth) / n
    return precision, recall


def run_set(
    docs: list[dict[str, Any]],
    threshold: float,
    window_days: float,
    short_threshold: float | None = None,
    anchor_free_threshold: float | None = DEFAULT_ANCHOR_FREE_THRESHOLD,
) -> dict[str, Any]:
    clusterer = EventClusterer(
        threshold=threshold,
        window_days=window_days,
        short_threshold=short_threshold,
        anchor_free_threshold=anchor_free_threshold,
    )
    with timed() as t:
        for d in docs:
            clusterer.add(d["id"], d["title"], d["text"], d["published_at"])
    events = clusterer.events()
    pred = {doc_id: eid for eid, members in events.items() for doc_id in members}
    truth = {d["id"]: d["label"] for d in docs}
    precision, recall = bcubed(pred, truth)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    sizes = [len(m) for m in events.values()]
    multi = [s for s in sizes if s > 1]
    return {
        "docs": len(docs),
        "classes": len(set(truth.values())),
        "bcubed_precision": round(precision, 4),
        "bcubed_recall": round(recall, 4),
        "bcubed_f1": round(f1, 4),
        "clusters": len(events),
        "mean_cluster_size": round(sum(sizes) / len(sizes), 3) if sizes else 0.0,
        "largest_cluster": max(sizes) if sizes else 0,
        "docs_in_multi_doc_clusters": round(sum(multi) / len(docs), 4) if docs else 0.0,
        "docs_per_s": round(len(docs) / t["seconds"], 1) if t["seconds"] else None,
        "examples": [
            clusterer.label(eid, 4) for eid, m in sorted(events.items(), key=lambda kv: -len(kv[1]))[:3]
        ],
    }


def default_sets(root: Path) -> dict[str, tuple[list[dict[str, Any]], float | None, str]]:
    """name -> (docs, window override or None for the default, note)."""
    topics = root / "topics"
    cec, skipped = load_cec(topics / "cec_emergency_events.csv")
    titles = [dict(d, text="") for d in cec]
    return {
        "cec_timed": (cec, None, f"real report dates, {skipped} reports without a readable date left out"),
        "cec_one_window": (_synthetic(cec), None, "report-date order, synthetic times 1 min apart"),
        "cec_titles": (_synthetic(titles), None, "headlines only, synthetic times"),
        "thucnews": (
            _synthetic(load_plain(topics / "thucnews_cnews_1000.csv")),
            None,
            "no timestamps: file order, synthetic times 1 min apart",
        ),
        "nlpcc_headlines": (
            load_plain(topics / "nlpcc2017_headlines_test.csv", NLPCC_ROWS),
            None,
            f"first {NLPCC_ROWS} headlines, file order, synthetic times",
        ),
    }


def main(argv: list[str] | None = None) -> int:
    text.configure(load_text_resources())
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="CSV with text,label[,title,published_at]")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="cosine to join an event")
    parser.add_argument(
        "--short-threshold",
        type=float,
        default=None,
        help="cosine to join for headlines / short posts (default: the library's)",
    )
    parser.add_argument(
        "--anchor-free-threshold",
        default=str(DEFAULT_ANCHOR_FREE_THRESHOLD),
        help="cosine to join without a shared name; 'none' turns the name check off",
    )
    parser.add_argument("--window-days", type=float, default=DEFAULT_WINDOW_DAYS, help="event window in days")
    parser.add_argument("--sets", help="comma-separated subset of the default sets")
    args = parser.parse_args(argv)
    if args.data:
        sets = {args.data.stem: (load_plain(args.data), None, "user data")}
    else:
        root = shared_data_dir()
        if not (root / "topics").is_dir():
            print(f"shared data not found: {root / 'topics'}", file=sys.stderr)
            return 2
        sets = default_sets(root)
        if args.sets:
            wanted = set(args.sets.split(","))
            sets = {k: v for k, v in sets.items() if k in wanted}
    short = (
        args.short_threshold
        if args.short_threshold is not None
        else max(args.threshold, DEFAULT_SHORT_THRESHOLD)
    )
    print(f"threshold {args.threshold} (short texts {short}), window {args.window_days} days")
    anchor_free = None if args.anchor_free_threshold.lower() == "none" else float(args.anchor_free_threshold)
    print(
        f"join without a shared name at cosine {anchor_free}" if anchor_free is not None else "name check off"
    )
    results: dict[str, Any] = {}
    for name, (docs, window, note) in sets.items():
        r = run_set(docs, args.threshold, window or args.window_days, args.short_threshold, anchor_free)
        results[name] = r
        print(f"{name} ({note}): {r['docs']} docs, {r['classes']} classes")
        print(
            f"  B-cubed precision {r['bcubed_precision']:.4f}  recall {r['bcubed_recall']:.4f}  "
            f"f1 {r['bcubed_f1']:.4f}"
        )
        print(
            f"  {r['clusters']} clusters, mean size {r['mean_cluster_size']}, largest {r['largest_cluster']}, "
            f"{r['docs_in_multi_doc_clusters']:.1%} of docs in multi-doc clusters, {r['docs_per_s']} docs/s"
        )
        print("  largest clusters: " + " | ".join(" ".join(lbl) for lbl in r["examples"]))
    emit(
        {
            "threshold": args.threshold,
            "short_threshold": short,
            "anchor_free_threshold": anchor_free,
            "window_days": args.window_days,
            "sets": results,
        },
        args.json,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
