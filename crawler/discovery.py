"""Finding impersonation candidates: look-alike domains (dnstwist permutations moved under suffixes anyone can
register, resolved through a configured DNS server with dnspython), search queries built from the office's
names and claim words (as `search` sources for the search_results spider), hosts and organisation names
found in crawled documents, and hosts added by hand in the config.

Every finder returns `Found` records (url, method, detail); the site-watch job reads the stored documents for
the finders that need them and upserts what they find into site_candidates by host, where `yuqing sites
check` picks them up. No SQL here. No name is resolved except through the resolver configured under
`discovery.resolver` (tests point it at a stub server on 127.0.0.1).
"""

from __future__ import annotations

import html as html_lib
import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from analysis.sitewatch.evidence import host_matches, host_of
from analysis.sitewatch.impersonation import (
    is_gov_host,
    is_legit_org,
    is_official_host,
    score_org_name,
    site_lexicon,
)
from config.impersonation import ImpersonationConfig
from config.sitewatch import Discovery, Resolver, SiteWatchConfig
from config.vocabulary import METHOD_DNSTWIST, METHOD_DOCUMENT, METHOD_MANUAL, METHOD_SEARCH, TIER_NONE
from crawler.extract.sitecheck import extract_site_evidence
from store.sitewatch import candidate_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    """A candidate site and how it was found (method + a Chinese detail shown as evidence)."""

    url: str
    method: str
    detail: str = ""

    @property
    def host(self) -> str:
        return candidate_key(self.url)[0]


@dataclass(frozen=True)
class OrgMention:
    """A suspicious organisation name seen in a crawled document."""

    name: str
    score: int
    url: str
    reasons: tuple[str, ...] = ()


# --------------------------------------------------------------------------- filters
def is_excluded_host(host: str, sw: SiteWatchConfig, icfg: ImpersonationConfig) -> bool:
    """Official/allowlisted, government (.gov.cn/.政务: only governments can register there), the
    office's own homepage host, and configured portals/media are never candidates."""
    h = host.lower().split(":")[0].rstrip(".")
    return (
        not h
        or is_official_host(h, icfg)
        or is_gov_host(h, icfg)
        or h == host_of(sw.official.homepage)
        or host_matches(h, sw.discovery.ignore_hosts)
    )


# --------------------------------------------------------------------------- look-alike domains
def _split_official(domain: str, icfg: ImpersonationConfig) -> tuple[str, str]:
    """('audit', 'gov.cn') for audit.gov.cn; the label is what gets moved under other suffixes."""
    d = domain.lower().strip(".")
    for suffix in sorted((s.lstrip(".") for s in icfg.gov_suffixes), key=len, reverse=True):
        if d.endswith("." + suffix):
            return d[: -len(suffix) - 1].split(".")[-1], suffix
    parts = d.split(".")
    return (parts[-2], parts[-1]) if len(parts) >= 2 else (d, "")


def lookalike_names(disc: Discovery, icfg: ImpersonationConfig) -> list[tuple[str, str]]:
    """Look-alike names of the official domains as (name, how), deterministic order, at most max_names.

    Each label (audit of audit.gov.cn) is moved under every registrable suffix in every form
    (audit.cn, auditgov.cn, audit-gov.com.cn …); the moved names under `fuzz_suffixes` are then
    permuted with dnstwist's Fuzzer. Names under government suffixes are dropped as noise.
    """
    from dnstwist import Fuzzer

    out: dict[str, str] = {}

    def add(name: str, how: str) -> None:
        n = name.lower().strip(".")
        if n and n not in out and not is_gov_host(n, icfg) and not is_official_host(n, icfg):
            out[n] = how

    moved: list[tuple[str, str]] = []
    for domain in disc.domains:
        label, gov = _split_official(domain, icfg)
        for suffix in disc.suffixes:
            for form in disc.forms:
                name = f"{form.format(label=label)}.{suffix}"
                moved.append((name, suffix))
                add(name, f"{domain} 移至 .{suffix}")
    for name, suffix in moved:
        if suffix not in disc.fuzz_suffixes or not disc.fuzzers:
            continue
        fz = Fuzzer(name)
        fz.generate(fuzzers=list(disc.fuzzers))
        for p in sorted(fz.permutations(), key=lambda p: (p["fuzzer"], p["domain"])):
            if p["fuzzer"] == "*original":
                continue
            add(p["domain"], f"{name} 的变形（dnstwist {p['fuzzer']}）")
    names = list(out.items())
    if len(names) > disc.max_names:
        logger.warning(
            "%d look-alike names, resolving the first %d (discovery.max_names)", len(names), disc.max_names
        )
    return names[: disc.max_names]


def make_resolver(cfg: Resolver):
    """A dnspython resolver that asks only the configured servers (never /etc/resolv.conf)."""
    import dns.resolver

    r = dns.resolver.Resolver(configure=False)
    r.nameservers = list(cfg.nameservers)
    r.port = cfg.port
    r.timeout = cfg.timeout
    r.lifetime = cfg.timeout
    r.cache = None
    return r


