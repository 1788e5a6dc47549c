"""信息检索 page (URL /search): full-text search over titles and bodies with the export filters, highlighted
snippets, links to the originals, paging, and the results as CSV / Excel / Parquet.

Other pages link here with URL parameters (dashboard.data_search.search_link: q, event, level, sentiment,
target, source, plan, region, from, to, id, all), applied to the widgets once per distinct link.
Session-state keys: sr_query, sr_all_time, sr_dates, sr_plans, sr_sources, sr_levels, sr_sentiment,
sr_targets, sr_regions, sr_events, sr_ids (documents named by a link), sr_page, sr_signature (the filters the page number belongs to),
sr_applied (the link parameters already applied), sr_download_<fmt>.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import date

import streamlit as st

from dashboard import components, data, data_exports, data_search
from dashboard.links import link_ids
from jobs import exports as job

ctx = components.page_context()
st.title("信息检索")

if data.document_count(ctx.db_url) == 0:
    components.empty_state()
    st.stop()

today = data.today_in(ctx.tz_name)
default_first, default_last = components.default_range(today, 90)
options = data.filter_options(ctx.db_url, tuple(data.configured_plan_names(ctx.plans_path)))
levels = job.code_labels("level")
sentiments = job.code_labels("sentiment")
targets = job.code_labels("target")
state = st.session_state


def _labels(labels: dict[str, str], codes: list[str]) -> list[str]:
    return [labels[c] for c in codes if c in labels]


def _codes(labels: dict[str, str], picked: list[str]) -> tuple[str, ...]:
    by_label = {v: k for k, v in labels.items()}
    return tuple(by_label[p] for p in picked if p in by_label)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# A link from another page (?event=3&level=central …) sets the filters, once per distinct link.
params = {k: st.query_params.get_all(k) for k in (*data_search.LINK_PARAMS, "all")}
signature = repr(sorted((k, tuple(v)) for k, v in params.items() if v))
if any(params.values()) and state.get("sr_applied") != signature:
    state["sr_applied"] = signature
    state["sr_query"] = " ".join(params["q"])
    state["sr_events"] = link_ids(params["event"])
    state["sr_levels"] = _labels(levels, params["level"])
    state["sr_sentiment"] = _labels(sentiments, params["sentiment"])
    state["sr_targets"] = _labels(targets, params["target"])
    state["sr_sources"] = [s for s in params["source"] if s in options["sources"]]
    state["sr_plans"] = [p for p in params["plan"] if p in options["plans"]]
    state["sr_regions"] = list(params["region"])
    state["sr_ids"] = link_ids(params["id"])
    first_p, last_p = _day(next(iter(params["from"]), None)), _day(next(iter(params["to"]), None))
    state["sr_all_time"] = bool(params["all"]) or not (first_p or last_p)
    if first_p or last_p:
        state["sr_dates"] = (first_p or last_p, last_p or first_p)

state.setdefault("sr_query", "")
state.setdefault("sr_all_time", False)
state.setdefault("sr_dates", (default_first, default_last))
state.setdefault("sr_events", [])
state.setdefault("sr_ids", [])

query = st.text_input(
    "检索词", key="sr_query", placeholder="如：审计 整改（空格分隔的词须同时出现在标题或正文中）",
    help="按字面匹配标题和正文，不需分词：“审计”可检出“审计署”“审计局”；英文字母不区分大小写。",
)  # fmt: skip

with st.sidebar:
    st.header("筛选")
    all_time = st.checkbox("不限日期", key="sr_all_time")
    picked = st.date_input(
        "日期范围", key="sr_dates", format="YYYY-MM-DD", disabled=all_time,
        help=f"按 {ctx.tz_name} 的自然日（含首尾两天）；按发布时间，无发布时间的按首次发现时间",
    )  # fmt: skip
    plans = st.multiselect("监测方案", options["plans"], key="sr_plans", placeholder="全部方案")
    sources = st.multiselect("信源", options["sources"], key="sr_sources", placeholder="全部信源")
    level_labels = st.multiselect("信源级别", list(levels.values()), key="sr_levels", placeholder="全部级别")
    sentiment_labels = st.multiselect(
        "情感", list(sentiments.values()), key="sr_sentiment", placeholder="全部情感"
    )
    target_labels = st.multiselect("对象", list(targets.values()), key="sr_targets", placeholder="全部对象")
    region_choices = data_exports.region_names(ctx.db_url)
    regions = st.multiselect(
        "地域", sorted(set(region_choices) | set(state.get("sr_regions") or [])), key="sr_regions",
        placeholder="全部地域", help="文中提到的省、市、县，或信源所在地域",
    )  # fmt: skip
    event_titles = data_search.event_choices(ctx.db_url, tuple(state.get("sr_events") or ()))
    picked_events = st.multiselect(
        "事件", list(event_titles), key="sr_events", placeholder="全部事件",
        format_func=lambda i: f"{i} · {event_titles.get(i, '')[:30]}",
    )  # fmt: skip
    if state["sr_ids"]:
        st.info(f"仅限链接指定的 {len(state['sr_ids'])} 篇文档。")
        if st.button("取消该限定", key="sr_clear_ids"):
            state["sr_ids"] = []
            st.rerun()
    st.caption("不选即不限。")

first, last = (None, None) if all_time else components.date_range(picked, default_first, default_last)
request = job.ExportRequest(
    kind="documents", fmt="csv", first=first, last=last, plans=tuple(plans), sources=tuple(sources),
    levels=_codes(levels, level_labels), sentiments=_codes(sentiments, sentiment_labels),
    targets=_codes(targets, target_labels), regions=tuple(regions), newest_first=True, query=query.strip(),
    events=tuple(int(e) for e in picked_events), ids=tuple(state["sr_ids"]),
)  # fmt: skip

# a new search starts on page 1
filters_now = repr(request)
if state.get("sr_signature") != filters_now:
    state["sr_signature"] = filters_now
    state["sr_page"] = 1
state.setdefault("sr_page", 1)

counted = data_search.search(ctx.db_url, ctx.tz_name, request, 1, data_search.PAGE_SIZE)
total, capped = counted.total, counted.capped
shown = min(total, data_search.COUNT_CAP)
pages = max(1, -(-shown // data_search.PAGE_SIZE))
state["sr_page"] = min(max(1, int(state["sr_page"])), pages)

span = "不限日期" if all_time else f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
if capped:
    c1.metric("检索结果", f"{data_search.COUNT_CAP}+", help=f"{span}，超过 {data_search.COUNT_CAP} 篇（只统计到此数，"
              f"可翻阅最新的 {data_search.COUNT_CAP} 篇），按时间从新到旧；缩小范围可得准确总数")  # fmt: skip
else:
    c1.metric("检索结果", str(total), help=f"{span}，按时间从新到旧")
page = c2.number_input(f"页码（共 {pages} 页，每页 {data_search.PAGE_SIZE} 条）", min_value=1, max_value=pages,
                       step=1, key="sr_page")  # fmt: skip

if total == 0:
    st.info("没有符合条件的信息：换个检索词，或放宽日期和筛选条件。")
    st.stop()

result = data_search.search(ctx.db_url, ctx.tz_name, request, int(page), data_search.PAGE_SIZE)
st.html(result.html)

st.subheader("导出检索结果")
if capped or total > data_exports.MAX_ROWS:
    st.warning(
        (f"检索结果超过 {data_search.COUNT_CAP} 篇（看板只统计到此数）。" if capped else
         f"检索结果有 {total} 篇，超过看板单次导出上限 {data_exports.MAX_ROWS} 篇。")
        + "请缩小范围后从看板下载，或在服务器上用命令行导出："
    )  # fmt: skip
    st.code(data_exports.cli_command(request), language="bash")
else:
    cols = st.columns(3)
    for col, (fmt, label) in zip(cols, (("csv", "CSV"), ("xlsx", "Excel"), ("parquet", "Parquet")), strict=True):
        req = dataclasses.replace(request, fmt=fmt)
        col.download_button(
            f"下载 {label}",
            functools.partial(data_exports.export_bytes, ctx.db_url, ctx.tz_name, req),
            file_name=data_exports.file_name(req).replace("yuqing_documents", "yuqing_search"),
            mime=data_exports.MIME[fmt],
            key=f"sr_download_{fmt}",
            on_click="ignore",
        )
    st.caption(f"导出全部 {total} 篇检索结果（含未显示的页），列与“数据导出”的文档表相同。")
