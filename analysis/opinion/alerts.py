"""Alert decisions and message text, pure: when a recipient may be told (delivery windows, quiet hours,
minimum interval, daily cap), how long to back off after a failed send, how similar items merge into one
block, and how blocks become short Chinese messages in plain text, robot markdown, 飞书 post elements and
HTML — with crawled text made inert in each (markdown control characters stripped, HTML escaped, links
only http/https) and split under each channel's byte limit.

Items are plain dicts (the `payload` stored with each outbox row, see `jobs.alerts`); `now` is passed in.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from analysis.opinion.response import CLASS_LABELS, DEADLINE_LABELS, countdown, deadlines
from config.vocabulary import TRIGGER_LABELS as VOCAB_TRIGGER_LABELS

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TRIGGER_LABELS = VOCAB_TRIGGER_LABELS  # config.vocabulary holds the labels
# Blocks are listed in this order inside a message (most pressing first).
TRIGGER_ORDER = ("escalation", "event_class_a", "deadline_passed", "integrity_high", "deadline_soon",
                 "office_criticism", "event_class_b", "site_act", "plan_burst", "source_failing")  # fmt: skip
TITLE_CHARS = 80
SUBJECT_TITLE_CHARS = 30
KEY_MAX = 200
REPEAT_RESERVE_BYTES = 160  # a resent part's 补发 note (text and JSON overhead) must still fit the limit


def bounded_key(key: str, limit: int = KEY_MAX) -> str:
    """A dedup key that fits its column: long keys keep a readable head and a hash of the whole."""
    if len(key) <= limit:
        return key
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return f"{key[: limit - 17]}#{digest}"


# ------------------------------------------------------------------------------------- when to send


def _in_span(minute: int, span: tuple[int, int]) -> tuple[bool, bool]:
    """(inside, inside the part after midnight) for a span that may cross midnight; 23:59 ends the day."""
    start, end = span
    if end == 23 * 60 + 59:
        end = 24 * 60
    if start < end:
        return start <= minute < end, False
    if minute >= start:
        return True, False
    return minute < end, minute < end


def in_schedule(local: datetime, windows: Sequence[tuple[Iterable[str], tuple[int, int]]]) -> bool:
    """True when `local` lies in one of the delivery windows (days, (start, end) minutes); no windows = always."""
    if not windows:
        return True
    minute = local.hour * 60 + local.minute
    today = DAYS[local.weekday()]
    yesterday = DAYS[(local.weekday() - 1) % 7]
    for days, span in windows:
        inside, after_midnight = _in_span(minute, span)
        if inside and (yesterday if after_midnight else today) in set(days):
            return True
    return False


def in_quiet_hours(local: datetime, quiet: tuple[int, int] | None) -> bool:
    if quiet is None:
        return False
    return _in_span(local.hour * 60 + local.minute, quiet)[0]


@dataclass(frozen=True)
class Gate:
    """May a recipient be sent a message now? `reason` (Chinese) says why not."""

    allowed: bool
    reason: str = ""


def gate(*, now: datetime, tz: str, urgent: bool, windows: Sequence[tuple[Iterable[str], tuple[int, int]]] = (),
         quiet: tuple[int, int] | None = None, last_message_at: datetime | None = None,
         min_interval_minutes: float = 0, sent_today: int = 0, daily_cap: int = 0) -> Gate:  # fmt: skip
    """Urgent messages always pass. Others wait for a delivery window outside quiet hours, for the minimum
    interval since the last message, and for the next local day once the daily cap is reached."""
    if urgent:
        return Gate(True)
    local = now.astimezone(ZoneInfo(tz))
    if in_quiet_hours(local, quiet):
        return Gate(False, "免打扰时段")
    if not in_schedule(local, windows):
        return Gate(False, "不在接收时段")
    if last_message_at is not None and min_interval_minutes > 0:
        if now - last_message_at < timedelta(minutes=min_interval_minutes):
            return Gate(False, f"距上一条消息不足 {min_interval_minutes:g} 分钟")
    if daily_cap and sent_today >= daily_cap:
        return Gate(False, f"今日已达上限 {daily_cap} 条")
    return Gate(True)


def local_day_start(now: datetime, tz: str) -> datetime:
    """The UTC instant at which the local day containing `now` began."""
    local = now.astimezone(ZoneInfo(tz))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def retry_delay(attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Exponential backoff after the `attempts`-th failed attempt: base, 2·base, 4·base, … capped."""
    return timedelta(seconds=min(max_seconds, base_seconds * 2 ** max(0, attempts - 1)))


# ------------------------------------------------------------------------------------- inert text

