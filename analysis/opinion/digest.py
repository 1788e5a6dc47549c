"""The rules behind the text of a 日报 / 周报 / 专报: how urgent an event is, where its deadlines stand, how
risky it is, what the rules say to do about it, how a volume changed, and how a document is quoted.

Pure and explicit: every sentence a report states as a judgement or a suggestion comes from one of these
functions, from the event's class, deadlines and signals, never from free text. Times are aware datetimes;
`tz` is the display timezone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from analysis.opinion.response import (
    _SATISFIES,  # which response kinds discharge which deadline: the rule next_deadline() applies
    CLASS_LABELS,
    DEADLINE_LABELS,
    ResponseRules,
    countdown,
    deadlines,
)

logger = logging.getLogger(__name__)

TIME_FORMAT = "%Y-%m-%d %H:%M"
QUOTE_CHARS = 80  # a quoted document is at most this many characters, ellipsis included

# Risk rules for the 专报's closing judgement (and the event lines of the 日报): the first level whose rule
# fires wins. Thresholds are the same as class B's heat-and-negativity rule in config/response_rules.yaml.
RISK_HIGH, RISK_MEDIUM, RISK_LOW = "高", "中", "低"
RISK_NEGATIVE_SHARE = 0.5
RISK_HEAT = 60.0
RISK_CRITICISM_HIGH = 3  # documents criticising the audit office


def fmt_time(value: datetime | None, tz: str) -> str:
    """An aware instant as local 'YYYY-MM-DD HH:MM' ('' for None)."""
    return "" if value is None else value.astimezone(ZoneInfo(tz)).strftime(TIME_FORMAT)


def class_text(cls: str | None) -> str:
    """'A类（特别重大/重大突发事件）', 'B类（其他需回应的政务舆情）' or '无需回应'."""
    return f"{cls}类（{CLASS_LABELS[cls]}）" if cls in CLASS_LABELS else "无需回应"


# ------------------------------------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class DeadlineState:
    """One response deadline of an event at `now`."""

    key: str  # authoritative_info / press_conference / response
    label: str  # 发布权威信息 / 召开新闻发布会 / 作出回应
    due: datetime
    done: bool  # a recorded response discharges it
    overdue: bool  # not done and past due
    remaining: str  # "剩余 3小时12分" / "已超时 1小时5分" / "已完成"


def deadline_states(
    cls: str | None, first_seen_at: datetime, response_kinds: Iterable[str], now: datetime
) -> list[DeadlineState]:
    """Every deadline of the class (none for no class), earliest first, with whether it is met or overdue."""
    kinds = set(response_kinds)
    out = []
    for key, due in sorted(deadlines(cls, first_seen_at).items(), key=lambda kv: kv[1]):
        done = bool(kinds & _SATISFIES[key])
        _, overdue, text = countdown(due, now)
        out.append(
            DeadlineState(
                key, DEADLINE_LABELS[key], due, done, overdue and not done, "已完成" if done else text
            )
        )
    return out


def pending(states: Sequence[DeadlineState]) -> list[DeadlineState]:
    return [s for s in states if not s.done]


def urgency_key(states: Sequence[DeadlineState], heat: float, now: datetime) -> tuple[int, float, float]:
    """Sort key for 重点舆情: overdue first, then the nearest open deadline, then events without one; heat
    (highest first) breaks ties within each."""
    open_ = pending(states)
    if not open_:
        return (2, 0.0, -float(heat or 0.0))
    due = min(s.due for s in open_)
    return (0 if due < now else 1, due.timestamp(), -float(heat or 0.0))


# ----------------------------------------------------------------------------------------------- risk


@dataclass(frozen=True)
class Risk:
    level: str  # 高 / 中 / 低
    reasons: tuple[str, ...]  # the rules that fired at that level

    @property
    def sentence(self) -> str:
        why = "、".join(self.reasons) if self.reasons else "未触发风险规则"
        return f"风险研判：{self.level}风险（{why}）。"


def risk_judgement(
    *,
    cls: str | None,
    heat: float,
    is_burst: bool,
    negative_share: float | None,
    office_critical: int,
    overdue: bool,
) -> Risk:
    """The risk level of an event from its signals, by explicit rules:

    高: class A; or a deadline overdue; or RISK_CRITICISM_HIGH+ documents criticising the audit office; or a
        burst with a negative share of at least RISK_NEGATIVE_SHARE.
    中: class B; or a burst; or a negative share of at least RISK_NEGATIVE_SHARE; or any criticism of the
        audit office; or heat of at least RISK_HEAT.
    低: otherwise.
    """
    neg = negative_share if negative_share is not None else 0.0
    high = []
    if cls == "A":
        high.append("A类突发事件")
    if overdue:
        high.append("回应已超时")
    if office_critical >= RISK_CRITICISM_HIGH:
        high.append(f"批评审计机关{office_critical}篇")
    if is_burst and neg >= RISK_NEGATIVE_SHARE:
        high.append(f"传播突增且负面占比{neg:.0%}")
    if high:
        return Risk(RISK_HIGH, tuple(high))
    medium = []
    if cls == "B":
        medium.append("B类政务舆情")
    if is_burst:
        medium.append("传播突增")
    if neg >= RISK_NEGATIVE_SHARE:
        medium.append(f"负面占比{neg:.0%}")
    if office_critical >= 1:
        medium.append(f"批评审计机关{office_critical}篇")
    if heat >= RISK_HEAT:
        medium.append(f"热度{heat:.0f}")
    if medium:
        return Risk(RISK_MEDIUM, tuple(medium))
    return Risk(RISK_LOW, ())


# --------------------------------------------------------------------------------------------- advice


def rule_hint(rule: str | None, rules: ResponseRules) -> str:
    """The handling hint the response rules attach to a class-B category (e.g. B.rumor), or ''."""
    if not rule or not rule.startswith("B."):
        return ""
    cat = rules.class_b.categories.get(rule[2:])
    return cat.hint.replace(", ", "，") if cat else ""


def event_advice(
    *,
    title: str,
    cls: str | None,
    rule: str | None,
    status: str,
    assignee: str | None,
    states: Sequence[DeadlineState],
    rules: ResponseRules,
    tz: str,
) -> str | None:
    """The 处置建议 line of one event, or None when the rules ask nothing more of it (no class, or every
    deadline met). Built only from the deadlines, the class-B hint and the status."""
    open_ = pending(states)
    if cls is None or not open_:
        return None
    parts = []
    for s in open_:
        if s.overdue:
            parts.append(f"{s.label}时限（{fmt_time(s.due, tz)}）已过，{s.remaining}，应立即{s.label}")
        else:
            parts.append(f"须于{fmt_time(s.due, tz)}前{s.label}（{s.remaining}）")
    text = f"「{title}」（{cls}类）：" + "；".join(parts) + "。"
    hint = rule_hint(rule, rules)
    if hint:
        text += hint + "。"
    if status == "待研判":
        text += "当前状态为待研判" + ("，尚未指定处置人。" if not assignee else "。")
    return text


# ------------------------------------------------------------------------------------- small phrasings


def change_text(current: int, previous: int, unit: str = "篇") -> str:
    """How a count moved against the previous period: '比上期增加3.1%（上期98篇）' / '与上期持平' / '上期为0'."""
    if previous == 0:
        return "上期为0" if current else "与上期持平"
    pct = (current - previous) / previous * 100
    if abs(pct) < 0.05:
        return f"与上期持平（上期{previous}{unit}）"
    return f"比上期{'增加' if pct > 0 else '减少'}{abs(pct):.1f}%（上期{previous}{unit}）"


def share_change_text(current: float | None, previous: float | None) -> str:
    """A share against the previous period in percentage points: '上期4.8%，上升3.1个百分点'."""
    if current is None or previous is None:
        return "上期无数据"
    diff = (current - previous) * 100
    if abs(diff) < 0.05:
        return f"上期{previous:.1%}，持平"
    return f"上期{previous:.1%}，{'上升' if diff > 0 else '下降'}{abs(diff):.1f}个百分点"


def reason_text(cls: str | None, reason: str | None) -> str:
    """The stored response reason without its leading class label (shown next to it already)."""
    if not reason:
        return ""
    text = reason.replace(", ", "，")
    head = class_text(cls) + "："
    return text[len(head) :] if text.startswith(head) else text


_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_SPACE = re.compile(r"\s+")


def quote(title: str, body: str, limit: int = QUOTE_CHARS) -> str:
    """A short quotation of a document: its first sentence that mentions 审计 (else its first sentence, else
    its title), whitespace collapsed, cut to `limit` characters with an ellipsis."""
    sentences = [_SPACE.sub(" ", s).strip() for s in _SENTENCE.findall(body or "")]
    sentences = [s for s in sentences if len(s) >= 6]
    text = next(
        (s for s in sentences if "审计" in s),
        sentences[0] if sentences else _SPACE.sub(" ", title or "").strip(),
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"
