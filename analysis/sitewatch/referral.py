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


def referral_html(
    candidate: Mapping,
    history: Sequence[Mapping] = (),
    *,
    office: str,
    now: datetime,
    tz: str = "Asia/Shanghai",
) -> str:
    """A printable evidence sheet (HTML, UTF-8, no scripts, every crawled value escaped)."""
    c = candidate
    ev = c.get("evidence") or {}
    return (
        _env()
        .get_template("referral.html")
        .render(
            c=c,
            office=office,
            generated=_fmt(now, tz),
            score=_score(c),
            tier_label=TIER_LABELS.get(c.get("tier") or "none", "未评分"),
            status_at=_fmt(c.get("status_at"), tz),
            first_seen=_fmt(c.get("first_seen_at"), tz),
            last_checked=_fmt(c.get("last_checked_at"), tz),
            found_by=_found_by(c, tz),
            signals=[
                {
                    "label": signal_label(s),
                    "weight": s.get("weight", ""),
                    "evidence": s.get("evidence", ""),
                }
                for s in c.get("signals") or []
            ],
            facts=evidence_facts(c),
            redirects=[
                {"from": r.get("from", ""), "to": r.get("to", ""), "reason": r.get("reason", "")}
                for r in ev.get("redirects") or []
            ],
            pages=[
                {
                    "url": p.get("url", ""),
                    "score": p.get("score", ""),
                    "signals": "、".join(p.get("signals") or []),
                }
                for p in ev.get("pages") or []
            ],
            history=_history(history, tz),
        )
    )


def referral_csv(
    candidate: Mapping,
    history: Sequence[Mapping] = (),
    *,
    office: str,
    now: datetime,
    tz: str = "Asia/Shanghai",
) -> str:
    """The same evidence as rows of (类别, 项目, 内容); encode as UTF-8 with BOM for Excel."""
    c = candidate
    ev = c.get("evidence") or {}
    rows: list[tuple[str, str, str]] = [
        ("基本情况", "报送单位", office),
        ("基本情况", "线索编号", str(c.get("id", ""))),
        ("基本情况", "涉嫌网址", c.get("url") or ""),
        ("基本情况", "最终访问地址", c.get("final_url") or ""),
        ("基本情况", "主机名", c.get("host") or ""),
        ("基本情况", "网页标题", c.get("title") or ""),
        ("基本情况", "风险评分", _score(c)),
        ("基本情况", "风险等级", TIER_LABELS.get(c.get("tier") or "none", "未评分")),
        ("基本情况", "处理状态", c.get("status") or ""),
        ("基本情况", "首次发现", _fmt(c.get("first_seen_at"), tz)),
        ("基本情况", "最近核查", _fmt(c.get("last_checked_at"), tz)),
        ("基本情况", "核查异常", c.get("check_error") or ""),
        ("基本情况", "生成时间", _fmt(now, tz)),
    ]
    rows += [("发现途径", str(i + 1), f) for i, f in enumerate(_found_by(c, tz))]
    rows += [
        ("仿冒依据", f"{signal_label(s)}（+{s.get('weight', '')}）", str(s.get("evidence", "")))
        for s in c.get("signals") or []
    ]
    rows += [("页面证据", label, value) for label, value in evidence_facts(c) if value]
    rows += [
        ("跳转记录", str(r.get("reason", "")), f"{r.get('from', '')} → {r.get('to', '')}")
        for r in ev.get("redirects") or []
    ]
    rows += [
        ("处理记录", h["at"], f"{h['by']} {h['action']} {h['note']}".strip()) for h in _history(history, tz)
    ]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["类别", "项目", "内容"])
    for row in rows:
        w.writerow([spreadsheet_safe(v) for v in row])
    return buf.getvalue()
