"""The trend chart of a report as PNG bytes: daily volume stacked by sentiment, labelled in Chinese.

matplotlib's object API (Figure + Agg canvas, no pyplot state), so it is safe in threads (the dashboard).
Chinese text needs a CJK font: WenQuanYi Micro Hei (Debian `fonts-wqy-microhei`, which .ci/run installs) is
looked up through matplotlib's font manager; without it the chart is still drawn and a warning is logged.
"""

from __future__ import annotations

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