def resolve_names(names: Sequence[str], cfg: Resolver) -> dict[str, list[str]]:
    """A records of the names that exist; NXDOMAIN, no answer and timeouts are left out (timeouts logged)."""
    import dns.exception
    import dns.resolver

    resolver = make_resolver(cfg)
    failures: list[str] = []

    def one(name: str) -> tuple[str, list[str]]:
        try:
            answer = resolver.resolve(name, "A", search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers):
            return name, []
        except dns.exception.Timeout:
            failures.append(name)
            return name, []
        except dns.exception.DNSException as exc:
            logger.info("resolving %s failed: %s", name, exc)
            failures.append(name)
            return name, []
        return name, sorted({rr.address for rr in answer})

    with ThreadPoolExecutor(max_workers=cfg.workers) as pool:
        results = dict(pool.map(one, names))
    if failures:
        logger.warning(
            "%d of %d look-alike names got no answer in time (e.g. %s)",
            len(failures),
            len(names),
            failures[0],
        )
    return {n: ips for n, ips in results.items() if ips}


def discover_lookalikes(sw: SiteWatchConfig, icfg: ImpersonationConfig) -> list[Found]:
    """Look-alike names that resolve, as candidates."""
    names = lookalike_names(sw.discovery, icfg)
    how = dict(names)
    resolved = resolve_names([n for n, _ in names], sw.discovery.resolver)
    logger.info("look-alikes: %d names tried, %d resolve", len(names), len(resolved))
    return [
        Found(f"http://{n}/", METHOD_DNSTWIST, f"{how[n]}；解析到 {'、'.join(ips[:3])}")
        for n, ips in resolved.items()
        if not is_excluded_host(n, sw, icfg)
    ]


# --------------------------------------------------------------------------- search queries
def build_queries(sw: SiteWatchConfig, extra: Iterable[str] = ()) -> list[str]:
    """Office names × claim words (审计署 授权, 审计署 培训 …), the configured extra queries (中国审计…网),
    and extra ones (e.g. suspicious organisation names found in documents), without repeats."""
    names = list(dict.fromkeys([*sw.official.names, sw.official.name]))
    out: list[str] = []
    for name in names:
        for word in sw.discovery.search.claim_words:
            out.append(f"{name} {word}")
    out += sw.discovery.search.extra_queries
    out += [f'"{e}"' for e in extra]
    return list(dict.fromkeys(q.strip() for q in out if q.strip()))


def search_sources(sw: SiteWatchConfig, extra_queries: Iterable[str] = ()) -> list[dict]:
    """`search`-kind source dicts (config.loader.Source fields) for the search_results spider."""
    queries = build_queries(sw, extra_queries)
    return [
        {
            "name": engine.name,
            "kind": "search",
            "url": engine.url,
            "level": "self-media",
            "platform": "news",
            "queries": queries,
            "max_pages": sw.discovery.search.max_pages,
            "cadence": "1d",
        }  # fmt: skip
        for engine in sw.discovery.search.engines
    ]


def search_result_hosts(rows: Iterable[tuple[str, str | None, str]], sw: SiteWatchConfig,
                        icfg: ImpersonationConfig) -> list[Found]:  # fmt: skip
    """Hosts of the pages the discovery search sources led to, from (url, title, source) of the documents
    stored from those sources."""
    found: dict[str, Found] = {}
    for url, title, source in rows:
        host = host_of(url)
        if host and host not in found and not is_excluded_host(host, sw, icfg):
            found[host] = Found(_home(url), METHOD_SEARCH, f"{source}：{(title or '')[:60]}")
    return list(found.values())


# --------------------------------------------------------------------------- crawled documents
def scan_document(
    url: str, title: str, body: str, icfg: ImpersonationConfig
) -> tuple[list[str], list[OrgMention]]:
    """Claims tying the page to the audit office, and suspicious audit-related organisation names, in a
    stored document's text (the text is wrapped as escaped HTML for the evidence extractor)."""
    page = f"<html><head><title>{html_lib.escape(title or '')}</title></head><body><p>{html_lib.escape(body or '')}</p></body></html>"
    ev = extract_site_evidence(url, 200, page, lexicon=site_lexicon(icfg))
    claims = [c.text for c in ev.claims if c.kind in ("authorisation", "cooperation")]
    orgs = []
    for name in ev.org_names:
        if not any(t in name for t in icfg.names.audit_terms) or is_legit_org(name, icfg):
            continue
        v = score_org_name(name, icfg)
        if v.tier != TIER_NONE:
            orgs.append(OrgMention(name, v.score, url, tuple(s.label for s in v.signals)))
    return claims, orgs


def document_candidates(rows: Iterable[tuple[str, str | None, str | None]], sw: SiteWatchConfig,
                        icfg: ImpersonationConfig) -> tuple[list[Found], list[OrgMention]]:  # fmt: skip
    """From (url, title, body) of crawled documents: hosts of documents that claim a tie to the audit office
    or name a suspicious audit organisation, and those organisation names (for search queries and the press
    officer)."""
    hosts: dict[str, Found] = {}
    names: dict[str, OrgMention] = {}
    for url, title, body in rows:
        claims, orgs = scan_document(url, title or "", body or "", icfg)
        for o in orgs:
            if o.name not in names or o.score > names[o.name].score:
                names[o.name] = o
        host = host_of(url)
        if (claims or orgs) and host and host not in hosts and not is_excluded_host(host, sw, icfg):
            why = f"声称：{claims[0][:60]}" if claims else f"可疑名称：{orgs[0].name}"
            hosts[host] = Found(_home(url), METHOD_DOCUMENT, f"{why}（{url[:120]}）")
    return list(hosts.values()), sorted(names.values(), key=lambda o: (-o.score, o.name))


# --------------------------------------------------------------------------- manual
def manual_candidates(sw: SiteWatchConfig) -> list[Found]:
    return [Found(c.url, METHOD_MANUAL, c.note or "配置文件") for c in sw.candidates]


def _home(url: str) -> str:
    _, clean = candidate_key(url)
    scheme, rest = clean.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}/"
