"""Group near-duplicate documents into reprint groups (转载) and name each group's first publisher (首发).

Method: the normalised body (analysis.textnorm.content_chars: boilerplate, URLs, spacing and punctuation
out) is cut into character 5-gram shingles, each hashed to 32 bits. A document's *signature* keeps a
content-defined sample of those hashes (the ones divisible by SAMPLE_MOD; all of them for short texts), so
a copy's sample is a subset of the original's sample wherever the text is shared — the property that lets
partial excerpts (摘编) be found. Candidates come from an inverted index over a sparser sample; each
candidate is verified on the signatures: a pair matches when its resemblance (Jaccard) is high, or when
the shorter text is mostly contained in the longer and covers a real share of it. Matches are joined with
union–find. Texts under MIN_CHARS content characters only match near-exact copies.

A lead-only excerpt or a headline-only copy covers too little of its original for containment to tell it
from a quoted line; what marks it is *where* it comes from: the original's opening. Each signature keeps
the shingles of its first LEAD_CHARS characters (the headline included when the caller passes it), and the
first HEAD_CHARS of them are indexed in full, so a short copy of an article's opening finds and matches it
(the opening rule, for a short text against a longer article only).

Three vetoes keep templated releases (the same wording filled in by different offices) apart: the figures
each text states (amounts and counts), the administrative divisions it names (analysis.region), and its
slots — each number and each run of place names keyed by the characters around it. A reprint or an excerpt
carries some of its original's figures; two releases from one template share none. Places are weighed
asymmetrically: a pair is vetoed only when each text's paragraphs are about places the other text never
names (nor any place containing or inside them), because an excerpt may drop its original's place and a
reprint may add a line naming another, but two county releases name only their own county. The slot veto
catches the boilerplate that names a fixed place or keeps small counts: a reprint copies its source's
sentences with their slots, while each office puts its own place and figures into the same sentences.

`ReprintIndex` is incremental (add one document at a time) and its state is plain JSON-able data; group
ids are the id of the group's first-added member and stay stable as the group grows.
"""

from __future__ import annotations

import base64
import logging
import re
import struct
import zlib
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import numpy as np

from analysis.region import adcode_prefix, mention_spans, most_specific
from analysis.textnorm import content_chars, normalize_text

logger = logging.getLogger(__name__)

SHINGLE = 5  # characters per shingle
SAMPLE_MOD = 4  # signature keeps hashes h with h % SAMPLE_MOD == 0 ...
FULL_MAX = 256  # ... unless the text has at most this many shingles: then it keeps all of them
INDEX_MOD = 16  # inverted-index keys: h % INDEX_MOD == 0 (a subset of the signature sample)
MIN_INDEX_KEYS = 8  # fewer sparse keys than this: index the whole signature instead
MIN_CHARS = 50  # shorter texts match only near-exact copies
SHORT_JACCARD = 0.8  # "near-exact" for short texts
JACCARD = 0.5  # resemblance that makes a reprint whatever the lengths
CONTAINMENT = 0.75  # share of the shorter text's sample found in the longer one ...
COVERAGE = 0.2  # ... while the shorter covers at least this share of the longer (not a one-line quote)
MIN_SHARED = 6  # sampled shingles two texts must share before containment counts
MAX_POSTING = 2000  # an index key seen in more documents than this is boilerplate: not used for candidates
MAX_VERIFY = 64  # candidates verified per new document (most shared keys first)

# The opening rule: a lead-only excerpt or a headline-only copy covers a small share of its original, so
# containment in the whole text cannot tell it from a quoted line; it is the original's *opening*.  Each
# signature keeps every shingle hash of its first LEAD_CHARS content characters (title included when the
# caller gives it); a text matches by its opening when that much of its own opening lies in the other's.
LEAD_CHARS = 120
OPENING_CONTAINMENT = 0.6  # share of the shorter text's opening inside the longer's (room for a site suffix)
MIN_OPENING_SHARED = 6  # ... and at least this many shared shingles (a 10-character headline)
# The first HEAD_CHARS content characters (where a headline or a lead excerpt starts) are indexed in full,
# so that a short opening finds its article whatever the hash sample.
HEAD_CHARS = 48
# The slot veto: templated releases keep the wording and change the slots — the figures and the places.
# A slot is a number or a run of place names, keyed by the characters around it; two texts whose shared
# slot keys mostly hold different values are two fillings of one template, whatever their resemblance.
SLOT_CONTEXT = 2  # characters of context on each side of a slot
MIN_SLOT_CONFLICTS = 2  # differing slots needed before the slot veto applies ...
# ... and their least share of the shared slot keys: a reprint copies its source's slots, so only edits
# (a dropped clause, an inserted sentence) make one differ; a template's boilerplate may keep a few fixed
# places and dates that agree, but each office changes its own name, place and figures.
SLOT_CONFLICT_SHARE = 1 / 3
_SLOT_NUMBER = re.compile(r"\d+")
_PLACE_KEY = 1 << 19  # the top bit of a slot key marks a run of places
_DIVISION_SUFFIX = frozenset("省市县区州盟旗镇乡")
_ALNUM_RUN = re.compile(r"[^\W_]+")  # what analysis.textnorm.content_chars keeps

