"""PDF printed from HTML by headless Chromium: A4, CJK fonts, ruled tables, the page header on every page.

The print follows the document's page structure: each :class:`PageBreak`
starts a new page, so a row cut by a page break in the source is cut at the
same place (its head ends one page, the repeated header and its tail start
the next). Elsewhere a table is kept on one page when it fits (``keep_tables``)
and is otherwise split between rows, with its header rows (``<thead>``)
printed again on the next page. The page header lines are printed in the top
margin of every page, as real text.

Cells are vertically centred by default (``valign="middle"``), as many
部门预算 PDFs print them; ``valign="top"`` or ``"bottom"`` prints them the other
ways real documents do, so that a reader of the printed page (``pdftotext
-layout``) is not tested against one alignment only.

Tables are ruled (every cell bordered) so that table finders such as
pdfplumber see the cells; merged cells are real merged cells. ``kangxi`` and
``compat`` print some characters with the look-alike code points real PDFs
carry (:mod:`bench.docgen.render.codepoints`).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bench.docgen.blocks import GeneratedDoc
from bench.docgen.render.codepoints import variant_table
from bench.docgen.render.html import HtmlStyle, page_html

if TYPE_CHECKING:
    from playwright.sync_api import Browser, PdfMargins

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FONT = '"Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif'
MARGIN: PdfMargins = {"top": "20mm", "bottom": "14mm", "left": "12mm", "right": "12mm"}
NO_MARGIN: PdfMargins = {"top": "0", "bottom": "0", "left": "0", "right": "0"}

PRINT_CSS = f"""
@page {{ size: A4; }}
body {{ font-family: {FONT}; font-size: 10pt; line-height: 1.35; margin: 0; }}
h1 {{ font-size: 16pt; }} h2 {{ font-size: 14pt; }} h3 {{ font-size: 12pt; }} h4 {{ font-size: 11pt; }}
h1, h2, h3, h4 {{ margin: 6pt 0 4pt; break-after: avoid; }}
p {{ margin: 3pt 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8pt; margin: 4pt 0 8pt; }}
td, th {{ border: 0.75pt solid #000; padding: 2pt 3pt; vertical-align: middle; text-align: left;
          font-weight: normal; overflow-wrap: anywhere; }}
b {{ font-weight: bold; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
div.keep {{ break-inside: avoid; }}
table.fixed {{ table-layout: fixed; }}
.page-break {{ break-before: page; height: 0; }}
"""
# How table cells may be aligned vertically (the CSS vertical-align values real documents print).
VALIGNS = ("middle", "top", "bottom")
# How tables may be ruled: every cell bordered, only a rule under each row, or no rule at all.
RULES = {
    "all": "",
    "rows": "td, th { border: none; border-bottom: 0.5pt solid #000; }\n",
    "none": "td, th { border: none; }\n",
}


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium (Debian's) for printing several documents with one launch."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def render_pdf(
    doc: GeneratedDoc,
    path: Path,
    *,
    kangxi: bool = False,
    compat: str = "",
    keep_tables: bool = True,
    valign: str = "middle",
    rules: str = "all",
    browser: Browser | None = None,
) -> None:
    """Print ``doc`` to a PDF at ``path`` (launching Chromium unless ``browser`` is given); ``valign`` is the
    vertical alignment of table cells (one of :data:`VALIGNS`), ``rules`` how tables are ruled (:data:`RULES`:
    table finders that follow borders find none in a table printed without them)."""
    if valign not in VALIGNS:
        raise ValueError(f"valign must be one of {', '.join(VALIGNS)}, not {valign!r}")
    if rules not in RULES:
        raise ValueError(f"rules must be one of {', '.join(RULES)}, not {rules!r}")
    variants = variant_table(kangxi=kangxi, compat=compat)
    body = page_html(
        doc,
        HtmlStyle(thead=True, colgroup=True),
        css=PRINT_CSS + f"td, th {{ vertical-align: {valign}; }}\n" + RULES[rules],
        page_breaks=True,
        headers_in_flow=False,
        keep_tables=keep_tables,
    ).translate(variants)
    header = _header_template(doc.page_header).translate(variants)
    print_html(body, path, header=header, browser=browser)


def print_html(
    page: str, path: Path, *, header: str = "", margin: PdfMargins | None = None, browser: Browser | None = None
) -> None:
    """Print an HTML page to an A4 PDF; ``header`` is a Chromium header template printed on every page."""
    if browser is None:
        with chromium() as launched:
            print_html(page, path, header=header, margin=margin, browser=launched)
        return
    tab = browser.new_page()
    try:
        tab.set_content(page, wait_until="load")
        tab.pdf(
            path=str(path),
            format="A4",
            print_background=True,
            prefer_css_page_size=True,
            display_header_footer=bool(header),
            header_template=header or "<span></span>",
            footer_template="<span></span>",
            margin=MARGIN if margin is None else margin,
        )
    finally:
        tab.close()


def _header_template(lines: list[str]) -> str:
    """The page header lines side by side across the top margin (department left, 单位 right)."""
    if not lines:
        return ""
    spans = "".join(f"<span>{html.escape(line)}</span>" for line in lines)
    return (
        f'<div style="font-family: {html.escape(FONT)}; font-size: 9pt; width: 100%; margin: 0 12mm; '
        f'display: flex; justify-content: space-between;">{spans}</div>'
    )
