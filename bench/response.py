"""Benchmark the response classifier: class-A recall on real emergency reports, false positives on news.

`python -m bench.response [--json]` from the repo root. Reads `../shared/data/topics/`:
- cec_emergency_events.csv (CEC corpus: every report is an emergency; class-A recall, target ≥ 0.90),
- thucnews_cnews_1000.csv (ordinary news in 10 classes; class-A rate, target ≤ 0.05; 时政 may legitimately
  contain emergencies and is reported separately).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

from analysis.opinion.response import classify_response
from config.response_rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MONITOR_SHARED_DATA", ROOT.parent / "shared" / "data"))
CEC = "topics/cec_emergency_events.csv"
THUCNEWS = "topics/thucnews_cnews_1000.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def run(data_dir: Path = SHARED_DATA, rules_path: Path | None = None) -> dict:
    """Score the classifier on the two sets; returns figures plus misses for display."""
    rules = load_rules(rules_path)
    cec = _rows(data_dir / CEC)
    thuc = _rows(data_dir / THUCNEWS)
    started = time.perf_counter()

    per_label_total: Counter[str] = Counter()
    per_label_hit: Counter[str] = Counter()
    cec_classes: Counter[str] = Counter()
    misses: list[tuple[str, str, str]] = []
    for row in cec:
        result = classify_response(row["title"], row["text"], rules=rules)
        per_label_total[row["label"]] += 1
        cec_classes[str(result.cls)] += 1
        if result.cls == "A":
            per_label_hit[row["label"]] += 1
        else:
            misses.append((row["label"], row["title"], result.reason))

    thuc_total: Counter[str] = Counter()
    thuc_a: Counter[str] = Counter()
    thuc_b: Counter[str] = Counter()
    false_positives: list[tuple[str, str, str]] = []
    for row in thuc:
        # THUCNews rows hold headline and body in one string; the classifier's window covers the headline.
        result = classify_response("", row["text"], rules=rules)
        thuc_total[row["label"]] += 1
        if result.cls == "A":
            thuc_a[row["label"]] += 1
            false_positives.append((row["label"], row["text"][:40], result.reason))
        elif result.cls == "B":
            thuc_b[row["label"]] += 1
    elapsed = time.perf_counter() - started

    n_cec = sum(per_label_total.values())
    n_thuc = sum(thuc_total.values())
    non_politics = [label for label in thuc_total if label != "时政"]
    return {
        "cec_class_a_recall": round(sum(per_label_hit.values()) / n_cec, 4),
        "cec_per_label_recall": {
            label: round(per_label_hit[label] / per_label_total[label], 4)
            for label in sorted(per_label_total)
        },
        "cec_class_counts": dict(cec_classes),
        "thucnews_class_a_rate": round(sum(thuc_a.values()) / n_thuc, 4),
        "thucnews_class_a_rate_excluding_politics": round(
            sum(thuc_a[label] for label in non_politics)
            / max(1, sum(thuc_total[label] for label in non_politics)),
            4,
        ),
        "thucnews_class_a_by_label": {label: thuc_a[label] for label in sorted(thuc_total)},
        "thucnews_class_b_by_label": {label: thuc_b[label] for label in sorted(thuc_total)},
        "n_cec": n_cec,
        "n_thucnews": n_thuc,
        "ms_per_doc": round(1000 * elapsed / (n_cec + n_thuc), 3),
        "cec_misses": misses,
        "thucnews_false_positives": false_positives,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="shared data folder")
    parser.add_argument("--rules", type=Path, default=None, help="response rules YAML (default: shipped)")
    parser.add_argument("--examples", type=int, default=8, help="misses / false positives to show")
    args = parser.parse_args(argv)
    if not (args.data / CEC).is_file():
        print(f"shared data not found under {args.data}", file=sys.stderr)
        return 2
    res = run(args.data, args.rules)

    print(
        f"CEC emergency reports: {res['n_cec']}, class-A recall {res['cec_class_a_recall']:.3f} (target ≥ 0.90)"
    )
    for label, recall in res["cec_per_label_recall"].items():
        print(f"  {label:18s} {recall:.3f}")
    print(f"  classes assigned: {res['cec_class_counts']}")
    print(
        f"THUCNews articles: {res['n_thucnews']}, class-A rate {res['thucnews_class_a_rate']:.3f} (target ≤ 0.05);"
        f" excluding 时政 {res['thucnews_class_a_rate_excluding_politics']:.3f}"
    )
    print(
        "  class-A count by label: "
        + ", ".join(f"{k} {v}" for k, v in res["thucnews_class_a_by_label"].items())
    )
    print(
        "  class-B count by label: "
        + ", ".join(f"{k} {v}" for k, v in res["thucnews_class_b_by_label"].items())
    )
    print(f"speed: {res['ms_per_doc']} ms per document")
    print(f"CEC misses (first {args.examples} of {len(res['cec_misses'])}):")
    for label, title, reason in res["cec_misses"][: args.examples]:
        print(f"  [{label}] {title} -> {reason}")
    print(f"THUCNews class-A (first {args.examples} of {len(res['thucnews_false_positives'])}):")
    for label, head, reason in res["thucnews_false_positives"][: args.examples]:
        print(f"  [{label}] {head} -> {reason}")
    if args.json:
        figures = {k: v for k, v in res.items() if k not in ("cec_misses", "thucnews_false_positives")}
        print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
