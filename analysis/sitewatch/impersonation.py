"""Impersonation scoring: explainable name rules and candidate-site verdicts (仿冒网站识别).

Pure functions over evidence read from fetched pages by :mod:`crawler.extract.sitecheck`:

* ``score_org_name(name, cfg)`` -> :class:`NameVerdict` for organisation names (illegal-org patterns);
* ``valid_site_code(code)`` -> bool for 政府网站标识码;
* ``official_profile(evidence, cfg)`` -> :class:`OfficialProfile` of the site being protected;
* ``score_site(evidence, official, cfg=cfg)`` -> :class:`SiteVerdict` (``crawler.extract.sitecheck.check_site``
  reads a page and scores it in one step).

Every verdict lists the signals that fired, with the Chinese text that fired them. Lexicons,
weights and thresholds come from ``config/impersonation.yaml``: the caller loads it
(``config.impersonation.load_impersonation_config``) and passes the :class:`ImpersonationConfig` in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from analysis.region import mention_codes
from analysis.sitewatch.evidence import (
    ExtractLexicon,
    SiteEvidence,
    host_matches,
    host_of,
    jaccard,
    layout_similarity,
    similarity_label,
)
from config.impersonation import ImpersonationConfig
from config.vocabulary import SIGNAL_LABELS, TIER_ACT, TIER_LABELS, TIER_NONE, TIER_REVIEW

logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# Configuration (the typed file lives in config.impersonation; the caller loads it and passes it in)
# ----------------------------------------------------------------------------------------------
def site_lexicon(cfg: ImpersonationConfig) -> ExtractLexicon:
    """The word lists :func:`crawler.extract.sitecheck.extract_site_evidence` needs, from the config."""
    s = cfg.site
    return ExtractLexicon(
        audit_refs=s.audit_refs,
        authorisation_words=s.authorisation_words,
        cooperation_words=s.cooperation_words,
        training_cert_words=s.training_cert_words,
        official_status_words=s.official_status_words,
        negation_words=s.negation_words,
        fee_words=s.fee_words,
        parked_markers=s.parked_markers,
        org_forms=cfg.names.org_forms,
        national_prefixes=(*cfg.names.national_prefixes, *cfg.names.state_prefixes),
    )


# ----------------------------------------------------------------------------------------------
# Results
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Signal:
    """One explainable reason: what fired, how many points, and the text that fired it."""

    code: str
    label: str  # Chinese, shown to press officers
    weight: int
    evidence: str

    def to_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "weight": self.weight, "evidence": self.evidence}


@dataclass(frozen=True)
class NameVerdict:
    name: str
    score: int
    tier: str
    signals: tuple[Signal, ...] = ()

    @property
    def reasons(self) -> list[str]:
        return [f"{s.label}：{s.evidence}" for s in self.signals]


@dataclass(frozen=True)
class SiteVerdict:
    url: str
    host: str
    score: int
    tier: str
    signals: tuple[Signal, ...] = ()
    evidence: SiteEvidence | None = field(default=None, repr=False)

    @property
    def flagged(self) -> bool:
        return self.tier in (TIER_ACT, TIER_REVIEW)

    @property
    def reasons(self) -> list[str]:
        return [f"{s.label}（+{s.weight}）：{s.evidence}" for s in self.signals]

    def to_dict(self) -> dict:
        return {
            "url": self.url,
            "host": self.host,
            "score": self.score,
            "tier": self.tier,
            "tier_label": TIER_LABELS[self.tier],
            "signals": [s.to_dict() for s in self.signals],
            "evidence": self.evidence.to_dict() if self.evidence else None,
        }


def tier_for(score: int, cfg: ImpersonationConfig) -> str:
    """Map a 0–100 score to a tier: act (≥ act threshold), review (≥ review threshold) or none."""
    t = cfg.tiers
    if score >= t.act:
        return TIER_ACT
    if score >= t.review:
        return TIER_REVIEW
    return TIER_NONE


# ----------------------------------------------------------------------------------------------
# 政府网站标识码
# ----------------------------------------------------------------------------------------------
# GB/T 2260 province-level codes
_PROVINCES = {
    11,
    12,
    13,
    14,
    15,
    21,
    22,
    23,
    31,
    32,
    33,
    34,
    35,
    36,
    37,
    41,
    42,
    43,
    44,
    45,
    46,
    50,
    51,
    52,
    53,
    54,
    61,
    62,
    63,
    64,
    65,
}
_MUNICIPALITIES = {11, 12, 31, 50}


def valid_site_code(code: str) -> bool:
    """True for a well-formed 政府网站标识码.

    Central departments use ``bm`` + 8 digits; local bodies use 10 digits whose first 6 are a
    plausible GB/T 2260 division code (province 11–65; for the four municipalities the prefecture
    part is 00–02; prefecture 00–70 or 90; a province-level code has county part 00) followed by a
    4-digit serial other than 0000.
    """
    c = (code or "").strip().lower()
    if re.fullmatch(r"bm\d{8}", c):
        return c[2:] != "00000000"
    if not re.fullmatch(r"\d{10}", c):
        return False
    prov, pref, county, serial = int(c[0:2]), int(c[2:4]), int(c[4:6]), c[6:]
    if prov not in _PROVINCES or serial == "0000":
        return False
    if prov in _MUNICIPALITIES:
        if pref > 2:
            return False
    elif not (pref <= 70 or pref == 90):
        return False
    return not (pref == 0 and county != 0)


def is_gov_host(host: str, cfg: ImpersonationConfig) -> bool:
    """True for hosts under the government-only suffixes (.gov.cn, .政务)."""
    h = host.lower().rstrip(".")
    return any(h.endswith(s.lower()) for s in cfg.gov_suffixes)


def is_official_host(host: str, cfg: ImpersonationConfig) -> bool:
    """True when the host is on the official-domain allowlist (or a subdomain of an entry)."""
    return host_matches(host, cfg.official_domains)


# ----------------------------------------------------------------------------------------------
# Name rules
# ----------------------------------------------------------------------------------------------
def _clean_name(name: str) -> str:
    return re.sub(r"[\s\u3000]+", "", name or "").replace("（", "(").replace("）", ")")


def is_legit_org(name: str, cfg: ImpersonationConfig) -> bool:
    """Exact allowlist match on the cleaned name."""
    return _clean_name(name) in {_clean_name(n) for n in cfg.legit_orgs}


def score_org_name(name: str, cfg: ImpersonationConfig) -> NameVerdict:
    """Score an organisation name for illegal-organisation patterns (0–100, explainable).

    Structural, from the registration rules rather than from lists of names: 中国/中华/全国 + a field + a
    membership form (协会, 学会 …) is the shape of every registered national body and scores below review.
    A name reaches review with one mark a registered body cannot carry (a form without legal personality,
    a national prefix on a non-membership institution, a reserved 国家/中央 prefix, state-organ wording, a
    second scope word, honorific or award wording, quasi-regulatory powers, a regional branch, a clan,
    Latin letters, several buzzwords at once) and act with two. Allowlisted organisations always score 0.

    A bracketed place note inside the name (…中心（浙江）代表处) is the mark of a regional office
    (``regional_note``).

    When the office configured the 民政部 register (``names.national_register.file``), the lookup is a
    structural signal of its own: a name that can only be a registered national body — the registered national
    shape, or a registrable form on a supranational name or on a full name without an administrative division —
    that is not on the register gets ``not_registered`` (review on its own, not act), and a name on the register
    (or exempt from registration) gets ``registered`` (negative points).
    """
    r = cfg.names
    w = r.weights
    n = _clean_name(name)
    if not n:
        return NameVerdict(name, 0, TIER_NONE, ())
    if is_legit_org(n, cfg):
        return NameVerdict(name, 0, TIER_NONE, (Signal("allowlisted", "合法组织白名单", 0, n),))
    sig: list[Signal] = []
    base = re.sub(r"\([^)]*\)", "", n)  # drop parenthesised notes like (浙江)

    prefix = _longest_prefix(base, r.national_prefixes)
    state = "" if prefix else _longest_prefix(base, r.state_prefixes)
    sup = "" if prefix or state else _longest_prefix(base, r.supranational_prefixes)
    end_form = _end_form(base, r.org_forms)
    organ_term = next((t for t in sorted(r.organ_terms, key=len, reverse=True) if t in base), "")
    if prefix:
        sig.append(
            Signal(
                "national_prefix",
                "冠以“中国/中华/全国”等字样（全国性组织须经民政部登记，需核实）",
                w.national_prefix,
                prefix,
            )
        )
    elif state and end_form and not organ_term:
        sig.append(Signal("state_prefix", "冠以“国家/中央”等国家机关专用字样", w.state_prefix, state))
    elif sup:
        sig.append(Signal("supranational_prefix", "冠以“国际/世界/亚洲”等字样", w.supranational_prefix, sup))
    scoped = prefix or state or sup
    if end_form:
        sig.append(Signal("org_form", "社会组织形式名称", w.org_form, end_form))
    no_region = bool(not scoped and end_form and not _starts_with_division(base))
    if no_region:
        sig.append(Signal("no_region", "地方组织名称未冠以行政区划名称", w.no_region, base[:6]))
    # a full name without a division claims more than one locality; a bare field + form (审计学会, 宋庆龄基金会) is
    # a short form, which says nothing about registration
    claims_scope = bool(sup) or (no_region and len(base) - len(end_form) >= _FULL_NAME_HEAD)
    note = _regional_note(n, r)
    if note and end_form:
        sig.append(Signal("regional_note", SIGNAL_LABELS["regional_note"], w.regional_note, note))
    loose = _end_form(base, r.loose_forms) or next(
        (f for f in sorted(r.loose_forms, key=len, reverse=True) if f in base), ""
    )
    if loose:
        sig.append(
            Signal("loose_form", "联盟/组委会/联谊会等无独立法人资格或不予登记的形式", w.loose_form, loose)
        )
    institution = _end_form(base, r.institution_forms)
    if scoped and institution and not loose and not organ_term:
        sig.append(
            Signal(
                "national_institution",
                "非会员制机构（民办非企业单位等）冠以全国性或国际性字样",
                w.national_institution,
                f"{scoped}…{institution}",
            )
        )
    organ_form = _end_form(base, r.organ_forms)
    if prefix and organ_form and not organ_term:
        sig.append(
            Signal(
                "national_organ_form", "以“委员会”等机关形式冠以全国性字样", w.national_organ_form, organ_form
            )
        )
    if organ_term:
        sig.append(Signal("organ_terms", "名称使用国家机关的机构用语", w.organ_terms, organ_term))
    if prefix or state:
        rest = base[len(prefix or state) :]
        for compound in r.scope_field_compounds:
            rest = rest.replace(compound, "·")
        scope = next((t for t in sorted(r.scope_terms, key=len, reverse=True) if t in rest), "")
        if scope:
            sig.append(
                Signal(
                    "scope_stack",
                    "全国性字样后再叠加“国际/世界”等范围词",
                    w.scope_stack,
                    f"{prefix or state}…{scope}",
                )
            )
    stacked = _stacked_forms(base, end_form, r)
    if stacked:
        sig.append(Signal("stacked_forms", "名称叠加多个组织形式", w.stacked_forms, "、".join(stacked)))
    honorific = _drop_contained([t for t in r.honorific_terms if t in base])
    if honorific:
        sig.append(
            Signal(
                "honorific_terms", "名称含荣誉、评奖或宏大玄虚用语", w.honorific_term, "、".join(honorific)
            )
        )
    buzz = _drop_contained([t for t in r.buzzwords if t in base and t not in "".join(honorific)])
    if len(buzz) >= 2:
        pts = min(w.buzzword_cap, w.buzzword * len(buzz))
        sig.append(Signal("buzzwords", "名称堆砌多个时髦词语", pts, "、".join(buzz)))
    auth = _drop_contained([t for t in r.authority_terms if t in base])
    if auth:
        sig.append(
            Signal(
                "authority_terms", "名称暗示认证、评比、监督等公权力职能", w.authority_term, "、".join(auth)
            )
        )
    if prefix and base.endswith("分会"):
        head = base[len(prefix) : -2]
        region = next((g for g in r.region_words if g in head[-6:]), "")
        if region:
            sig.append(
                Signal(
                    "regional_branch",
                    "全国性名称下设地方分会（不得设立地域性分支机构）",
                    w.regional_branch,
                    base[-8:],
                )
            )
    clan = next((t for t in r.clan_terms if t in base), "")
    if clan:
        sig.append(Signal("clan", "宗亲类跨地域组织", w.clan, clan))
    latin = re.findall(r"[A-Za-z]{2,}", base)
    if latin and (scoped or end_form):
        sig.append(
            Signal(
                "latin_letters",
                "名称夹杂外文字母（登记名称应使用规范汉字）",
                w.latin_letters,
                "、".join(latin),
            )
        )
    audit = next((t for t in r.audit_terms if t in base), "")
    if audit and (scoped or end_form):
        sig.append(Signal("audit_term", "名称使用“审计”字样", w.audit_term, audit))
    sig += _register_signals(n, base, prefix, claims_scope, end_form, r)
    score = max(0, min(100, sum(s.weight for s in sig)))
    return NameVerdict(name, score, tier_for(score, cfg), tuple(sig))


# Characters before the form from which a name without a division is read as a full name (字号 and field:
# 中医药民间协会, 海斯特钓友俱乐部) rather than a short form of one (审计学会, 内审协会, 宋庆龄基金会).
_FULL_NAME_HEAD = 4


def _register_signals(
    name: str, base: str, prefix: str, claims_scope: bool, end_form: str, r
) -> list[Signal]:
    """The register lookup (only when a register is configured): on it -> ``registered``; else
    ``not_registered`` for a name that can only be a registered national body: the national registered shape
    (national prefix … association form), or a registrable form (an association form, or a form that is not an
    institution, organ, loose or branch form) on a name that claims more than one locality (``claims_scope``: a
    supranational prefix, or a full name without the administrative division every local body must carry)."""
    reg = r.national_register
    if not reg.configured:
        return []
    if reg.contains(name):  # only a (筹)-type note is dropped: 中国…协会（浙江） is not the registered body
        return [Signal("registered", SIGNAL_LABELS["registered"], r.weights.registered, name)]
    association = _end_form(base, r.association_forms)
    if prefix and association:
        return [Signal("not_registered", SIGNAL_LABELS["not_registered"], r.weights.not_registered, base)]
    unregistrable = (*r.institution_forms, *r.organ_forms, *r.loose_forms, *r.branch_forms)
    registrable = association or (end_form and not _end_form(base, unregistrable))
    if registrable and (prefix or claims_scope):
        return [Signal("not_registered", SIGNAL_LABELS["not_registered"], r.weights.not_registered, base)]
    return []


def _regional_note(name: str, r) -> str:
    """A bracketed place note inside a name (上海合作国际中心(浙江)代表处, 中国…协会（浙江）): the mark of a
    regional office, which a registered body's own name never carries. ``name`` is cleaned (half-width
    brackets); a (筹)-type note is not a place."""
    for m in re.finditer(r"\(([^()]{1,12})\)", name):
        inner = m.group(1)
        if any(g in inner for g in r.region_words if len(g) >= 2) or mention_codes(inner):
            return m.group(0)
    return ""


def _longest_prefix(name: str, prefixes: Sequence[str]) -> str:
    return next((p for p in sorted(prefixes, key=len, reverse=True) if name.startswith(p)), "")


def _end_form(name: str, forms: Sequence[str]) -> str:
    return next((f for f in sorted(forms, key=len, reverse=True) if name.endswith(f)), "")


def _starts_with_division(name: str) -> bool:
    """Whether the name opens with an administrative division (杭州市…, 四川…): a local body's own prefix."""
    return any(pos == 0 for pos, _ in mention_codes(name[:12]))


