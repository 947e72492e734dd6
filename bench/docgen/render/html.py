"""HTML tables as MinerU and similar PDF converters write them, in a whole HTML page.

``<table><tr><td rowspan="3">产出指标</td>…`` with real ``rowspan``/``colspan``
for merged cells. Variants a reader must all accept (:class:`HtmlStyle`):
header rows in ``<thead>``/``<th>`` or plain ``<td>`` rows, bold as ``<b>`` or
nested in ``<p><b><span>``, text with ``&nbsp;``/``&ge;`` entities, each table on
one line or one row per line. Ragged rows are padded with empty cells, as the
converters always emit full rows. The page header lines are printed as
paragraphs where each page starts (these forms have no pages).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from bench.docgen.blocks import Cell, GeneratedDoc, Heading, PageBreak, Paragraph, Table
from bench.docgen.render.flow import with_page_headers
from bench.docgen.render.grid import layout

# A table keeps up to this many short headings/paragraphs before it on its page (title, 单位：万元).
LEAD_BLOCKS = 3
LEAD_CHARS = 80
# Characters the ``entities`` variant writes as named entities.
_NAMED = {"≥": "&ge;", "≤": "&le;", "×": "&times;", "—": "&mdash;", "“": "&ldquo;", "”": "&rdquo;"}


@dataclass(frozen=True)
class HtmlStyle:
    """How tables are written; the defaults are MinerU's (``<td>`` only, ``<b>`` for bold, escapes only)."""

    thead: bool = False  # header rows in <thead> as <th>, the body in <tbody>
    nested_bold: bool = False  # bold as <p><b><span>…</span></b></p> instead of <b>…</b>
    entities: bool = False  # spaces as &nbsp;, ≥ ≤ … as named entities, empty cells as &nbsp;
    one_line: bool = False  # the whole table on one line
    colgroup: bool = False  # relative column widths (Table.widths) as <colgroup> (the print form)


def render_html(
    doc: GeneratedDoc,
    path: Path,
    *,
    thead: bool = False,
    nested_bold: bool = False,
    entities: bool = False,
    one_line: bool = False,
) -> None:
    """Write ``doc`` as a whole HTML page."""
    style = HtmlStyle(thead=thead, nested_bold=nested_bold, entities=entities, one_line=one_line)
    path.write_text(page_html(doc, style, css=SCREEN_CSS), encoding="utf-8")


SCREEN_CSS = """
body { font-family: "Noto Sans CJK SC", sans-serif; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #000; padding: 2px 4px; }
"""


def page_html(
    doc: GeneratedDoc,
    style: HtmlStyle,
    *,
    css: str,
    page_breaks: bool = False,
    headers_in_flow: bool = True,
    keep_tables: bool = False,
) -> str:
    """A whole HTML page of ``doc``.

    ``page_breaks`` writes each :class:`PageBreak` as a ``<div class="page-break">``
    (the print form); ``headers_in_flow`` prints the page header lines where each
    page starts; ``keep_tables`` wraps each table, with the title and unit lines
    just before it, in a ``<div class="keep">`` the print CSS keeps on one page
    when it fits.
    """
    body: list[str] = []
    lead: list[str] = []  # headings and short paragraphs just before a table, kept on its page
    for block in with_page_headers(doc) if headers_in_flow else doc.blocks:
        if isinstance(block, Table):
            table = table_html(block, style)
            body.append(f'<div class="keep">{"".join(lead)}{table}</div>' if keep_tables else "".join(lead) + table)
            lead = []
            continue
        if isinstance(block, PageBreak):
            fragment = '<div class="page-break"></div>' if page_breaks else ""
        elif isinstance(block, Heading):
            fragment = f"<h{block.level}>{_text(block.text, style)}</h{block.level}>"
        else:
            fragment = f"<p>{_text(block.text, style)}</p>"
        if isinstance(block, Heading | Paragraph) and len(block.text) <= LEAD_CHARS and len(lead) < LEAD_BLOCKS:
            lead.append(fragment)
        else:
            body.extend([*lead, fragment])
            lead = []
    body.extend(lead)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(doc.name)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def table_html(table: Table, style: HtmlStyle, *, css_class: str | None = None) -> str:
    """One ``<table>``: spans as attributes, ragged rows padded with empty cells."""
    grid = layout(table)
    newline = "" if style.one_line else "\n"
    head = table.header_rows if style.thead else 0
    if any(placed.r < head and placed.bottom >= head for placed in grid.placed):
        # A header cell spanning into the body (a merged 绩效指标 lead cell): a rowspan cannot cross from
        # <thead> into <tbody>, browsers would end it at the header and shift every body row left.
        head = 0
    rows: list[str] = []
    for r, row in enumerate(table.rows):
        tag = "th" if r < head else "td"
        cells = [_cell_html(cell, tag, style) for cell in row]
        filled = sum(slot is not None for slot in grid.slots[r])
        cells.extend(f"<{tag}>{'&nbsp;' if style.entities else ''}</{tag}>" for _ in range(grid.width - filled))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    if head:
        inner = (
            f"<thead>{newline}"
            + newline.join(rows[:head])
            + f"{newline}</thead>{newline}<tbody>{newline}"
            + newline.join(rows[head:])
            + f"{newline}</tbody>"
        )
    else:
        inner = newline.join(rows)
    if style.colgroup and table.widths:
        total = sum(table.widths)
        cols = "".join(f'<col style="width: {100 * width / total:.2f}%">' for width in table.widths)
        inner = f"<colgroup>{cols}</colgroup>{newline}{inner}"
        css_class = " ".join(filter(None, [css_class, "fixed"]))
    attrs = f' class="{css_class}"' if css_class else ""
    return f"<table{attrs}>{newline}{inner}{newline}</table>"


def _cell_html(cell: Cell, tag: str, style: HtmlStyle) -> str:
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    content = _text(cell.text, style)
    if not cell.text and style.entities:
        content = "&nbsp;"
    elif cell.bold and cell.text:
        content = f"<p><b><span>{content}</span></b></p>" if style.nested_bold else f"<b>{content}</b>"
    return f"<{tag}{attrs}>{content}</{tag}>"


def _text(text: str, style: HtmlStyle) -> str:
    """Escaped text, lines joined by ``<br>``; the ``entities`` variant also writes spaces and symbols as entities."""
    escaped = html.escape(text, quote=False)
    if style.entities:
        escaped = escaped.replace(" ", "&nbsp;")
        for char, entity in _NAMED.items():
            escaped = escaped.replace(char, entity)
    return "<br>".join(escaped.split("\n"))
