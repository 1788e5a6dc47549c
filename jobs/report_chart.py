"""The trend chart of a report as PNG bytes (report files) or SVG (the dashboard's preview): daily volume
stacked by sentiment, labelled in Chinese.

matplotlib's object API (Figure + Agg canvas, no pyplot state), so it is safe in threads (the dashboard).
Chinese text needs a CJK font: WenQuanYi Micro Hei (Debian `fonts-wqy-microhei`, which .ci/run installs) is
looked up through matplotlib's font manager; without it the chart is still drawn and a warning is logged.
The SVG is drawn by hand (no matplotlib: the preview is redrawn on every filter change) with the same bars,
totals, colours and legend; the browser supplies the fonts.
"""

from __future__ import annotations

import html
import io
import logging
from functools import lru_cache
from pathlib import Path

from jobs.report_model import Chart

logger = logging.getLogger(__name__)

CJK_FONT_FILES = ("wqy-microhei.ttc", "wqy-zenhei.ttc", "NotoSansCJK-Regular.ttc", "NotoSansSC-Regular.otf")
COLORS = {"负面": "#c0392b", "中性": "#95a5a6", "正面": "#27ae60", "未分析": "#d5d8dc"}


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """Path of an installed CJK font file known to matplotlib's font manager, or None."""
    from matplotlib import font_manager

    found = {Path(p).name: p for p in font_manager.findSystemFonts()}
    for name in CJK_FONT_FILES:
        if name in found:
            return found[name]
    logger.warning("no CJK font found (install fonts-wqy-microhei): chart labels will not show Chinese")
    return None


def chart_png(chart: Chart, *, width_in: float = 7.2, height_in: float = 3.0, dpi: int = 150) -> bytes:
    """Stacked bars, one per day, one colour per sentiment series; a legend and a total above each bar."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    path = cjk_font_path()
    font = FontProperties(fname=path) if path else FontProperties()
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    x = list(range(len(chart.days)))
    bottom = [0] * len(x)
    for label, counts in chart.series:
        ax.bar(x, counts, bottom=bottom, color=COLORS.get(label, "#7f8c8d"), label=label, width=0.7)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    for i, total in enumerate(bottom):
        if total:
            ax.annotate(
                str(total),
                (i, total),
                ha="center",
                va="bottom",
                fontsize=7,
                xytext=(0, 1),
                textcoords="offset points",
            )
    ax.set_xlim(-0.6, max(len(x), 7) - 0.4)  # a short range keeps bars of the usual width
    step = max(1, len(x) // 14)
    ax.set_xticks(x[::step])
    ax.set_xticklabels([d[5:] for d in chart.days][::step], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel("信息量（篇）", fontproperties=font, fontsize=8)
    ax.set_title(chart.title, fontproperties=font, fontsize=10)
    ax.set_ylim(0, max([*bottom, 1]) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    if chart.series:
        legend_font = font.copy()
        legend_font.set_size(7)
        ax.legend(prop=legend_font, frameon=False, ncols=len(chart.series), loc="upper left")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def chart_svg(chart: Chart, *, width: int = 720, height: int = 300) -> str:
    """The chart of `chart_png` as an SVG document: stacked bars, a total above each bar, day labels (every
    one, or every n-th past 14 days), a y axis labelled 信息量（篇）, the title and a legend. Text is escaped."""
    e = html.escape
    left, right, top, bottom = 48, 12, 46, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(col) for col in zip(*(c for _, c in chart.series), strict=True)] if chart.series else []
    slots = max(len(chart.days), 7)  # a short range keeps bars of the usual width
    slot = plot_w / slots
    peak = max([*totals, 1]) * 1.15
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="sans-serif">',
        f'<text x="{width / 2:.0f}" y="16" text-anchor="middle" font-size="14">{e(chart.title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#333" stroke-width="1"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333" stroke-width="1"/>',
        f'<text x="12" y="{top + plot_h / 2:.0f}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.0f})">信息量（篇）</text>',
    ]
    for tick in _ticks(peak):
        y = top + plot_h - tick / peak * plot_h
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{tick}</text>')
    x_legend = left + 4
    for label, _ in chart.series:
        color = COLORS.get(label, "#7f8c8d")
        parts.append(f'<rect x="{x_legend}" y="26" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{x_legend + 14}" y="35" font-size="11">{e(label)}</text>')
        x_legend += 22 + 12 * len(label)
    step = max(1, len(chart.days) // 14)
    for i, day in enumerate(chart.days):
        x = left + slot * (i + 0.15)
        y = top + plot_h
        for label, counts in chart.series:
            h = counts[i] / peak * plot_h
            if h > 0:
                y -= h
                color = COLORS.get(label, "#7f8c8d")
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{color}">'
                             f"<title>{e(day)} {e(label)} {counts[i]}篇</title></rect>")  # fmt: skip
        if totals[i]:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle">{totals[i]}</text>')
        if i % step == 0:
            parts.append(f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h + 16}" font-size="10" '
                         f'text-anchor="middle">{e(day[5:])}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def _ticks(peak: float) -> list[int]:
    """About five round y-axis ticks from 0 up to `peak`."""
    raw = peak / 5
    magnitude = 10 ** max(0, len(str(int(raw))) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return list(range(0, int(peak) + 1, max(1, step)))
