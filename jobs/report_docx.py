"""Render a `jobs.reports.Report` as a Word document (.docx, python-docx) following 公文 conventions
(GB/T 9704-2012 where a bulletin can follow it):

- A4, margins top 3.7 cm, bottom 3.5 cm, left 2.8 cm, right 2.6 cm.
- Masthead: the mark (内部资料 注意保存) top left in 黑体; the report name in red 方正小标宋简体; the unit and date
  over a red rule. A 专报 adds the event as its title in 方正小标宋简体 二号.
- Headings 一、 in 黑体 三号, （一） in 楷体_GB2312 三号; body in 仿宋_GB2312 三号 (16 pt) at a fixed 28 pt line
  pitch with a two-character first-line indent; tables, references and notes in 仿宋_GB2312 小四.
- Header: the unit name and the mark; footer: the page number as a PAGE field, "— 1 —".
- The trend chart embedded as a PNG; citations as superscript [n]; 信息来源 as a numbered list with links.

Chinese fonts are named through w:rFonts/@w:eastAsia (python-docx's font.name sets only the Latin slots). Word
substitutes an installed font when a named one is missing (e.g. 仿宋 for 仿宋_GB2312).
"""

from __future__ import annotations

import io
import logging
import re

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Inches, Pt, RGBColor

from analysis.opinion.digest import fmt_time
from jobs.report_chart import chart_png
from jobs.report_layout import GENERATED_NOTE, masthead_lines, numbered, reference_line, safe_url
from jobs.report_model import Chart, Para, Report, Span, Subheading, Table

logger = logging.getLogger(__name__)

FONT_TITLE = "方正小标宋简体"
FONT_HEADING = "黑体"
FONT_SUBHEADING = "楷体_GB2312"
FONT_BODY = "仿宋_GB2312"
FONT_PAGE = "宋体"
RED = RGBColor(0xC0, 0x00, 0x00)
LINK = RGBColor(0x1A, 0x4F, 0x9C)
BODY_PT, ITEM_PT, SMALL_PT = 16, 14, 12
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6

_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: object) -> str:
    """Text Word can store: control characters from crawled pages removed."""
    return _XML_BAD.sub("", str(text))


def _set_fonts(element, name: str) -> None:
    """Name `name` for Latin and East Asian text of a run or style element (w:rPr/w:rFonts), dropping theme
    fonts, which would otherwise win."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _style_font(style, name: str, size: float, *, bold: bool = False, color: RGBColor | None = None) -> None:
    _set_fonts(style.element, name)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = color or RGBColor(0, 0, 0)


def _run(
    paragraph,
    text: str,
    *,
    font: str | None = None,
    size: float | None = None,
    bold: bool | None = None,
    color: RGBColor | None = None,
    superscript: bool = False,
):
    run = paragraph.add_run(_clean(text))
    if font:
        _set_fonts(run._r, font)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    if superscript:
        run.font.superscript = True
    return run


def _hyperlink(paragraph, url: str, text: str, size: float) -> None:
    """An external hyperlink run (blue, underlined); non-http(s) URLs are written as plain text."""
    safe = safe_url(url)
    if safe is None:
        _run(paragraph, text, size=size)
        return
    r_id = paragraph.part.relate_to(safe, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), r_id)
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), str(LINK))
    underline = OxmlElement("w:u")
    underline.set(qn("w:val"), "single")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(int(size * 2)))
    rpr.extend([color, underline, sz])
    t = OxmlElement("w:t")
    t.text = _clean(text)
    t.set(qn("xml:space"), "preserve")
    run.extend([rpr, t])
    link.append(run)
    paragraph._p.append(link)


def _field(paragraph, instruction: str, placeholder: str, size: float) -> None:
    """A complex field (begin, instruction, separate, cached result, end), e.g. PAGE."""

    def char(kind: str):
        r = _run(paragraph, "", font=FONT_PAGE, size=size)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        r._r.append(el)

    char("begin")
    r = _run(paragraph, "", font=FONT_PAGE, size=size)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    r._r.append(instr)
    char("separate")
    _run(paragraph, placeholder, font=FONT_PAGE, size=size)
    char("end")


def _border(paragraph, side: str, color: str = "C00000", size: int = 12) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    edge = OxmlElement(f"w:{side}")
    for k, v in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "1"), ("w:color", color)):
        edge.set(qn(k), v)
    borders.append(edge)


def _spacing(
    paragraph,
    *,
    line: float | None = None,
    before: float = 0,
    after: float = 0,
    indent_chars: float = 0,
    left_chars: float = 0,
    size: float = BODY_PT,
) -> None:
    pf = paragraph.paragraph_format
    if line:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line)
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if indent_chars:
        pf.first_line_indent = Pt(size * indent_chars)
    if left_chars:
        pf.left_indent = Pt(size * left_chars)


def _setup(doc, report: Report) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.header_distance, section.footer_distance = Cm(1.5), Cm(2.0)
    styles = doc.styles
    _style_font(styles["Normal"], FONT_BODY, BODY_PT)
    _style_font(styles["Heading 1"], FONT_HEADING, BODY_PT)
    _style_font(styles["Heading 2"], FONT_SUBHEADING, BODY_PT)
    for name in ("Heading 1", "Heading 2"):
        pf = styles[name].paragraph_format
        pf.space_before, pf.space_after = Pt(6), Pt(0)
        pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28)
        pf.keep_with_next = True
    # header: unit name left, mark right, a thin rule below
    text_width = section.page_width - section.left_margin - section.right_margin
    head = section.header.paragraphs[0]
    for pos in (Inches(3.25), Inches(6.5)):  # the Header style's centre and right tabs
        head.paragraph_format.tab_stops.add_tab_stop(pos, WD_TAB_ALIGNMENT.CLEAR)
    head.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT)
    _run(head, report.unit_name, font=FONT_BODY, size=10.5)
    if report.mark:
        _run(head, "\t" + report.mark, font=FONT_BODY, size=10.5)
    _border(head, "bottom", color="000000", size=4)
    # footer: — PAGE —
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(foot, "— ", font=FONT_PAGE, size=14)
    _field(foot, "PAGE", "1", 14)
    _run(foot, " —", font=FONT_PAGE, size=14)
    props = doc.core_properties
    props.title = f"{report.title} {report.subject or report.issue_date}"[:250]
    props.author = report.unit_name[:250]
    props.created = report.generated_at
    props.keywords = "舆情报告"


def _masthead(doc, report: Report) -> None:
    """Report name in red, unit and date over a red rule (the mark is in the page header), then the
    专报's subject and the period."""
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, report.title, font=FONT_TITLE, size=36, color=RED)
    _spacing(p, before=12, after=12)
    unit, period = masthead_lines(report)
    text_width = doc.sections[0].page_width - doc.sections[0].left_margin - doc.sections[0].right_margin
    p = doc.add_paragraph()
    p.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT)
    _run(p, unit + "\t" + report.issue_date, font=FONT_BODY, size=BODY_PT)
    _spacing(p, line=28, after=6)
    _border(p, "bottom", size=18)
    if report.subject:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, report.subject, font=FONT_TITLE, size=22)
        _spacing(p, line=34, before=12, after=6)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, period, font=FONT_SUBHEADING, size=BODY_PT)
    _spacing(p, line=28, before=6, after=6)


