"""Benchmark article extraction on real Chinese news pages: the project extractor vs trafilatura vs GNE.

Usage: python -m bench.extraction [--manifest PATH] [--json]

Reads ../shared/data/news_html/manifest.jsonl (pages with human ground truth only). Every tool gets the
same decoded text: raw bytes are decoded once with the project's `decode_html`.

Metrics (per set, per tool; `overall` pools all pages of all sets):
- body_f1: bag-of-characters F1 over non-whitespace characters (CWCED-style), for sets whose truth has
  `content`; mean over pages.
- snippets_ok: for sets whose truth lists `with` / `without` snippets (trafilatura_zh): the share of snippets
  that are right (a `with` snippet present in the body, a `without` snippet absent), whitespace ignored;
  mean over pages.
- date_acc: same calendar day (Asia/Shanghai) as the truth (`publish_time` for cwced, `date` for
  trafilatura_zh), over pages whose truth is a full date; truths that are unknown or only a year / month
  are left out. A tool's date string is read with the project's `parse_datetime`.
- author_acc: over pages whose truth has an author: after removing whitespace and punctuation, the
  prediction contains the truth or the truth contains the prediction (prediction at most twice as long).
- title_acc: over pages whose truth has a title: equality after removing whitespace and punctuation.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.extract import decode_html, extract_article
from crawler.extract.dates import SHANGHAI, parse_datetime

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MANIFEST = (ROOT / ".." / "shared" / "data" / "news_html" / "manifest.jsonl").resolve()
TOOLS = ("project", "trafilatura", "gne")
METRICS = ("body_f1", "snippets_ok", "date_acc", "author_acc", "title_acc")
_UNKNOWN = {"", "unknown", "none", "null", "n/a"}
_STRIP = re.compile(r"[\s\W_]+")


# ---------------------------------------------------------------------------------------------------------
# metrics


def char_f1(pred: str, truth: str) -> float:
    """Bag-of-characters F1 over non-whitespace characters."""
    p = Counter(c for c in pred or "" if not c.isspace())
    t = Counter(c for c in truth or "" if not c.isspace())
    if not p or not t:
        return 1.0 if not p and not t else 0.0
    common = sum((p & t).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(t.values())
    return 2 * precision * recall / (precision + recall)


def snippets_ok(body: str, with_: list[str], without: list[str]) -> float | None:
    squeeze = re.compile(r"\s+")
    text = squeeze.sub("", body or "")
    checks = [squeeze.sub("", s) in text for s in with_ or []]
    checks += [squeeze.sub("", s) not in text for s in without or []]
    return sum(checks) / len(checks) if checks else None


_FULL_DATE = re.compile(r"(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


def truth_day(value: str | None, now: datetime) -> datetime | None:
    """The truth's calendar day, or None when it is unknown or not a full date."""
    if not value or value.strip().lower() in _UNKNOWN or not _FULL_DATE.search(value):
        return None
    return parse_datetime(value, now)


def date_ok(pred: Any, truth: datetime, now: datetime) -> bool:
    if isinstance(pred, str):
        pred = parse_datetime(pred, now)
    if not isinstance(pred, datetime):
        return False
    if pred.tzinfo is None:
        pred = pred.replace(tzinfo=SHANGHAI)
    return pred.astimezone(SHANGHAI).date() == truth.astimezone(SHANGHAI).date()


def author_ok(pred: str | None, truth: str) -> bool:
    p, t = _STRIP.sub("", pred or "").lower(), _STRIP.sub("", truth).lower()
    if not p or not t:
        return False
    return p in t or (t in p and len(p) <= 2 * len(t))


def title_ok(pred: str | None, truth: str) -> bool:
    return bool(pred) and _STRIP.sub("", pred or "").lower() == _STRIP.sub("", truth).lower()


# ---------------------------------------------------------------------------------------------------------
# tools


def _run_project(html: str, url: str, now: datetime) -> dict[str, Any]:
    out = extract_article(html, url, now=now)
    return {"body": out["body"], "date": out["published_at"], "author": out["author"], "title": out["title"]}


def _make_trafilatura() -> Callable[[str, str, datetime], dict[str, Any]] | str:
    try:
        import trafilatura
    except Exception as exc:  # report, don't crash the bench
        return f"import failed: {exc}"

    def run(html: str, url: str, now: datetime) -> dict[str, Any]:
        doc = trafilatura.bare_extraction(html, url=url or None, with_metadata=True)
        if doc is None:
            return {"body": "", "date": None, "author": None, "title": None}
        return {"body": doc.text or "", "date": doc.date, "author": doc.author, "title": doc.title}

    return run


def _make_gne() -> Callable[[str, str, datetime], dict[str, Any]] | str:
    try:
        from gne import GeneralNewsExtractor
    except Exception as exc:  # GNE is optional (GPL-3.0, bench only)
        return f"unavailable: {exc}"

    def run(html: str, url: str, now: datetime) -> dict[str, Any]:
        out = GeneralNewsExtractor().extract(html)
        return {
            "body": out.get("content") or "",
            "date": out.get("publish_time") or None,
            "author": out.get("author") or None,
            "title": out.get("title") or None,
        }

    return run


