"""The 报告 page's door to the store: cached 日报 / 周报 / 专报 (built by `jobs.reports`) and their renderings.

Cached functions take the DB URL, a key of the report settings and every choice as arguments, so the cache
key captures every input; `now` is passed rounded to the minute (a report is rebuilt at most once a minute).
The settings object itself is passed as `_settings` (not hashed: its report part is in `settings_key`).
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import streamlit as st

from config.loader import Settings
from dashboard.data import engine
from jobs.report_model import Para
from jobs.report_render import render, render_html
from jobs.reports import Report, build_report
from store import events as store_events

logger = logging.getLogger(__name__)

CLASS_TAGS = {"A": "A类", "B": "B类"}
ADVICE_SHOWN = 10  # 处置建议 lines in the preview (the most urgent); the downloads list every one


def settings_key(settings: Settings) -> str:
    """What of the settings a report depends on."""
    return settings.report.model_dump_json() + "|" + settings.dashboard.timezone + "|" + settings.plans_file


@st.cache_data(ttl=60, show_spinner=False, max_entries=32)
def report(
    db_url: str, key: str, kind: str, day: date | None, plan: str | None, event_id: int | None, minute: datetime,
    _settings: Settings, advice_max: int | None = None,
) -> Report:  # fmt: skip
    """The report as of `minute`; raises jobs.reports.ReportError for a choice that cannot be reported. With
    `advice_max` (the preview), 处置建议 lists only that many events and says how many there are in all."""
    return build_report(_settings, engine(db_url), kind, day=day, plan=plan, event_id=event_id, now=minute,
                        advice_max=advice_max)  # fmt: skip


def advice_lines(rep: Report) -> list[str]:
    """The numbered lines of a report's 处置建议 (one per event that owes a response, then the site items)."""
    return [b.text for s in rep.sections if s.key == "advice" for b in s.blocks if isinstance(b, Para)]


def preview_html(rep: Report) -> str:
    """The report as an embeddable HTML fragment (escaped; styles scoped to the report)."""
    return render_html(rep, standalone=False)


@st.cache_data(ttl=60, show_spinner=False, max_entries=32)
def rendered(
    db_url: str, key: str, kind: str, day: date | None, plan: str | None, event_id: int | None, minute: datetime,
    fmt: str, _settings: Settings,
) -> bytes:  # fmt: skip
    """The report in `fmt` (docx / html / md), built only when someone downloads it."""
    return render(report(db_url, key, kind, day, plan, event_id, minute, _settings), fmt)


@st.cache_data(ttl=60, show_spinner=False)
def event_choices(db_url: str, limit: int = 300) -> list[tuple[int, str]]:
    """(id, label) of events for the 专报 picker: class A, then B, then the rest, each by heat."""
    with engine(db_url).connect() as conn:
        df = store_events.list_events(conn, limit=limit)
    rows = []
    for r in df.to_dict("records"):
        cls = r["response_class"] if isinstance(r["response_class"], str) else None
        rank = {"A": 0, "B": 1}.get(cls, 2)
        label = f"#{int(r['id'])} {CLASS_TAGS.get(cls, '')} {r['title']}".replace("  ", " ")
        rows.append((rank, -float(r["heat"] or 0.0), int(r["id"]), label))
    rows.sort()
    return [(eid, label) for _, _, eid, label in rows]