def _spans(paragraph, spans: tuple[Span, ...], size: float) -> None:
    for s in spans:
        if s.text:
            _run(
                paragraph,
                s.text,
                size=size,
                bold=True if s.bold else None,
                font=FONT_HEADING if s.bold else None,
            )
        if s.refs:
            _run(paragraph, "[" + ",".join(str(n) for n in s.refs) + "]", size=size, superscript=True)
        if s.url:
            _hyperlink(paragraph, s.url, s.url, min(size, SMALL_PT))


def _para(doc, b: Para) -> None:
    """Prose in 三号 at a 28 pt pitch; event details, quotes and suggestions (items) in 四号 at 24 pt; notes
    in 小四."""
    p = doc.add_paragraph()
    size, line = {"body": (BODY_PT, 28), "note": (SMALL_PT, 20)}.get(b.style, (ITEM_PT, 24))
    _spans(p, b.spans, size)
    if b.style == "quote":
        _spacing(p, line=line, left_chars=2, size=size)
        for run in p.runs:
            if not run.font.bold and not run.font.superscript:
                _set_fonts(run._r, FONT_SUBHEADING)
    else:
        _spacing(p, line=line, indent_chars=2, size=size)


def _table(doc, t: Table) -> None:
    if t.caption:
        cap = doc.add_paragraph()
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(cap, t.caption, font=FONT_HEADING, size=SMALL_PT)
        _spacing(cap, line=20, before=6)
    table = doc.add_table(rows=1, cols=len(t.columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(table.rows[0].cells, t.columns, strict=True):
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, name, font=FONT_HEADING, size=SMALL_PT)
    for row in t.rows:
        cells = table.add_row().cells
        for cell, span in zip(cells, row, strict=True):
            p = cell.paragraphs[0]
            _spans(p, (span,), SMALL_PT)
            _spacing(p, line=18)
    # column widths in proportion to their longest text (within bounds), over the text width
    lengths = [
        max([len(name), *(len(r[i].text) + 3 * len(r[i].refs) for r in t.rows)])
        for i, name in enumerate(t.columns)
    ]
    weights = [min(max(n, 4), 30) for n in lengths]
    table.autofit = False
    for i, w in enumerate(weights):
        width = Cm(TEXT_WIDTH_CM * w / sum(weights))
        table.columns[i].width = width  # w:gridCol (LibreOffice reads this)
        for cell in table.columns[i].cells:  # w:tcW (Word reads this)
            cell.width = width


def _chart(doc, c: Chart) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_picture(io.BytesIO(chart_png(c)), width=Cm(15.0))
    cap = doc.add_paragraph()
    cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(cap, c.title, size=SMALL_PT)
    _spacing(cap, line=20, after=6)


def render_docx(report: Report) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    _setup(doc, report)
    _masthead(doc, report)
    for heading, blocks in numbered(report):
        doc.add_heading(heading, level=1)
        for b, num in blocks:
            if isinstance(b, Subheading):
                doc.add_heading(_clean(num + b.text), level=2)
            elif isinstance(b, Para):
                _para(doc, b)
            elif isinstance(b, Table):
                _table(doc, b)
            elif isinstance(b, Chart):
                _chart(doc, b)
    if report.references:
        doc.add_heading("信息来源", level=1)
        for r in report.references:
            p = doc.add_paragraph()
            _run(p, f"[{r.number}] {reference_line(r, report.timezone)}", size=SMALL_PT).add_break()
            _hyperlink(p, r.url, r.url, SMALL_PT)  # on its own line: a long URL cannot break the text
            _spacing(p, line=18, after=2)
            p.paragraph_format.left_indent = Pt(SMALL_PT * 2.5)
            p.paragraph_format.first_line_indent = Pt(-SMALL_PT * 2.5)
    p = doc.add_paragraph()
    _run(p, f"{GENERATED_NOTE}生成时间：{fmt_time(report.generated_at, report.timezone)}。", size=10.5)
    _spacing(p, line=16, before=12)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
