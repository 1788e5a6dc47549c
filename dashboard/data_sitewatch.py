"""The site-watch pages' door to the store: cached, display-ready frames of candidates, snapshots and
findings, plus the few writes a press officer makes (add a candidate, change a status: `jobs.workflows`), which
clear the caches they affect. Queries live in `store.sitewatch`; this module only shapes their results.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from analysis.sitewatch.referral import evidence_facts, referral_csv, referral_html
from config.vocabulary import (
    AUDIT_ACTION_LABELS,
    FINDING_LABELS,
    METHOD_LABELS,
    SEVERITY_LABELS,
    SEVERITY_RANK,
    SNAPSHOT_LABELS,
    TIER_LABELS,
)
from dashboard.data import engine, fmt_time, safe_link
from jobs import workflows
from store import sitewatch as sw
from store.users import User

logger = logging.getLogger(__name__)

CANDIDATE_COLUMNS = ["编号", "评分", "等级", "状态", "主机", "网址", "标题", "触发依据", "发现途径", "首次发现", "最近核查",
                     "核查异常"]  # fmt: skip


def _score(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


@st.cache_data(ttl=60, show_spinner=False)
def candidates(
    db_url: str, tz_name: str, statuses: tuple[str, ...] = (), min_score: float = 0.0
) -> pd.DataFrame:
    """Candidates ranked by score; unchecked ones (no score) are kept when min_score is 0."""
    with engine(db_url).connect() as conn:
        rows = sw.list_candidates(conn, statuses=statuses)
    out = []
    for r in rows:
        score = _score(r["score"])
        if min_score > 0 and (score is None or score < min_score):
            continue
        out.append(
            {
                "编号": int(r["id"]),
                "评分": None if score is None else int(round(score)),
                "等级": TIER_LABELS.get(r["tier"] or "", "核查异常" if r["check_error"] else "未核查"),
                "状态": r["status"],
                "主机": r["host"],
                "网址": safe_link(r["final_url"] or r["url"]),
                "标题": r["title"] or "",
                "触发依据": "；".join(s.get("label", "") for s in r["signals"] or [] if s.get("weight")),
                "发现途径": "、".join(
                    dict.fromkeys(
                        METHOD_LABELS.get(f.get("method"), f.get("method", "")) for f in r["found_by"] or []
                    )
                ),
                "首次发现": fmt_time(r["first_seen_at"], tz_name),
                "最近核查": fmt_time(r["last_checked_at"], tz_name),
                "核查异常": r["check_error"] or "",
            }
        )
    frame = pd.DataFrame(out, columns=CANDIDATE_COLUMNS)
    frame["评分"] = frame["评分"].astype("Int64")  # whole points; missing = not checked yet
    return frame


def candidate_detail(db_url: str, candidate_id: int) -> tuple[dict | None, list[dict]]:
    """One candidate row and its audit log (not cached: shown right after a status change)."""
    with engine(db_url).connect() as conn:
        cand = sw.get_candidate(conn, candidate_id)
        hist = sw.history(conn, sw.ENTITY_CANDIDATE, candidate_id) if cand else []
    return cand, hist


def signals_frame(cand: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [{"依据": s.get("label", ""), "分值": s.get("weight", 0), "页面原文 / 证据": str(s.get("evidence", ""))}
         for s in cand.get("signals") or []],
        columns=["依据", "分值", "页面原文 / 证据"],
    )  # fmt: skip


def evidence_frame(cand: dict) -> pd.DataFrame:
    rows = [{"项目": k, "内容": v} for k, v in evidence_facts(cand) if v]
    for r in (cand.get("evidence") or {}).get("redirects") or []:
        rows.append(
            {"项目": f"跳转（{r.get('reason', '')}）", "内容": f"{r.get('from', '')} → {r.get('to', '')}"}
        )
    return pd.DataFrame(rows, columns=["项目", "内容"])


def history_frame(hist: list[dict], tz_name: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{"时间": fmt_time(h["at"], tz_name), "操作人": h["by_whom"], "操作": AUDIT_ACTION_LABELS.get(h["action"], h["action"]),
          "原值": h["old_value"] or "", "新值": h["new_value"] or "", "说明": h["note"] or ""} for h in hist],
        columns=["时间", "操作人", "操作", "原值", "新值", "说明"],
    )  # fmt: skip


def referral_files(
    cand: dict, hist: list[dict], office: str, tz_name: str, now: datetime | None = None
) -> tuple[bytes, bytes]:
    """(CSV with BOM, HTML) referral sheets of one candidate."""
    now = now or datetime.now(UTC)
    csv_text = referral_csv(cand, hist, office=office, now=now, tz=tz_name)
    html_text = referral_html(cand, hist, office=office, now=now, tz=tz_name)
    return csv_text.encode("utf-8-sig"), html_text.encode("utf-8")


def office_name() -> str:
    """The protected office's name for referral sheets (site-watch config, else the impersonation config)."""
    from config.errors import ConfigError
    from config.impersonation import load_impersonation_config
    from config.sitewatch import load_sitewatch_config

    try:
        return load_sitewatch_config().official.name
    except ConfigError as exc:
        logger.warning("site-watch config unusable, using the impersonation config's name: %s", exc)
        return load_impersonation_config().official_site.name


