"""Render a `jobs.reports.Report` as HTML (self-contained, also the e-mail body of the 日报) or Markdown, and
dispatch to the .docx renderer (`jobs.report_docx`).

Crawled text (titles, sources, quotes, URLs) is untrusted: HTML escapes every text and attribute and links only
http(s) URLs; Markdown backslash-escapes the characters that would start markup or raw HTML. Sections are
numbered 一、二、… and the events inside a section （一）（二）…; citations print as [n] and resolve to the
numbered 信息来源 at the end.
"""

from __future__ import annotations

import base64
import html
import logging
import re
from urllib.parse import quote as urlquote

from analysis.opinion.digest import fmt_time
from jobs.report_chart import chart_png, chart_svg
from jobs.report_layout import GENERATED_NOTE, cite_text, masthead_lines, numbered, reference_line, safe_url
from jobs.report_model import Chart, Para, Report, Span, Subheading, Table

logger = logging.getLogger(__name__)

FORMATS = ("docx", "html", "md")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}

# ---------------------------------------------------------------------------------------------- HTML

_CSS = """
.yq-report{font-family:"FangSong","仿宋","STFangsong","Noto Serif CJK SC",serif;color:#111;max-width:860px;margin:0 auto;
 line-height:1.75;font-size:16px}
.yq-report .mark{font-family:"SimHei","黑体",sans-serif;margin:0}
.yq-report .masthead{color:#c00;text-align:center;font-family:"FZXiaoBiaoSong-B05S","方正小标宋简体","SimSun",serif;
 font-size:40px;letter-spacing:6px;margin:8px 0 4px}
.yq-report .subject{text-align:center;font-family:"FZXiaoBiaoSong-B05S","方正小标宋简体","SimSun",serif;font-size:24px;margin:8px 0}
.yq-report .issue{display:flex;justify-content:space-between;border-bottom:2px solid #c00;padding-bottom:4px;margin:0 0 8px}
.yq-report .period{text-align:center;font-family:"KaiTi","楷体",serif;margin:4px 0 12px}
.yq-report h2{font-family:"SimHei","黑体",sans-serif;font-size:18px;margin:18px 0 6px}
.yq-report h3{font-family:"KaiTi","楷体",serif;font-size:17px;margin:12px 0 4px}
.yq-report p{margin:4px 0}
.yq-report p.body{text-indent:2em}
.yq-report p.item{margin-left:2em}
.yq-report p.quote{margin-left:2em;font-family:"KaiTi","楷体",serif}
.yq-report p.note{color:#555;font-size:14px}
.yq-report sup{font-size:11px}
.yq-report a{color:#1a4f9c;word-break:break-all}
.yq-report table{border-collapse:collapse;margin:6px auto;font-size:14px}
.yq-report th,.yq-report td{border:1px solid #999;padding:2px 8px;text-align:center}
.yq-report figure{margin:8px 0;text-align:center}
.yq-report figure img{max-width:100%}
.yq-report figcaption{font-size:13px;color:#555}
.yq-report ol.refs{font-size:13px;line-height:1.5;padding-left:2.5em}
.yq-report .gen{font-size:12px;color:#666;margin-top:16px}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_link(url: str | None, text: str | None = None) -> str:
    safe = safe_url(url)
    if safe is None:
        return _e(url or "")
    return f'<a href="{_e(safe)}">{_e(text or safe)}</a>'


def _html_spans(spans: tuple[Span, ...]) -> str:
    out = []
    for s in spans:
        text = _e(s.text)
        if s.bold:
            text = f"<b>{text}</b>"
        out.append(text)
        if s.refs:
            out.append("<sup>" + "".join(f'<a href="#ref-{n}">[{n}]</a>' for n in s.refs) + "</sup>")
        if s.url:
            out.append(_html_link(s.url))
    return "".join(out)


def _html_table(t: Table) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in t.columns)
    rows = "".join("<tr>" + "".join(f"<td>{_html_spans((c,))}</td>" for c in row) + "</tr>" for row in t.rows)
    caption = f"<caption>{_e(t.caption)}</caption>" if t.caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _html_chart(c: Chart, *, svg: bool = False) -> str:
    """The chart as a figure: an image from a data: URI, PNG (a self-contained file) or, with `svg`, SVG drawn
    without matplotlib (an <img>, not inline <svg>: st.html's sanitiser keeps only HTML elements)."""
    if svg:
        data = "data:image/svg+xml;base64," + base64.b64encode(chart_svg(c).encode("utf-8")).decode("ascii")
    else:
        data = "data:image/png;base64," + base64.b64encode(chart_png(c)).decode("ascii")
    total = sum(sum(v) for _, v in c.series)
    alt = f"{c.title}：{c.days[0] if c.days else ''}至{c.days[-1] if c.days else ''}共{total}篇"
    return f'<figure><img src="{data}" alt="{_e(alt)}"><figcaption>{_e(c.title)}</figcaption></figure>'


def render_html(report: Report, *, standalone: bool = True) -> str:
    """The report as HTML: a whole page (default; the chart inlined as a PNG data: URI) or, with
    standalone=False, one <div> with scoped styles for embedding (the dashboard preview; the chart as SVG,
    drawn without matplotlib)."""
    parts = ['<div class="yq-report">']
    if report.mark:
        parts.append(f'<p class="mark">{_e(report.mark)}</p>')
    parts.append(f'<h1 class="masthead">{_e(report.title)}</h1>')
    unit, period = masthead_lines(report)
    parts.append(f'<p class="issue"><span>{_e(unit)}</span><span>{_e(report.issue_date)}</span></p>')
    if report.subject:
        parts.append(f'<p class="subject">{_e(report.subject)}</p>')
    parts.append(f'<p class="period">{_e(period)}</p>')
    for heading, blocks in numbered(report):
        parts.append(f"<h2>{_e(heading)}</h2>")
        for b, num in blocks:
            if isinstance(b, Subheading):
                parts.append(f"<h3>{_e(num + b.text)}</h3>")
            elif isinstance(b, Para):
                parts.append(f'<p class="{b.style}">{_html_spans(b.spans)}</p>')
            elif isinstance(b, Table):
                parts.append(_html_table(b))
            elif isinstance(b, Chart):
                parts.append(_html_chart(b, svg=not standalone))
    if report.references:
        parts.append('<h2>信息来源</h2><ol class="refs">')
        for r in report.references:
            parts.append(
                f'<li id="ref-{r.number}" value="{r.number}">{_e(reference_line(r, report.timezone))} '
                f"{_html_link(r.url)}</li>"
            )
        parts.append("</ol>")
    parts.append(
        f'<p class="gen">{_e(GENERATED_NOTE)} 生成时间：{_e(fmt_time(report.generated_at, report.timezone))}。</p>'
    )
    parts.append("</div>")
    body = "\n".join(parts)
    if not standalone:
        return f"<style>{_CSS}</style>\n{body}"
    title = f"{report.title} {report.subject or report.issue_date}"
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


# ------------------------------------------------------------------------------------------ Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")


def md_escape(text: object) -> str:
    """Backslash-escape what would start Markdown markup or raw HTML; newlines become spaces."""
    return _MD_SPECIAL.sub(r"\\\1", str(text).replace("\r", " ").replace("\n", " "))


def _md_url(url: str | None) -> str:
    safe = safe_url(url)
    if safe is None:
        return f"`{(url or '').replace('`', '')}`" if url else ""
    return "<" + urlquote(safe, safe=":/?#[]@!$&'()*+,;=%~-._") + ">"


def _md_spans(spans: tuple[Span, ...]) -> str:
    out = []
    for s in spans:
        text = md_escape(s.text)
        if s.bold and text.strip():
            core = text.rstrip("：:，、 ")  # CommonMark: ** before a CJK letter must follow a non-punctuation
            text = f"**{core}**{text[len(core) :]}"
        out.append(text)
        if s.refs:
            out.append(cite_text(s.refs))
        if s.url:
            out.append(_md_url(s.url))
    return "".join(out)


def _md_table(columns: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(md_escape(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines.extend("| " + " | ".join(rows_i) + " |" for rows_i in rows)
    return lines


def render_markdown(report: Report) -> str:
    """The report as Markdown: headings, paragraphs, tables, the chart as its table of daily counts, and the
    numbered 信息来源 (each also a link definition, so [n] in the text links to its document)."""
    unit, period = masthead_lines(report)
    lines = []
    if report.mark:
        lines += [f"**{md_escape(report.mark)}**", ""]
    lines += [f"# {md_escape(report.title)}", "", f"{md_escape(unit)}　{md_escape(report.issue_date)}", ""]
    if report.subject:
        lines += [f"**{md_escape(report.subject)}**", ""]
    lines += [md_escape(period), ""]
    for heading, blocks in numbered(report):
        lines += [f"## {md_escape(heading)}", ""]
        for b, num in blocks:
            if isinstance(b, Subheading):
                lines += [f"### {md_escape(num + b.text)}", ""]
            elif isinstance(b, Para):
                prefix = "- " if b.style == "item" and not re.match(r"\d+\. ", b.text) else ""
                prefix = "> " if b.style == "quote" else prefix
                lines += [prefix + _md_spans(b.spans), ""]
            elif isinstance(b, Table):
                if b.caption:
                    lines += [f"**{md_escape(b.caption)}**", ""]
                rows = [[_md_spans((c,)) for c in row] for row in b.rows]
                lines += [*_md_table(b.columns, rows), ""]
            elif isinstance(b, Chart):
                totals = [sum(v[i] for _, v in b.series) for i in range(len(b.days))]
                rows = [[d, *(str(v[i]) for _, v in b.series), str(totals[i])] for i, d in enumerate(b.days)]
                lines += [
                    f"**{md_escape(b.title)}**",
                    "",
                    *_md_table(("日期", *(s for s, _ in b.series), "合计"), rows),
                    "",
                ]
    if report.references:
        lines += ["## 信息来源", ""]
        for r in report.references:
            lines += [f"[{r.number}] {md_escape(reference_line(r, report.timezone))} {_md_url(r.url)}", ""]
        for r in report.references:
            safe = safe_url(r.url)
            if safe:
                lines.append(f"[{r.number}]: {_md_url(safe)}")
        lines.append("")
    lines += [md_escape(f"{GENERATED_NOTE} 生成时间：{fmt_time(report.generated_at, report.timezone)}。"), ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- all

__all__ = ["FORMATS", "MEDIA_TYPES", "render", "render_docx", "render_html", "render_markdown"]


def render_docx(report: Report) -> bytes:
    """The report as .docx (`jobs.report_docx`, imported on first use: python-docx is not needed to preview)."""
    from jobs.report_docx import render_docx as draw

    return draw(report)


def render(report: Report, fmt: str) -> bytes:
    """The report in `fmt` (docx / html / md) as bytes (text formats in UTF-8)."""
    if fmt == "docx":
        return render_docx(report)
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "md":
        return render_markdown(report).encode("utf-8")
    raise ValueError(f"unknown report format {fmt!r}; use one of {FORMATS}")
