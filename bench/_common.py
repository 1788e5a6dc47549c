"""Small helpers shared by benchmarks: the --json flag, the shared-data path, timing, the final JSON line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """../shared/data beside the repo root, or $MONITOR_SHARED_DATA (same rule as tests/conftest.py)."""
    return Path(os.environ.get("MONITOR_SHARED_DATA", ROOT.parent / "shared" / "data"))


def make_parser(description: str) -> argparse.ArgumentParser:
    """An argument parser that already has --json."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", action="store_true", help="end the output with one JSON line of results")
    return parser


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    """`with timed() as t: ...` then t["seconds"] holds the wall time of the block."""
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def emit(result: Mapping[str, Any], as_json: bool) -> None:
    """With --json print exactly one JSON line (the last line of output)."""
    sys.stdout.flush()
    if as_json:
        print(json.dumps(result, ensure_ascii=False, sort_keys=True))


def pairwise_counts(pred: Mapping[Any, Any], truth: Mapping[Any, Any]) -> tuple[int, int, int]:
    """(same-pair count in both, same-pair count in pred, same-pair count in truth) over shared keys."""
    from collections import Counter

    keys = [k for k in truth if k in pred]
    cells = Counter((pred[k], truth[k]) for k in keys)
    p_sizes = Counter(pred[k] for k in keys)
    t_sizes = Counter(truth[k] for k in keys)

    def pairs(counter: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    return pairs(cells), pairs(p_sizes), pairs(t_sizes)