_MD_CONTROL = re.compile(r"[\\`*_\[\]()#>!~|<>{}]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"\s+")


def plain(value: Any, limit: int | None = None) -> str:
    """Untrusted text on one line: control characters dropped, whitespace collapsed, cut to `limit` chars."""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", str(value if value is not None else ""))).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def md_text(value: Any, limit: int | None = None) -> str:
    """Untrusted text for robot markdown: one line, markdown and HTML control characters removed (so a crawled
    title cannot add links, headings, @-mentions or <font> tags)."""
    return plain(_MD_CONTROL.sub(" ", plain(value)), limit)


def safe_url(url: Any) -> str | None:
    """An http(s) URL made safe to put in markdown `(...)` or an HTML attribute; None for anything else."""
    if not isinstance(url, str) or not url.strip():
        return None
    u = _CONTROL.sub("", url.strip())
    try:
        parts = urlsplit(u)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(u, safe=":/?&=#%,;@$.-_~+")


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def cut_bytes(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` cut to at most `limit` UTF-8 bytes, at a character boundary, marked with an ellipsis."""
    if utf8_len(text) <= limit:
        return text
    room = max(0, limit - utf8_len(ellipsis))
    return text.encode("utf-8")[:room].decode("utf-8", errors="ignore") + ellipsis


# ------------------------------------------------------------------------------------------ blocks


@dataclass(frozen=True)
class Block:
    """One merged alert inside a message. `title` and line values are untrusted (crawled); labels are ours."""

    trigger: str
    title: str
    lines: tuple[tuple[str, str], ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    urgent: bool = False
    count: int = 1  # items merged into this block

    @property
    def label(self) -> str:
        return TRIGGER_LABELS.get(self.trigger, self.trigger)


def _when(value: str | None, tz: str) -> str:
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def deadline_text(deadline_iso: str | None, now: datetime, tz: str) -> str:
    """'2026-11-22 15:30（剩余 3小时12分，按 12:18 计）' in local time."""
    if not deadline_iso:
        return ""
    due = datetime.fromisoformat(deadline_iso)
    left = countdown(due, now)[2]
    return f"{_when(deadline_iso, tz)}（{left}，按 {now.astimezone(ZoneInfo(tz)):%H:%M} 计）"


def deadline_label(cls: str | None, first_seen_iso: str | None, deadline_iso: str | None) -> str:
    """Which response the deadline is for (发布权威信息 / 召开新闻发布会 / 作出回应), or ''."""
    if not cls or not first_seen_iso or not deadline_iso:
        return ""
    try:
        due = datetime.fromisoformat(deadline_iso)
        for key, at in deadlines(cls, datetime.fromisoformat(first_seen_iso)).items():
            if abs((at - due).total_seconds()) < 1:
                return DEADLINE_LABELS[key]
    except ValueError:
        return ""
    return ""


def _event_lines(f: dict[str, Any], now: datetime, tz: str) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    cls = f.get("class")
    if cls:
        lines.append(("类别", f"{cls}类（{CLASS_LABELS.get(cls, '')}）"))
    if f.get("deadline_at"):
        what = deadline_label(cls, f.get("first_seen_at"), f.get("deadline_at"))
        lines.append((f"{what}时限" if what else "回应时限", deadline_text(f["deadline_at"], now, tz)))
    if f.get("status"):
        lines.append(("状态", f["status"]))
    return lines


def _why(f: dict[str, Any]) -> list[tuple[str, str]]:
    lines = []
    reason = "；".join(x for x in (f.get("rule") or "", plain(f.get("reason") or "", 120)) if x)
    if reason:
        lines.append(("原因", reason))
    terms = [plain(t, 20) for t in (f.get("terms") or []) if t][:8]
    if terms:
        lines.append(("命中", "、".join(terms)))
    return lines


def _dashboard(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}/{path}"


def build_block(group: Sequence[dict[str, Any]], now: datetime, tz: str, base_url: str) -> Block:
    """One block from items that share trigger and merge group (several documents of one event → one block
    with a count). The first item (oldest) carries the facts; counts add up."""
    f = group[0]
    trigger = f["trigger"]
    count = sum(int(x.get("doc_count") or 1) for x in group) if trigger == "office_criticism" else len(group)
    lines: list[tuple[str, str]] = []
    links: list[tuple[str, str]] = []
    event_id = f.get("event_id")
    title = f.get("title") or ""
    if trigger in ("event_class_a", "event_class_b", "deadline_soon", "deadline_passed", "escalation"):
        if trigger == "escalation":
            lines.append(("升级", f"{f.get('step', '')}：首次提醒于 {_when(f.get('first_alert_at'), tz)}，"
                                  f"{float(f.get('after_minutes') or 0):g} 分钟后仍为「待研判」"))  # fmt: skip
        if trigger == "deadline_passed":
            lines.append(("提示", "回应时限已过，尚未记录回应"))
        elif trigger == "deadline_soon":
            lines.append(("提示", "回应时限将到，尚未记录回应"))
        lines += _event_lines(f, now, tz)
        lines += _why(f)
        if f.get("first_source"):
            lines.append(("首发", plain(f["first_source"], 40)))
        if f.get("heat") is not None:
            lines.append(("热度", f"{float(f['heat']):.1f}，文档 {int(f.get('doc_count') or 0)} 篇"))
    elif trigger == "office_criticism":
        if f.get("event_title"):
            title = f["event_title"]
        lines.append(("篇数", f"{count} 篇批评审计机关的负面信息"))
        sources = []
        for x in group:
            s = plain(x.get("source") or "", 30)
            if s and s not in sources:
                sources.append(s)
        if sources:
            lines.append(("信源", "、".join(sources[:6]) + ("等" if len(sources) > 6 else "")))
        lines += _why(f)
        if f.get("event_class"):
            lines.append(("事件类别", f"{f['event_class']}类"))
    elif trigger == "plan_burst":
        lines.append(("声量", f"今日 {f.get('today')} 篇，前 14 日中位数 {float(f.get('baseline_median') or 0):g} 篇，"
                             f"稳健 z 值 {float(f.get('z') or 0):.1f}"))  # fmt: skip
        lines += _why(f)
        links.append(("看板查看", _dashboard(base_url, "hotspots")))
    elif trigger == "site_act":
        lines.append(("网址", plain(f.get("url") or "", 120)))
        lines.append(("得分", f"{float(f.get('score') or 0):.0f}（建议处置）"))
        if f.get("signals"):
            lines.append(("信号", "；".join(plain(s, 40) for s in f["signals"][:5])))
        lines += _why(f)
        links.append(("看板查看", _dashboard(base_url, "impersonation")))
    elif trigger == "integrity_high":
        lines.append(("页面", plain(f.get("url") or "", 120)))
        for x in group[:5]:
            lines.append(("问题", plain(x.get("summary") or x.get("kind") or "", 100)))
        lines += _why(f)
        links.append(("看板查看", _dashboard(base_url, "integrity")))
    elif trigger == "source_failing":
        lines.append(("连续失败", f"{int(f.get('failures') or 0)} 次"))
        if f.get("last_error"):
            lines.append(("最近错误", plain(f["last_error"], 120)))
        lines.append(("上次成功", _when(f.get("last_success_at"), tz) or "从未成功"))
        lines += _why(f)
        links.append(("看板查看", _dashboard(base_url, "sources")))
    if f.get("first_url"):
        links.insert(0, ("首发原文", f["first_url"]))
    elif f.get("doc_url"):
        links.insert(0, ("原文", f["doc_url"]))
    if event_id is not None:
        links.append(("看板查看", _dashboard(base_url, f"events?event={int(event_id)}")))
    seen: set[str] = set()
    kept = []
    for label, url in links:
        if url not in seen:
            seen.add(url)
            kept.append((label, url))
    return Block(trigger=trigger, title=plain(title, TITLE_CHARS), lines=tuple(lines), links=tuple(kept),
                 urgent=any(bool(x.get("urgent")) for x in group), count=count)  # fmt: skip


def build_blocks(items: Sequence[dict[str, Any]], now: datetime, tz: str, base_url: str) -> list[Block]:
    """Merge items by (trigger, group) in first-seen order, most pressing triggers first."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for it in items:
        groups.setdefault((it["trigger"], str(it.get("group") or it.get("key"))), []).append(it)
    order = {t: i for i, t in enumerate(TRIGGER_ORDER)}
    keys = sorted(groups, key=lambda k: order.get(k[0], len(order)))  # stable: first-seen within a trigger
    return [build_block(groups[k], now, tz, base_url) for k in keys]


def subject(blocks: Sequence[Block]) -> str:
    """'【舆情预警】A类事件：标题' for one block, '【舆情预警】3 条：A类事件 1、批评审计机关 2' for several."""
    urgent = "【紧急】" if any(b.urgent for b in blocks) else ""
    if len(blocks) == 1:
        b = blocks[0]
        return f"{urgent}【舆情预警】{b.label}：{plain(b.title, SUBJECT_TITLE_CHARS)}"
    counts: dict[str, int] = {}
    for b in blocks:
        counts[b.label] = counts.get(b.label, 0) + 1
    summary = "、".join(f"{k} {v}" for k, v in counts.items())
    return f"{urgent}【舆情预警】{len(blocks)} 条：{summary}"


# ---------------------------------------------------------------------------------------- renderers


def footer(key: str, part: int, parts: int) -> str:
    tail = f"（第 {part}/{parts} 条）" if parts > 1 else ""
    return f"编号 {key}{tail}。由审计舆情哨兵自动发送。"


def block_text(b: Block) -> str:
    head = f"【{b.label}】{plain(b.title)}" + (
        f"（{b.count}）" if b.count > 1 and b.trigger != "office_criticism" else ""
    )
    out = [head] + [f"{k}：{plain(v)}" for k, v in b.lines]
    out += [f"{label}：{u}" for label, url in b.links if (u := safe_url(url))]
    return "\n".join(out)


def block_markdown(b: Block) -> str:
    """WeCom / DingTalk markdown subset: a level-3 heading, bold labels, quoted lines, links."""
    count = f"（{b.count}）" if b.count > 1 and b.trigger != "office_criticism" else ""
    out = [f"### 【{b.label}】{md_text(b.title)}{count}"]
    out += [f"> **{k}**：{md_text(v)}" for k, v in b.lines]
    links = [f"[{label}]({u})" for label, url in b.links if (u := safe_url(url))]
    if links:
        out.append("　".join(links))
    return "\n".join(out)


def block_html(b: Block) -> str:
    e = html.escape
    count = f"（{b.count}）" if b.count > 1 and b.trigger != "office_criticism" else ""
    rows = "".join(f"<tr><th align='left'>{e(k)}</th><td>{e(plain(v))}</td></tr>" for k, v in b.lines)
    links = " ".join(
        f'<a href="{e(u, quote=True)}">{e(label)}</a>' for label, url in b.links if (u := safe_url(url))
    )
    return (f"<h3>【{e(b.label)}】{e(plain(b.title))}{count}</h3><table>{rows}</table>"
            + (f"<p>{links}</p>" if links else ""))  # fmt: skip


def block_post(b: Block) -> list[list[dict[str, str]]]:
    """飞书 post paragraphs: text and a elements only; crawled text stays in `text` fields (never parsed)."""
    count = f"（{b.count}）" if b.count > 1 and b.trigger != "office_criticism" else ""
    paras = [[{"tag": "text", "text": f"【{b.label}】{plain(b.title)}{count}"}]]
    paras += [[{"tag": "text", "text": f"{k}：{plain(v)}"}] for k, v in b.lines]
    links = [{"tag": "a", "text": label, "href": u} for label, url in b.links if (u := safe_url(url))]
    if links:
        paras.append(links)
    return paras


def email_html(subject_line: str, blocks: Sequence[Block], foot: str) -> str:
    body = "".join(block_html(b) for b in blocks)
    return (f"<html><body><h2>{html.escape(subject_line)}</h2>{body}"
            f"<p style='color:#888'>{html.escape(foot)}</p></body></html>")  # fmt: skip


def email_text(subject_line: str, blocks: Sequence[Block], foot: str) -> str:
    return "\n\n".join([plain(subject_line), *(block_text(b) for b in blocks), foot])


# ----------------------------------------------------------------------------------------- splitting


@dataclass
class Split:
    """How a channel measures one part and how big a part may be."""

    limit: int
    measure: Callable[[list[Block], str], int]  # (blocks of the part, footer) -> size in bytes
    fit: Callable[[Block, int], Block] = field(default=lambda b, room: b)


def shrink(b: Block, room: int) -> Block:
    """Drop lines from the end of an oversized block, then cut its title, until it is likely to fit `room`."""
    lines = list(b.lines)
    while lines and utf8_len(block_text(Block(b.trigger, b.title, tuple(lines), b.links))) > room:
        lines.pop()
    title = cut_bytes(b.title, max(20, room // 4))
    return Block(b.trigger, title, tuple(lines), b.links, b.urgent, b.count)


def split_blocks(blocks: Sequence[Block], split: Split) -> list[list[Block]]:
    """Greedy: as many blocks per part as fit under the limit. The footer placeholder is the worst case plus
    room for the note a part gets when it is sent again after a crash (`jobs.alert_channels`)."""
    placeholder = footer("0" * 16, 99, 99) + " " * REPEAT_RESERVE_BYTES
    parts: list[list[Block]] = []
    current: list[Block] = []
    for b in blocks:
        if split.measure([b], placeholder) > split.limit:
            room = split.limit - split.measure([], placeholder)
            b = split.fit(b, room)
            while split.measure([b], placeholder) > split.limit and b.lines:
                b = Block(b.trigger, b.title, b.lines[:-1], b.links, b.urgent, b.count)
        if current and split.measure([*current, b], placeholder) > split.limit:
            parts.append(current)
            current = []
        current.append(b)
    if current:
        parts.append(current)
    return parts or [[]]


def json_size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def message_key(seed: str) -> str:
    """A short, unique-enough key shown in the message and used as the idempotency key."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:16]
