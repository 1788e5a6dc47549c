"""What the operator reads and runs, shared by the `yuqing` commands and the demo run: the log level for
`-v` / `-vv`, tables aligned by display width, the crawl summary, the stage-2 line, the alert-run line and the
dashboard command."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from numbers import Number

from wcwidth import wcswidth, wcwidth

from config.loader import ROOT, Settings
from config.vocabulary import (
    CLASS_SHORT_LABELS,
    DROP_REASON_LABELS,
    PAGE_PROBLEM_LABELS,
    RESPONSE_CLASSES,
    RUN_STATUS_LABELS,
    SPIDER_LABELS,
)


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal (Chinese and full-width characters take two; combining marks none).
    Control characters, which wcswidth reports as -1, count one column each so a cell never breaks a row."""
    n = wcswidth(text)
    if n >= 0:
        return n
    return sum(max(wcwidth(c), 0) if c.isprintable() else 1 for c in text)


def pad(text: str, cols: int, align: str = "<") -> str:
    """`text` padded with spaces to `cols` display columns (align "<" left, ">" right)."""
    fill = " " * max(0, cols - display_width(text))
    return fill + text if align == ">" else text + fill


def _is_number(value: object) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    text = str(value)
    return " ".join(text.split()) if ("\n" in text or "\t" in text) else text  # one line per row


def format_table(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    align: str | None = None,
    indent: str = "",
    gap: str = "  ",
) -> list[str]:
    """Rows aligned by display width under `header`: one string per line, trailing spaces removed.

    `align` holds one "<" or ">" per column; by default numbers are right-aligned and text left-aligned.
    None shows as "—"; line breaks inside a cell become spaces."""
    body = [list(r) for r in rows]
    if align is None:
        numeric = [bool(body) and all(_is_number(r[i]) for r in body) for i in range(len(header))]
        align = "".join(">" if n else "<" for n in numeric)
    cells = [[_cell(c) for c in r] for r in [list(header), *body]]
    widths = [max(display_width(r[i]) for r in cells) for i in range(len(header))]
    return [
        indent + gap.join(pad(c, w, a) for c, w, a in zip(r, widths, align, strict=True)).rstrip()
        for r in cells
    ]


def print_table(header: Sequence[str], rows: Iterable[Sequence[object]], out=None, **kwargs) -> None:
    """`format_table` printed to `out` (standard output by default)."""
    for line in format_table(header, rows, **kwargs):
        print(line, file=out or sys.stdout)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_level(verbosity: int) -> int:
    """The log level for a count of `-v` flags: quiet by default (warnings; commands print their own
    summaries), `-v` INFO, `-vv` (or more) DEBUG. The one mapping every command uses, Scrapy's LOG_LEVEL too
    (`logging.getLevelName(log_level(n))`)."""
    if verbosity <= 0:
        return logging.WARNING
    return logging.INFO if verbosity == 1 else logging.DEBUG


def setup_logging(verbosity: int) -> int:
    """Configure the root logger for a `yuqing` process once (stderr, one format); returns the level.
    The level is also set on the handlers, so libraries that set their own loggers to DEBUG (Scrapy)
    stay quiet by default."""
    level = log_level(verbosity)
    logging.basicConfig(level=level, format=LOG_FORMAT)
    logging.root.setLevel(level)
    for handler in logging.root.handlers:
        handler.setLevel(level)
    return level


def print_crawl_summary(runs: list[dict], out=sys.stdout) -> None:
    """Stored per source, dropped by reason, errors: the crawl's report to the operator."""
    dropped: Counter[str] = Counter()
    print("\n采集结果（按信源）", file=out)
    rows = []
    for r in runs:
        d = r.get("dropped") or {}
        dropped.update(d)
        name = r.get("source") or SPIDER_LABELS.get(r["spider"], r["spider"])
        status = RUN_STATUS_LABELS.get(r["status"], r["status"])
        rows.append([str(name), r["pages"], r["stored"], r["updated"], sum(d.values()), r["errors"], status])
    print_table(["信源", "页面", "新增", "更新", "丢弃", "错误", "状态"], rows, out=out, indent="  ")
    total_new = sum(r["stored"] for r in runs)
    total_upd = sum(r["updated"] for r in runs)
    print(f"  合计：新增 {total_new} 篇，更新 {total_upd} 篇", file=out)
    if dropped:
        print("丢弃原因：", file=out)
        for reason, n in dropped.most_common():
            print(f"  {DROP_REASON_LABELS.get(reason, reason)}（{reason}）: {n}", file=out)
    problems: Counter[str] = Counter()
    encodings: Counter[str] = Counter()
    for r in runs:
        problems.update((r.get("stats") or {}).get("problems") or {})
        encodings.update((r.get("stats") or {}).get("encodings") or {})
    repaired = {k: v for k, v in encodings.items() if k not in ("utf-8", "declared", "meta", "bom", "xml")}
    if problems or repaired:
        print("问题页面（已入库或已计数，不影响采集）：", file=out)
        for name, n in problems.most_common():
            print(f"  {PAGE_PROBLEM_LABELS.get(name, name)}（{name}）: {n}", file=out)
        for name, n in sorted(repaired.items()):
            print(f"  编码声明有误、已按内容识别（{name}）: {n}", file=out)
    samples = [s for r in runs for s in (r.get("error_samples") or [])]
    if samples:
        print(f"错误样例（共 {sum(r['errors'] for r in runs)} 个错误）：", file=out)
        for s in samples[:10]:
            print(f"  - {s}", file=out)


def stage2_line(s2) -> str:
    """One line on what stage 2 did: documents placed, events new/updated, response classes."""
    classes = "，".join(
        f"{CLASS_SHORT_LABELS[k]} {v}" for k, v in sorted(s2.by_class.items()) if k in RESPONSE_CLASSES
    )
    return f"  热点：归并 {s2.documents} 篇，新事件 {s2.events_new} 个，更新 {s2.events_touched} 个" + (
        f"；需回应：{classes}" if classes else ""
    )


def dashboard_command(settings: Settings, port: int | None = None) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
        "--server.headless", "true", "--server.address", settings.dashboard.host,
        "--server.port", str(port or settings.dashboard.port), "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip


def alert_run_line(run) -> str:
    """One Chinese line for a `jobs.alerts.AlertRun`."""
    from analysis.opinion.alerts import TRIGGER_LABELS

    if run.disabled:
        return "预警未启用（alerts.yaml 中 enabled: false）"
    new = "、".join(f"{TRIGGER_LABELS.get(k, k)} {v}" for k, v in sorted(run.new_items.items())) or "无"
    line = (f"预警：新增待发 {sum(run.new_items.values())} 条（{new}），升级 {run.escalations} 次；"
            f"生成消息 {run.composed} 条，送达 {run.delivered} 条")  # fmt: skip
    if run.retrying:
        line += f"，失败待重试 {run.retrying} 条"
    if run.failed:
        line += f"，放弃 {run.failed} 条"
    if run.waiting:
        line += f"；{run.waiting} 条等待接收时段或发送间隔"
    if run.cancelled:
        line += f"；撤销 {run.cancelled} 条（事件已处理）"
    return line
