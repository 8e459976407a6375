"""A report as PDF: HTML laid out by WeasyPrint on A4 with the Noto CJK fonts (Debian's
fonts-noto-cjk), the institution and the title in the header, the generation time (Asia/Taipei)
and "page n of m" in the footer. Every text is HTML-escaped; the frame's texts reach the margin
boxes through ``string-set`` from the document, never pasted into CSS."""

from __future__ import annotations

import base64
import re
from html import escape
from zoneinfo import ZoneInfo

from fincloud.reports.document import (
    Block,
    Cell,
    CellLike,
    Chart,
    Facts,
    Heading,
    PageBreak,
    Paragraph,
    ReportDocument,
    Table,
)

TAIPEI = ZoneInfo("Asia/Taipei")
FONTS = '"Noto Sans CJK TC", "Noto Sans CJK", "Noto Sans TC", "DejaVu Sans", sans-serif'

CSS = """
@page {
  size: A4 %(orientation)s;
  margin: 20mm 14mm 18mm 14mm;
  @top-left { content: string(institution); font-size: 8pt; color: #444; }
  @top-right { content: string(title); font-size: 8pt; color: #444; }
  @bottom-left { content: string(generated); font-size: 7.5pt; color: #444; }
  @bottom-right { content: %(page)s; font-size: 8pt; color: #444; }
}
html { font-family: %(fonts)s; font-size: 9.5pt; line-height: 1.45; color: #111; }
.frame-institution { string-set: institution content(); }
.frame-title { string-set: title content(); }
.frame-generated { string-set: generated content(); }
.frame { display: block; height: 0; overflow: hidden; font-size: 0; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
.subtitle { font-size: 10.5pt; color: #333; margin: 0 0 5mm; }
h2 { font-size: 12.5pt; margin: 6mm 0 2mm; border-bottom: 0.6pt solid #888; }
h3 { font-size: 10.5pt; margin: 4mm 0 1.5mm; }
p { margin: 0 0 2mm; }
p.note { font-size: 8.5pt; color: #333; }
p.small { font-size: 7.5pt; color: #444; }
p.lead { font-size: 10pt; }
dl { display: block; margin: 0 0 3mm; }
dl div { display: flex; break-inside: avoid; }
dt { width: 32%%; font-weight: bold; }
dd { width: 68%%; margin: 0; }
table { border-collapse: collapse; width: 100%%; margin: 0 0 4mm; table-layout: fixed; }
caption { caption-side: top; text-align: left; font-weight: bold; margin-bottom: 1mm; }
th, td { border: 0.6pt solid #555; padding: 1.2mm 1.5mm; vertical-align: top; text-align: left;
  overflow-wrap: anywhere; white-space: pre-line; }
th { background: #e8e8e8; font-size: 8.5pt; }
td { font-size: 8.5pt; }
tr { break-inside: avoid; }
td.shade { background: #f1f1f1; }
td.bold { font-weight: bold; }
td.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; }
.chart { break-inside: avoid; margin: 2mm 0 5mm; }
.chart img { width: 100%%; height: auto; }
.chart p { font-weight: bold; margin-bottom: 1mm; }
.break { break-after: page; }
"""

_SVG_START = re.compile(r"<svg\b")


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _page_content(template: str) -> str:
    """``"第 {page} 頁，共 {pages} 頁"`` -> a CSS content value with the page counters."""
    parts: list[str] = []
    for piece in re.split(r"(\{page\}|\{pages\})", template):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    return " ".join(parts)


def _cell(value: CellLike, tag: str = "td") -> str:
    if not isinstance(value, Cell):
        return f"<{tag}>{escape(value)}</{tag}>"
    classes = " ".join(
        name
        for name, on in (("bold", value.bold), ("shade", value.shade), ("mono", value.mono))
        if on
    )
    attrs = f' class="{classes}"' if classes else ""
    if value.span > 1:
        attrs += f' colspan="{value.span}"'
    return f"<{tag}{attrs}>{escape(value.text)}</{tag}>"


def _table(table: Table) -> str:
    out = ["<table>"]
    if table.caption:
        out.append(f"<caption>{escape(table.caption)}</caption>")
    if table.widths:
        total = sum(table.widths) or 1.0
        out.append("<colgroup>")
        out.extend(f'<col style="width:{100 * w / total:.2f}%">' for w in table.widths)
        out.append("</colgroup>")
    out.append("<thead><tr>")
    out.extend(f"<th>{escape(c)}</th>" for c in table.columns)
    out.append("</tr></thead><tbody>")
    for row in table.rows:
        out.append("<tr>" + "".join(_cell(c) for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _svg(svg: str) -> str:
    """The chart as an image of its own (each SVG keeps its ids to itself)."""
    match = _SVG_START.search(svg)
    if not match:
        return ""
    data = base64.b64encode(svg[match.start() :].encode("utf-8")).decode("ascii")
    return f'<img alt="" src="data:image/svg+xml;base64,{data}">'


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        level = min(max(block.level + 1, 2), 4)
        return f"<h{level}>{escape(block.text)}</h{level}>"
    if isinstance(block, Paragraph):
        return f'<p class="{block.style}">{escape(block.text)}</p>'
    if isinstance(block, Facts):
        items = "".join(
            f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in block.items
        )
        return f"<dl>{items}</dl>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Chart):
        # The SVG comes from matplotlib on this server (fincloud.reports.charts), not from
        # anyone's input; its text elements hold escaped labels.
        return f'<div class="chart"><p>{escape(block.title)}</p>{_svg(block.svg)}</div>'
    if isinstance(block, PageBreak):
        return '<div class="break"></div>'
    raise TypeError(f"unknown block {block!r}")


def to_html(doc: ReportDocument) -> str:
    generated = doc.generated_at.astimezone(TAIPEI)
    stamp = f"{doc.labels.generated} {generated:%Y-%m-%d %H:%M:%S} (Asia/Taipei)"
    css = CSS % {
        "orientation": "landscape" if doc.landscape else "portrait",
        "page": _page_content(doc.labels.page),
        "fonts": FONTS,
    }
    lang = "zh-Hant-TW" if doc.lang == "zh" else "en"
    body = [
        '<div class="frame">',
        f'<span class="frame-institution">{escape(doc.institution)}</span>',
        f'<span class="frame-title">{escape(doc.title)}</span>',
        f'<span class="frame-generated">{escape(stamp)}</span>',
        "</div>",
        f"<h1>{escape(doc.title)}</h1>",
    ]
    if doc.subtitle:
        body.append(f'<p class="subtitle">{escape(doc.subtitle)}</p>')
    body.extend(_block(b) for b in doc.blocks)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(doc.title)}</title>"
        f'<meta name="author" content="{escape(doc.institution)}">'
        f'<meta name="generator" content="fincloud">'
        f"<style>{css}</style></head><body>{''.join(body)}</body></html>"
    )


def render(doc: ReportDocument) -> bytes:
    from weasyprint import HTML

    return HTML(string=to_html(doc)).write_pdf()  # type: ignore[no-any-return]
