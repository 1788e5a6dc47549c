"""数据导出 page: the filters of `yuqing export`, a row count, and CSV / Excel / Parquet downloads built on click."""

from __future__ import annotations

import dataclasses
import functools

import streamlit as st

from dashboard import components, data, data_exports
from jobs import exports as job

ctx = components.page_context()
st.title("数据导出")

if data.document_count(ctx.db_url) == 0:
    components.empty_state()
    st.stop()

picked = components.document_filters(
    ctx, "ex", levels=True, targets=True, regions=True,
    date_help=f"按{ctx.tz_label}的自然日（含首尾两天）；文档按发布时间（无发布时间的按首次发现时间），事件按首次发现时间",
    note="不选即不限；事件按“至少有一篇文档符合筛选条件”筛选。",
)  # fmt: skip
first, last = picked.first, picked.last
kind_label = st.radio("导出内容", list(job.KIND_LABELS.values()), key="ex_kind", horizontal=True)
kind = {v: k for k, v in job.KIND_LABELS.items()}[kind_label]
shape, dimensions = "long", tuple(job.DIMENSIONS)
if kind == "trends":
    left, right = st.columns([1, 2])
    shape_label = left.radio(
        "表格形式", ["长表", "宽表"], key="ex_shape", horizontal=True,
        help="长表：每行一个（日期, 维度, 取值, 数量）；宽表：每天一行，每个维度取值一列",
    )  # fmt: skip
    shape = "wide" if shape_label == "宽表" else "long"
    dim_labels = right.multiselect(
        "统计维度", list(job.DIMENSIONS.values()), default=list(job.DIMENSIONS.values()), key="ex_dims",
        select_all=False, placeholder="全部维度",
    )  # fmt: skip
    dimensions = tuple(k for k, v in job.DIMENSIONS.items() if v in dim_labels) or tuple(job.DIMENSIONS)

request = job.ExportRequest(
    kind=kind, fmt="csv", first=first, last=last, plans=picked.plans, sources=picked.sources,
    levels=picked.levels, sentiments=picked.sentiments, targets=picked.targets, regions=picked.regions,
    shape=shape, dimensions=dimensions,
)  # fmt: skip
n = data_exports.count(ctx.db_url, ctx.tz_name, request)
unit = "个事件" if kind == "events" else "篇文档"
what = f"统计 {n} {unit}的每日数量" if kind == "trends" else f"{n} {unit}"
st.metric("符合条件", f"{n}", help=f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}，{what}")
st.caption(
    f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}：{what}。CSV 为带 BOM 的 UTF-8（Excel 可直接打开），"
    "Excel 文件为带类型的单元格并冻结表头，Parquet 供 Python / R 分析；时间均为本地时间并带时区偏移。"
)

too_big = kind != "trends" and n > data_exports.MAX_ROWS
if n == 0:
    st.info("所选范围内没有符合筛选条件的数据。")
elif too_big:
    st.warning(
        f"符合条件的数据有 {n} 行，超过看板单次导出上限 {data_exports.MAX_ROWS} 行。"
        "请缩小日期范围或筛选条件，或在服务器上用命令行导出（流式写出，不受此限制）："
    )
    st.code(data_exports.cli_command(request), language="bash")
if n and not too_big:
    cols = st.columns(3)
    for col, (fmt, label) in zip(
        cols, (("csv", "CSV"), ("xlsx", "Excel"), ("parquet", "Parquet")), strict=True
    ):
        req = dataclasses.replace(request, fmt=fmt)
        col.download_button(
            f"下载 {label}",
            functools.partial(data_exports.export_bytes, ctx.db_url, ctx.tz_name, req),
            file_name=data_exports.file_name(req),
            mime=data_exports.MIME[fmt],
            key=f"ex_download_{fmt}",
            on_click="ignore",
        )
    with st.expander("等效的命令行导出"):
        st.code(data_exports.cli_command(request, "xlsx"), language="bash")
