"""Cluster documents into events (热点事件) incrementally, as they arrive, within a time window.

Single-pass online clustering, no fixed number of clusters: each document becomes a TF-IDF-weighted term
vector (jieba words, title words counted double, IDF from the table jieba ships, unknown words get the
median IDF). It joins the most similar *live* event when
- the cosine to the event centroid reaches `threshold` (stricter `short_threshold` for headlines and
  short posts, whose few terms make chance overlaps score high) with at least `min_shared` terms shared,
- and the document names a place, person or organisation (jieba POS, title and lead) that recurs in the
  event — unless the cosine alone reaches `anchor_free_threshold`. This is what keeps two fires in two
  cities, or two audit reports on two counties, apart although their vocabulary is the same;
otherwise it opens a new event. An event is live while the new document falls within `window_days` of the
event's first..last document; after that it is dormant and a new report opens a new event. Members of one
reprint group (analysis.opinion.reprints) are pre-merged: a reprint goes to the event of its group without voting.
Precision comes first: a document that is only loosely related opens its own event.

Corpus-adaptive weights. A monitored corpus is local: a county bureau's news nearly all name the county,
its city and 审计局, and templated releases share whole sentences. So the clusterer keeps document
frequencies over its live window (day buckets, one count per reprint group) and scales each term's weight
by its *specificity*: full weight up to SPECIFIC_SHARE of the window's documents, falling (log-linearly) to
MIN_SPECIFICITY at COMMON_SHARE. Only specific terms find candidate events and count as shared terms, and a
name anchors an event only while it is specific (in at most ANCHOR_MAX_SHARE of the window's documents). The
monitored region itself therefore pulls nothing together; a town, a person, a project name does. (A story
big enough to fill more than that share of the window keeps together through its reprint groups and its
cosine, not through its place name.) Local statistics take effect once
the window holds LOCAL_MIN_DOCS documents (before that: global IDF only, as a small corpus says nothing).
Figures are a soft signal: a document and an event that both state figures (analysis.opinion.reprints.facts: amounts
and counts with 3+ digits or decimals; when both state strong ones, decimals or 4+ digits, those) but share
none — two templated releases about two towns — are two
stories, whatever the cosine (the veto analysis.opinion.reprints applies to reprints; reprints are pre-merged anyway).
Places are the other side of templated releases: a document and an event do not join when each is about
places (administrative divisions its paragraphs name) that the other never names, nor any place containing
or inside them (the rule analysis.opinion.reprints.places_disagree applies to reprints): two county bureaus' releases
from one template, or two counties' own reports, are two stories.  A report naming only the city joins an
event about one of its counties, and the reverse.

State is plain JSON-able data (`to_state`/`from_state`) so an incremental run resumes where it stopped.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from analysis.opinion.reprints import TextFacts, figures_disagree, places_disagree, text_facts
from analysis.text import cut, idf_table, tag
from analysis.textnorm import normalize_text

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.15  # cosine to join, for documents with a full vector (articles)
DEFAULT_SHORT_THRESHOLD = 0.3  # ... for headlines and short posts (SHORT_TERMS terms or fewer)
SHORT_TERMS = 8  # a vector this small is a headline / short post: stricter threshold
FULL_TERMS = 30  # a vector this large gets the article threshold; linear in between
DEFAULT_WINDOW_DAYS = 7.0
DEFAULT_MIN_SHARED = 2
DEFAULT_ANCHOR_FREE_THRESHOLD = 0.6  # cosine that joins an event even without a shared name
LEAD_CHARS = 300  # names (anchors) are read from the title and this much of the body
ANCHOR_FLAGS = frozenset({"ns", "nr", "nrt", "nrfg", "nt", "nz", "eng"})  # jieba POS: places, people, orgs
LABEL_MIN_SHARED = 2  # specific terms a hot-list entry must share with the event it names
ANCHOR_SUPPORT = 0.2  # a name anchors an event once it is in this share of the members
ANCHOR_MIN_IDF = 5.0  # names as common as 中国 / 北京 / 美国 anchor nothing
TITLE_WEIGHT = 2.0  # title words count this many times
DOC_TERMS = 40  # terms kept per document vector
CENTROID_TERMS = 300  # terms kept per event centroid
# Corpus-adaptive weights (see the module docstring).
LOCAL_MIN_DOCS = 30  # local document frequencies count once the live window holds this many documents
LOCAL_MIN_DF = 4  # ... and only for terms in at least this many of them
SPECIFIC_SHARE = 0.05  # a term in at most this share of the window's documents keeps its full weight
COMMON_SHARE = 0.5  # ... in this share or more it keeps only MIN_SPECIFICITY (log-linear in between)
MIN_SPECIFICITY = 0.05
SPECIFIC = 0.5  # terms at least this specific find candidate events and count as shared terms
ANCHOR_MAX_SHARE = 0.08  # a name in more of the window's documents (the monitored region) anchors nothing
FACTS_CAP = 256  # figures remembered per event
PLACES_CAP = 64  # places remembered per event (each of: paragraphs are about, named anywhere)
_STATE_VERSION = 2

# Function words, reporting verbs and news furniture that jieba's IDF does not push down far enough.
STOPWORDS = frozenset(
    """
    一个 一些 一直 一定 一起 一样 一种 万元 不是 不会 不能 不过 也是 了解 什么 今天 今年 他们 以及 以上 以下 任何 但是
    作为 你们 便是 其中 其他 其实 关于 具有 再次 出现 分别 到了 十分 去年 发生 发现 只是 只有 可以 可能 各种 同时 后来
    因为 因此 在于 地区 处于 多个 大家 如果 如此 它们 对于 将会 就是 已经 已有 并且 应该 当时 当地 很多 我们 或者 所以
    所有 把握 指出 据悉 据了解 接受 提供 方面 时候 时间 昨天 昨日 是否 显示 更加 最后 最新 有关 有些 本报 来自 此外 没有
    然后 然而 特别 现在 目前 相关 看到 知道 研究 称为 第一 等等 经过 继续 而且 自己 表示 认为 记者 讯 记者 报道 这个 这些
    这样 这种 进行 通过 采访 需要 非常 那么 那些 还是 还有 首先 一位 一名 两个 三个 今日 日前 近日 上午 下午 晚上 凌晨
    当天 其它 不少 通讯员 本报讯 新华社 新华网 中新网 中新社 电 日电 消息 来源 责任编辑 编辑 图片 图为 组图 视频 全文
    """.split()
)
# Media and site names name the publisher, not the story.
MEDIA_NAMES = frozenset(
    """
    新华网 新华社 人民网 人民日报 中新网 中新社 中国新闻网 新浪 新浪网 新浪体育 新浪科技 新浪财经 搜狐 搜狐网 网易
    腾讯 腾讯网 凤凰网 凤凰 央视 央视网 中央电视台 光明网 环球网 中国网 澎湃 澎湃新闻 本报讯 本报 今日头条 微博 微信
    新京报 法制晚报 京华时报 北京晨报 北京青年报 南方都市报 中关村 中关村在线 东方财富 和讯 证券时报 上海证券报
    """.split()
)
_TOKEN_OK = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,}|[a-z][a-z0-9\-.]{1,}|[0-9]+(?:\.[0-9]+)?[a-z\u4e00-\u9fff]+)$"
)


def _idf_table() -> tuple[dict[str, float], float]:
    """The general-purpose IDF table shipped inside the jieba package, and its median."""
    return idf_table()


def tokenize(text: str) -> list[str]:
    """Content words of a text: jieba precise mode, lower-cased, 2+ characters, stopwords out."""
    if not text:
        return []
    words = cut(normalize_text(text).lower())
    return [w for w in words if w not in STOPWORDS and _TOKEN_OK.match(w)]


def anchors(title: str, text: str) -> set[str]:
    """Names (places, people, organisations, proper nouns) in the title and lead: what a story is about.

    Two reports of one event nearly always share one; two fires in different cities do not.
    """
    return _anchors_of(_normalized(title), _normalized(text))


def _normalized(text: str) -> str:
    return normalize_text(text).lower() if text else ""


def _anchors_of(title_norm: str, text_norm: str) -> set[str]:
    """`anchors` of an already normalised (and lower-cased) title and body."""
    lead = f"{title_norm}\n{text_norm[:LEAD_CHARS]}".strip()
    if not lead:
        return set()
    idf, median = _idf_table()
    out = set()
    for word, flag in tag(lead):
        if (
            flag in ANCHOR_FLAGS
            and len(word) >= 2
            and word not in STOPWORDS
            and word not in MEDIA_NAMES
            and not word.isdigit()
            and idf.get(word, median) >= ANCHOR_MIN_IDF
        ):
            out.add(word)
    return out


def _content_counts(norm: str) -> Counter[str]:
    """Counts of the content words of a normalised text (`tokenize`, counted first so each distinct word is
    tested once)."""
    if not norm:
        return Counter()
    counts = Counter(cut(norm))
    for w in [w for w in counts if w in STOPWORDS or not _TOKEN_OK.match(w)]:
        del counts[w]
    return counts


def _vector(title_norm: str, text_norm: str, max_terms: int = DOC_TERMS) -> dict[str, float]:
    tf: dict[str, float] = {w: n * TITLE_WEIGHT for w, n in _content_counts(title_norm).items()}
    for w, n in _content_counts(text_norm).items():
        tf[w] = tf.get(w, 0.0) + n
    if not tf:
        return {}
    idf, median = _idf_table()
    get = idf.get
    log = math.log
    weights = {w: (1.0 + log(n)) * get(w, median) for w, n in tf.items()}
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:max_terms]
    norm = math.sqrt(sum(v * v for _, v in top)) or 1.0
    return {w: v / norm for w, v in top}


def doc_vector(title: str, text: str, max_terms: int = DOC_TERMS) -> dict[str, float]:
    """Unit-length TF-IDF vector of a document (title words weighted double), top `max_terms` terms."""
    return _vector(_normalized(title), _normalized(text), max_terms)


@dataclass(frozen=True)
class EventFeatures:
    """What `EventClusterer.add` reads of a document (see `doc_features`): its unit TF-IDF vector, the names
    in its title and lead (anchors), and its figures and places (the vetoes; empty ones veto nothing)."""

    vector: dict[str, float]
    names: frozenset[str] = frozenset()
    facts: TextFacts = TextFacts()


def doc_features(title: str, text: str, names: bool = True, facts: TextFacts | None = None) -> EventFeatures:
    """What `EventClusterer.add` needs of a document: its vector, (with `names`) its anchors, and the
    figures and places of the body, or of the title when there is no body (analysis.opinion.reprints.text_facts: what
    the reprint signature carries too, so a caller that has them passes `facts`)."""
    title_norm, text_norm = _normalized(title), _normalized(text)
    if facts is None:
        facts = text_facts(text if (text or "").strip() else (title or ""))
    return EventFeatures(
        vector=_vector(title_norm, text_norm),
        names=frozenset(_anchors_of(title_norm, text_norm)) if names else frozenset(),
        facts=facts,
    )


def _to_epoch(published_at: datetime | date | str | float | int | None) -> float:
    """Seconds since the epoch; naive datetimes are read as UTC (only differences matter here)."""
    if published_at is None:
        raise ValueError("published_at is required for event clustering")
    if isinstance(published_at, int | float):
        return float(published_at)
    if isinstance(published_at, str):
        published_at = datetime.fromisoformat(published_at)
    if isinstance(published_at, datetime):
        if published_at.tzinfo is None:
            published_at = published_at.replace(tzinfo=UTC)
        return published_at.timestamp()
    return datetime(published_at.year, published_at.month, published_at.day, tzinfo=UTC).timestamp()


def _cosine(
    vec: Mapping[str, float],
    centroid: Mapping[str, float],
    centroid_norm: float,
    specific: Collection[str] | None = None,
) -> tuple[float, int]:
    """Cosine of a unit vector to a centroid, and how many terms they share (of `specific`, when given)."""
    shared = 0
    dot = 0.0
    for w, v in vec.items():
        c = centroid.get(w)
        if c is not None:
            dot += v * c
            if specific is None or w in specific:
                shared += 1
    return (dot / centroid_norm if centroid_norm else 0.0), shared


class _LocalStats:
    """Document frequencies of terms and names over the live window, in day buckets (oldest expire)."""

    __slots__ = ("days", "buckets", "sizes", "total", "n", "clock")

    def __init__(self, days: int) -> None:
        self.days = max(1, days)
        self.buckets: dict[int, dict[str, int]] = {}
        self.sizes: dict[int, int] = {}
        self.total: dict[str, int] = {}
        self.n = 0
        self.clock: int | None = None  # newest day seen

    def add(self, t: float, words: Iterable[str]) -> None:
        day = int(t // 86400.0)
        if self.clock is None or day > self.clock:
            self.clock = day
            self._expire()
        if day <= self.clock - self.days:
            return  # a late document from before the window: counts for nothing
        bucket = self.buckets.setdefault(day, {})
        total = self.total
        for w in words:
            bucket[w] = bucket.get(w, 0) + 1
            total[w] = total.get(w, 0) + 1
        self.sizes[day] = self.sizes.get(day, 0) + 1
        self.n += 1

    def _expire(self) -> None:
        assert self.clock is not None
        for day in [d for d in self.buckets if d <= self.clock - self.days]:
            self.n -= self.sizes.pop(day)
            total = self.total
            for w, c in self.buckets.pop(day).items():
                left = total[w] - c
                if left > 0:
                    total[w] = left
                else:
                    del total[w]

    def df(self, w: str) -> int:
        return self.total.get(w, 0)

    def active(self) -> bool:
        return self.n >= LOCAL_MIN_DOCS

    def specificity(self, w: str) -> float:
        """1.0 for a term rare in the window, down to MIN_SPECIFICITY for one in most documents."""
        if self.n < LOCAL_MIN_DOCS:
            return 1.0
        df = self.total.get(w, 0)
        if df < LOCAL_MIN_DF:
            return 1.0
        share = df / self.n
        if share <= SPECIFIC_SHARE:
            return 1.0
        if share >= COMMON_SHARE:
            return MIN_SPECIFICITY
        return max(MIN_SPECIFICITY, math.log(COMMON_SHARE / share) / math.log(COMMON_SHARE / SPECIFIC_SHARE))

    def to_state(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "clock": self.clock,
            "buckets": [
                [day, self.sizes[day], sorted(self.buckets[day].items())] for day in sorted(self.buckets)
            ],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], days: int) -> _LocalStats:
        self = cls(int(state.get("days", days)))
        self.clock = state.get("clock")
        for day, size, counts in state.get("buckets", []):
            bucket = {w: int(c) for w, c in counts}
            self.buckets[int(day)] = bucket
            self.sizes[int(day)] = int(size)
            self.n += int(size)
            for w, c in bucket.items():
                self.total[w] = self.total.get(w, 0) + c
        return self


class _Event:
    __slots__ = (
        "eid",
        "members",
        "centroid",
        "norm",
        "first",
        "last",
        "anchors",
        "facts",
        "strong",
        "about",
        "named",
    )

    def __init__(self, eid: Any, first: float) -> None:
        self.eid = eid
        self.members: list[Any] = []
        self.centroid: dict[str, float] = {}
        self.norm = 0.0
        self.first = first
        self.last = first
        self.anchors: Counter[str] = Counter()  # name -> members whose title/lead carries it
        self.facts: set[int] = set()  # figures stated by members (up to FACTS_CAP)
        self.strong: set[int] = (
            set()
        )  # their strong subset (analysis.opinion.reprints.strong_facts; up to FACTS_CAP)
        self.about: set[str] = set()  # places members' paragraphs are about (up to PLACES_CAP)
        self.named: set[str] = set()  # places members name anywhere (up to PLACES_CAP)

    def core_anchors(self) -> set[str]:
        """Names that recur in the event (in at least ANCHOR_SUPPORT of its members; all names of a
        one- or two-document event), so one passing mention cannot pull in another story."""
        need = max(1, math.ceil(ANCHOR_SUPPORT * len(self.members)))
        return {w for w, n in self.anchors.items() if n >= need}

    def absorb(self, vec: Mapping[str, float]) -> None:
        for w, v in vec.items():
            self.centroid[w] = self.centroid.get(w, 0.0) + v
        if len(self.centroid) > CENTROID_TERMS:
            keep = sorted(self.centroid.items(), key=lambda kv: (-kv[1], kv[0]))[:CENTROID_TERMS]
            self.centroid = dict(keep)
        self.norm = math.sqrt(sum(v * v for v in self.centroid.values()))


class EventClusterer:
    """Online event clustering. Deterministic for a given order of `add` calls."""

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        window_days: float = DEFAULT_WINDOW_DAYS,
        min_shared: int = DEFAULT_MIN_SHARED,
        short_threshold: float | None = None,
        anchor_free_threshold: float | None = DEFAULT_ANCHOR_FREE_THRESHOLD,
    ) -> None:
        """`anchor_free_threshold`: cosine at which a document joins without sharing a name with the
        event; None turns the name check off (topic-like grouping)."""
        if short_threshold is None:
            short_threshold = max(threshold, DEFAULT_SHORT_THRESHOLD)
        if not (0.0 < threshold <= 1.0 and 0.0 < short_threshold <= 1.0):
            raise ValueError("thresholds must be in (0, 1]")
        if window_days <= 0:
            raise ValueError("window_days must be positive")
        self.threshold = float(threshold)
        self.short_threshold = float(short_threshold)
        self.anchor_free_threshold = None if anchor_free_threshold is None else float(anchor_free_threshold)
        self.window_days = float(window_days)
        self.min_shared = int(min_shared)
        self._events: dict[Any, _Event] = {}
        self._order: list[Any] = []  # event ids in order of creation
        self._rank: dict[Any, int] = {}  # event id -> position in _order (tie-break: older event wins)
        self._doc_event: dict[Any, Any] = {}
        self._doc_vec: dict[Any, dict[str, float]] = {}
        self._doc_time: dict[Any, float] = {}
        self._doc_anchors: dict[Any, list[str]] = {}
        self._group_event: dict[Any, Any] = {}
        self._postings: dict[str, list[Any]] = {}  # term -> events whose centroid has held it
        self._local = _LocalStats(math.ceil(self.window_days))

    def __len__(self) -> int:
        return len(self._doc_event)

    def _live(self, event: _Event, t: float) -> bool:
        window = self.window_days * 86400.0
        return event.first - window <= t <= event.last + window

    def threshold_for(self, n_terms: int) -> float:
        """Cosine a document with `n_terms` terms needs to join an event: stricter for short texts,
        whose few terms make chance overlaps score high."""
        if n_terms >= FULL_TERMS:
            return self.threshold
        if n_terms <= SHORT_TERMS:
            return self.short_threshold
        frac = (FULL_TERMS - n_terms) / (FULL_TERMS - SHORT_TERMS)
        return self.threshold + frac * (self.short_threshold - self.threshold)

    def specificity(self, term: str) -> float:
        """How specific `term` is in the live window now: 1.0 (rare) down to MIN_SPECIFICITY (in most
        documents, like the monitored county's name in a local corpus)."""
        return self._local.specificity(term)

    def anchor_is_specific(self, name: str) -> bool:
        """Whether a name may anchor an event now: not in more than ANCHOR_MAX_SHARE of the window's
        documents (the monitored county in a local corpus is not; a town, a person, a project is)."""
        local = self._local
        if not local.active():
            return True
        df = local.df(name)
        return df < LOCAL_MIN_DF or df <= ANCHOR_MAX_SHARE * local.n

    def _shares_anchor(self, names: set[str], event: _Event) -> bool:
        if not names:
            return False
        return any(self.anchor_is_specific(w) for w in names & event.core_anchors())

    def _best_event(
        self,
        vec: Mapping[str, float],
        specific: Collection[str],
        names: set[str],
        facts: TextFacts,
        t: float,
        label_entry: bool = False,
    ) -> tuple[Any, float]:
        # a hot-list entry is a few words naming a story already in the news: the article threshold and
        # LABEL_MIN_SHARED specific terms in common are enough, without a shared name
        need = self.threshold if label_entry else self.threshold_for(len(vec))
        min_shared = LABEL_MIN_SHARED if label_entry else self.min_shared
        best: tuple[float, int, Any] | None = None
        # Candidates: events listed under the document's specific terms (a term in most documents finds
        # every event: not a reason to compare). The listings are an upper bound of the shared specific
        # terms, so events listed under fewer than `min_shared` of them cannot pass and are not scored.
        hits: dict[Any, int] = {}
        postings = self._postings
        for w in vec:
            if w in specific:
                for eid in postings.get(w, ()):
                    hits[eid] = hits.get(eid, 0) + 1
        for eid, n_hits in hits.items():
            if n_hits < min_shared:
                continue
            event = self._events[eid]
            if not self._live(event, t):
                continue
            sim, shared = _cosine(vec, event.centroid, event.norm, specific)
            if shared < min_shared or sim < need:
                continue
            if figures_disagree(facts.figures, facts.strong, event.facts, event.strong):
                continue  # both state figures, none shared: another release from the same template
            if not label_entry and places_disagree(facts.about, facts.named, event.about, event.named):
                continue  # about places the other never names: the same template filled in elsewhere
            if (
                not label_entry
                and self.anchor_free_threshold is not None
                and sim < self.anchor_free_threshold
                and not self._shares_anchor(names, event)
            ):
                continue
            rank = self._rank[eid]
            if best is None or (sim, -rank) > (best[0], -best[1]):
                best = (sim, rank, eid)
        return (best[2], best[0]) if best else (None, 0.0)

    def _attach(
        self,
        event: _Event,
        doc_id: Any,
        vec: dict[str, float],
        names: set[str],
        facts: TextFacts,
        t: float,
        vote: bool,
    ) -> None:
        event.members.append(doc_id)
        event.anchors.update(names)
        if len(event.facts) < FACTS_CAP:
            event.facts.update(sorted(facts.figures)[: FACTS_CAP - len(event.facts)])
        if len(event.strong) < FACTS_CAP:
            event.strong.update(sorted(facts.strong - event.strong)[: FACTS_CAP - len(event.strong)])
        for mine, new in ((event.about, facts.about), (event.named, facts.named)):
            if len(mine) < PLACES_CAP:
                mine.update(sorted(new - mine)[: PLACES_CAP - len(mine)])
        event.first = min(event.first, t)
        event.last = max(event.last, t)
        if vote:
            before = set(event.centroid)
            event.absorb(vec)
            for w in event.centroid.keys() - before:
                self._postings.setdefault(w, []).append(event.eid)
        self._doc_event[doc_id] = event.eid

    def _reweight(self, vec: Mapping[str, float]) -> tuple[dict[str, float], set[str]]:
        """The vector with each term scaled by its specificity in the window (unit length again), and the
        set of its specific terms."""
        local = self._local
        if not local.active():
            return dict(vec), set(vec)
        spec = {w: local.specificity(w) for w in vec}
        out = {w: v * spec[w] for w, v in vec.items()}
        norm = math.sqrt(sum(v * v for v in out.values())) or 1.0
        return {w: v / norm for w, v in out.items()}, {w for w, x in spec.items() if x >= SPECIFIC}

    def add(
        self,
        doc_id: Any,
        title: str,
        text: str,
        published_at: datetime | date | str | float | int,
        reprint_group: Any = None,
        features: EventFeatures | None = None,
        label_entry: bool = False,
    ) -> Any:
        """Place one document; returns its event id (the id of the event's first document).

        `label_entry`: the document is a hot-list entry (a few words naming a story): it joins the best live
        event on shared specific terms alone and does not move that event's centroid.

        `features` = `doc_features(title, text)` computed beforehand (e.g. in another process) saves
        computing them here; the result is the same. Empty figures or places in it veto nothing.
        """
        if doc_id in self._doc_event:
            return self._doc_event[doc_id]
        t = _to_epoch(published_at)
        if features is None:
            features = doc_features(title, text, names=self.anchor_free_threshold is not None)
        raw = features.vector
        names = set(features.names) if self.anchor_free_threshold is not None else set()
        facts = features.facts
        vec, specific = self._reweight(raw)
        self._doc_vec[doc_id] = vec
        self._doc_time[doc_id] = t
        self._doc_anchors[doc_id] = sorted(names)
        if reprint_group is not None and reprint_group in self._group_event:
            event = self._events[self._group_event[reprint_group]]
            self._attach(event, doc_id, vec, names, facts, t, vote=False)
            return event.eid  # a reprint is not counted again in the window's document frequencies
        eid, sim = self._best_event(vec, specific, names, facts, t, label_entry) if vec else (None, 0.0)
        if eid is None:
            event = _Event(doc_id, t)
            self._events[doc_id] = event
            self._rank[doc_id] = len(self._order)
            self._order.append(doc_id)
            logger.debug("doc %s opens event", doc_id)
        else:
            event = self._events[eid]
            logger.debug("doc %s joins event %s (cosine %.3f)", doc_id, eid, sim)
        self._attach(event, doc_id, vec, names, facts, t, vote=not (label_entry and eid is not None))
        self._local.add(t, sorted(set(raw) | names))
        if reprint_group is not None:
            self._group_event[reprint_group] = event.eid
        return event.eid

    def event_of(self, doc_id: Any) -> Any:
        """Event id of a document already added (KeyError if unknown)."""
        return self._doc_event[doc_id]

    def events(self) -> dict[Any, list[Any]]:
        """Every event, in order of creation: event id -> member ids in order of addition."""
        return {eid: list(self._events[eid].members) for eid in self._order}

    def label(self, event_id: Any, k: int = 5) -> list[str]:
        """Key phrases of an event: the heaviest terms of its centroid."""
        event = self._events[event_id]
        ranked = sorted(event.centroid.items(), key=lambda kv: (-kv[1], kv[0]))
        return [w for w, _ in ranked[:k]]

    def representatives(self, event_id: Any, n: int = 3) -> list[Any]:
        """The `n` members closest to the event centroid (ties: earliest added first)."""
        event = self._events[event_id]
        scored = []
        for pos, doc_id in enumerate(event.members):
            sim, _ = _cosine(self._doc_vec[doc_id], event.centroid, event.norm)
            scored.append((-sim, pos, doc_id))
        return [doc_id for _, _, doc_id in sorted(scored)[:n]]

    def active_events(self, now: datetime | date | str | float | int) -> list[Any]:
        """Events that a document published at `now` could still join (not dormant), oldest first."""
        t = _to_epoch(now)
        return [eid for eid in self._order if self._live(self._events[eid], t)]

    def span(self, event_id: Any) -> tuple[float, float]:
        """(first, last) document time of an event, in epoch seconds."""
        event = self._events[event_id]
        return event.first, event.last

    def prune(self, before: datetime | date | str | float | int) -> list[Any]:
        """Forget events whose last document is older than `before` minus the window (no document at or
        after `before` could join them), with their members' vectors; returns the pruned event ids.

        Keeps the state bounded by the live window instead of growing with every document ever seen.
        """
        cutoff = _to_epoch(before) - self.window_days * 86400.0
        dead = [eid for eid in self._order if self._events[eid].last < cutoff]
        if not dead:
            return []
        dead_set = set(dead)
        for eid in dead:
            for doc_id in self._events[eid].members:
                self._doc_event.pop(doc_id, None)
                self._doc_vec.pop(doc_id, None)
                self._doc_time.pop(doc_id, None)
                self._doc_anchors.pop(doc_id, None)
            del self._events[eid]
        self._order = [eid for eid in self._order if eid not in dead_set]
        self._rank = {eid: i for i, eid in enumerate(self._order)}
        self._group_event = {g: e for g, e in self._group_event.items() if e not in dead_set}
        self._postings = {}
        for eid in self._order:
            for w in self._events[eid].centroid:
                self._postings.setdefault(w, []).append(eid)
        logger.debug("pruned %d dormant events", len(dead))
        return dead

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._doc_event

    def to_state(self) -> dict[str, Any]:
        """Plain JSON-able state (doc ids and reprint group ids must be JSON-able scalars)."""
        return {
            "version": _STATE_VERSION,
            "params": {
                "threshold": self.threshold,
                "short_threshold": self.short_threshold,
                "window_days": self.window_days,
                "min_shared": self.min_shared,
                "anchor_free_threshold": self.anchor_free_threshold,
            },
            "events": [
                {
                    "id": eid,
                    "members": list(e.members),
                    "centroid": [[w, v] for w, v in e.centroid.items()],
                    "first": e.first,
                    "last": e.last,
                    "anchors": sorted(e.anchors.items()),
                    "facts": sorted(e.facts),
                    "strong": sorted(e.strong),
                    "about": sorted(e.about),
                    "named": sorted(e.named),
                }
                for eid in self._order
                for e in (self._events[eid],)
            ],
            "docs": [
                [
                    doc_id,
                    self._doc_time[doc_id],
                    [[w, v] for w, v in self._doc_vec[doc_id].items()],
                    self._doc_anchors[doc_id],
                ]
                for doc_id in self._doc_event
            ],
            "groups": [[g, eid] for g, eid in self._group_event.items()],
            "local": self._local.to_state(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> EventClusterer:
        """Rebuild a clusterer from `to_state()` output; later `add` calls behave as if never stopped."""
        if state.get("version") not in (1, _STATE_VERSION):  # version 1: no figures, no local statistics
            raise ValueError(f"unsupported event state version {state.get('version')!r}")
        params = state["params"]
        self = cls(
            threshold=params["threshold"],
            window_days=params["window_days"],
            min_shared=params["min_shared"],
            short_threshold=params["short_threshold"],
            anchor_free_threshold=params["anchor_free_threshold"],
        )
        for doc_id, t, vec, names in state["docs"]:
            self._doc_anchors[doc_id] = list(names)
            self._doc_time[doc_id] = float(t)
            self._doc_vec[doc_id] = {w: float(v) for w, v in vec}
        member_event: dict[Any, Any] = {}
        for item in state["events"]:
            event = _Event(item["id"], float(item["first"]))
            event.last = float(item["last"])
            event.members = list(item["members"])
            event.centroid = {w: float(v) for w, v in item["centroid"]}
            event.anchors = Counter({w: int(n) for w, n in item["anchors"]})
            event.facts = {int(f) for f in item.get("facts", [])}
            event.strong = {int(f) for f in item.get("strong", [])}
            event.about = {str(p) for p in item.get("about", [])}
            event.named = {str(p) for p in item.get("named", [])}
            event.norm = math.sqrt(sum(v * v for v in event.centroid.values()))
            self._events[event.eid] = event
            self._rank[event.eid] = len(self._order)
            self._order.append(event.eid)
            for doc_id in event.members:
                member_event[doc_id] = event.eid
            for w in event.centroid:
                self._postings.setdefault(w, []).append(event.eid)
        self._doc_event = {doc_id: member_event[doc_id] for doc_id, *_ in state["docs"]}  # arrival order
        self._group_event = {g: eid for g, eid in state.get("groups", [])}
        if state.get("local"):
            self._local = _LocalStats.from_state(state["local"], math.ceil(self.window_days))
        return self


def cluster_events(
    docs: Iterable[Mapping[str, Any]],
    threshold: float = DEFAULT_THRESHOLD,
    window_days: float = DEFAULT_WINDOW_DAYS,
    short_threshold: float | None = None,
) -> dict[Any, Any]:
    """Batch form: dicts with id, title, text, published_at[, reprint_group] in arrival order ->
    {doc_id: event_id}."""
    clusterer = EventClusterer(threshold=threshold, window_days=window_days, short_threshold=short_threshold)
    for d in docs:
        clusterer.add(
            d["id"],
            d.get("title") or "",
            d.get("text") or "",
            d["published_at"],
            reprint_group=d.get("reprint_group"),
        )
    return dict(clusterer._doc_event)
