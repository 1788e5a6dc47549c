"""Build the demo corpus: every document the local demo sites serve, with what the pipeline should do with it.

Deterministic: the same seed gives the same ids, URL paths, titles and bodies whatever `now` is; only
publication times move with `now` (spread over the last 30 days, with a share today and this week).
Each document records whether the 监测方案 in config/keywords.yaml keeps it (computed with the project's own
matcher), why it should be dropped otherwise, and whether a configured demo source can reach it, so the
demo can check its own summary against `Corpus.stats()`.
"""

from __future__ import annotations

import logging
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from analysis.plans import match_plans
from config.loader import Plan, load_plans
from crawler.extract.dates import SHANGHAI
from yuqing.demo import texts
from yuqing.demo.texts import Story

logger = logging.getLogger(__name__)

PLANS_FILE = Path(__file__).resolve().parents[2] / "config" / "keywords.yaml"
REF_DATE = date(2026, 11, 22)  # URL paths carry dates counted back from this fixed day, never from `now`

# sites that serve documents, in port order; search_engine serves result pages only
SITES = (
    "cnaudit_news",
    "province_portal",
    "city_gbk_portal",
    "audit_office",
    "search_engine",
    "county_news",
    "weibo_api",
)
SITE_NAMES = {
    "cnaudit_news": "审计时报网",
    "province_portal": "齐鲁要闻网",
    "city_gbk_portal": "临沂新闻网",
    "audit_office": "中华人民共和国审计署",
    "search_engine": "百搜新闻",
    "county_news": "莒南融媒",
    "weibo_api": "微博",
}
SITE_MEDIA = {
    "cnaudit_news": "中国审计报",
    "province_portal": "大众日报",
    "city_gbk_portal": "临沂日报",
    "audit_office": "审计署办公厅",
    "county_news": "莒南县融媒体中心",
    "weibo_api": "微博",
}
SEARCH_QUERIES = ("审计局", "审计 整改")
WEIBO_QUERIES = ("审计",)
PAGE_SIZE = {
    "province_portal": 20,
    "city_gbk_portal": 20,
    "audit_sjgg": 15,
    "audit_xwfb": 15,
    "search": 10,
    "weibo": 10,
}

_TAG = re.compile(r"<[^>]+>")


@dataclass
class DemoDoc:
    """One document (article, 公告, post or broken page) and what the demo expects the pipeline to do."""

    doc_id: str
    site: str
    kind: str  # "article" | "notice" | "post" | "broken"
    title: str
    body: str  # paragraphs joined by "\n"; for posts the plain text
    published_at: datetime | None  # aware, Asia/Shanghai, to the minute
    author: str | None
    media: str | None
    story_id: str | None  # shared by the first publication and its reprints
    relevant: bool  # the 监测方案 keep it (title + body)
    drop_reason: str | None  # no_plan_match | plan_excluded | broken_http_404 | broken_http_500 | ...
    engagement: dict[str, int] = field(default_factory=dict)
    path: str = ""  # URL path (with query) on its site
    topic: str = ""  # the template it was written from
    quirk: str | None = (
        None  # stored anyway: charset_meta_lie | charset_none | charset_header_wrong | truncated | no_date | huge
    )
    reachable: bool = True  # some demo source leads the crawler to it
    column: str = ""  # audit_office: sjgg (公告) | xwfb (工作动态)
    editor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # posts: html, user, source; list titles etc.

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n") if p]

    @property
    def expected_stored(self) -> bool:
        return self.reachable and self.relevant and self.drop_reason is None


