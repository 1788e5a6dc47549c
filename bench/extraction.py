"""Benchmark article extraction on real Chinese news pages: the project extractor vs trafilatura vs GNE.

Usage: python -m bench.extraction [--manifest PATH] [--json] [--pages]

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

In-domain and out-of-domain. The figures above are in-domain: the extractor's rules were written with
these pages in view. The out-of-domain figures (`out_of_domain` in the JSON line) measure what holds on
sites nobody tuned to:
- leave one site out over cwced: the knobs in `crawler.extract.tuning` are chosen (grid search; the
  default stays unless another value beats it by `tuning.MARGIN`) on the other sites' pages and scored on the held-out site's pages; a page's site
  is the manifest's `site`, else the registrable domain its own links point to most. Per-site figures and
  the page-weighted aggregate are printed next to the in-domain ones, for the project and trafilatura
  (which has no knobs, so its two figures are the same).
- checks on sets the knobs never see, with the values chosen on all cwced pages: trafilatura_zh (human
  truth) and the gne pages that carry GNE's 2019 output (`gne_machine`: agreement with a machine, not
  truth; GNE's own figure there is 1.0 by construction).
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

from crawler.extract import body as extract_body
from crawler.extract import dates as extract_dates
from crawler.extract import decode_html, extract_article
from crawler.extract.dates import SHANGHAI, parse_datetime
from crawler.extract.tuning import DEFAULT, MARGIN, Tuning, grid

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


def _run_project(html: str, url: str, now: datetime, tuning: Tuning = DEFAULT) -> dict[str, Any]:
    out = extract_article(html, url, now=now, tuning=tuning)
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
# sites and leave-one-site-out

_HREF_HOST = re.compile(r"<a\s[^>]*?href\s*=\s*[\"']?https?://([^/\"'\s>:?#]+)", re.I)
_SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "ac", "co"}


def registrable_domain(host: str) -> str:
    """www.news.sina.com.cn -> sina.com.cn; blog.yesky.com -> yesky.com (a public-suffix approximation)."""
    labels = [p for p in host.lower().strip(".").split(".") if p]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def site_of(row: dict[str, Any], html: str) -> str:
    """The manifest's `site`, else the host of the page URL, else the domain the page's links name most,
    else the page's <title> (pages of one archive often share it), else the page itself."""
    if row.get("site"):
        return str(row["site"])
    m = re.match(r"https?://([^/:?#]+)", row.get("url") or "")
    if m:
        return registrable_domain(m.group(1))
    hosts = Counter(registrable_domain(h) for h in _HREF_HOST.findall(html))
    if hosts:
        return hosts.most_common(1)[0][0]
    title = re.search(r"<title[^>]*>([^<]{1,80})</title>", html, re.I)
    if title and title.group(1).strip():
        return "title:" + title.group(1).strip()
    return "page:" + str(row["id"])


class _Memo:
    """Memoise trafilatura and htmldate (which no knob touches) while the grid re-runs the extractor."""

    def __init__(self) -> None:
        self.saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> _Memo:
        for module, name in ((extract_body, "_trafilatura_body"), (extract_dates, "_htmldate")):
            original = getattr(module, name)
            cache: dict[tuple[int, str], Any] = {}

            def memo(html: str, url: str, *rest: Any, _f: Any = original, _c: Any = cache) -> Any:
                key = (hash(html), url, *rest)
                if key not in _c:
                    _c[key] = _f(html, url, *rest)
                return _c[key]

            self.saved.append((module, name, original))
            setattr(module, name, memo)
        return self

    def __exit__(self, *exc: Any) -> None:
        for module, name, original in self.saved:
            setattr(module, name, original)


def _page_scores(out: dict[str, Any], gt: dict[str, Any], now: datetime) -> dict[str, float]:
    scores: dict[str, float] = {}
    if "content" in gt:
        scores["body_f1"] = char_f1(out["body"], gt["content"])
    day = truth_day(gt.get("publish_time", gt.get("date")), now)
    if day is not None:
        scores["date_acc"] = float(date_ok(out["date"], day, now))
    ok = snippets_ok(out["body"], gt.get("with", []), gt.get("without", []))
    if ok is not None:
        scores["snippets_ok"] = ok
    return scores


def _objective(page_scores: list[dict[str, float]]) -> float:
    """What the tuner maximises on its training pages: mean body F1 plus mean same-day date accuracy."""
    total = 0.0
    for metric in ("body_f1", "date_acc"):
        values = [p[metric] for p in page_scores if metric in p]
        total += sum(values) / len(values) if values else 0.0
    return total