_SIG_VERSION = 4
_HEADER = struct.Struct("<BBI")  # version, flags (1 = full set), content length in characters
_FACTS = struct.Struct("<H")  # version 2+: number of fact hashes that follow the header
_COUNT = struct.Struct("<H")  # version 3: three more lists follow the facts, each after its count
MAX_PLACES = 64
# Places count from paragraphs of at least this many characters: headlines, "相关阅读" lines and other
# furniture a reprint adds are shorter, and the places they name say nothing about the article.
PLACE_LINE_MIN = 40
# Facts: amounts and counts with 3+ digits or a decimal point (not years). Reprints and excerpts keep the
# facts they carry; templated releases from different places ("核查资金8430万元" vs "核查资金1610.9万元")
# share most of their wording but none of their figures.
_FACT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")
MIN_FACTS = 2  # both texts need at least this many facts before disjoint facts veto a match
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_P = np.uint64(1_000_003)
_C1 = np.uint64(0xFF51AFD7ED558CCD)
_C2 = np.uint64(0xC4CEB9FE1A85EC53)


@dataclass(frozen=True)
class Signature:
    """Decoded signature: sorted unique 32-bit shingle hashes, whether it is the full set, text length, and
    the hashes of the figures the text states (empty for version-1 signatures)."""

    hashes: np.ndarray
    full: bool
    length: int
    facts: frozenset[int] = frozenset()
    strong: frozenset[int] = frozenset()  # the strong subset of facts (see strong_facts; empty before v3)
    places: frozenset[str] = frozenset()  # divisions its paragraphs name (see places; empty before v3)
    mentions: frozenset[str] = frozenset()  # divisions it names anywhere
    lead: np.ndarray | None = None  # every shingle hash of the opening (see LEAD_CHARS; None before v4)
    head: np.ndarray | None = None  # every shingle hash of its first HEAD_CHARS (indexed; None before v4)
    slots: frozenset[int] = frozenset()  # (context key << 12 | value) per slot (see slots; empty before v4)

    def sampled(self) -> np.ndarray:
        """The SAMPLE_MOD sample (a full set is reduced; a sampled set is returned as is)."""
        if not self.full:
            return self.hashes
        return self.hashes[self.hashes % SAMPLE_MOD == 0]


def shingle_hashes(chars: str, k: int = SHINGLE) -> np.ndarray:
    """Sorted unique 32-bit hashes of the k-character shingles of `chars` (one shingle if shorter)."""
    return np.unique(_shingle_sequence(chars, k))


def _shingle_sequence(chars: str, k: int = SHINGLE) -> np.ndarray:
    """The 32-bit hashes of the k-character shingles of `chars` in text order (one shingle if shorter)."""
    if not chars:
        return np.zeros(0, dtype=np.uint32)
    codes = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < k:
        k = len(codes)
    n = len(codes) - k + 1
    acc = np.zeros(n, dtype=np.uint64)
    for j in range(k):  # polynomial rolling hash, wrapping mod 2**64
        acc = acc * _P + codes[j : j + n]
    acc ^= acc >> np.uint64(33)  # murmur3 finaliser: spreads the bits so `% MOD` samples evenly
    acc *= _C1
    acc ^= acc >> np.uint64(33)
    acc *= _C2
    acc ^= acc >> np.uint64(33)
    return (acc >> np.uint64(32)).astype(np.uint32)


def _figures(text: str) -> list[str]:
    out = []
    for m in _FACT.finditer(normalize_text(text)):
        tok = m.group(0)
        if "." not in tok and (len(tok) < 3 or (len(tok) == 4 and tok[:2] in ("19", "20"))):
            continue
        out.append(tok)
    return out


