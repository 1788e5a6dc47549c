"""The 数据导出 page's door to the store: filter choices, row counts, and the export files built on click.

Files are built by the export job (jobs.exports) into a temporary file and handed to the download button
as bytes, only when someone clicks (deferred download), and never cached: the page refuses to build more
than MAX_ROWS rows and shows the equivalent `yuqing export` command instead, so one click cannot hold a
year of documents in the dashboard's memory.
"""

from __future__ import annotations

import logging
import re
import shlex
import tempfile
from dataclasses import replace

import streamlit as st

from dashboard.data import engine
from jobs import exports as job
from store import exports as q

logger = logging.getLogger(__name__)

MAX_ROWS = 100_000  # documents or events a download from the dashboard may hold; beyond: use the CLI
SPOOL_BYTES = 16 * 1024 * 1024  # exports smaller than this never touch the disk
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}


@st.cache_data(ttl=60, show_spinner=False)
def region_names(db_url: str) -> list[str]:
    """Regions named in documents (province, city, county) and source regions, for the 地域 filter."""
    with engine(db_url).connect() as conn:
        return q.region_names(conn)


@st.cache_data(ttl=60, show_spinner=False)
def count(db_url: str, tz_name: str, request: job.ExportRequest) -> int:
    """Documents (documents, trends) or events (events) the request covers."""
    return job.count_rows(engine(db_url), request, tz_name=tz_name)


def export_bytes(db_url: str, tz_name: str, request: job.ExportRequest) -> bytes:
    """The export file for `request` (run by the download button when clicked)."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as fh:
        n = job.export_to(engine(db_url), request, fh, tz_name=tz_name)
        fh.seek(0)
        data = fh.read()
    logger.info("dashboard export: %d %s rows as %s (%d bytes)", n, request.kind, request.fmt, len(data))
    return data


def file_name(request: job.ExportRequest) -> str:
    span = ""
    if request.first or request.last:
        span = f"_{request.first or ''}_{request.last or ''}".replace("-", "")
    shape = f"_{request.shape}" if request.kind == "trends" else ""
    return f"yuqing_{request.kind}{shape}{span}.{request.fmt}"


def cli_command(request: job.ExportRequest, fmt: str = "parquet") -> str:
    """The `yuqing export` command that writes the same file (for exports too big for the dashboard)."""
    r = replace(request, fmt=fmt)
    parts = ["yuqing", "export", r.kind]
    if r.first:
        parts += ["--from", r.first.isoformat()]
    if r.last:
        parts += ["--to", r.last.isoformat()]
    for option, values in (
        ("--plan", r.plans), ("--source", r.sources), ("--level", r.levels), ("--sentiment", r.sentiments),
        ("--target", r.targets), ("--region", r.regions), ("--event", tuple(str(e) for e in r.events)),
        ("--id", tuple(str(i) for i in r.ids)),
    ):  # fmt: skip
        for v in values:
            parts += [option, v]
    if r.query:
        parts += ["--query", r.query]
    if r.kind == "trends":
        parts += ["--shape", r.shape]
        if tuple(r.dimensions) != tuple(job.DIMENSIONS):
            for d in r.dimensions:
                parts += ["--dimension", d]
    parts += ["--format", fmt, "--out", file_name(r)]
    return " ".join(_quote(p) for p in parts)


def _quote(arg: str) -> str:
    """Shell quoting that leaves Chinese names readable (shlex.quote quotes every non-ASCII word)."""
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else shlex.quote(arg)
