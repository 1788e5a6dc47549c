"""Benchmark for impersonation scoring and own-site integrity checks.

    python -m bench.impersonation [--names CSV] [--json] [--standin]

Parts:
  (a) name rules on ../shared/data/impersonation (illegal vs legitimate names) and 政府网站标识码
      validity on gov_site_codes.csv; ``--names`` replaces the name sets with a ``name,label`` CSV
      (label ``legit`` = must not be flagged, anything else = must be flagged);
  (b) the full check-and-score path on a local fixture web (bench/fixtures/sites/<host>/), served by a
      Host-header dispatching server on 127.0.0.1 and fetched by the real check spider
      (crawler.spiders.impersonation, routed to the server by crawler.hostmap); ``--standin`` uses the
      small stand-in fetcher below instead (``fetch``: size/time limits, redirects, fixture hosts only);
  (c) own-site integrity on snapshots of the fixture official site (defacement, scripts, 暗链,
      words, cloaking via three fetch variants, stale/blank columns, broken links).

Name figures out of domain: a 2-fold held-out figure (lexicon terms seen only in the scored fold removed) and,
when the names CSV has a ``list`` column (the announcement a name was published in), a leave-one-list-out
figure (``held_out_by_list``: lexicon terms seen only in the scored list's names removed).

With ``--json`` the last line is one JSON object with nested parts and flat aliases
(``names.recall``, ``names.legit_flagged``, ``names.held_out_by_list.recall``, ``sites.precision`` …).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import logging
import mimetypes
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from analysis.sitewatch import integrity
from analysis.sitewatch.evidence import parse_html
from analysis.sitewatch.impersonation import (
    official_profile,
    score_org_name,
    site_lexicon,
    valid_site_code,
)
from config.errors import ConfigError
from config.impersonation import load_impersonation_config, read_register
from config.vocabulary import SEVERITY_MEDIUM, SEVERITY_RANK, TIER_ACT, TIER_NONE
from crawler.extract.sitecheck import check_site, extract_site_evidence, favicon_url

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
SITES = ROOT / "bench" / "fixtures" / "sites"
SHARED = Path(os.environ.get("MONITOR_SHARED_DATA", ROOT.parent / "shared" / "data"))

BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
SPIDER_UA = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
BAIDU_REFERER = "https://www.baidu.com/s?wd=%E5%AE%A1%E8%AE%A1%E7%BD%B2"


# ----------------------------------------------------------------------------------------------
# Local fixture web: one ThreadingHTTPServer, virtual hosts by Host header
# ----------------------------------------------------------------------------------------------
class FixtureWeb:
    """Serve ``root/<host>/`` for every host directory; 301 for hosts with a ``redirect`` entry.

    Cloaking is simulated per file: ``x.spider.html`` is served for Baiduspider requests and
    ``x.referer.html`` for requests with a baidu.com Referer, when those siblings exist.
    """

    def __init__(self, root: Path, redirects: dict[str, str] | None = None) -> None:
        self.root = root
        self.hosts = {p.name.lower() for p in root.iterdir() if p.is_dir()}
        self.redirects = {k.lower(): v for k, v in (redirects or {}).items()}
        self.server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    def __enter__(self) -> FixtureWeb:
        web = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt: str, *args: object) -> None:  # quiet
                logger.debug("fixture web: " + fmt, *args)

            def do_HEAD(self) -> None:  # noqa: N802
                self._serve(head=True)

            def do_GET(self) -> None:  # noqa: N802
                self._serve(head=False)

            def _serve(self, head: bool) -> None:
                host = (self.headers.get("Host") or "").split(":")[0].lower()
                path = unquote(urlsplit(self.path).path)
                if host in web.redirects and path in ("", "/"):
                    self.send_response(301)
                    self.send_header("Location", web.redirects[host])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                f = web.resolve(
                    host, path, self.headers.get("User-Agent", ""), self.headers.get("Referer", "")
                )
                if f is None:
                    body = b"<html><body>404 Not Found</body></html>"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html")
                else:
                    body = f.read_bytes()
                    self.send_response(200)
                    ctype = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
                    self.send_header("Content-Type", ctype)  # no charset: the fetcher sniffs <meta>
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def resolve(self, host: str, path: str, ua: str, referer: str) -> Path | None:
        if host not in self.hosts:
            return None
        base = (self.root / host).resolve()
        f = (base / path.lstrip("/")).resolve()
        if base not in f.parents and f != base:
            return None  # path traversal
        if f.is_dir():
            f = f / "index.html"
        if not f.is_file():
            return None
        if f.suffix == ".html":
            if "baiduspider" in ua.lower() and f.with_suffix(".spider.html").is_file():
                return f.with_suffix(".spider.html")
            if "baidu.com" in referer.lower() and f.with_suffix(".referer.html").is_file():
                return f.with_suffix(".referer.html")
        return f


# ----------------------------------------------------------------------------------------------
# Stand-in for the check spider: a small, safe fetcher limited to fixture hosts
# ----------------------------------------------------------------------------------------------
@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int
    body: bytes = b""
    content_type: str = ""
    redirect_chain: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def html(self) -> str:
        return decode_html(self.body, self.content_type)


def decode_html(body: bytes, content_type: str = "") -> str:
    """Decode with the header charset, else the <meta> charset, else UTF-8 (GB18030 fallback)."""
    m = re.search(r"charset=([\w-]+)", content_type or "", re.I) or re.search(
        rb"<meta[^>]+charset=['\"]?([\w-]+)", body[:4096], re.I
    )
    enc = m.group(1) if m else "utf-8"
    enc = enc.decode("ascii", "ignore") if isinstance(enc, bytes) else enc
    if enc.lower() in ("gb2312", "gbk"):
        enc = "gb18030"
    try:
        return body.decode(enc)
    except (LookupError, UnicodeDecodeError):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return body.decode("gb18030", errors="replace")


def fetch(
    url: str,
    port: int,
    known_hosts: set[str],
    *,
    user_agent: str = BROWSER_UA,
    referer: str | None = None,
    timeout: float = 5.0,
    max_bytes: int = 2_000_000,
    max_redirects: int = 5,
) -> FetchResult:
    """GET ``url`` from the local fixture web (never DNS): follow redirects, record the chain.

    Only plain-http URLs whose host is a fixture host are fetched; anything else stops the fetch
    with an error, which is how the real spider must treat private or unknown targets in tests.
    """
    chain: list[str] = []
    cur = url
    for _ in range(max_redirects + 1):
        parts = urlsplit(cur)
        host = (parts.hostname or "").lower()
        if parts.scheme != "http" or host not in known_hosts:
            return FetchResult(url, cur, 0, redirect_chain=chain, error=f"not a fixture host: {host or cur}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            headers = {"Host": host, "User-Agent": user_agent, "Accept": "text/html,*/*"}
            if referer:
                headers["Referer"] = referer
            conn.request(
                "GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), headers=headers
            )
            resp = conn.getresponse()
            if resp.status in (301, 302, 303, 307, 308) and resp.getheader("Location"):
                chain.append(cur)
                cur = urljoin(cur, resp.getheader("Location"))
                continue
            body = resp.read(max_bytes + 1)
            if len(body) > max_bytes:
                body = body[:max_bytes]
            return FetchResult(url, cur, resp.status, body, resp.getheader("Content-Type") or "", chain)
        except (OSError, http.client.HTTPException) as exc:
            return FetchResult(url, cur, 0, redirect_chain=chain, error=str(exc))
        finally:
            conn.close()
    return FetchResult(url, cur, 0, redirect_chain=chain, error="too many redirects")


# ----------------------------------------------------------------------------------------------
# Part (a): names and site codes
# ----------------------------------------------------------------------------------------------
def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


NATIONAL_BODIES = ROOT / "bench" / "fixtures" / "impersonation" / "national_bodies.csv"
# The word lists of the name rules that a lexicon fitted to visible names could have picked up.
NAME_LEXICONS = (
    "supranational_prefixes", "loose_forms", "branch_forms", "institution_forms", "organ_forms", "organ_terms", "scope_terms",
    "honorific_terms", "buzzwords", "authority_terms", "clan_terms",
)  # fmt: skip


def _name_figures(must: list[str], legit: list[str], cfg) -> dict:
    v_must = [score_org_name(n, cfg) for n in must]
    v_legit = [score_org_name(n, cfg) for n in legit]
    return {
        "n_flag_expected": len(must),
        "n_legit": len(legit),
        "recall": round(sum(v.tier != TIER_NONE for v in v_must) / len(must), 4) if must else None,
        "recall_act": round(sum(v.tier == TIER_ACT for v in v_must) / len(must), 4) if must else None,
        "legit_flagged": sum(v.tier == TIER_ACT for v in v_legit),
        "legit_flagged_review": sum(v.tier != TIER_NONE for v in v_legit),
        "legit_review_share": round(sum(v.tier != TIER_NONE for v in v_legit) / len(legit), 4)
        if legit
        else None,
        "missed": [v.name for v in v_must if v.tier == TIER_NONE],
        "legit_at_review_or_act": [f"{v.name}（{v.score}）" for v in v_legit if v.tier != TIER_NONE],
    }


def _fold(name: str, k: int = 2) -> int:
    import zlib

    return zlib.crc32(name.encode("utf-8")) % k


def _cut_lexicons(cfg, here: list[str], elsewhere: list[str]):
    """``cfg`` with every lexicon term that occurs in ``here`` and in none of ``elsewhere`` removed."""
    r = cfg.names
    changes = {}
    for field_name in NAME_LEXICONS:
        terms = getattr(r, field_name)
        changes[field_name] = tuple(
            t for t in terms if not (any(t in n for n in here) and not any(t in n for n in elsewhere))
        )
    return cfg.model_copy(update={"names": r.model_copy(update=changes)})


def held_out_names(must: list[str], legit: list[str], cfg, k: int = 2) -> dict:
    """Cross-fold figure for hand-built lexicons: the rows are split into k folds (a stable hash of the name),
    and each fold is scored with every lexicon term that appears only in that fold's names removed — as if
    the lexicons had been written from the other folds alone. A term earns its place only if it also occurs
    in names of another fold; what is left is structure plus vocabulary that generalises."""
    v_must, v_legit = [], []
    for fold in range(k):
        here = [n for n in (*must, *legit) if _fold(n, k) == fold]
        elsewhere = [n for n in (*must, *legit) if _fold(n, k) != fold]
        fold_cfg = _cut_lexicons(cfg, here, elsewhere)
        v_must += [score_org_name(n, fold_cfg) for n in must if _fold(n, k) == fold]
        v_legit += [score_org_name(n, fold_cfg) for n in legit if _fold(n, k) == fold]
    return {
        "folds": k,
        "recall": round(sum(v.tier != TIER_NONE for v in v_must) / len(v_must), 4) if v_must else None,
        "recall_act": round(sum(v.tier == TIER_ACT for v in v_must) / len(v_must), 4) if v_must else None,
        "legit_flagged": sum(v.tier == TIER_ACT for v in v_legit),
        "legit_flagged_review": sum(v.tier != TIER_NONE for v in v_legit),
        "missed": [v.name for v in v_must if v.tier == TIER_NONE],
    }


def held_out_by_list(must_rows: list[dict], legit: list[str], cfg) -> dict | None:
    """Leave one published list out: the names of each list (the ``list`` column: one announcement) are scored
    with every lexicon term removed that occurs in that list's names and in no other list's names nor in the
    legitimate names — names from a list nobody fitted the lexicons to. None without a ``list`` column."""
    lists = [(r.get("list") or "").strip() for r in must_rows]
    if not all(lists):
        return None
    names = [r["name"] for r in must_rows]
    verdicts = []
    for lst in dict.fromkeys(lists):
        here = [n for n, li in zip(names, lists, strict=True) if li == lst]
        elsewhere = [*(n for n, li in zip(names, lists, strict=True) if li != lst), *legit]
        fold_cfg = _cut_lexicons(cfg, here, elsewhere)
        verdicts += [score_org_name(n, fold_cfg) for n in here]
    return {
        "lists": len(set(lists)),
        "recall": round(sum(v.tier != TIER_NONE for v in verdicts) / len(verdicts), 4),
        "recall_act": round(sum(v.tier == TIER_ACT for v in verdicts) / len(verdicts), 4),
        "missed": [v.name for v in verdicts if v.tier == TIER_NONE],
    }


def _with_register(cfg, names: list[str], *, exempt: bool = True):
    """``cfg`` with a register lookup holding ``names`` (plus the config's exempt bodies unless ``exempt`` is
    false), as if the office had configured ``names.national_register.file``."""
    reg = cfg.names.national_register
    if not exempt:
        reg = reg.model_copy(update={"exempt": ()})
    reg = reg.with_names(names)
    return cfg.model_copy(update={"names": cfg.names.model_copy(update={"national_register": reg})})


def register_figures(
    must: list[str],
    legit: list[str],
    bodies: list[dict],
    cfg,
    register: list[str] | None,
    must_rows: list[dict] | None = None,
) -> dict:
    """Figures with a register configured. Without a real register file (``--register``) it is simulated: the
    visible legitimate names plus the registered national bodies of bench/fixtures/impersonation, except the
    people's organisations (kind people_org), which are exempt from 民政部 registration and so are not on the
    downloaded list (they count on the config's exempt list). The register is external data, not fitted, so the
    held-out figure uses the same register in every fold; the lexicons are still cut per fold."""
    body_names = [b["name"] for b in bodies]
    simulated = register is None
    if simulated:
        register = [*legit, *(b["name"] for b in bodies if b.get("kind") != "people_org")]
    rcfg = _with_register(cfg, register)
    ind = _name_figures(must, legit, rcfg)
    out = {
        "register": "simulated: visible legit names + national_bodies.csv (not people_org)"
        if simulated
        else "file",
        "register_size": rcfg.names.national_register.size,
        **{k: ind[k] for k in ("recall", "recall_act", "legit_flagged", "legit_flagged_review", "missed")},
        "held_out": held_out_names(must, legit, rcfg),
    }
    by_list = held_out_by_list(must_rows, legit, rcfg) if must_rows else None
    if by_list:
        out["held_out_by_list"] = by_list
    if body_names:
        nb = _name_figures([], body_names, rcfg)
        out["national_bodies"] = {k: nb[k] for k in ("n_legit", "legit_flagged", "legit_flagged_review",
                                                      "legit_review_share", "legit_at_review_or_act")}  # fmt: skip
        nb0 = _name_figures([], body_names, _with_register(cfg, register, exempt=False))
        out["national_bodies_no_exempt"] = {k: nb0[k] for k in ("legit_flagged", "legit_flagged_review",
                                                                "legit_review_share")}  # fmt: skip
        # A register that lacks a body (stale, renamed, a typo in the download): 2 folds of the bodies, each
        # scored with a register holding everything but that fold.
        missing_v = []
        for fold in range(2):
            kept = [n for n in register if not (n in body_names and _fold(n) == fold)]
            fcfg = _with_register(cfg, kept)
            missing_v += [score_org_name(n, fcfg) for n in body_names if _fold(n) == fold]
        out["bodies_missing_from_register"] = {
            "legit_flagged": sum(v.tier == TIER_ACT for v in missing_v),
            "legit_flagged_review": sum(v.tier != TIER_NONE for v in missing_v),
            "legit_review_share": round(sum(v.tier != TIER_NONE for v in missing_v) / len(missing_v), 4),
        }
    return out


def bench_names(names_csv: Path | None, register_file: Path | None = None) -> dict:
    """Name rules: in-domain on the shared lists (or ``--names``), a k-fold held-out-lexicon figure on the same
    rows, and the registered national bodies of bench/fixtures/impersonation (hard negatives nobody fitted
    the rules to). The allowlist (legit_orgs) is emptied for every figure: it is a safety net for a
    deployment, not a signal, and must not be what makes the figures pass."""
    cfg = load_impersonation_config()
    cfg = cfg.model_copy(update={"legit_orgs": ()})
    if names_csv is not None:
        rows = _read_csv(names_csv)
        must_rows = [r for r in rows if (r.get("label") or "").strip().lower() != "legit"]
        must = [r["name"] for r in must_rows]
        legit = [r["name"] for r in rows if (r.get("label") or "").strip().lower() == "legit"]
        source = str(names_csv)
    else:
        d = SHARED / "impersonation"
        if not (d / "illegal_org_names.csv").is_file():
            return {"skipped": f"shared data not found at {d}"}
        must_rows = _read_csv(d / "illegal_org_names.csv")
        must = [r["name"] for r in must_rows]
        legit = [r["name"] for r in _read_csv(d / "legit_org_names.csv")]
        source = str(d)
    out = {"source": source, **_name_figures(must, legit, cfg)}
    out["held_out"] = held_out_names(must, legit, cfg)
    by_list = held_out_by_list(must_rows, legit, cfg)
    if by_list:
        out["held_out_by_list"] = by_list
    body_rows = (
        [r for r in _read_csv(NATIONAL_BODIES) if r.get("label") == "legit"]
        if NATIONAL_BODIES.is_file()
        else []
    )
    register = read_register(register_file) if register_file is not None else None
    out["with_register"] = register_figures(must, legit, body_rows, cfg, register, must_rows)
    if body_rows:
        bodies = [r["name"] for r in body_rows]
        nb = _name_figures([], bodies, cfg)
        out["national_bodies"] = {
            k: nb[k] for k in ("n_legit", "legit_flagged", "legit_flagged_review", "legit_review_share",
                               "legit_at_review_or_act")
        }  # fmt: skip
    codes_csv = SHARED / "impersonation" / "gov_site_codes.csv"
    if codes_csv.is_file():
        rows = _read_csv(codes_csv)
        ok = sum(valid_site_code(r["code"]) == (r["label"] == "valid_format") for r in rows)
        out["site_codes"] = {
            "n": len(rows),
            "accuracy": round(ok / len(rows), 4),
            "wrong": [
                r["code"] for r in rows if valid_site_code(r["code"]) != (r["label"] == "valid_format")
            ],
        }
    return out


# ----------------------------------------------------------------------------------------------
# Part (b): sites
# ----------------------------------------------------------------------------------------------
def _prf(tp: int, fp: int, fn: int) -> tuple[float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return round(p, 4), round(r, 4)


def _fetch_favicon(res: FetchResult, web: FixtureWeb) -> bytes | None:
    fav = fetch(favicon_url(res.html, res.final_url), web.port, web.hosts)
    return fav.body if fav.status == 200 and fav.body else None


def bench_sites(manifest: dict, web: FixtureWeb) -> dict:
    """Part (b) through the real check spider (crawler.spiders.impersonation) in one Scrapy run: the
    official homepage first, then every fixture host (robots.txt, redirects, favicon, linked pages,
    size/time limits, private-address guard), verdicts stored in a scratch SQLite store and read back."""
    import tempfile

    from config.loader import load_settings
    from config.sitewatch import load_sitewatch_config
    from crawler.spiders.impersonation import ImpersonationSpider
    from jobs.crawl import run_crawl
    from store.db import open_store
    from store.sitewatch import list_candidates

    sw = load_sitewatch_config()
    sw = sw.model_copy(
        update={"official": sw.official.model_copy(update={"homepage": f"http://{manifest['official']}/"})}
    )
    host_map = {h: f"127.0.0.1:{web.port}" for h in web.hosts}
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings()
        crawl = settings.crawl.model_copy(
            update={"download_delay": 0.0, "autothrottle": False, "allow_private_networks": ["127.0.0.0/8"],
                    "concurrent_requests_per_domain": 8}
        )  # fmt: skip
        settings = settings.model_copy(update={"db_url": f"sqlite:///{tmp}/bench.db", "crawl": crawl})
        source = ImpersonationSpider.default_source(sw)
        spider = ImpersonationSpider.configured(
            sitewatch=sw, impersonation=load_impersonation_config(),
            urls=[f"http://{site['host']}/" for site in manifest["sites"]], host_map=host_map,
        )  # fmt: skip
        t0 = time.perf_counter()
        run_crawl(
            settings, [[source]], overrides={"LOG_LEVEL": "WARNING"}, spider_overrides={source.name: spider}
        )
        seconds = time.perf_counter() - t0
        engine = open_store(settings.resolved_db_url, upgrade=False)
        with engine.connect() as conn:
            stored = {r["host"]: r for r in list_candidates(conn)}
        engine.dispose()
    rows = []
    for site in manifest["sites"]:
        r = stored.get(site["host"], {})
        rows.append(
            _site_row(
                site,
                flagged=r.get("tier") in ("act", "review"),
                score=int(r.get("score") or 0),
                tier=r.get("tier") or "none",
                signals=[s["code"] for s in r.get("signals") or []],
                redirect_chain=[s["from"] for s in (r.get("evidence") or {}).get("redirects") or []],
                error=r.get("check_error") or ("not checked" if not r else ""),
            )
        )
    return {"path": "check spider (Scrapy)", **_site_summary(rows, seconds)}


def _site_row(site: dict, *, flagged: bool, **fields) -> dict:
    """One fixture site's outcome: what was expected, what the check said, and whether they agree."""
    want = site["expected"] == "flagged"
    return {"host": site["host"], "kind": site["kind"], "expected": site["expected"], "flagged": flagged,
            "ok": want == flagged, **fields}  # fmt: skip


def _site_summary(rows: list[dict], seconds: float) -> dict:
    """Confusion counts, precision and recall over `_site_row` rows."""
    want = [r["expected"] == "flagged" for r in rows]
    got = [r["flagged"] for r in rows]
    tp = sum(w and g for w, g in zip(want, got, strict=True))
    fp = sum(g and not w for w, g in zip(want, got, strict=True))
    fn = sum(w and not g for w, g in zip(want, got, strict=True))
    tn = len(rows) - tp - fp - fn
    p, r = _prf(tp, fp, fn)
    return {"n": len(rows), "n_flag_expected": tp + fn, "precision": p, "recall": r, "tp": tp, "fp": fp,
            "fn": fn, "tn": tn, "seconds": round(seconds, 2), "rows": rows}  # fmt: skip


def bench_sites_standin(manifest: dict, web: FixtureWeb) -> dict:
    """Part (b) through the small stand-in fetcher (``--standin``)."""
    cfg = load_impersonation_config()
    off_host = manifest["official"]
    off = fetch(f"http://{off_host}/", web.port, web.hosts)
    official = official_profile(
        extract_site_evidence(
            off.final_url,
            off.status,
            off.html,
            off.redirect_chain,
            _fetch_favicon(off, web),
            lexicon=site_lexicon(cfg),
        ),
        cfg,
    )
    rows = []
    t0 = time.perf_counter()
    for site in manifest["sites"]:
        res = fetch(f"http://{site['host']}/", web.port, web.hosts)
        fav = _fetch_favicon(res, web) if res.status == 200 else None
        v = check_site(
            res.final_url, res.status, res.html, res.redirect_chain, fav, official=official, cfg=cfg
        )
        rows.append(
            _site_row(
                site,
                flagged=v.flagged,
                score=v.score,
                tier=v.tier,
                signals=[s.code for s in v.signals],
                redirect_chain=res.redirect_chain,
            )  # fmt: skip
        )
    return _site_summary(rows, time.perf_counter() - t0)


# ----------------------------------------------------------------------------------------------
# Part (c): own-site integrity
# ----------------------------------------------------------------------------------------------
def bench_integrity(manifest: dict, web: FixtureWeb) -> dict:
    spec = manifest["integrity"]
    host = manifest["official"]
    now = datetime.fromisoformat(spec["now"])
    base_res = fetch(f"http://{host}{spec['baseline']}", web.port, web.hosts)
    baseline = integrity.baseline_fingerprint(base_res.html, base_res.final_url)
    tp = fp = fn = 0
    rows = []
    for case in spec["cases"]:
        url = f"http://{host}{case['path']}"
        res = fetch(url, web.port, web.hosts)
        html = res.html
        findings = integrity.check_page(html, res.final_url, baseline, now=now)
        cols = {name: integrity.column_dates(html, c["selector"]) for name, c in spec["columns"].items()}
        findings += integrity.check_columns(
            cols,
            now=now,
            max_days_by_column={n: c["max_days"] for n, c in spec["columns"].items()},
            url=res.final_url,
        )
        if case.get("variants"):
            spider = fetch(url, web.port, web.hosts, user_agent=SPIDER_UA).html
            ref = fetch(url, web.port, web.hosts, referer=BAIDU_REFERER).html
            findings += integrity.compare_variants(html, spider, ref)
        if case.get("check_links"):
            findings += integrity.check_broken_links(
                _link_statuses(html, res.final_url, spec["links_selector"], web), page_url=res.final_url
            )
        got = {f.kind for f in findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[SEVERITY_MEDIUM]}
        want = set(case["expected"])
        tp += len(got & want)
        fp += len(got - want)
        fn += len(want - got)
        rows.append(
            {
                "path": case["path"],
                "expected": sorted(want),
                "found": sorted(got),
                "ok": got == want,
                "summaries": [f.summary for f in findings],
            }
        )
    p, r = _prf(tp, fp, fn)
    return {
        "n_cases": len(rows),
        "precision": p,
        "recall": r,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "cases_exact": sum(r_["ok"] for r_ in rows),
        "rows": rows,
    }


def _link_statuses(html: str, url: str, selector: str, web: FixtureWeb) -> dict[str, int | None]:
    root = parse_html(html)
    out: dict[str, int | None] = {}
    if root is None:
        return out
    for a in root.cssselect(selector):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        full = urljoin(url, href)
        res = fetch(full, web.port, web.hosts)
        out[full] = res.status or None
    return out


# ----------------------------------------------------------------------------------------------
def run(names_csv: Path | None = None, via_spider: bool = False, register_file: Path | None = None) -> dict:
    """All three parts. ``via_spider`` runs part (b) through the real check spider, which needs a process
    whose Twisted reactor has not run yet (the CLI's default); in-process callers such as tests get the
    stand-in fetcher."""
    manifest = json.loads((SITES / "manifest.json").read_text(encoding="utf-8"))
    redirects = {s["host"]: s["redirect"] for s in manifest["sites"] if s.get("redirect")}
    result: dict = {"names": bench_names(names_csv, register_file)}
    with FixtureWeb(SITES, redirects) as web:
        result["sites"] = (bench_sites if via_spider else bench_sites_standin)(manifest, web)
        result["integrity"] = bench_integrity(manifest, web)
    return result


def _flat(result: dict) -> dict:
    out = {}
    for part in ("names", "sites", "integrity"):
        for k, v in result[part].items():
            if isinstance(v, int | float | str) or v is None:
                out[f"{part}.{k}"] = v
    for part in ("held_out", "held_out_by_list", "national_bodies"):
        for k, v in result["names"].get(part, {}).items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                out[f"names.{part}.{k}"] = v
    reg = result["names"].get("with_register", {})
    for part, d in (
        ("", reg),
        *(
            (f"{p}.", reg.get(p, {}))
            for p in (
                "held_out",
                "held_out_by_list",
                "national_bodies",
                "national_bodies_no_exempt",
                "bodies_missing_from_register",
            )
        ),
    ):
        for k, v in d.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                out[f"names.with_register.{part}{k}"] = v
    codes = result["names"].get("site_codes")
    if codes:
        out["names.site_codes.accuracy"] = codes["accuracy"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.impersonation", description=__doc__.splitlines()[0])
    ap.add_argument("--names", type=Path, help="CSV with columns name,label (legit = must not be flagged)")
    ap.add_argument(
        "--register", type=Path,
        help="a real 民政部 register (.csv/.txt, as names.national_register.file) instead of the simulated one",
    )  # fmt: skip
    ap.add_argument("--json", action="store_true", help="end with one JSON line of figures")
    ap.add_argument(
        "--standin", action="store_true", help="part (b) with the small stand-in fetcher, not the spider"
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    for h in logging.getLogger().handlers:  # Scrapy sets its own loggers to DEBUG; keep the report readable
        h.setLevel(logging.WARNING)
    try:
        res = run(args.names, via_spider=not args.standin, register_file=args.register)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    n = res["names"]
    print("== (a) 名称规则 name rules (allowlist off)")
    if "skipped" in n:
        print("  skipped:", n["skipped"])
    else:
        print(f"  source: {n['source']}")
        h = n["held_out"]
        print(
            f"  held-out ({h['folds']}-fold, lexicon terms seen only in the scored fold removed): "
            f"recall {h['recall']:.3f}  recall at act {h['recall_act']:.3f}  "
            f"legit at act {h['legit_flagged']}  at review or act {h['legit_flagged_review']}"
        )
        if "held_out_by_list" in n:
            hl = n["held_out_by_list"]
            print(
                f"  held-out by list (leave one of {hl['lists']} published lists out): recall {hl['recall']:.3f}  "
                f"recall at act {hl['recall_act']:.3f}"
            )
        if "national_bodies" in n:
            nb = n["national_bodies"]
            print(
                f"  registered national bodies ({nb['n_legit']}, bench/fixtures/impersonation): at act "
                f"{nb['legit_flagged']}  at review or act {nb['legit_flagged_review']} ({nb['legit_review_share']:.1%})"
                f"  {'、'.join(nb['legit_at_review_or_act']) or '-'}"
            )
        print(
            f"  in-domain: must flag {n['n_flag_expected']}  recall (review+act) {n['recall']:.3f}  "
            f"recall at act {n['recall_act']:.3f}  legit {n['n_legit']}: at act {n['legit_flagged']}, "
            f"at review or act {n['legit_flagged_review']}"
        )
        print(f"  missed: {'、'.join(n['missed']) or '-'}")
        print(f"  held-out missed: {'、'.join(h['missed']) or '-'}")
        print(f"  legit at review/act: {'、'.join(n['legit_at_review_or_act']) or '-'}")
        rg = n.get("with_register")
        if rg:
            rh = rg["held_out"]
            print(f"  -- with a 民政部 register configured ({rg['register']}; {rg['register_size']} keys) --")
            print(
                f"  held-out ({rh['folds']}-fold): recall {rh['recall']:.3f}  recall at act {rh['recall_act']:.3f}  "
                f"legit at act {rh['legit_flagged']}  at review or act {rh['legit_flagged_review']}"
            )
            if "held_out_by_list" in rg:
                rl = rg["held_out_by_list"]
                print(
                    f"  held-out by list ({rl['lists']} lists): recall {rl['recall']:.3f}  "
                    f"recall at act {rl['recall_act']:.3f}"
                )
            if "national_bodies" in rg:
                rb, r0, rm = (
                    rg["national_bodies"],
                    rg["national_bodies_no_exempt"],
                    rg["bodies_missing_from_register"],
                )
                print(
                    f"  registered national bodies: at act {rb['legit_flagged']}  at review or act "
                    f"{rb['legit_flagged_review']} ({rb['legit_review_share']:.1%})"
                    f"  {'、'.join(rb['legit_at_review_or_act']) or '-'}"
                )
                print(
                    f"    without the exempt list (people's organisations are not on the register): at act "
                    f"{r0['legit_flagged']}  at review or act {r0['legit_flagged_review']} ({r0['legit_review_share']:.1%})"
                )
                print(
                    f"    bodies missing from the register (2-fold): at act {rm['legit_flagged']}  at review or act "
                    f"{rm['legit_flagged_review']} ({rm['legit_review_share']:.1%})"
                )
            print(
                f"  in-domain: recall {rg['recall']:.3f}  recall at act {rg['recall_act']:.3f}  legit at act "
                f"{rg['legit_flagged']}, at review or act {rg['legit_flagged_review']}"
            )
            print(f"  missed: {'、'.join(rg['missed']) or '-'}")
            print(f"  held-out missed: {'、'.join(rh['missed']) or '-'}")
        if "site_codes" in n:
            print(
                f"  标识码 validity: {n['site_codes']['accuracy']:.3f} on {n['site_codes']['n']} codes; wrong: {n['site_codes']['wrong'] or '-'}"
            )
    s = res["sites"]
    print(
        f"== (b) 仿冒网站 sites on the local fixture web via {s.get('path', 'stand-in fetcher')} "
        f"({s['n']} sites, {s['n_flag_expected']} to flag, {s['seconds']}s)"
    )
    for row in s["rows"]:
        mark = "ok " if row["ok"] else "ERR"
        print(
            f"  {mark} {row['score']:3d} {row['tier']:6s} {row['expected']:7s} {row['host']:28s} {','.join(row['signals'])}"
        )
    print(
        f"  precision {s['precision']:.3f}  recall {s['recall']:.3f}  (tp {s['tp']} fp {s['fp']} fn {s['fn']} tn {s['tn']})"
    )
    g = res["integrity"]
    print(f"== (c) 网站安全 own-site integrity ({g['n_cases']} cases)")
    for row in g["rows"]:
        mark = "ok " if row["ok"] else "ERR"
        print(f"  {mark} {row['path']:40s} expected {row['expected']} found {row['found']}")
    print(
        f"  precision {g['precision']:.3f}  recall {g['recall']:.3f}  exact cases {g['cases_exact']}/{g['n_cases']}"
    )
    if args.json:
        compact = {
            "names": {
                k: v
                for k, v in n.items()
                if k
                not in (
                    "missed",
                    "legit_at_review_or_act",
                    "held_out",
                    "held_out_by_list",
                    "national_bodies",
                    "with_register",
                )
            },
            "names_held_out": {k: v for k, v in n.get("held_out", {}).items() if k != "missed"},
            "names_national_bodies": {
                k: v for k, v in n.get("national_bodies", {}).items() if k != "legit_at_review_or_act"
            },
            "sites": {k: v for k, v in s.items() if k != "rows"},
            "integrity": {k: v for k, v in g.items() if k != "rows"},
        }
        compact.update(_flat(res))
        print(json.dumps(compact, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