def add_candidate(db_url: str, url: str, by: User, note: str = "") -> tuple[int, bool]:
    """Store a hand-added candidate (checked at the next `yuqing sites check`); ValueError (WorkflowError
    when the role may not) on bad input."""
    res = workflows.add_candidate(engine(db_url), url, by, detail=note or "看板添加")
    candidates.clear()
    return res


def change_status(db_url: str, candidate_id: int, status: str, by: User, note: str = "") -> None:
    """Move a candidate along the workflow (jobs.workflows.WorkflowError when not allowed)."""
    workflows.change_candidate_status(engine(db_url), candidate_id, status, by, note=note or None)
    candidates.clear()


# --------------------------------------------------------------------------- own site
@st.cache_data(ttl=60, show_spinner=False)
def snapshots(db_url: str, tz_name: str) -> pd.DataFrame:
    with engine(db_url).connect() as conn:
        snaps = sw.list_snapshots(conn)
        open_findings = sw.list_findings(conn)
    per_url: dict[str, int] = {}
    for f in open_findings:
        per_url[f["url"]] = per_url.get(f["url"], 0) + 1
    rows = []
    for s in snaps:
        rows.append(
            {
                "页面": safe_link(s["url"]),
                "网站": s["site"] or "",
                "状态": SNAPSHOT_LABELS.get(s["status"], s["status"]),
                "未处理问题": per_url.get(s["url"], 0),
                "最近检查": fmt_time(s["last_checked_at"], tz_name),
                "基线建立": fmt_time(s["baseline_at"], tz_name) if s["baseline_at"] else "未建立",
                "检查方式": "、".join((s["latest"] or {}).get("variants") or []),
                "检查链接数": (s["latest"] or {}).get("links_checked", 0),
                "最近错误": s["last_error"] or "",
            }
        )
    return pd.DataFrame(rows, columns=["页面", "网站", "状态", "未处理问题", "最近检查", "基线建立", "检查方式", "检查链接数",
                                       "最近错误"])  # fmt: skip


@st.cache_data(ttl=60, show_spinner=False)
def findings(db_url: str, tz_name: str, include_resolved: bool = False) -> pd.DataFrame:
    """Integrity findings, most severe and newest first, evidence as JSON text (never rendered as HTML)."""
    with engine(db_url).connect() as conn:
        rows = sw.list_findings(conn, open_only=not include_resolved)
    rows.sort(key=lambda f: (f["resolved_at"] is not None, -SEVERITY_RANK.get(f["severity"], 0)))
    out = [
        {
            "编号": int(f["id"]),
            "发现时间": fmt_time(f["found_at"], tz_name),
            "页面": safe_link(f["url"]),
            "严重程度": SEVERITY_LABELS.get(f["severity"], f["severity"]),
            "类型": FINDING_LABELS.get(f["kind"], f["kind"]),
            "说明": f["summary"],
            "已解决": fmt_time(f["resolved_at"], tz_name) if f["resolved_at"] else "",
            "证据": json.dumps(
                {k: v for k, v in (f["evidence"] or {}).items() if k != "key"}, ensure_ascii=False
            ),
        }
        for f in rows
    ]
    return pd.DataFrame(
        out, columns=["编号", "发现时间", "页面", "严重程度", "类型", "说明", "已解决", "证据"]
    )
