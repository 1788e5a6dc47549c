"""Referral export for one impersonation candidate (报送材料): a printable HTML evidence sheet and a CSV, built
from the stored candidate row and its audit log. Pure: row in, string out.

Everything on the sheet comes from crawled pages and is untrusted: the Jinja2 template autoescapes every
value, URLs are shown as text (never as links), and CSV cells that a spreadsheet would run as formulas
are neutralised.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from analysis.sitewatch.evidence import signal_label
from analysis.spreadsheet import spreadsheet_safe
from config.vocabulary import ACTION_LABELS, METHOD_LABELS, TIER_LABELS

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,  # crawled text: always escaped
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _fmt(value: Any, tz: str) -> str:
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and value[:4].isdigit() and "T" in value:
        try:
            return datetime.fromisoformat(value).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return "" if value is None else str(value)


def _join(values: Any, sep: str = "；") -> str:
    if not values:
        return ""
    if isinstance(values, str):
        return values
    return sep.join(str(v) for v in values)


def _score(c: Mapping) -> str:
    return "未评分" if c.get("score") is None else str(int(round(float(c["score"]))))


def evidence_facts(c: Mapping) -> list[tuple[str, str]]:
    """The page facts kept as evidence, as (Chinese label, text) rows."""
    ev = c.get("evidence") or {}
    claims = [f"{cl.get('text', '')}（{'、'.join(cl.get('words') or ())}）" for cl in ev.get("claims") or []]
    return [
        ("页面自称", _join(ev.get("identity"))),
        ("机构名称", _join(ev.get("org_names"))),
        ("声称内容", _join(claims, "\n")),
        ("政府网站标识码", _join(ev.get("site_codes"))),
        ("党政机关标识", _join(ev.get("badges"))),
        ("ICP备案号", _join(ev.get("icp_numbers")) or ("未发现" if ev else "")),
        ("公安备案号", _join(ev.get("police_numbers"))),
        ("收费 / 培训用语", _join([*(ev.get("fee_terms") or []), *(ev.get("training_terms") or [])], "、")),
        ("停放域名标记", _join(ev.get("parked_markers"))),
        ("网站图标 SHA-256", ev.get("favicon_sha256") or ""),
        ("页面正文摘录", (ev.get("text") or "")[:600]),
    ]


def _found_by(c: Mapping, tz: str) -> list[str]:
    out = []
    for f in c.get("found_by") or []:
        label = METHOD_LABELS.get(f.get("method"), f.get("method") or "")
        out.append(f"{_fmt(f.get('at'), tz)} {label}：{f.get('detail') or ''}".strip())
    return out


def _history(history: Sequence[Mapping], tz: str) -> list[dict[str, str]]:
    rows = []
    for h in history:
        action = ACTION_LABELS.get(h.get("action"), h.get("action") or "")
        change = (
            f"{h.get('old_value') or ''} → {h.get('new_value') or ''}" if h.get("action") == "status" else ""
        )
        rows.append(
            {
                "at": _fmt(h.get("at"), tz),
                "by": str(h.get("by_whom") or ""),
                "action": f"{action} {change}".strip(),
                "note": str(h.get("note") or ""),
            }
        )
    return rows


@dataclass(frozen=True)
class ReferralSheet:
    """Everything the evidence sheet says about one candidate, formatted once; the HTML sheet and the CSV
    are two renderings of it."""

    office: str
    generated: str
    basics: list[tuple[str, str]]  # (label, value) of 基本情况, in order
    found_by: list[str]
    signals: list[dict[str, str]]  # label, weight, evidence
    facts: list[tuple[str, str]]
    redirects: list[dict[str, str]]  # from, to, reason
    pages: list[dict[str, str]]  # url, score, signals
    history: list[dict[str, str]]  # at, by, action, note
    score: str
    tier_label: str


def referral_sheet(
    candidate: Mapping,
    history: Sequence[Mapping] = (),
    *,
    office: str,
    now: datetime,
    tz: str = "Asia/Shanghai",
) -> ReferralSheet:
    """The evidence of one candidate (a stored row and its audit log), formatted for either rendering."""
    c = candidate
    ev = c.get("evidence") or {}
    score, tier_label = _score(c), TIER_LABELS.get(c.get("tier") or "none", "未评分")
    status = c.get("status") or ""
    if c.get("status_by"):
        status += f"（{c['status_by']}，{_fmt(c.get('status_at'), tz)}）"
    return ReferralSheet(
        office=office,
        generated=_fmt(now, tz),
        basics=[
            ("线索编号", str(c.get("id", ""))),
            ("涉嫌网址", c.get("url") or ""),
            ("最终访问地址", c.get("final_url") or ""),
            ("主机名", c.get("host") or ""),
            ("网页标题", c.get("title") or ""),
            ("风险评分", score),
            ("风险等级", tier_label),
            ("处理状态", status),
            ("首次发现", _fmt(c.get("first_seen_at"), tz)),
            ("最近核查", _fmt(c.get("last_checked_at"), tz)),
            ("核查异常", c.get("check_error") or ""),
        ],
        found_by=_found_by(c, tz),
        signals=[
            {
                "label": signal_label(s),
                "weight": str(s.get("weight", "")),
                "evidence": str(s.get("evidence", "")),
            }
            for s in c.get("signals") or []
        ],
        facts=evidence_facts(c),
        redirects=[
            {"from": r.get("from", ""), "to": r.get("to", ""), "reason": str(r.get("reason", ""))}
            for r in ev.get("redirects") or []
        ],
        pages=[
            {
                "url": p.get("url", ""),
                "score": str(p.get("score", "")),
                "signals": "、".join(p.get("signals") or []),
            }
            for p in ev.get("pages") or []
        ],
        history=_history(history, tz),
        score=score,
        tier_label=tier_label,
    )


def referral_html(
    candidate: Mapping,
    history: Sequence[Mapping] = (),
    *,
    office: str,
    now: datetime,
    tz: str = "Asia/Shanghai",
) -> str:
    """A printable evidence sheet (HTML, UTF-8, no scripts, every crawled value escaped)."""
    sheet = referral_sheet(candidate, history, office=office, now=now, tz=tz)
    return _env().get_template("referral.html").render(c=candidate, sheet=sheet, basics=dict(sheet.basics))


def referral_csv(
    candidate: Mapping,
    history: Sequence[Mapping] = (),
    *,
    office: str,
    now: datetime,
    tz: str = "Asia/Shanghai",
) -> str:
    """The same evidence as rows of (类别, 项目, 内容); encode as UTF-8 with BOM for Excel."""
    sheet = referral_sheet(candidate, history, office=office, now=now, tz=tz)
    rows: list[tuple[str, str, str]] = [("基本情况", "报送单位", sheet.office)]
    rows += [("基本情况", label, value) for label, value in sheet.basics]
    rows.append(("基本情况", "生成时间", sheet.generated))
    rows += [("发现途径", str(i + 1), f) for i, f in enumerate(sheet.found_by)]
    rows += [("仿冒依据", f"{s['label']}（+{s['weight']}）", s["evidence"]) for s in sheet.signals]
    rows += [("页面证据", label, value) for label, value in sheet.facts if value]
    rows += [("跳转记录", r["reason"], f"{r['from']} → {r['to']}") for r in sheet.redirects]
    rows += [("核查页面", p["url"], f"{p['score']} {p['signals']}".strip()) for p in sheet.pages]
    rows += [("处理记录", h["at"], f"{h['by']} {h['action']} {h['note']}".strip()) for h in sheet.history]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["类别", "项目", "内容"])
    for row in rows:
        w.writerow([spreadsheet_safe(v) for v in row])
    return buf.getvalue()