@dataclass
class Corpus:
    """All demo documents plus the traps (links that must never be fetched) and the time it was built for."""

    now: datetime
    docs: list[DemoDoc]
    traps: list[dict[str, str]]
    seed: int
    n_bulk: int = 0

    def by_site(self) -> dict[str, list[DemoDoc]]:
        out: dict[str, list[DemoDoc]] = {s: [] for s in SITES}
        for d in self.docs:
            out[d.site].append(d)
        return out

    def get(self, doc_id: str) -> DemoDoc:
        return self._index()[doc_id]

    def _index(self) -> dict[str, DemoDoc]:
        idx = self.__dict__.get("_idx")
        if idx is None or len(idx) != len(self.docs):
            idx = {d.doc_id: d for d in self.docs}
            self.__dict__["_idx"] = idx
        return idx

    def expected_stored(self) -> dict[str, int]:
        """Documents each site should end up storing (relevant, reachable, served intact)."""
        out = {s: 0 for s in SITES if s != "search_engine"}
        for d in self.docs:
            if d.expected_stored:
                out[d.site] += 1
        return out

    def drops_by_reason(self) -> dict[str, int]:
        """Reachable documents the pipeline should not store, by reason."""
        c = Counter(d.drop_reason for d in self.docs if d.reachable and d.drop_reason)
        return dict(sorted(c.items()))

    def stats(self) -> dict[str, Any]:
        """Everything the demo summary can be checked against."""
        reachable = [d for d in self.docs if d.reachable]
        per_site_drops: dict[str, dict[str, int]] = {}
        for d in reachable:
            if d.drop_reason:
                per_site_drops.setdefault(d.site, {}).setdefault(d.drop_reason, 0)
                per_site_drops[d.site][d.drop_reason] += 1
        stored = self.expected_stored()
        return {
            "documents": len(self.docs),
            "reachable": len(reachable),
            "expected_stored": stored,
            "expected_stored_total": sum(stored.values()),
            "drops": self.drops_by_reason(),
            "drops_by_site": per_site_drops,
            "quirks_stored": dict(Counter(d.quirk for d in reachable if d.quirk and d.expected_stored)),
            "reprint_stories": len({d.story_id for d in self.docs if d.story_id}),
            "reprints": sum(1 for d in self.docs if d.story_id and d.extra.get("reprint_of")),
            "today": sum(
                1
                for d in self.docs
                if d.expected_stored and d.published_at and d.published_at.date() == self.now.date()
            ),
            "last_7_days": sum(
                1
                for d in self.docs
                if d.expected_stored and d.published_at and self.now - d.published_at < timedelta(days=7)
            ),
            "not_fetched": [t["url"] for t in self.traps],
        }


# ---------------------------------------------------------------------------------------------- dates
def _start_of_day(now: datetime) -> datetime:
    local = now.astimezone(SHANGHAI)
    return datetime.combine(local.date(), time(0, 0), tzinfo=SHANGHAI)


def when(now: datetime, day: int, frac: float) -> datetime:
    """Publication time for (days back, fraction of the day): day 0 lies between midnight and `now`."""
    now = now.astimezone(SHANGHAI).replace(second=0, microsecond=0)
    start = _start_of_day(now)
    if day == 0:
        span = max(timedelta(minutes=2), now - start - timedelta(minutes=1))
        dt = min(start + span * frac, now - timedelta(minutes=1))
    else:
        dt = start - timedelta(days=day) + timedelta(hours=7) + timedelta(minutes=int(frac * 15 * 60))
    return dt.replace(second=0, microsecond=0)


def _age(r: random.Random, recent: bool = False) -> tuple[int, float]:
    weights = (30, 55, 15) if recent else (12, 43, 45)
    bucket = r.choices((0, 1, 2), weights=weights)[0]
    day = 0 if bucket == 0 else r.randint(1, 6) if bucket == 1 else r.randint(7, 29)
    return day, r.random()


def url_day(day: int) -> date:
    return REF_DATE - timedelta(days=day)


# ---------------------------------------------------------------------------------------------- plans
@lru_cache(maxsize=4)
def _plans(path: str) -> tuple[Plan, ...]:
    return tuple(load_plans(path))


def plan_verdict(title: str, body: str, plans: tuple[Plan, ...] | None = None) -> str | None:
    """None when a 监测方案 keeps the text, else "plan_excluded" (a 屏蔽词 fired) or "no_plan_match"."""
    plans = plans if plans is not None else _plans(str(PLANS_FILE))
    m = match_plans(plans, title, body)
    if m.kept:
        return None
    return "plan_excluded" if m.excluded_by else "no_plan_match"


def plain_text(html: str) -> str:
    return _TAG.sub("", html).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").strip()