def facts(text: str) -> frozenset[int]:
    """Hashes of the figures stated in `text`: numbers with 3+ digits or a decimal point, years excluded."""
    return frozenset(zlib.crc32(tok.encode("ascii")) for tok in _figures(text))


def strong_facts(text: str) -> frozenset[int]:
    """The subset of `facts` two unrelated texts rarely share by chance: figures with a decimal point or
    4+ digits (two releases can both say "108个项目"; they rarely both say "44.11亿元")."""
    return frozenset(zlib.crc32(tok.encode("ascii")) for tok in _figures(text) if "." in tok or len(tok) >= 4)


def figures_disagree(
    a_facts: AbstractSet[int],
    a_strong: AbstractSet[int],
    b_facts: AbstractSet[int],
    b_strong: AbstractSet[int],
) -> bool:
    """The figures veto: both texts state figures and share none.  When both state MIN_FACTS strong
    figures, those decide (a shared 3-digit count is too often a coincidence); otherwise all figures do."""
    if len(a_strong) >= MIN_FACTS and len(b_strong) >= MIN_FACTS:
        return a_strong.isdisjoint(b_strong)
    return len(a_facts) >= MIN_FACTS and len(b_facts) >= MIN_FACTS and a_facts.isdisjoint(b_facts)


def _prefixes(adcodes: list[str]) -> frozenset[str]:
    return frozenset(adcode_prefix(code) for code in adcodes[:MAX_PLACES])