def _stacked_forms(name: str, end_form: str, r) -> list[str]:
    """A non-membership, loose or organ form inside the name before its end form (…研究院…书画院,
    …联盟委员会, …中心…支队). Membership forms do not count: 学会联合会 (a federation of societies),
    总会计师协会 and 博物馆协会 are ordinary."""
    if not end_form or end_form in r.association_forms:
        return []  # 博物馆协会, 研究院学会: the inner form names the members
    head = name[: len(name) - len(end_form)]
    inner = [f for f in (*r.loose_forms, *r.institution_forms, *r.organ_forms) if len(f) >= 2]
    found = _forms_in(head, inner)
    return [*found, end_form] if found else []


def _forms_in(name: str, forms: Sequence[str]) -> list[str]:
    """Distinct non-overlapping organisational forms in the name, longest first."""
    found: list[tuple[int, str]] = []
    taken: set[int] = set()
    for f in sorted(forms, key=len, reverse=True):
        if len(f) < 2:
            continue
        for m in re.finditer(re.escape(f), name):
            span = set(range(m.start(), m.end()))
            if span & taken:
                continue
            taken |= span
            found.append((m.start(), f))
    return [f for _, f in sorted(found)]


def _drop_contained(terms: list[str]) -> list[str]:
    """Keep terms not contained in another matched term (文艺 inside 文艺家 counts once)."""
    uniq = list(dict.fromkeys(terms))
    return [t for t in uniq if not any(t != o and t in o for o in uniq)]