def _choose_tuning(by_config: list[list[dict[str, float]]]) -> int:
    """The index of the best config on these pages; the default (index 0) unless beaten by MARGIN."""
    objectives = [_objective(scores) for scores in by_config]
    best = max(range(len(objectives)), key=lambda c: (objectives[c], -c))
    return best if objectives[best] >= objectives[0] + MARGIN else 0


def leave_one_site_out(
    pages: list[dict[str, Any]], checks: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """Choose the tuning on all sites but one, score it on that one; then the checks with the tuning
    chosen on every page. `pages` / `checks` items: {"id", "site", "set", "html", "url", "gt"}."""
    configs = grid()
    table: list[list[dict[str, float]]] = []  # table[config][page]
    started = time.perf_counter()
    with _Memo(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for tuning in configs:
            table.append(
                [_page_scores(_run_project(p["html"], p["url"], now, tuning), p["gt"], now) for p in pages]
            )
    sites = sorted({p["site"] for p in pages})
    held: list[dict[str, float]] = [{} for _ in pages]
    per_site: dict[str, Any] = {}
    chosen_counts: Counter[Tuning] = Counter()
    for site in sites:
        inside = [i for i, p in enumerate(pages) if p["site"] == site]
        outside = [i for i, p in enumerate(pages) if p["site"] != site]
        best = _choose_tuning([[table[c][i] for i in outside] for c in range(len(configs))])
        chosen_counts[configs[best]] += 1
        for i in inside:
            held[i] = table[best][i]
        per_site[site] = {"pages": len(inside), "tuning_changed": configs[best] != DEFAULT}
        for metric in ("body_f1", "date_acc"):
            per_site[site][metric] = _mean(
                [table[best][i][metric] for i in inside if metric in table[best][i]]
            )
            per_site[site][f"in_domain_{metric}"] = _mean(
                [table[0][i][metric] for i in inside if metric in table[0][i]]
            )
    best_all = _choose_tuning(table)
    check_scores = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p in checks:
            check_scores.append(
                _page_scores(_run_project(p["html"], p["url"], now, configs[best_all]), p["gt"], now)
            )
    return {
        "held": held,
        "per_site": per_site,
        "checks": check_scores,
        "tuning_all": configs[best_all],
        "tunings_chosen": len(chosen_counts),
        "grid": len(configs),
        "seconds": round(time.perf_counter() - started, 2),
    }


# ---------------------------------------------------------------------------------------------------------
# the run


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def evaluate(manifest: Path, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(SHANGHAI)
    all_rows = [
        json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    rows = [r for r in all_rows if r.get("gt_type") == "human" and r.get("gt")]
    machine_rows = [r for r in all_rows if r.get("gt_type") == "machine_gne" and r.get("gt")]
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
    loaded: list[dict[str, Any]] = []  # every scored page, for the out-of-domain part
    tool_scores: dict[str, dict[str, dict[str, float]]] = {t: {} for t in TOOLS}  # tool -> id -> scores
    for row in rows:
        raw = (manifest.parent / row["file"]).read_bytes()
        html, _encoding = decode_html(raw)
        gt = row["gt"]
        url = row.get("url") or ""
        page = {"id": row["id"]}
        loaded.append(
            {
                "id": row["id"],
                "set": row["set"],
                "site": site_of(row, html),
                "html": html,
                "url": url,
                "gt": gt,
            }
        )
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
            tool_scores[tool][row["id"]] = _page_scores(out, gt, now)
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
    result["out_of_domain"] = _out_of_domain(manifest, machine_rows, loaded, tools, tool_scores, now)
    result["unavailable"] = {t: run for t, run in tools.items() if isinstance(run, str)}
    result["seconds"] = {t: round(s, 2) for t, s in seconds.items()}
    result["errors"] = errors
    result["per_page"] = per_page
    return result


def _pool(scores: list[dict[str, float]], metrics: tuple[str, ...]) -> dict[str, Any]:
    return {m: _mean([p[m] for p in scores if m in p]) for m in metrics} | {"pages": len(scores)}


def _out_of_domain(
    manifest: Path,
    machine_rows: list[dict[str, Any]],
    loaded: list[dict[str, Any]],
    tools: dict[str, Any],
    tool_scores: dict[str, dict[str, dict[str, float]]],
    now: datetime,
) -> dict[str, Any]:
    """Leave one site out over cwced, and the checks on trafilatura_zh and gne_machine (see the module doc)."""
    pages = [p for p in loaded if p["set"] == "cwced"]
    checks = [p for p in loaded if p["set"] != "cwced"]
    for row in machine_rows:
        html, _encoding = decode_html((manifest.parent / row["file"]).read_bytes())
        gt = {k: v for k, v in row["gt"].items() if k in ("content", "publish_time")}
        checks.append(
            {
                "id": row["id"],
                "set": "gne_machine",
                "site": site_of(row, html),
                "html": html,
                "url": "",
                "gt": gt,
            }
        )
        for tool, run in tools.items():
            if isinstance(run, str):
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = run(html, "", now)
            except Exception:  # a tool crashing on a page scores zero on it
                out = {"body": "", "date": None, "author": None, "title": None}
            tool_scores[tool][row["id"]] = _page_scores(out, gt, now)
    loso = leave_one_site_out(pages, checks, now)
    ood_metrics = ("body_f1", "date_acc")
    out: dict[str, Any] = {"cwced_loso": {}, "per_site": {}, "checks": {}}
    for tool in TOOLS:
        if isinstance(tools[tool], str):
            continue
        scores = loso["held"] if tool == "project" else [tool_scores[tool].get(p["id"], {}) for p in pages]
        out["cwced_loso"][tool] = _pool(scores, ood_metrics)
    for site, entry in sorted(loso["per_site"].items(), key=lambda kv: (-kv[1]["pages"], kv[0])):
        inside = [p["id"] for p in pages if p["site"] == site]
        row = {
            "pages": entry["pages"],
            "project": {m: entry[m] for m in ood_metrics},
            "project_in_domain": {m: entry[f"in_domain_{m}"] for m in ood_metrics},
            "tuning_changed": entry["tuning_changed"],
        }
        if not isinstance(tools["trafilatura"], str):
            row["trafilatura"] = _pool([tool_scores["trafilatura"].get(i, {}) for i in inside], ood_metrics)
            row["trafilatura"].pop("pages")
        out["per_site"][site] = row
    for set_name, metrics in (("trafilatura_zh", ("snippets_ok", "date_acc")), ("gne_machine", ood_metrics)):
        idx = [i for i, p in enumerate(checks) if p["set"] == set_name]
        entry = {"project": _pool([loso["checks"][i] for i in idx], metrics)}
        for tool in TOOLS[1:]:
            if not isinstance(tools[tool], str):
                entry[tool] = _pool([tool_scores[tool].get(checks[i]["id"], {}) for i in idx], metrics)
        out["checks"][set_name] = entry
    out["tuning_all"] = {k: getattr(loso["tuning_all"], k) for k in DEFAULT.__dataclass_fields__}
    out["grid"] = loso["grid"]
    out["sites"] = len(loso["per_site"])
    out["distinct_tunings_chosen"] = loso["tunings_chosen"]
    out["seconds"] = loso["seconds"]
    return out


def _fmt(value: Any) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def _print_out_of_domain(ood: dict[str, Any]) -> None:
    print()
    print(
        f"Out of domain: leave one site out over cwced ({ood['sites']} sites; the tuning knobs chosen on the other"
        f" sites from a grid of {ood['grid']}, {ood['distinct_tunings_chosen']} distinct choices; {ood['seconds']} s)"
    )
    print(
        f"{'site':<28}{'pages':>6}{'body in':>9}{'body out':>9}{'traf':>7}{'date in':>9}{'date out':>9}{'traf':>7}"
    )
    for site, row in ood["per_site"].items():
        traf = row.get("trafilatura", {})
        print(
            f"{site[:27]:<28}{row['pages']:>6}"
            f"{_fmt(row['project_in_domain']['body_f1']):>9}{_fmt(row['project']['body_f1']):>9}"
            f"{_fmt(traf.get('body_f1')):>7}"
            f"{_fmt(row['project_in_domain']['date_acc']):>9}{_fmt(row['project']['date_acc']):>9}"
            f"{_fmt(traf.get('date_acc')):>7}"
        )
    for tool, entry in ood["cwced_loso"].items():
        print(
            f"cwced leave-one-site-out  {tool:<13} body_f1 {_fmt(entry['body_f1'])}  date_acc {_fmt(entry['date_acc'])}"
        )
    print("checks on sets the knobs never see (tuning chosen on all cwced pages:", ood["tuning_all"], ")")
    for set_name, by_tool in ood["checks"].items():
        for tool, entry in by_tool.items():
            figures = "  ".join(f"{m} {_fmt(v)}" for m, v in entry.items() if m != "pages")
            note = (
                "  (agreement with GNE's own 2019 output)"
                if set_name == "gne_machine" and tool == "gne"
                else ""
            )
            print(f"{set_name:<16}{tool:<13}{figures}  pages {entry['pages']}{note}")


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
    _print_out_of_domain(result["out_of_domain"])
    if args.pages:
        for page in result["per_page"]:
            print(json.dumps(page, ensure_ascii=False))
    if args.json:
        print(
            json.dumps(
                {k: result[k] for k in ("sets", "overall", "unavailable", "seconds", "out_of_domain")},
                ensure_ascii=False,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