# ---------------------------------------------------------------------------------------------------------
# the run


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def evaluate(manifest: Path, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(SHANGHAI)
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("gt_type") == "human" and r.get("gt")]
    tools: dict[str, Callable[[str, str, datetime], dict[str, Any]] | str] = {
        "project": _run_project,
        "trafilatura": _make_trafilatura(),
        "gne": _make_gne(),
    }
    # scores[set][tool][metric] -> list of per-page values
    scores: dict[str, dict[str, dict[str, list[float]]]] = {}
    seconds: dict[str, float] = dict.fromkeys(TOOLS, 0.0)
    errors: dict[str, int] = dict.fromkeys(TOOLS, 0)
    per_page: list[dict[str, Any]] = []
    for row in rows:
        raw = (manifest.parent / row["file"]).read_bytes()
        html, _encoding = decode_html(raw)
        gt = row["gt"]
        url = row.get("url") or ""
        page = {"id": row["id"]}
        for tool, run in tools.items():
            bucket = scores.setdefault(row["set"], {}).setdefault(tool, {m: [] for m in METRICS})
            bucket.setdefault("pages", [])
            bucket["pages"].append(1)
            if isinstance(run, str):
                continue
            started = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = run(html, url, now)
            except Exception:  # a tool crashing on a page scores zero on it
                logger.debug("%s failed on %s", tool, row["id"], exc_info=True)
                errors[tool] += 1
                out = {"body": "", "date": None, "author": None, "title": None}
            seconds[tool] += time.perf_counter() - started
            if "content" in gt:
                f1 = char_f1(out["body"], gt["content"])
                bucket["body_f1"].append(f1)
                page[f"{tool}_f1"] = round(f1, 3)
            ok = snippets_ok(out["body"], gt.get("with", []), gt.get("without", []))
            if ok is not None:
                bucket["snippets_ok"].append(ok)
            day = truth_day(gt.get("publish_time", gt.get("date")), now)
            if day is not None:
                hit = date_ok(out["date"], day, now)
                bucket["date_acc"].append(float(hit))
                page[f"{tool}_date"] = str(out["date"])[:19] if out["date"] else None
            truth_author = (gt.get("author") or "").strip()
            if truth_author.lower() not in _UNKNOWN:
                bucket["author_acc"].append(float(author_ok(out["author"], truth_author)))
                page[f"{tool}_author"] = out["author"]
            if (gt.get("title") or "").strip():
                bucket["title_acc"].append(float(title_ok(out["title"], gt["title"])))
        per_page.append(page)

    result: dict[str, Any] = {"sets": {}, "overall": {}}
    pooled: dict[str, dict[str, list[float]]] = {t: {m: [] for m in (*METRICS, "pages")} for t in TOOLS}
    for set_name, by_tool in scores.items():
        result["sets"][set_name] = {}
        for tool in TOOLS:
            values = by_tool.get(tool, {})
            entry: dict[str, Any] = {m: _mean(values.get(m, [])) for m in METRICS}
            entry["pages"] = len(values.get("pages", []))
            if isinstance(tools[tool], str):
                entry = dict.fromkeys(entry) | {"pages": entry["pages"]}
            result["sets"][set_name][tool] = entry
            for m in (*METRICS, "pages"):
                pooled[tool][m].extend(values.get(m, []))
    for tool in TOOLS:
        if isinstance(tools[tool], str):
            result["overall"][tool] = dict.fromkeys(METRICS) | {"pages": len(pooled[tool]["pages"])}
        else:
            result["overall"][tool] = {m: _mean(pooled[tool][m]) for m in METRICS} | {
                "pages": len(pooled[tool]["pages"])
            }
    result["unavailable"] = {t: run for t, run in tools.items() if isinstance(run, str)}
    result["seconds"] = {t: round(s, 2) for t, s in seconds.items()}
    result["errors"] = errors
    result["per_page"] = per_page
    return result


def _fmt(value: Any) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    parser.add_argument("--pages", action="store_true", help="also print per-page scores")
    args = parser.parse_args(argv)
    if not args.manifest.is_file():
        print(f"manifest not found: {args.manifest}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    result = evaluate(args.manifest)
    print(
        "Article extraction benchmark (raw bytes decoded once with crawler.extract.decode_html, shared by all tools)"
    )
    print("body_f1 = bag-of-characters F1 over non-whitespace characters; date_acc = same calendar day")
    for name, unavailable in result["unavailable"].items():
        print(f"  {name}: {unavailable}")
    header = f"{'set':<16}{'tool':<13}" + "".join(f"{m:>12}" for m in METRICS) + f"{'pages':>7}"
    print(header)
    for set_name, by_tool in [*result["sets"].items(), ("overall", result["overall"])]:
        for tool in TOOLS:
            entry = by_tool[tool]
            print(
                f"{set_name:<16}{tool:<13}"
                + "".join(f"{_fmt(entry[m]):>12}" for m in METRICS)
                + f"{entry['pages']:>7}"
            )
    print("seconds:", result["seconds"], "errors:", result["errors"])
    if args.pages:
        for page in result["per_page"]:
            print(json.dumps(page, ensure_ascii=False))
    if args.json:
        print(
            json.dumps(
                {k: result[k] for k in ("sets", "overall", "unavailable", "seconds")}, ensure_ascii=False
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