# ---------------------------------------------------------------------------------------------- builder
class _Builder:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.docs: list[DemoDoc] = []
        self.specs: dict[str, tuple[int, float] | tuple[str, float]] = {}
        self.ids = {
            "cnaudit_news": 30100,
            "province_portal": 52000,
            "city_gbk_portal": 1480200,
            "audit_office": 10450,
            "county_news": 8800,
        }
        self.notice_no = 0

    def next_id(self, site: str) -> int:
        self.ids[site] += self.r.randint(1, 9)
        return self.ids[site]

    # --- paths -------------------------------------------------------------------------------------
    def path(self, site: str, num: int, day: int, column: str = "") -> str:
        d = url_day(day)
        if site == "cnaudit_news":
            return f"/html/{d:%Y}/{d:%m%d}/a_{num}.html"
        if site == "province_portal":
            return f"/news/{d:%Y-%m}/{d:%d}/content_{num}.html"
        if site == "city_gbk_portal":
            return f"/xwzx/{d:%Y%m}/t{d:%Y%m%d}_{num}.html"
        if site == "audit_office":
            col = "gkml/sjgg" if column == "sjgg" else "xwfb/gzdt"
            return f"/{col}/{d:%Y%m}/t{d:%Y%m%d}_{num}.html"
        if site == "county_news":
            return f"/news/show-{num}.html"
        raise ValueError(site)

    # --- documents ---------------------------------------------------------------------------------
    def add(
        self,
        site: str,
        story: Story,
        *,
        kind: str = "article",
        age: tuple[int, float] | None = None,
        column: str = "",
        story_id: str | None = None,
        media: str | None = None,
        quirk: str | None = None,
        drop: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> DemoDoc:
        r = self.r
        age = age or _age(r)
        num = self.next_id(site)
        path = self.path(site, num, age[0] if isinstance(age[0], int) else 0, column)
        author = None if site == "audit_office" else texts.name(r)
        doc = DemoDoc(
            doc_id=f"{site}:{num}",
            site=site,
            kind=kind,
            title=story.title,
            body="\n".join(story.paragraphs),
            published_at=None,
            author=author,
            media=media or SITE_MEDIA[site],
            story_id=story_id,
            relevant=False,
            drop_reason=drop,
            path=path,
            topic=story.topic,
            quirk=quirk,
            column=column,
            editor=texts.name(r),
            extra=dict(extra or {}),
        )
        if site == "county_news":
            doc.engagement = {"reads": r.randint(80, 26000)}
        self.specs[doc.doc_id] = age
        self.docs.append(doc)
        return doc

    def add_post(self, kind: str, html: str, age: tuple[int, float], serial: int) -> DemoDoc:
        r = self.r
        text = plain_text(html)
        user = r.choice(texts.WEIBO_USERS)
        mid = str(4_990_000_000_000_000 - serial * 7_919_317 - r.randint(0, 7_000))
        likes = int(r.paretovariate(1.3) * 8)
        doc = DemoDoc(
            doc_id=f"weibo_api:{mid}",
            site="weibo_api",
            kind="post",
            title=text[:30],
            body=text,
            published_at=None,
            author=user,
            media="微博",
            story_id=None,
            relevant=False,
            drop_reason=None,
            engagement={
                "reposts": int(likes * r.uniform(0.05, 0.6)),
                "comments": int(likes * r.uniform(0.05, 0.4)),
                "likes": likes,
                "reads": 0,
            },
            path=f"/detail/{mid}",
            topic=f"post_{kind}",
            extra={
                "html": html,
                "user_id": 1_000_000_000 + texts.WEIBO_USERS.index(user) * 7_717_171,
                "source": r.choice(
                    ["iPhone客户端", "HUAWEI Mate 70", "微博网页版", "Android客户端", "小米14 Ultra"]
                ),
            },
        )
        self.specs[doc.doc_id] = age
        self.docs.append(doc)
        return doc


def _retitle(r: random.Random, story: Story, i: int) -> str:
    if story.alt_titles and i < len(story.alt_titles):
        return story.alt_titles[i]
    return r.choice(["【关注】", "【聚焦】", ""]) + story.title


def _reprint_paragraphs(r: random.Random, paras: list[str], mode: str) -> list[str]:
    if mode == "excerpt":
        return paras[: max(2, len(paras) - 2)] + ["（本文有删节）"]
    if mode == "drop" and len(paras) > 3:
        out = list(paras)
        del out[r.randrange(1, len(out) - 1)]
        return out
    return list(paras)


# (first site, generator name, local?, [(reprint site, mode)])
_REPRINTS = [
    ("audit_office", "announcement", False, [("cnaudit_news", "full"), ("province_portal", "excerpt")]),
    (
        "audit_office",
        "announcement",
        False,
        [("cnaudit_news", "full"), ("city_gbk_portal", "excerpt"), ("province_portal", "drop")],
    ),
    ("audit_office", "announcement", False, [("cnaudit_news", "drop"), ("province_portal", "full")]),
    ("cnaudit_news", "special_audit", False, [("province_portal", "drop"), ("city_gbk_portal", "full")]),
    (
        "cnaudit_news",
        "rectification",
        True,
        [("province_portal", "full"), ("city_gbk_portal", "drop"), ("county_news", "excerpt")],
    ),
    ("cnaudit_news", "finding", False, [("province_portal", "full"), ("city_gbk_portal", "excerpt")]),
    ("province_portal", "local_junan", True, [("city_gbk_portal", "full"), ("county_news", "drop")]),
    (
        "province_portal",
        "finding",
        True,
        [("city_gbk_portal", "drop"), ("county_news", "full"), ("cnaudit_news", "excerpt")],
    ),
    ("city_gbk_portal", "local_junan", True, [("county_news", "full"), ("province_portal", "drop")]),
    ("city_gbk_portal", "rectification", True, [("county_news", "drop"), ("province_portal", "excerpt")]),
    (
        "county_news",
        "local_junan",
        True,
        [("city_gbk_portal", "full"), ("province_portal", "drop"), ("cnaudit_news", "excerpt")],
    ),
    (
        "cnaudit_news",
        "criticism",
        True,
        [("province_portal", "full"), ("county_news", "drop"), ("city_gbk_portal", "full")],
    ),
]

# per site: (generator, count, local)
_MIX: dict[str, list[tuple[str, int, bool]]] = {
    "cnaudit_news": [
        ("work_news", 14, False), ("rectification", 10, False), ("special_audit", 11, False), ("finding", 9, False),
        ("economic_responsibility", 7, False), ("criticism", 3, False), ("local_junan", 2, True),
        ("company_report", 3, False), ("recruit_ad", 2, False),
    ],
    "province_portal": [
        ("work_news", 8, False), ("rectification", 12, False), ("special_audit", 10, False), ("finding", 16, False),
        ("economic_responsibility", 7, False), ("criticism", 3, False), ("local_junan", 8, True),
        ("company_report", 8, False), ("irrelevant", 58, False), ("recruit_ad", 6, False),
    ],
    "city_gbk_portal": [
        ("local_junan", 28, True), ("rectification", 5, True), ("finding", 6, True), ("criticism", 1, True),
        ("irrelevant", 36, True), ("recruit_ad", 4, True),
    ],
    "audit_office:sjgg": [("announcement", 36, False)],
    "audit_office:xwfb": [("work_news", 18, False), ("rectification", 6, False), ("economic_responsibility", 5, False)],
    "county_news": [
        ("local_junan", 28, True), ("criticism", 2, True), ("finding", 4, True), ("rectification", 4, True),
        ("irrelevant", 14, True), ("recruit_ad", 3, True),
    ],
}  # fmt: skip

_RELEVANT_GENERATORS = (
    "work_news",
    "rectification",
    "special_audit",
    "finding",
    "economic_responsibility",
    "local_junan",
)


def _story(b: _Builder, gen: str, local: bool) -> Story:
    r = b.r
    if gen == "announcement":
        b.notice_no += 1
        return texts.announcement(r, b.notice_no)
    fn = getattr(texts, gen)
    if gen in ("work_news", "company_report", "local_junan"):
        return fn(r)
    return fn(r, local)


def build_corpus(now: datetime, *, seed: int = 20261122, n_bulk: int = 0) -> Corpus:
    """Generate every demo document; ids, paths and texts depend only on (seed, n_bulk), times on `now`."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=SHANGHAI)
    now = now.astimezone(SHANGHAI)
    b = _Builder(seed)
    r = b.r

    # 1. reprint stories first, so their numbering is stable
    reprint_specs: dict[str, tuple[str, float]] = {}
    for i, (first, gen, local, copies) in enumerate(_REPRINTS):
        story = _story(b, gen, local)
        sid = f"story-{i + 1:02d}"
        day = r.randint(1, 12) if i % 4 else 0  # a few stories break today
        first_age = (day, r.uniform(0.05, 0.45))
        column = "sjgg" if first == "audit_office" else ""
        kind = "notice" if first == "audit_office" else "article"
        orig = b.add(first, story, kind=kind, age=first_age, column=column, story_id=sid)
        for j, (site, mode) in enumerate(copies):
            rs = Story(
                story.topic,
                _retitle(r, story, j),
                _reprint_paragraphs(r, story.paragraphs, mode),
                [],
                story.region,
            )
            doc = b.add(
                site,
                rs,
                age=(first_age[0], 0.0),
                story_id=sid,
                media=orig.media,
                extra={"reprint_of": orig.doc_id},
            )
            doc.author = orig.author if site != "county_news" else doc.author
            reprint_specs[doc.doc_id] = (orig.doc_id, (j + 1) / (len(copies) + 1))

    # 2. each site's own mix
    for key, mix in _MIX.items():
        site, _, column = key.partition(":")
        for gen, count, local in mix:
            for _ in range(count):
                kind = "notice" if column == "sjgg" else "article"
                b.add(site, _story(b, gen, local), kind=kind, column=column)

    # 3. quirks and broken pages (spread across sites)
    _add_quirks(b)

    # 4. Weibo posts: some share the headlines above
    headlines = [
        d.title
        for d in b.docs
        if d.topic in ("announcement", "finding", "special_audit", "criticism", "local_junan")
    ]
    for i in range(96):
        kind, html = texts.post(r, r.choice(headlines))
        b.add_post(kind, html, _age(r, recent=True), i)

    # 4b. a disaster at an audited project, breaking today and reprinted: a class-A hotspot with a countdown.
    #     Its own random stream, so the documents above stay as they were.
    er = random.Random(seed + 7)
    story = texts.emergency(er)
    orig = b.add("province_portal", story, age=(0, 0.1), story_id="story-emergency")
    for j, (site, mode) in enumerate([("cnaudit_news", "full"), ("county_news", "drop")]):
        rs = Story(
            story.topic,
            _retitle(er, story, j),
            _reprint_paragraphs(er, story.paragraphs, mode),
            [],
            story.region,
        )
        doc = b.add(site, rs, age=(0, 0.0), story_id="story-emergency", media=orig.media,
                    extra={"reprint_of": orig.doc_id})  # fmt: skip
        reprint_specs[doc.doc_id] = (orig.doc_id, (j + 1) / 3)

    # 5. bulk pages for the crawl benchmark, last, so they leave every other document as it was
    for _ in range(n_bulk):
        gen = _RELEVANT_GENERATORS[r.randrange(len(_RELEVANT_GENERATORS))]
        b.add("province_portal", _story(b, gen, False), extra={"bulk": True})

    # times, plan verdicts, reachability
    for d in b.docs:
        if d.doc_id in reprint_specs:
            continue
        day, frac = b.specs[d.doc_id]
        d.published_at = when(now, int(day), float(frac))
    index = {d.doc_id: d for d in b.docs}
    for did, (orig_id, share) in reprint_specs.items():
        orig = index[orig_id]
        gap = min(
            timedelta(hours=36),
            now.replace(second=0, microsecond=0) - orig.published_at - timedelta(minutes=1),
        )
        index[did].published_at = (orig.published_at + max(timedelta(minutes=1), gap * share)).replace(
            second=0, microsecond=0
        )
    plans = _plans(str(PLANS_FILE))
    for d in b.docs:
        verdict = plan_verdict(d.title, d.body, plans)
        d.relevant = verdict is None
        if d.drop_reason is None:
            d.drop_reason = verdict
        if d.quirk == "no_date":
            d.published_at = None
    _mark_reachable(b.docs)
    traps = [
        {"site": "province_portal", "url": "http://10.0.0.5/x.html", "reason": "private address"},
        {
            "site": "province_portal",
            "url": "/admin/news/2026-11/19/content_99002.html",
            "reason": "robots.txt Disallow: /admin/",
        },
        {"site": "city_gbk_portal", "url": "http://192.168.10.8/oa/login.html", "reason": "private address"},
    ]
    return Corpus(now=now, docs=b.docs, traps=traps, seed=seed, n_bulk=n_bulk)


def _add_quirks(b: _Builder) -> None:
    r = b.r
    # GBK portal: pages that lie about their encoding (relevant, so a decoding failure shows in the counts)
    for quirk in (
        "charset_meta_lie",
        "charset_meta_lie",
        "charset_none",
        "charset_none",
        "charset_header_wrong",
        "charset_header_wrong",
    ):
        b.add("city_gbk_portal", texts.local_junan(r), quirk=quirk)
    story = texts.local_junan(r)
    while re.search(r"(?:19|20)\d\d", story.title + "".join(story.paragraphs)):  # no year, let alone a date
        story = texts.local_junan(r)
    nodate = b.add("city_gbk_portal", story, quirk="no_date")
    nodate.path = f"/zwgk/content_{nodate.doc_id.split(':')[1]}.html"
    b.add("city_gbk_portal", texts.irrelevant(r, True), kind="broken", drop="broken_garbage")
    b.add("city_gbk_portal", texts.local_junan(r), kind="broken", drop="broken_http_404")
    # provincial portal: truncated, huge, empty body, HTTP 500
    b.add("province_portal", texts.finding(r), quirk="truncated")
    b.add("province_portal", texts.special_audit(r), quirk="huge")
    empty = Story("empty", "关于公布2026年第三批政务服务事项清单的通知", [], [])
    b.add("province_portal", empty, kind="broken", drop="broken_empty_body")
    b.add("province_portal", texts.rectification(r), kind="broken", drop="broken_http_500")
    # national news: an RSS item whose article was taken down; audit office: a deleted 公告; county: dead result
    b.add("cnaudit_news", texts.finding(r), kind="broken", drop="broken_http_404")
    b.notice_no += 1
    b.add(
        "audit_office",
        texts.announcement(r, b.notice_no),
        kind="broken",
        column="sjgg",
        drop="broken_http_404",
    )
    b.add("county_news", texts.local_junan(r), kind="broken", drop="broken_http_404")
    b.add("county_news", texts.rectification(r, True), quirk="truncated")
    for d in b.docs:
        if d.quirk == "truncated":  # the page is cut inside the fourth paragraph's tag
            paras = d.paragraphs
            d.extra["cut_paragraph"] = paras[3] if len(paras) > 3 else ""
            d.body = "\n".join(paras[:3])


def search_hits(docs: list[DemoDoc], query: str) -> list[DemoDoc]:
    """County-news documents the local search engine returns for `query` (all words must occur), newest first."""
    words = [w for w in query.split() if w]
    hits = [d for d in docs if d.site == "county_news" and all(w in d.title + d.body for w in words)]
    return sorted(
        hits,
        key=lambda d: (
            d.published_at is None,
            -(d.published_at.timestamp() if d.published_at else 0),
            d.doc_id,
        ),
    )


def weibo_hits(docs: list[DemoDoc], query: str) -> list[DemoDoc]:
    words = [w for w in query.split() if w]
    hits = [d for d in docs if d.site == "weibo_api" and all(w in d.body for w in words)]
    return sorted(hits, key=lambda d: (-(d.published_at.timestamp() if d.published_at else 0), d.doc_id))


def _mark_reachable(docs: list[DemoDoc]) -> None:
    county = set()
    for q in SEARCH_QUERIES:
        county |= {d.doc_id for d in search_hits(docs, q)}
    posts = set()
    for q in WEIBO_QUERIES:
        posts |= {d.doc_id for d in weibo_hits(docs, q)}
    for d in docs:
        if d.site == "county_news":
            d.reachable = d.doc_id in county
        elif d.site == "weibo_api":
            d.reachable = d.doc_id in posts
