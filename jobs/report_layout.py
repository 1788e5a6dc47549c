"""What every report renderer shares: section and event numbering (一、… （一）…), citation and reference
text, the URL check for untrusted links, and the closing note."""

from __future__ import annotations

from urllib.parse import urlsplit

from analysis.opinion.digest import fmt_time
from jobs.report_model import Block, Reference, Report, Subheading

CN_NUMERALS = "一二三四五六七八九十"
GENERATED_NOTE = (
    "说明：本报告由审计舆情哨兵根据已采集的数据自动生成。信息量按发布时间统计（页面未注明发布时间的按首次发现时间）；"
    "情感、批评对象和回应类别由系统按规则与模型判定，供研判参考；处置状态和回应记录截至生成时间。"
)


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (up to 99)."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s) (crawled links are untrusted: no javascript:, data:, file:), else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") and not any(c in url for c in "\r\n\t ") else None


def numbered(report: Report) -> list[tuple[str, list[tuple[Block, str]]]]:
    """Section headings with their numbers, and each block with its subheading number where it has one."""
    out = []
    for i, section in enumerate(report.sections, 1):
        blocks, sub = [], 0
        for b in section.blocks:
            if isinstance(b, Subheading):
                sub += 1
                blocks.append((b, f"（{cn_number(sub)}）"))
            else:
                blocks.append((b, ""))
        out.append((f"{cn_number(i)}、{section.title}", blocks))
    return out


def cite_text(refs: tuple[int, ...]) -> str:
    return "".join(f"[{n}]" for n in refs)


def reference_line(ref: Reference, tz: str) -> str:
    """'标题，信源，2026-11-30 16:42。' (the URL is rendered after it)."""
    when = fmt_time(ref.time, tz) if ref.time else "时间不详"
    return f"{ref.title or '（无标题）'}，{ref.source}，{when}。"


def masthead_lines(report: Report) -> tuple[str, str]:
    """(unit line, period line) under the masthead."""
    return f"{report.unit_name}编", report.period_text
