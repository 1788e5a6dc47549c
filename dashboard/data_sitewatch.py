"""The site-watch pages' door to the store: cached, display-ready frames of candidates, snapshots and
findings, plus the few writes a press officer makes (add a candidate, change a status, acknowledge, review a
finding as 已确认 or 误报: `jobs.workflows`), which clear the caches they affect. Queries live in
`store.sitewatch`; this module only shapes their results.

Suspicious URLs are plain text here (never link values), similarity signals are worded from their score
(analysis.sitewatch.evidence.signal_label), and finding evidence becomes readable Chinese rows with local
times (evidence_rows), not a JSON tree.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from analysis.sitewatch.evidence import signal_label
from analysis.sitewatch.referral import evidence_facts, referral_csv, referral_html
from config.vocabulary import (
    AUDIT_ACTION_LABELS,
    CHECK_VARIANT_LABELS,
    FINDING_LABELS,
    METHOD_LABELS,
    SEVERITY_LABELS,
    SEVERITY_RANK,
    SNAPSHOT_LABELS,
    TIER_LABELS,
)
from dashboard.data import engine, fmt_time
from jobs import workflows
from store import sitewatch as sw
from store.users import User

logger = logging.getLogger(__name__)

CANDIDATE_COLUMNS = ["编号", "评分", "等级", "状态", "知悉", "主机", "网址", "标题", "触发依据", "发现途径", "首次发现",
                     "最近核查", "核查异常"]  # fmt: skip
FINDING_COLUMNS = ["编号", "发现时间", "严重程度", "类型", "核查", "页面", "说明", "核查人", "核查时间", "已解决"]


def _who_when(by: Any, at: Any, tz_name: str) -> str:
    """'张三（zhangsan） 2026-11-20 09:30', or '' when nobody."""
    if not by or (not isinstance(by, str) and pd.isna(by)):
        return ""
    return f"{by} {fmt_time(at, tz_name)}".strip()


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
                "知悉": _who_when(r.get("acknowledged_by"), r.get("acknowledged_at"), tz_name),
                "主机": r["host"],
                "网址": r["final_url"] or r["url"],  # text, never a live link: the site may be phishing
                "标题": r["title"] or "",
                "触发依据": "；".join(signal_label(s) for s in r["signals"] or [] if s.get("weight")),
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
        [{"依据": signal_label(s), "分值": s.get("weight", 0), "页面原文 / 证据": str(s.get("evidence", ""))}
         for s in cand.get("signals") or []],
        columns=["依据", "分值", "页面原文 / 证据"],
    )  # fmt: skip


def _redirect_reason(reason: Any) -> str:
    """'HTTP 301' for a status code, '页面自动刷新' for a meta refresh, else the text as stored."""
    text = str(reason or "").strip()
    if text.isdigit():
        return f"HTTP {text}"
    return {"meta refresh": "页面自动刷新（meta refresh）", "": "原因未记录"}.get(text.lower(), text)


def evidence_frame(cand: dict) -> pd.DataFrame:
    rows = [{"项目": k, "内容": v} for k, v in evidence_facts(cand) if v]
    for r in (cand.get("evidence") or {}).get("redirects") or []:
        rows.append(
            {"项目": f"跳转（{_redirect_reason(r.get('reason'))}）", "内容": f"{r.get('from', '')} → {r.get('to', '')}"}
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


def acknowledge_candidate(db_url: str, candidate_id: int, by: User) -> None:
    """Record that `by` has seen the candidate (jobs.workflows.WorkflowError when not allowed or done)."""
    workflows.acknowledge_candidate(engine(db_url), candidate_id, by)
    candidates.clear()


def review_finding(db_url: str, finding_id: int, review: str | None, by: User, note: str = "") -> None:
    """Mark a finding 已确认 / 误报, or reopen it (None) (jobs.workflows.WorkflowError when not allowed)."""
    workflows.review_finding(engine(db_url), finding_id, review, by, note=note or None)
    findings.clear()
    snapshots.clear()


def finding_history(db_url: str, finding_id: int, tz_name: str) -> pd.DataFrame:
    """Who reviewed a finding, when (not cached: shown right after a change)."""
    with engine(db_url).connect() as conn:
        hist = sw.history(conn, sw.ENTITY_FINDING, finding_id)
    return history_frame(hist, tz_name)


# --------------------------------------------------------------------------- own site
@st.cache_data(ttl=60, show_spinner=False)
def snapshots(db_url: str, tz_name: str) -> pd.DataFrame:
    with engine(db_url).connect() as conn:
        snaps = sw.list_snapshots(conn)
        open_findings = sw.list_findings(conn, include_false=False)
    per_url: dict[str, int] = {}
    for f in open_findings:
        per_url[f["url"]] = per_url.get(f["url"], 0) + 1
    rows = []
    for s in snaps:
        rows.append(
            {
                "页面": s["url"],
                "网站": s["site"] or "",
                "状态": SNAPSHOT_LABELS.get(s["status"], s["status"]),
                "未处理问题": per_url.get(s["url"], 0),
                "最近检查": fmt_time(s["last_checked_at"], tz_name),
                "基线建立": fmt_time(s["baseline_at"], tz_name) if s["baseline_at"] else "未建立",
                "检查方式": "、".join(
                    CHECK_VARIANT_LABELS.get(v, v) for v in (s["latest"] or {}).get("variants") or []
                ),
                "检查链接数": (s["latest"] or {}).get("links_checked", 0),
                "最近错误": s["last_error"] or "",
            }
        )
    return pd.DataFrame(rows, columns=["页面", "网站", "状态", "未处理问题", "最近检查", "基线建立", "检查方式", "检查链接数",
                                       "最近错误"])  # fmt: skip


@st.cache_data(ttl=60, show_spinner=False)
def findings(
    db_url: str, tz_name: str, include_resolved: bool = False, include_false: bool = False
) -> pd.DataFrame:
    """Integrity findings, unresolved first, most severe and newest first; those reviewed as 误报 left out
    unless `include_false`. Columns FINDING_COLUMNS (核查: 待确认 / 已确认 / 误报) plus 证据, a list of
    (项目, 内容) rows (evidence_rows)."""
    with engine(db_url).connect() as conn:
        rows = sw.list_findings(conn, open_only=not include_resolved, include_false=include_false)
    rows.sort(key=lambda f: (f["resolved_at"] is not None, -SEVERITY_RANK.get(f["severity"], 0)))
    out = [
        {
            "编号": int(f["id"]),
            "发现时间": fmt_time(f["found_at"], tz_name),
            "严重程度": SEVERITY_LABELS.get(f["severity"], f["severity"]),
            "类型": FINDING_LABELS.get(f["kind"], f["kind"]),
            "核查": workflows.finding_review_label(f.get("review")),
            "页面": f["url"],
            "说明": f["summary"],
            "核查人": f.get("review_by") or "",
            "核查时间": fmt_time(f.get("review_at"), tz_name) if f.get("review_at") else "",
            "已解决": fmt_time(f["resolved_at"], tz_name) if f["resolved_at"] else "",
            "核查代码": f.get("review") or "",
            "证据": evidence_rows(f["evidence"] or {}, tz_name),
        }
        for f in rows
    ]
    return pd.DataFrame(out, columns=[*FINDING_COLUMNS, "核查代码", "证据"])


# Evidence keys of integrity findings (analysis.sitewatch.integrity) and the words shown for them, in order.
EVIDENCE_LABELS: dict[str, str] = {
    "url": "页面地址", "column": "栏目", "region": "区域", "variant": "访问方式", "selector": "区域选择器",
    "baseline": "基线内容", "current": "当前内容", "similarity": "相似度", "text_similarity": "文字相似度",
    "structure_similarity": "结构相似度", "title_browser": "普通访问时的标题", "title_variant": "该方式访问时的标题",
    "src": "脚本或框架地址", "host": "所在主机", "hidden": "是否隐藏", "snippet": "脚本片段", "reasons": "可疑之处",
    "words": "词语", "new_words": "新出现的词语", "context": "上下文", "new_links": "新增外部链接",
    "links": "链接", "redirects": "跳转地址", "newest": "最近更新", "age_days": "未更新天数",
    "max_days": "要求更新周期（天）", "checked": "检查链接数", "checked_at": "检查时间", "last_seen_at": "最近一次发现",
}  # fmt: skip
_TIME_KEYS = frozenset({"checked_at", "last_seen_at"})
_REGION_WORDS = {"header": "页头", "nav": "导航", "footer": "页脚", "title": "页面标题"}


def _local(value: str, tz_name: str) -> str:
    try:
        return fmt_time(datetime.fromisoformat(value), tz_name)
    except (TypeError, ValueError):
        return str(value)


def _link_text(link: Any) -> str:
    if not isinstance(link, dict):
        return str(link)
    extra = [str(link[k]) for k in ("text", "status") if link.get(k)]
    extra += ["、".join(link["tricks"])] if link.get("tricks") else []
    return f"{link.get('href', '')}" + (f"（{'；'.join(extra)}）" if extra else "")


def evidence_rows(evidence: dict, tz_name: str) -> list[tuple[str, str]]:
    """A finding's evidence as (项目, 内容) rows in Chinese: times in `tz_name`, codes translated, lists one
    item a line, URLs as plain text. Unknown keys are kept under their own name (nothing is hidden)."""
    rows: list[tuple[str, str]] = []
    keys = [k for k in EVIDENCE_LABELS if k in evidence] + sorted(
        k for k in evidence if k not in EVIDENCE_LABELS and k != "key"
    )
    for key in keys:
        value = evidence[key]
        if value is None or value == "" or value == []:
            continue
        if key in _TIME_KEYS:
            text = _local(value, tz_name)
        elif key == "variant":
            text = CHECK_VARIANT_LABELS.get(value, str(value))
        elif key == "region":
            text = _REGION_WORDS.get(value, str(value))
        elif key == "hidden":
            text = "是" if value else "否"
        elif isinstance(value, float):
            text = f"{value:.2f}"
        elif isinstance(value, list):
            text = "\n".join(_link_text(v) for v in value)
        elif isinstance(value, dict):
            text = "\n".join(f"{k}：{v}" for k, v in value.items())
        else:
            text = str(value)
        rows.append((EVIDENCE_LABELS.get(key, key), text))
    return rows
