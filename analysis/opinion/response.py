"""Decide whether a hotspot needs a response, how urgently, and by when (国办发〔2016〕61号 / 80号).

Class A (特别重大/重大突发事件): authoritative information within 5 hours, a press conference within 24 hours.
Class B (其他需要回应的政务舆情): a response within 48 hours. Otherwise no response is required.

The decision is rule based and explainable: word lists live in `config/response_rules.yaml` (editable by
administrators; the caller loads them with `config.response_rules.load_rules` and passes them in), casualty counts and earthquake magnitudes are parsed from Arabic and Chinese numerals
(analysis.numerals), and every result carries the rule and the words that fired so the press officer sees
why. This module also holds the deadline arithmetic and the countdown text (the classes' labels, the event
statuses and the response kinds are in config.vocabulary; which status may follow which is the workflow
module's rule, in the orchestration layer).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from analysis.numerals import parse_count, parse_decimal
from config.response_rules import ClassARules, ResponseRules
from config.vocabulary import (
    CLASS_LABELS,
    EVENT_HANDLING,
    EVENT_PENDING,
    KIND_PRESS_CONFERENCE,
    NO_CLASS_LABEL,
    RESPONSE_CLASSES,
    RESPONSE_KINDS,
)

logger = logging.getLogger(__name__)

ClassName = Literal["A", "B"]

# ----------------------------------------------------------------------------------------- deadlines

DEADLINE_OFFSETS: dict[str, dict[str, timedelta]] = {
    "A": {"authoritative_info": timedelta(hours=5), "press_conference": timedelta(hours=24)},
    "B": {"response": timedelta(hours=48)},
}
DEADLINE_LABELS: dict[str, str] = {
    "authoritative_info": "发布权威信息",
    "press_conference": "召开新闻发布会",
    "response": "作出回应",
}
# Which response kinds discharge which deadline. Any public response counts as authoritative information
# or as the 48-hour response; only a press conference discharges the press-conference deadline.
_SATISFIES: dict[str, frozenset[str]] = {
    "authoritative_info": frozenset(RESPONSE_KINDS),
    "press_conference": frozenset({KIND_PRESS_CONFERENCE}),
    "response": frozenset(RESPONSE_KINDS),
}


@dataclass(frozen=True)
class NextDeadline:
    key: str
    label: str
    due: datetime


def deadlines(cls: str | None, first_detected_at: datetime) -> dict[str, datetime]:
    """Due times for a response class; the clock starts when the system first detected the hotspot."""
    if cls is None:
        return {}
    if cls not in DEADLINE_OFFSETS:
        raise ValueError(f"unknown response class: {cls!r}")
    return {key: first_detected_at + off for key, off in DEADLINE_OFFSETS[cls].items()}


def next_deadline(
    cls: str | None, first_detected_at: datetime, responses_done: Iterable[str] = ()
) -> NextDeadline | None:
    """The earliest deadline not yet discharged by a recorded response kind (overdue ones included)."""
    done = set(responses_done)
    pending = [
        (due, key) for key, due in deadlines(cls, first_detected_at).items() if not (done & _SATISFIES[key])
    ]
    if not pending:
        return None
    due, key = min(pending)
    return NextDeadline(key=key, label=DEADLINE_LABELS[key], due=due)


def pending_deadlines(
    cls: str | None, first_detected_at: datetime, responses_done: Iterable[str] = ()
) -> list[NextDeadline]:
    """Every deadline of the class not yet discharged by a recorded response kind, earliest first. An event
    is answered (已回应) only when this is empty: for class A that needs authoritative information AND a press
    conference."""
    done = set(responses_done)
    return sorted(
        (
            NextDeadline(key=key, label=DEADLINE_LABELS[key], due=due)
            for key, due in deadlines(cls, first_detected_at).items()
            if not (done & _SATISFIES[key])
        ),
        key=lambda d: d.due,
    )


# Statuses in which a deadline still runs (the event is open and not yet answered).
OPEN_STATUSES: frozenset[str] = frozenset({EVENT_PENDING, EVENT_HANDLING})
# Grace for a response time ahead of the server clock (a browser's or a laptop's clock a little fast).
RESPONSE_CLOCK_SKEW = timedelta(minutes=5)


def urgency_key(status: str, deadline: datetime | None, heat: float) -> tuple:
    """Sort key of 热点与回应 (ascending = most urgent first): open events with a running deadline first, the
    earliest deadline first (so overdue ones lead, the most overdue at the top); then the rest by heat.
    `store.events.list_events` orders its SQL the same way."""
    if status in OPEN_STATUSES and deadline is not None:
        return (0, deadline.timestamp(), -float(heat or 0.0))
    return (1, 0.0, -float(heat or 0.0))


def needs_attention(
    status: str, cls: str | None, office_critical_count: int = 0, is_burst: bool = False
) -> bool:
    """The 需关注 view: open events (待研判 / 处置中) that need a response (class A or B), criticise the office
    itself, or are bursting."""
    return status in OPEN_STATUSES and (cls in RESPONSE_CLASSES or office_critical_count > 0 or bool(is_burst))


def countdown(deadline: datetime, now: datetime) -> tuple[int, bool, str]:
    """Seconds left (negative when overdue), whether it is overdue, and "剩余 3小时12分" / "已超时 1小时5分"."""
    seconds = int((deadline - now).total_seconds())
    overdue = seconds < 0
    minutes = abs(seconds) // 60
    hours, mins = divmod(minutes, 60)
    text = f"{'已超时' if overdue else '剩余'} {hours}小时{mins}分"
    return seconds, overdue, text


# ---------------------------------------------------------------------------------- casualties

_NUM = r"(?:上|近|逾|约|超过?)?(?:[0-9]+|[零〇一二两三四五六七八九十百千万几数]+)(?:多|余)?"
_MEASURE = r"(?:人|名|位|口|具|个人)"
_GAP = r"[^0-9，。；！？、,;!?\s]{0,10}?"
_DEATH_WORDS = r"(?:死亡|遇难|丧生|身亡|罹难|殒命|丧命|遇害|不幸去世|被烧死|被炸死|被撞死|溺亡)"
_INJURY_WORDS = r"(?:受伤|重伤|轻伤|烧伤|灼伤|负伤|伤)"
_POISON_WORDS = r"(?:中毒|出现[^，。]{0,10}症状|送医|就医|就诊|入院|住院|送往医院|留院)"
_TRAPPED_WORDS = r"(?:被困|失踪|失联|下落不明|被埋|被压)"

_RE_DEATHS = [
    re.compile(rf"({_NUM}){_MEASURE}{_GAP}{_DEATH_WORDS}"),
    re.compile(rf"(?:致|造成|导致|酿成?|共)({_NUM})人?(?:死|亡)(?![刑者])"),
    re.compile(rf"({_NUM})死(?:{_NUM})伤"),
    re.compile(
        # "死亡9人" counts; in "4人死亡9人受伤" the 9 belongs to the injured
        rf"(?:死亡|遇难|罹难|丧生)(?:人数)?(?:已|升至|上升至|增至|增加到|达到?|为|至少|超过)*({_NUM}){_MEASURE}(?![^，。；0-9]{{0,2}}伤)"
    ),
]
_RE_INJURED = [
    re.compile(rf"({_NUM}){_MEASURE}{_GAP}{_INJURY_WORDS}"),
    re.compile(rf"{_NUM}死({_NUM})伤"),
    re.compile(rf"(?:受伤|伤者)(?:人数)?(?:已|升至|增至|达到?|为|至少|超过)*({_NUM}){_MEASURE}"),
]
_RE_POISONED = [re.compile(rf"({_NUM}){_MEASURE}{_GAP}{_POISON_WORDS}")]
_RE_POISONED_STRICT = [re.compile(rf"({_NUM}){_MEASURE}{_GAP}(?:食物|集体|群体性)?中毒(?!箭)")]
_RE_TRAPPED = [
    re.compile(rf"({_NUM}){_MEASURE}{_GAP}{_TRAPPED_WORDS}"),
    re.compile(rf"(?:劫持|绑架|扣押)({_NUM})(?:{_MEASURE}|学生|乘客|人质|儿童|村民|游客)"),
]
# A death or a person trapped stated without a number ("司机当场丧生", "两岁孩子遇难", "司机被困") counts as
# one, unless negated or hypothetical ("无人员死亡", "险些丧命") or not about a person ("死亡率").
_RE_DEATH_UNCOUNTED = re.compile(r"(?:死亡|遇难|丧生|身亡|罹难|殒命|丧命|遇害|溺亡)(?![率之人时证])")
_RE_NEGATED = re.compile(r"(?:无|未|没有|不会|险些|差点|避免|以免|防止)[^，。；！？,;]{0,4}$")
_RE_TRAPPED_UNCOUNTED = re.compile(r"(?:被困|被埋|失联)(?![扰惑单])")
_RE_MAGNITUDE = re.compile(
    r"(?:里氏|震级为?|震级达|矩震级|发生)?\s*([0-9]+(?:\.[0-9]+)?|[一二三四五六七八九]点[一二三四五六七八九零〇]|[一二三四五六七八九])\s*级"
)
_QUAKE_NEAR = re.compile(r"地震|强震|震级|里氏|余震")
_RE_RESIST = re.compile(r"(?:抗|抵御|防|承受|经受住)$")  # "能抗8级地震" is a building spec, not a quake


# Incident types where "被困" without a number means people physically trapped (not a game or a metaphor).
_PHYSICAL = frozenset(
    {"fire", "collapse", "mining", "traffic", "disaster", "earthquake", "explosion", "hazmat"}
)


@dataclass(frozen=True)
class Casualties:
    deaths: int = 0
    injured: int = 0
    poisoned: int = 0
    poisoned_strict: int = 0  # counted with the word 中毒 itself
    trapped: int = 0
    trapped_counted: bool = False  # False: "被困" without a number, read as one person
    phrases: tuple[str, ...] = ()


# "284名已死亡人员仍在领取养老保险待遇" is a standard audit finding (benefits paid to the dead), not a casualty count.
_RE_BENEFITS_AFTER = re.compile(
    r"^(?:人员|者|人口)?[^，。；！？,;]{0,8}(?:领取|冒领|享受|享有|发放|待遇|养老|补贴|补助|低保|社保|救助|抚恤)"
)


def _max_count(
    patterns: list[re.Pattern[str]], text: str, phrases: list[str], *, skip_benefits: bool = False
) -> int:
    best = 0
    for pattern in patterns:
        for m in pattern.finditer(text):
            if skip_benefits and _RE_BENEFITS_AFTER.search(text[m.end() : m.end() + 16]):
                continue
            value = parse_count(m.group(1))
            if value is None or value > 100000:
                continue
            if value > best:
                best = value
            phrases.append(m.group(0))
    return best


def parse_casualties(text: str) -> Casualties:
    """Largest death, injury, poisoning and trapped/missing counts stated in `text`."""
    norm = unicodedata.normalize("NFKC", text)
    phrases: list[str] = []
    deaths = _max_count(_RE_DEATHS, norm, phrases, skip_benefits=True)
    if not deaths:
        for m in _RE_DEATH_UNCOUNTED.finditer(norm):
            if _RE_BENEFITS_AFTER.search(norm[m.end() : m.end() + 16]):
                continue
            if not _RE_NEGATED.search(norm[max(0, m.start() - 8) : m.start()]):
                deaths = 1
                phrases.append(m.group(0))
                break
    trapped = _max_count(_RE_TRAPPED, norm, phrases)
    counted = bool(trapped)
    if not trapped:
        for m in _RE_TRAPPED_UNCOUNTED.finditer(norm):
            if not _RE_NEGATED.search(norm[max(0, m.start() - 8) : m.start()]):
                trapped = 1
                phrases.append(m.group(0))
                break
    return Casualties(
        deaths=deaths,
        injured=_max_count(_RE_INJURED, norm, phrases),
        poisoned=_max_count(_RE_POISONED, norm, phrases),
        poisoned_strict=_max_count(_RE_POISONED_STRICT, norm, phrases),
        trapped=trapped,
        trapped_counted=counted,
        phrases=tuple(dict.fromkeys(phrases)),
    )


def parse_magnitudes(text: str) -> list[float]:
    """Earthquake magnitudes stated in `text` ("5.3级地震", "里氏7.6级", "五点五级地震")."""
    norm = unicodedata.normalize("NFKC", text)
    found: list[float] = []
    for m in _RE_MAGNITUDE.finditer(norm):
        context = norm[max(0, m.start() - 8) : m.end() + 6]
        if not _QUAKE_NEAR.search(context) or _RE_RESIST.search(norm[max(0, m.start() - 4) : m.start()]):
            continue
        value = parse_decimal(m.group(1))
        if value is not None and 1.0 <= value <= 10.0:
            found.append(value)
    return found


# ------------------------------------------------------------------------------------ classification


@dataclass(frozen=True)
class ResponseClass:
    cls: ClassName | None
    reason: str
    rule: str
    terms: list[str] = field(default_factory=list)
    hint: str = ""

    @property
    def label(self) -> str:
        return CLASS_LABELS.get(self.cls or "", NO_CLASS_LABEL)


def _blocked(window: str, start: int, end: int, rules: ClassARules, past: bool = False) -> bool:
    if past and any(window.startswith(suffix, end) for suffix in rules.past_suffixes):
        return True
    for suffix in rules.blocked_suffixes:
        if window.startswith(suffix, end):
            return True
    before = window[max(0, start - 12) : start]
    if before.rfind("《") > before.rfind("》"):  # inside a book, film or programme title
        return True
    for prefix in rules.blocked_prefixes:
        if len(prefix) == 1:
            if start >= 1 and window[start - 1] == prefix:
                return True
        elif prefix in window[max(0, start - len(prefix) - 2) : start]:
            return True
    return False


def _find(
    window: str, terms: Iterable[str], rules: ClassARules | None = None, past: bool = False
) -> list[str]:
    """Terms that occur in `window` at least once outside a blocked (or, with `past`, past-event) context."""
    hits: list[str] = []
    for term in terms:
        pos = window.find(term)
        while pos != -1:
            if rules is None or not _blocked(window, pos, pos + len(term), rules, past):
                hits.append(term)
                break
            pos = window.find(term, pos + 1)
    return hits


def _window(title: str, text: str, chars: int) -> str:
    title = unicodedata.normalize("NFKC", title or "").strip()
    body = unicodedata.normalize("NFKC", text or "").strip()
    if title and body.startswith(title):
        body = body[len(title) :]
    return f"{title}。{body[:chars]}" if title else body[:chars]


def _casualty_text(c: Casualties) -> str:
    parts = []
    if c.deaths:
        parts.append(f"{c.deaths}人死亡")
    if c.injured:
        parts.append(f"{c.injured}人受伤")
    if c.poisoned:
        parts.append(f"{c.poisoned}人中毒或送医")
    if c.trapped:
        parts.append(f"{c.trapped}人被困或失踪")
    return "、".join(parts)


def _class_a(window: str, rules: ClassARules) -> tuple[str, str, list[str]] | tuple[None, str, list[str]]:
    """(rule, explanation, terms) when the window reports a severe emergency; (None, types, terms) otherwise."""
    casualties = parse_casualties(window)
    type_hits: dict[str, list[str]] = {}
    escalations: dict[str, list[str]] = {}
    for name, itype in rules.incident_types.items():
        hits = _find(window, itype.terms, rules)
        if hits:
            type_hits[name] = hits
            esc = _find(window, itype.escalators, rules, past=True)
            if esc:
                escalations[name] = esc
    incident_terms = [t for hits in type_hits.values() for t in hits]
    labels = "、".join(rules.incident_types[name].label for name in type_hits)
    toll = _casualty_text(casualties)

    severe = _find(window, rules.severe_terms, rules, past=True)
    if severe:
        return "A.severe_term", f"出现严重程度用语「{'、'.join(severe)}」", severe + incident_terms
    if "earthquake" in type_hits:
        mags = parse_magnitudes(window)
        if mags and max(mags) >= rules.min_magnitude:
            mag = max(mags)
            return (
                "A.earthquake",
                f"{mag:g}级地震（不低于{rules.min_magnitude:g}级）",
                [f"{mag:g}级", *type_hits["earthquake"]],
            )
    if type_hits:
        trapped = casualties.trapped if (casualties.trapped_counted or set(type_hits) & _PHYSICAL) else 0
        if casualties.deaths >= rules.deaths_with_incident or trapped >= rules.trapped_with_incident:
            return "A.casualties", f"{labels}，{toll}", incident_terms + list(casualties.phrases)
        poisoned = casualties.poisoned if "poisoning" in type_hits else 0
        injured = 0 if set(type_hits) <= {"public_health", "poisoning"} else casualties.injured
        if injured >= rules.injured_with_incident or poisoned >= rules.poisoned_with_incident:
            return "A.casualties", f"{labels}，{toll}", incident_terms + list(casualties.phrases)
        if escalations:
            esc_terms = [t for hits in escalations.values() for t in hits]
            esc_labels = "、".join(rules.incident_types[name].label for name in escalations)
            return (
                "A.escalated_incident",
                f"{esc_labels}，且出现「{'、'.join(esc_terms)}」",
                esc_terms + incident_terms,
            )
    if casualties.deaths >= rules.deaths_alone:
        return "A.casualties", toll, list(casualties.phrases)
    if casualties.poisoned_strict >= rules.poisoned_with_incident:
        return "A.casualties", f"{casualties.poisoned_strict}人中毒", ["中毒", *casualties.phrases]
    return None, labels, incident_terms


def classify_response(
    title: str,
    text: str,
    *,
    target: str | None = None,
    heat: float | None = None,
    negative_share: float | None = None,
    rules: ResponseRules,
) -> ResponseClass:
    """Response class of a hotspot from its title and representative text (plus pipeline signals).

    `target` is the sentiment target ("office" = the audit institution itself); `heat` is 0–100 and
    `negative_share` 0–1 over the event's documents. The reason is Chinese and names the rule and words.
    """
    a_window = _window(title, text, rules.window_chars)
    b_window = _window(title, text, rules.b_window_chars)
    categories = rules.class_b.categories

    rumor_terms = _find(b_window, categories["rumor"].terms)
    rule, explanation, terms = _class_a(a_window, rules.class_a)
    if rule is not None:
        reason = f"A类（{CLASS_LABELS['A']}）：{explanation}。须5小时内发布权威信息，24小时内召开新闻发布会。"
        hint = ""
        if rumor_terms:
            hint = categories["rumor"].hint
            reason += f"同时涉及「{'、'.join(rumor_terms)}」，{hint}。"
        return ResponseClass("A", reason, rule, list(dict.fromkeys(terms)), hint)

    fired: list[tuple[str, str, list[str]]] = []  # (category, label detail, terms)
    if target == "office":
        fired.append(("office_criticism", categories["office_criticism"].label, []))
    if rumor_terms:
        fired.append(("rumor", categories["rumor"].label, rumor_terms))
    for name, cat in categories.items():
        if name in ("rumor", "office_criticism", "emergency_minor") or not cat.terms:
            continue
        hits = _find(b_window, cat.terms)
        if hits and cat.needs:
            needs = _find(b_window, cat.needs)
            hits = hits + needs if needs else []
        if hits:
            fired.append((name, cat.label, hits))
    if explanation:  # incident words without the severity of class A
        fired.append(("emergency_minor", f"{categories['emergency_minor'].label}（{explanation}）", terms))
    cb = rules.class_b
    if (
        heat is not None
        and negative_share is not None
        and heat >= cb.heat_threshold
        and negative_share >= cb.negative_share_threshold
    ):
        fired.append(
            (
                "heat_negative",
                f"热度{heat:.0f}且负面占比{negative_share:.0%}（阈值{cb.heat_threshold:g}、{cb.negative_share_threshold:.0%}）",
                [],
            )
        )
    if not fired:
        return ResponseClass(None, "未命中回应规则：无需回应（可继续关注）。", "none", [])

    first = fired[0][0]
    hint = categories[first].hint if first in categories else "建议研判后决定是否回应"
    details = "；".join(
        f"{label}" + (f"「{'、'.join(dict.fromkeys(hits))}」" if hits else "") for _, label, hits in fired
    )
    reason = f"B类（{CLASS_LABELS['B']}）：{details}。须48小时内回应，{hint}。"
    all_terms = list(dict.fromkeys(t for _, _, hits in fired for t in hits))
    return ResponseClass("B", reason, f"B.{first}", all_terms, hint)