# ----------------------------------------------------------------------------------------------
# Site scoring
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OfficialProfile:
    """What a candidate is compared against: the protected site's look and markers."""

    host: str
    name: str
    site_codes: frozenset[str] = frozenset()
    favicon_sha256: str = ""
    shingles: frozenset[int] = frozenset()
    tag_paths: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()


def official_profile(evidence: SiteEvidence | None, cfg: ImpersonationConfig) -> OfficialProfile:
    """Build the comparison profile from the official site's own evidence (``None``: names only)."""
    if evidence is None:
        return OfficialProfile(host=cfg.official_site.host, name=cfg.official_site.name)
    return OfficialProfile(
        host=evidence.host or cfg.official_site.host,
        name=cfg.official_site.name,
        site_codes=frozenset(evidence.site_codes),
        favicon_sha256=evidence.favicon_sha256,
        shingles=evidence.shingles,
        tag_paths=evidence.tag_paths,
        classes=evidence.classes,
    )


def score_site(
    ev: SiteEvidence, official: OfficialProfile | None = None, *, cfg: ImpersonationConfig
) -> SiteVerdict:
    """Score one candidate's evidence; allowlisted hosts and redirects to them are never flagged."""
    official = official or official_profile(None, cfg)
    w = cfg.site.weights
    th = cfg.site.thresholds
    host = ev.host

    if is_official_host(host, cfg) or host == official.host:
        label = "跳转至官方网站" if ev.redirect_chain else "官方/白名单域名"
        return SiteVerdict(ev.final_url, host, 0, TIER_NONE, (Signal("allowlisted", label, 0, host),), ev)
    if ev.meta_refresh and (
        is_official_host(host_of(ev.meta_refresh), cfg) or host_of(ev.meta_refresh) == official.host
    ):
        return SiteVerdict(
            ev.final_url,
            host,
            0,
            TIER_NONE,
            (Signal("redirect_official", "跳转至官方网站", 0, ev.meta_refresh),),
            ev,
        )
    if ev.status >= 400 or (not ev.text.strip() and not ev.title):
        return SiteVerdict(
            ev.final_url,
            host,
            0,
            TIER_NONE,
            (Signal("unreachable", "无法获取页面内容", 0, f"HTTP {ev.status}"),),
            ev,
        )

    gov_host = is_gov_host(host, cfg)
    sig: list[Signal] = []

    # posing as a government body off .gov.cn / .政务
    if not gov_host:
        posing = _gov_identity(ev, cfg)
        if posing:
            sig.append(
                Signal("gov_posing", "以政府机关名义出现但不在 .gov.cn/.政务 域名下", w.gov_posing, posing)
            )
        if ev.site_codes:
            sig.append(
                Signal(
                    "site_code_on_non_gov",
                    "非政府域名使用政府网站标识码",
                    w.site_code_on_non_gov,
                    "、".join(
                        f"{c}（{'格式有效' if valid_site_code(c) else '格式无效'}）" for c in ev.site_codes
                    ),
                )
            )
            copied = sorted(set(ev.site_codes) & set(official.site_codes))
            if copied:
                sig.append(
                    Signal("site_code_copied", "复制官方网站标识码", w.site_code_copied, "、".join(copied))
                )
        if ev.badges:
            sig.append(
                Signal("badge_on_non_gov", "非政府域名使用“党政机关”标识", w.badge_on_non_gov, ev.badges[0])
            )

    # claims of authorisation / cooperation / official status
    auth = [c for c in ev.claims if c.kind == "authorisation"]
    coop = [c for c in ev.claims if c.kind == "cooperation"]
    if auth:
        sig.append(
            Signal(
                "authorisation_claim", "声称获审计机关授权、指定或委托", w.authorisation_claim, auth[0].text
            )
        )
    elif coop:
        sig.append(Signal("cooperation_claim", "声称与审计机关合作", w.cooperation_claim, coop[0].text))

    # names on the page; a .gov.cn / .政务 host is registered only by government bodies, so a state organ's or an
    # audit office's own name there is no sign of impersonation (国务院国有资产监督管理委员会 on sasac.gov.cn)
    audit_name, other_name = _name_signals(ev, cfg) if not gov_host else (None, None)
    if audit_name:
        sig.append(audit_name)
    elif other_name:
        sig.append(other_name)

    audit_context = bool(auth or coop or audit_name or any(r in ev.text for r in cfg.site.audit_refs))
    official_claims = [c for c in ev.claims if c.kind == "official_status"]
    if official_claims and audit_context and (auth or coop or audit_name):
        sig.append(
            Signal(
                "official_status_claim",
                "自称官方或唯一指定",
                w.official_status_claim,
                official_claims[0].text,
            )
        )
    if ev.fee_terms and ev.training_terms and audit_context:
        sig.append(
            Signal(
                "fee_with_training",
                "收取培训、考试或证书费用",
                w.fee_with_training,
                "、".join(ev.fee_terms[:3] + ev.training_terms[:3]),
            )
        )

    # copied look
    if official.shingles:
        ts = jaccard(ev.shingles, official.shingles)
        if ts >= th.text_similarity:
            sig.append(
                Signal(
                    "text_similarity",
                    similarity_label("text_similarity", ts),
                    w.text_similarity,
                    f"文本相似度 {ts:.2f}",
                )
            )
    if official.tag_paths:
        ls = layout_similarity(ev.tag_paths, ev.classes, official.tag_paths, official.classes)
        if ls >= th.layout_similarity:
            sig.append(
                Signal(
                    "layout_similarity",
                    similarity_label("layout_similarity", ls),
                    w.layout_similarity,
                    f"版式相似度 {ls:.2f}",
                )
            )
    if official.favicon_sha256 and ev.favicon_sha256 == official.favicon_sha256:
        sig.append(
            Signal("favicon_copied", "网站图标与官方网站相同", w.favicon_copied, ev.favicon_sha256[:16])
        )

    # no ICP filing: only meaningful together with something else
    if sig and not ev.icp_numbers and not gov_host:
        sig.append(Signal("no_icp", "页面无ICP备案号", w.no_icp, "未发现“ICP备”字样"))

    score = min(100, sum(s.weight for s in sig))
    if ev.parked_markers:
        sig.append(Signal("parked", "停放/待售域名", 0, "、".join(ev.parked_markers)))
        score = min(score, w.parked_cap)
    return SiteVerdict(ev.final_url, host, score, tier_for(score, cfg), tuple(sig), ev)


