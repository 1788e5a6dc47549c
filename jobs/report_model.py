"""The data model of a 日报 / 周报 / 专报: sections of blocks (paragraphs of cited spans, subheadings, tables,
charts) and numbered references to stored documents. Plain frozen dataclasses: `jobs.reports` fills them
from the store, `jobs.report_render` / `jobs.report_docx` draw them; neither side knows the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd

CITE_MAX = 10  # a count cites at most this many of its documents ("等" marks the rest)


@dataclass(frozen=True)
class Span:
    """A run of text, optionally followed by citations [n] and optionally a link (shown as its URL)."""

    text: str
    refs: tuple[int, ...] = ()
    bold: bool = False
    url: str | None = None


@dataclass(frozen=True)
class Para:
    spans: tuple[Span, ...]
    style: Literal["body", "item", "quote", "note"] = "body"

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True)
class Subheading:
    text: str


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Span, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Chart:
    """Daily volume by sentiment: one count per day for each series (renderers draw it as a PNG)."""

    title: str
    days: tuple[str, ...]  # 'YYYY-MM-DD'
    series: tuple[tuple[str, tuple[int, ...]], ...]  # (负面 / 中性 / 正面 / 未分析, counts)


Block = Para | Subheading | Table | Chart


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Reference:
    number: int
    doc_id: int
    title: str
    source: str
    time: datetime | None
    url: str


@dataclass(frozen=True)
class Report:
    kind: str
    title: str  # 舆情日报 / 舆情周报 / 舆情专报
    subject: str  # the event's title for a 专报, else ''
    unit_name: str
    mark: str
    issue_date: str  # 2026年12月1日
    period_text: str
    start: datetime
    end: datetime
    generated_at: datetime
    timezone: str
    plan: str | None
    quiet: bool
    summary: str  # plain text, at most 200 characters (robots, e-mail preview)
    sections: tuple[Section, ...]
    references: tuple[Reference, ...]
    event_id: int | None = None
    counts: dict[str, Any] = field(default_factory=dict)  # the headline figures, for callers and tests

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def plain_text(self) -> str:
        """Every heading, paragraph and table cell as plain text, one per line (search, tests, robots)."""
        lines = [self.title, self.subject, self.period_text]
        for s in self.sections:
            lines.append(s.title)
            for b in s.blocks:
                if isinstance(b, Para):
                    lines.append(b.text)
                elif isinstance(b, Subheading):
                    lines.append(b.text)
                elif isinstance(b, Table):
                    lines.extend(" ".join(c.text for c in row) for row in b.rows)
        lines.extend(f"[{r.number}] {r.title} {r.source} {r.url}" for r in self.references)
        return "\n".join(x for x in lines if x)

    @property
    def file_stem(self) -> str:
        """A file name without extension: 舆情日报_2026-12-01."""
        if self.kind == "event":
            return f"{self.title}_事件{self.event_id}"
        return f"{self.title}_{self.end.astimezone(ZoneInfo(self.timezone)).date().isoformat()}"


class References:
    """Numbers documents in order of first citation; citing a document twice gives the same number."""

    def __init__(self, tz: str) -> None:
        self.tz = tz
        self._by_id: dict[int, Reference] = {}

    def cite(self, doc: dict[str, Any]) -> int:
        doc_id = int(doc["id"])
        ref = self._by_id.get(doc_id)
        if ref is None:
            t = doc.get("published_at")
            t = aware(t) if t is not None and not pd.isna(t) else aware(doc.get("first_seen_at"))
            ref = Reference(
                len(self._by_id) + 1,
                doc_id,
                str(doc.get("title") or ""),
                str(doc.get("source") or ""),
                t,
                str(doc["url"]),
            )
            self._by_id[doc_id] = ref
        return ref.number

    def cite_many(self, docs: Sequence[dict[str, Any]], cap: int = CITE_MAX) -> tuple[int, ...]:
        return tuple(self.cite(d) for d in list(docs)[:cap])

    def all(self) -> tuple[Reference, ...]:
        return tuple(sorted(self._by_id.values(), key=lambda r: r.number))


def aware(value: Any) -> datetime | None:
    if value is None or (not isinstance(value, datetime) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