def places(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(places the paragraphs of `text` are about, every place `text` names anywhere).

    Both are administrative divisions, most specific only (analysis.region), each as its adcode without
    the trailing zero pairs ("3713" for 临沂市, "371327" for its 莒南县), so that containment is a prefix
    test.  Paragraphs are lines of PLACE_LINE_MIN+ characters, or every line when none is that long."""
    normal = normalize_text(text)
    return _places(normal, [(start, code) for start, _, code in mention_spans(normal)])


def _places(normal: str, mentions: list[tuple[int, str]]) -> tuple[frozenset[str], frozenset[str]]:
    if not mentions:
        return frozenset(), frozenset()
    lines = normal.split("\n")
    if all(len(line) < PLACE_LINE_MIN for line in lines):
        in_paragraphs = mentions  # a post or a brief: all of it is paragraph
    else:
        spans, start = [], 0
        for line in lines:
            if len(line) >= PLACE_LINE_MIN:
                spans.append((start, start + len(line)))
            start += len(line) + 1
        in_paragraphs = [m for m in mentions if any(lo <= m[0] < hi for lo, hi in spans)]
    return _prefixes(most_specific(in_paragraphs)), _prefixes(most_specific(mentions))


def places_related(a: AbstractSet[str], b: AbstractSet[str]) -> bool:
    """Whether some place of `a` is, contains or lies inside some place of `b`."""
    return any(x.startswith(y) or y.startswith(x) for x in a for y in b)


def places_disagree(
    a_about: AbstractSet[str], a_named: AbstractSet[str], b_about: AbstractSet[str], b_named: AbstractSet[str]
) -> bool:
    """The place veto: each text is about places (in its paragraphs) that the other never names, nor any
    place containing or inside them.  An excerpt may drop its original's places, and a reprint may add a
    line naming others, but a text never loses the places it shares with its source."""
    if not (a_about and b_about):
        return False
    return not places_related(a_about, b_named) and not places_related(b_about, a_named)


@dataclass(frozen=True)
class TextFacts:
    """What a text states that tells two templated releases apart, read once and used by both vetoes (the
    reprint index's and the event clusterer's): the hashes of the figures it states (`facts`), their strong
    subset (`strong_facts`), the places its paragraphs are about and every place it names (`places`), and
    its slots (`slots`: figures and places keyed by their context). Empty sets veto nothing."""

    figures: frozenset[int] = frozenset()
    strong: frozenset[int] = frozenset()
    about: frozenset[str] = frozenset()
    named: frozenset[str] = frozenset()
    slots: frozenset[int] = frozenset()  # see `slots` (the reprint index's slot veto)


def text_facts(text: str) -> TextFacts:
    """The figures, places and slots of `text` (what its reprint signature carries besides the shingles);
    the place names are scanned once for all three."""
    normal = normalize_text(text)
    spans = mention_spans(normal)
    about, named = _places(normal, [(start, code) for start, _, code in spans])
    return TextFacts(
        figures=facts(text),
        strong=strong_facts(text),
        about=about,
        named=named,
        slots=_slots_of_normal(normal, spans),
    )


def _slots_of_normal(normal: str, spans: list[tuple[int, int, str]]) -> frozenset[int]:
    """`slots` of the content characters of a normalised text, reusing its place mentions."""
    low = normal.lower()
    if len(low) != len(normal):  # a rare character that lower-cases to two: scan the content afresh
        return slots(content_chars(normal))
    runs = [(m.start(), m.end()) for m in _ALNUM_RUN.finditer(low)]
    starts = [r[0] for r in runs]
    before, total = [], 0  # content characters before each run
    for lo, hi in runs:
        before.append(total)
        total += hi - lo

    def to_content(pos: int) -> int:
        k = bisect_right(starts, pos) - 1
        if k < 0:
            return 0
        lo, hi = runs[k]
        return before[k] + min(pos, hi) - lo

    chars = "".join(low[lo:hi] for lo, hi in runs)
    return slots(chars, [(to_content(a), to_content(b), code) for a, b, code in spans])


def slots(chars: str, places: list[tuple[int, int, str]] | None = None) -> frozenset[int]:
    """The slots of a content-character string: each number, and each run of place names (analysis.region;
    places named one after another, 山东省临沂市莒南县, are one slot), as ``key << 12 | value``: the key (20
    bits: _PLACE_KEY for a place, 19 bits hashing the SLOT_CONTEXT characters either side — only after a
    place — with every slot blanked) and the value (12 bits hashing the number or the run's divisions)."""
    spans: list[tuple[int, int, str, int]] = [
        (m.start(), m.end(), m.group(0), 0) for m in _SLOT_NUMBER.finditer(chars)
    ]
    run: list[tuple[int, int, str]] = []
    found = mention_spans(chars) if places is None else places
    for start, end, code in [*found, (-1, -1, "")]:
        if code and end < len(chars) and chars[end] in _DIVISION_SUFFIX:
            end += 1  # a short name matched without its level (凤翔 in 凤翔县): the slot is the whole name
        if run and start != run[-1][1]:
            spans.append((run[0][0], run[-1][1], "+".join(adcode_prefix(c) for _, _, c in run), _PLACE_KEY))
            run = []
        if code:
            run.append((start, end, code))
    blank = list(chars)
    for start, end, _, _ in spans:
        blank[start:end] = "#" * (end - start)
    out = set()
    for start, end, value, kind in spans:
        left = "".join(blank[max(0, start - SLOT_CONTEXT) : start])
        right = "".join(blank[end : end + SLOT_CONTEXT])
        if not (left + right).strip("#"):
            continue  # nothing to align on
        if kind == _PLACE_KEY and right.strip("#"):
            left = ""  # a place is keyed by what follows it (…审计局, …发生): what precedes is often a line
            # of furniture that differs between copies (来源：…, …消息)
        key = zlib.crc32(f"{left}|{right}".encode()) & (_PLACE_KEY - 1) | kind
        out.add(key << 12 | (zlib.crc32(value.encode()) & 0xFFF))
    return frozenset(out)


@lru_cache(maxsize=8192)
def _slot_map(slot_set: frozenset[int]) -> dict[int, frozenset[int]]:
    """Slot key -> the values a text puts there (cached: a signature is compared many times)."""
    out: dict[int, set[int]] = {}
    for x in slot_set:
        out.setdefault(x >> 12, set()).add(x & 0xFFF)
    return {k: frozenset(v) for k, v in out.items()}


def slots_disagree(a: AbstractSet[int], b: AbstractSet[int]) -> bool:
    """The slot veto: among the slot keys both texts have, the values differ at MIN_SLOT_CONFLICTS places
    (a reprint does not rename the places in its source's sentences), or at MIN_SLOT_CONFLICTS slots that
    are at least SLOT_CONFLICT_SHARE of the shared keys (figures)."""
    if not a or not b:
        return False
    va, vb = _slot_map(frozenset(a)), _slot_map(frozenset(b))
    agree = conflict = place_conflict = 0
    for key in va.keys() & vb.keys():
        if va[key] & vb[key]:
            agree += 1
        else:
            conflict += 1
            place_conflict += bool(key & _PLACE_KEY)
    if place_conflict >= MIN_SLOT_CONFLICTS:
        return True
    return conflict >= MIN_SLOT_CONFLICTS and conflict >= SLOT_CONFLICT_SHARE * (agree + conflict)


def signature(text: str, known: TextFacts | None = None, title: str = "") -> bytes:
    """Compact reprint signature of a text (under a kilobyte for a news article), for storing.

    `known`: `text_facts(text)` when the caller has it already; the bytes are the same either way.
    `title`: the document's headline when `text` is its body; it counts only for the opening (so a
    headline-only copy finds its article)."""
    chars = content_chars(text)
    hashes = shingle_hashes(chars)
    full = len(hashes) <= FULL_MAX
    if not full:
        hashes = hashes[hashes % SAMPLE_MOD == 0]
    tf = known if known is not None else text_facts(text)
    fact_hashes = sorted(tf.figures)[:65535]
    opening = content_chars(title) if title and not chars.startswith(content_chars(title)) else ""
    lead = _shingle_sequence((opening + chars)[:LEAD_CHARS])  # in text order: its start is the head
    place_blocks = b""  # v3: strong figures, places the paragraphs are about, all named; v4: lead, slots
    for codes in (
        sorted(tf.strong)[:65535],
        sorted(int(c) for c in tf.about),
        sorted(int(c) for c in tf.named),
        lead.tolist(),
        sorted(tf.slots)[:65535],
    ):
        place_blocks += _COUNT.pack(len(codes)) + np.asarray(codes, dtype="<u4").tobytes()
    return (
        _HEADER.pack(_SIG_VERSION, 1 if full else 0, len(chars))
        + _FACTS.pack(len(fact_hashes))
        + np.asarray(fact_hashes, dtype="<u4").tobytes()
        + place_blocks
        + hashes.astype("<u4").tobytes()
    )


def decode_signature(sig: bytes) -> Signature:
    """Parse bytes made by `signature`; raises ValueError on a foreign or corrupt blob."""
    if len(sig) < _HEADER.size:
        raise ValueError("not a reprint signature")
    version, flags, length = _HEADER.unpack_from(sig)
    offset, fact_set = _HEADER.size, frozenset()
    # strong figures, places about, places named; v4: lead (in text order), slots
    v3_lists: list[list[int]] = [[], [], [], [], []]
    if version not in (1, 2, 3, 4):
        raise ValueError(f"unsupported reprint signature version {version}")
    if version >= 2:
        if len(sig) < offset + _FACTS.size:
            raise ValueError("not a reprint signature")
        (n_facts,) = _FACTS.unpack_from(sig, offset)
        offset += _FACTS.size
        if len(sig) < offset + 4 * n_facts:
            raise ValueError("not a reprint signature")
        fact_set = frozenset(int(x) for x in np.frombuffer(sig, dtype="<u4", count=n_facts, offset=offset))
        offset += 4 * n_facts
    for k in range(5 if version >= 4 else 3 if version == 3 else 0):
        if len(sig) < offset + _COUNT.size:
            raise ValueError("not a reprint signature")
        (n_places,) = _COUNT.unpack_from(sig, offset)
        offset += _COUNT.size
        if len(sig) < offset + 4 * n_places:
            raise ValueError("not a reprint signature")
        v3_lists[k] = [int(x) for x in np.frombuffer(sig, dtype="<u4", count=n_places, offset=offset)]
        offset += 4 * n_places
    if (len(sig) - offset) % 4:
        raise ValueError("not a reprint signature")
    hashes = np.frombuffer(sig, dtype="<u4", offset=offset).astype(np.uint32)
    return Signature(
        hashes=hashes,
        full=bool(flags & 1),
        length=int(length),
        facts=fact_set,
        strong=frozenset(v3_lists[0]),
        places=frozenset(str(x) for x in v3_lists[1]),
        mentions=frozenset(str(x) for x in v3_lists[2]),
        lead=np.unique(np.asarray(v3_lists[3], dtype=np.uint32)) if version >= 4 else None,
        head=np.unique(np.asarray(v3_lists[3][: HEAD_CHARS - SHINGLE + 1], dtype=np.uint32))
        if version >= 4
        else None,
        slots=frozenset(v3_lists[4]),
    )


@dataclass(frozen=True)
class Similarity:
    """How two signatures overlap: resemblance, containment of the smaller, coverage of the larger."""

    jaccard: float
    containment: float
    coverage: float
    shared: int


def similarity(a: Signature, b: Signature) -> Similarity:
    """Compare two signatures on the sample they have in common (full sets if both are full)."""
    if a.full and b.full:
        ha, hb = a.hashes, b.hashes
    else:
        ha, hb = a.sampled(), b.sampled()
    if len(ha) == 0 or len(hb) == 0:
        return Similarity(0.0, 0.0, 0.0, 0)
    shared = len(np.intersect1d(ha, hb, assume_unique=True))
    small, large = sorted((len(ha), len(hb)))
    return Similarity(
        jaccard=shared / (len(ha) + len(hb) - shared),
        containment=shared / small,
        coverage=shared / large,
        shared=shared,
    )


def opening_match(a: Signature, b: Signature) -> bool:
    """The opening rule: most of the shorter text's opening lies in the opening of a longer article (a
    lead-only excerpt, a headline-only copy).  Needs both openings (v4 signatures)."""
    if a.lead is None or b.lead is None or len(a.lead) == 0 or len(b.lead) == 0:
        return False
    short, long_ = (a, b) if a.length <= b.length else (b, a)
    if long_.length < MIN_CHARS:
        return False  # two posts: only near-exact copies (is_reprint)
    shared = len(np.intersect1d(short.lead, long_.lead, assume_unique=True))
    return shared >= MIN_OPENING_SHARED and shared / len(short.lead) >= OPENING_CONTAINMENT


def is_reprint(a: Signature, b: Signature) -> bool:
    """The reprint rule: near-exact for short texts; else high resemblance or a substantial excerpt; or a
    text that is the other's opening (lead-only excerpt, headline-only copy) — unless a veto applies."""
    if a.length == 0 or b.length == 0:
        return False
    if figures_disagree(a.facts, a.strong, b.facts, b.strong):
        return False  # same wording, different figures: two templated releases, not a reprint
    if places_disagree(a.places, a.mentions, b.places, b.mentions):
        return False  # same wording about unrelated places: templated releases again
    if slots_disagree(a.slots, b.slots):
        return False  # same wording, other figures and places in the same slots: templated releases
    sim = similarity(a, b)
    short = min(a.length, b.length)
    if short < MIN_CHARS:
        if sim.jaccard >= SHORT_JACCARD:
            return True
    elif sim.jaccard >= JACCARD or (
        sim.containment >= CONTAINMENT and sim.coverage >= COVERAGE and sim.shared >= MIN_SHARED
    ):
        return True
    if not opening_match(a, b):
        return False
    # the rest of a long excerpt must be in the original too, not only its first lines
    return (
        short < MIN_CHARS
        or (sim.containment >= CONTAINMENT and sim.shared >= MIN_SHARED)
        or short <= LEAD_CHARS
    )


def _time_key(published_at: datetime | date | str | None) -> str | None:
    """Published time as a sortable UTC ISO string (naive datetimes are taken as they are)."""
    if published_at is None or published_at == "":
        return None
    if isinstance(published_at, str):
        published_at = datetime.fromisoformat(published_at)
    if isinstance(published_at, datetime):
        if published_at.tzinfo is not None:
            published_at = published_at.astimezone(UTC).replace(tzinfo=None)
        return published_at.isoformat(timespec="seconds")
    return datetime(published_at.year, published_at.month, published_at.day).isoformat(timespec="seconds")


class ReprintIndex:
    """Incremental reprint grouping. Not thread-safe; one index per analysis run or per process."""

    def __init__(self) -> None:
        self._ids: list[Any] = []  # position -> doc id, in order of addition
        self._pos: dict[Any, int] = {}
        self._sigs: list[Signature] = []
        self._blobs: list[bytes] = []
        self._times: list[str | None] = []
        self._sources: list[str | None] = []
        self._parent: list[int] = []
        self._members: dict[int, list[int]] = {}  # root -> positions of its group
        self._postings: dict[int, list[int]] = {}
        self.last_merged: list[Any] = []  # group ids the last `add` folded into the returned group

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._pos

    # -- union-find; the root is always the earliest-added member, so group ids are stable ------------
    def _find(self, i: int) -> int:
        root = i
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[i] != root:
            self._parent[i], i = root, self._parent[i]
        return root

    def _union(self, i: int, j: int) -> int:
        ri, rj = self._find(i), self._find(j)
        if ri == rj:
            return ri
        root, child = (ri, rj) if ri < rj else (rj, ri)
        self._parent[child] = root
        self._members[root].extend(self._members.pop(child))
        return root

    def _conflict(self, a: list[int], b: list[int]) -> bool:
        """Whether two groups, taken whole, fail the figures or the place veto: a document that matches
        members of both (a release with its place or figures left out) must not bridge them."""
        sides = []
        for group in (a, b):
            sigs = [self._sigs[p] for p in group]
            sides.append(
                (
                    frozenset().union(*(s.facts for s in sigs)),
                    frozenset().union(*(s.strong for s in sigs)),
                    frozenset().union(*(s.places for s in sigs)),
                    frozenset().union(*(s.mentions for s in sigs)),
                    frozenset().union(*(s.slots for s in sigs)),
                )
            )
        (fa, sa, pa, na, ta), (fb, sb, pb, nb, tb) = sides
        return figures_disagree(fa, sa, fb, sb) or places_disagree(pa, na, pb, nb) or slots_disagree(ta, tb)

    def _rebuild_members(self) -> None:
        self._members = {}
        for pos in range(len(self._parent)):
            self._members.setdefault(self._find(pos), []).append(pos)

    @staticmethod
    def _index_keys(sig: Signature) -> np.ndarray:
        """Sparse keys of the whole text, plus every key of its first HEAD_CHARS characters (found by the
        opening rule's queries, which use every hash of the querying text's opening)."""
        sparse = sig.hashes[sig.hashes % INDEX_MOD == 0]
        if len(sparse) < MIN_INDEX_KEYS:
            sampled = sig.sampled()
            sparse = sampled if len(sampled) >= MIN_INDEX_KEYS else sig.hashes
        if sig.head is None or len(sig.head) == 0:
            return sparse
        return np.union1d(sparse, sig.head)

    def _candidates(self, sig: Signature) -> list[int]:
        counts: Counter[int] = Counter()
        keys = sig.hashes if sig.lead is None else np.union1d(sig.hashes, sig.lead)
        for key in keys.tolist():  # query with every hash we hold: a superset of others' index keys
            posting = self._postings.get(key)
            if posting and len(posting) <= MAX_POSTING:
                counts.update(posting)
        # most shared keys first, then earliest added: deterministic
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [pos for pos, _ in ranked[:MAX_VERIFY]]

    def add(
        self,
        doc_id: Any,
        text: str,
        published_at: datetime | date | str | None = None,
        source: str | None = None,
    ) -> Any:
        """Add a document and return its reprint group id (the id of the group's first-added member)."""
        return self.add_signature(doc_id, signature(text or ""), published_at=published_at, source=source)

    def add_signature(
        self,
        doc_id: Any,
        sig: bytes,
        published_at: datetime | date | str | None = None,
        source: str | None = None,
    ) -> Any:
        """Add a document by its stored `signature(text)` bytes; same result as `add` with the text."""
        if doc_id in self._pos:
            return self.group_of(doc_id)
        decoded = decode_signature(sig)
        pos = len(self._ids)
        matches = [c for c in self._candidates(decoded) if is_reprint(decoded, self._sigs[c])]
        self._ids.append(doc_id)
        self._pos[doc_id] = pos
        self._sigs.append(decoded)
        self._blobs.append(bytes(sig))
        self._times.append(_time_key(published_at))
        self._sources.append(source)
        self._parent.append(pos)
        self._members[pos] = [pos]
        for key in self._index_keys(decoded).tolist():
            self._postings.setdefault(key, []).append(pos)
        roots_before: list[int] = []  # the matched groups, best match first
        for other in matches:
            r = self._find(other)
            if r not in roots_before:
                roots_before.append(r)
        for r in roots_before:
            # a group joins only if it does not conflict whole with what the document has joined so far:
            # a text that matches a template's shared passage must not join another office's release
            if self._conflict(self._members[self._find(pos)], self._members[r]):
                continue
            self._union(pos, r)
        root = self._find(pos)
        self.last_merged = [self._ids[r] for r in sorted(roots_before) if self._find(r) == root and r != root]
        if matches:
            logger.debug("doc %s joins reprint group %s (%d matches)", doc_id, self._ids[root], len(matches))
        return self._ids[root]

    def group_of(self, doc_id: Any) -> Any:
        """Group id of a document already added (KeyError if unknown)."""
        return self._ids[self._find(self._pos[doc_id])]

    def groups(self) -> dict[Any, list[Any]]:
        """Every group, singletons included: group id -> member ids in order of addition."""
        out: dict[Any, list[Any]] = {}
        for pos, doc_id in enumerate(self._ids):
            out.setdefault(self._ids[self._find(pos)], []).append(doc_id)
        return out

    def members(self, group_id: Any) -> list[Any]:
        """Member ids of one group, in order of addition."""
        root = self._find(self._pos[group_id])
        return [d for pos, d in enumerate(self._ids) if self._find(pos) == root]

    def first_publisher(self, group_id: Any) -> Any:
        """首发: the member with the earliest published_at; undated members last; ties -> earliest added."""
        root = self._find(self._pos[group_id])
        best: tuple[int, str, int] | None = None
        for pos in range(root, len(self._ids)):
            if self._find(pos) != root:
                continue
            t = self._times[pos]
            key = (0, t, pos) if t is not None else (1, "", pos)
            if best is None or key < best:
                best = key
        assert best is not None
        return self._ids[best[2]]

    def prune(self, before: datetime | date | str) -> int:
        """Forget whole groups whose newest member was published before `before` (undated members count
        as new); returns how many documents were dropped. Surviving groups keep their ids."""
        cutoff = _time_key(before)
        newest: dict[int, str | None] = {}
        undated: set[int] = set()
        roots = [self._find(pos) for pos in range(len(self._ids))]
        for pos, root in enumerate(roots):
            t = self._times[pos]
            if t is None:
                undated.add(root)
            elif newest.get(root) is None or t > newest[root]:
                newest[root] = t
        keep = [
            pos for pos, root in enumerate(roots) if root in undated or (newest.get(root) or "") >= cutoff
        ]
        dropped = len(self._ids) - len(keep)
        if not dropped:
            return 0
        new_pos = {old: new for new, old in enumerate(keep)}
        ids, sigs, blobs, times, sources = self._ids, self._sigs, self._blobs, self._times, self._sources
        self._ids = [ids[p] for p in keep]
        self._pos = {doc_id: i for i, doc_id in enumerate(self._ids)}
        self._sigs = [sigs[p] for p in keep]
        self._blobs = [blobs[p] for p in keep]
        self._times = [times[p] for p in keep]
        self._sources = [sources[p] for p in keep]
        self._parent = [new_pos[roots[p]] for p in keep]  # a kept group keeps its root (its first member)
        self._rebuild_members()
        self._postings = {}
        for i, sig in enumerate(self._sigs):
            for key in self._index_keys(sig).tolist():
                self._postings.setdefault(key, []).append(i)
        logger.debug("pruned %d documents from the reprint index", dropped)
        return dropped

    def signature_of(self, doc_id: Any) -> bytes:
        """The stored signature bytes of a document."""
        return self._blobs[self._pos[doc_id]]

    def to_state(self) -> dict[str, Any]:
        """Plain JSON-able state (doc ids must themselves be JSON-able); reload with `from_state`."""
        return {
            "version": _SIG_VERSION,
            "docs": [
                [doc_id, base64.b64encode(blob).decode("ascii"), t, src, self._find(pos)]
                for pos, (doc_id, blob, t, src) in enumerate(
                    zip(self._ids, self._blobs, self._times, self._sources, strict=True)
                )
            ],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ReprintIndex:
        """Rebuild an index from `to_state()` output; groups are restored as they were, not recomputed."""
        if state.get("version") not in (1, 2, 3, _SIG_VERSION):  # older signatures carry less; still valid
            raise ValueError(f"unsupported reprint state version {state.get('version')!r}")
        index = cls()
        for pos, (doc_id, blob_b64, t, src, root) in enumerate(state["docs"]):
            blob = base64.b64decode(blob_b64)
            decoded = decode_signature(blob)
            index._ids.append(doc_id)
            index._pos[doc_id] = pos
            index._sigs.append(decoded)
            index._blobs.append(blob)
            index._times.append(t)
            index._sources.append(src)
            index._parent.append(int(root))
            for key in index._index_keys(decoded).tolist():
                index._postings.setdefault(key, []).append(pos)
        index._rebuild_members()
        return index


def group_reprints(docs: Iterable[Mapping[str, Any] | tuple[Any, str]]) -> dict[Any, Any]:
    """Batch form: documents (dicts with id, text[, published_at, source] or (id, text) pairs), in
    arrival order -> {doc_id: group_id}."""
    index = ReprintIndex()
    for doc in docs:
        if isinstance(doc, Mapping):
            index.add(doc["id"], doc.get("text") or "", doc.get("published_at"), doc.get("source"))
        else:
            doc_id, text = doc
            index.add(doc_id, text or "")
    return {doc_id: group_id for group_id, members in index.groups().items() for doc_id in members}