def _gov_identity(ev: SiteEvidence, cfg: ImpersonationConfig) -> str:
    """The self-description that presents the site as a government body, or ''."""
    pats = [re.compile(p) for p in cfg.site.gov_body_patterns]
    for ident in ev.identity:
        s = re.sub(r"\s+", "", ident)
        if len(s) > 30:
            continue
        for p in pats:
            if p.search(s):
                return s
    return ""


def _name_signals(ev: SiteEvidence, cfg: ImpersonationConfig) -> tuple[Signal | None, Signal | None]:
    """(audit-name signal, other suspicious-name signal) from the names the page uses."""
    w = cfg.site.weights
    audit_terms = cfg.names.audit_terms
    audit_sig: Signal | None = None
    other_sig: Signal | None = None
    best = 0
    for name in ev.org_names:
        if is_legit_org(name, cfg):
            continue
        v = score_org_name(name, cfg)
        has_audit = any(t in name for t in audit_terms)
        if has_audit and _is_self_name(name, ev):
            nat = any(name.startswith(p) for p in (*cfg.names.national_prefixes, *cfg.names.state_prefixes))
            gov_like = any(re.search(p, name) for p in cfg.site.gov_body_patterns)
            if nat or gov_like:
                cand = Signal(
                    "audit_org_name", "以全国性或机关名义使用“审计”字样的名称", w.audit_org_name, name
                )
            else:
                cand = Signal("audit_org_name", "名称使用“审计”字样", w.audit_org_name_no_prefix, name)
            if audit_sig is None or cand.weight > audit_sig.weight:
                audit_sig = cand
        elif v.tier != TIER_NONE and v.score > best and _is_self_name(name, ev):
            best = v.score
            other_sig = Signal(
                "suspicious_org_name",
                "名称符合非法社会组织特征",
                w.suspicious_org_name,
                f"{name}（{'；'.join(s.label for s in v.signals)}）",
            )
    return audit_sig, other_sig


def _is_self_name(name: str, ev: SiteEvidence) -> bool:
    """A name the site uses for itself (identity strings), not one it merely mentions."""
    return any(name in re.sub(r"\s+", "", i) or re.sub(r"\s+", "", i) in name for i in ev.identity)
