"""Bad input a reader must refuse cleanly: encrypted, scanned (image-only), truncated and non-PDF files,
a workbook without any 绩效 table, an HTML table cut off in the middle.

Each ``write_*`` function makes one file; the ``render_*`` ones take a document
like every other form (printing it first where the fixture starts from a PDF)
and are what :func:`bench.docgen.render.render` dispatches to.
"""

from __future__ import annotations

import base64
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bench.docgen.blocks import GeneratedDoc, Table
from bench.docgen.render.html import SCREEN_CSS, HtmlStyle, page_html
from bench.docgen.render.pdf import NO_MARGIN, print_html, render_pdf
from bench.docgen.render.pdfcrypt import write_encrypted_pdf
from bench.docgen.render.xlsx import render_xlsx

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# Words whose presence would make a workbook look like it holds performance targets.
INDICATOR_WORDS = ("绩效", "一级指标", "指标值")


def write_scanned_pdf(
    pdf: Path, path: Path, *, dpi: int = 72, first: int = 1, last: int | None = None, browser: Browser | None = None
) -> None:
    """An image-only copy of ``pdf`` (pages ``first``…``last``): each page rasterised and printed as a picture.

    No text layer is left, as in a scanned disclosure; a reader needs OCR or must report it.
    """
    with tempfile.TemporaryDirectory() as work:
        command = ["pdftoppm", "-png", "-r", str(dpi), "-f", str(first)]
        if last is not None:
            command += ["-l", str(last)]
        subprocess.run([*command, str(pdf), str(Path(work) / "page")], check=True, capture_output=True)
        images = sorted(Path(work).glob("page-*.png"))
        pictures = "".join(
            f'<img src="data:image/png;base64,{base64.b64encode(image.read_bytes()).decode()}">' for image in images
        )
    page = (
        "<!DOCTYPE html><html><head><style>@page { size: A4; margin: 0; } body { margin: 0; } "
        "img { display: block; width: 210mm; height: 296mm; break-after: page; }</style></head>"
        f"<body>{pictures}</body></html>"
    )
    print_html(page, path, margin=NO_MARGIN, browser=browser)


def write_truncated_pdf(pdf: Path, path: Path, *, keep: float = 0.5) -> None:
    """The first ``keep`` fraction of ``pdf``'s bytes: no cross-reference table, no trailer, streams cut."""
    data = pdf.read_bytes()
    path.write_bytes(data[: max(1, int(len(data) * keep))])


def write_corrupt_pdf(path: Path, *, size: int = 4096, seed: int = 7) -> None:
    """A file that starts like a PDF (``%PDF-1.7``) and is noise after the first line."""
    import random

    noise = random.Random(seed).randbytes(size)
    path.write_bytes(b"%PDF-1.7\n" + noise)


def without_indicators(doc: GeneratedDoc) -> GeneratedDoc:
    """The tables of ``doc`` that hold no performance targets (the budget tables), nothing else."""
    tables = [block for block in doc.blocks if isinstance(block, Table) and not _has_indicator_words(block)]
    return GeneratedDoc(name=f"{doc.name}-no-indicators", blocks=list(tables), page_header=[])


def _has_indicator_words(table: Table) -> bool:
    return any(word in cell.text for row in table.rows for cell in row for word in INDICATOR_WORDS)


def write_xlsx_without_indicators(doc: GeneratedDoc, path: Path) -> None:
    """A workbook of ``doc``'s budget tables only: well-formed, but without any 绩效 table."""
    render_xlsx(without_indicators(doc), path)


def write_truncated_html(doc: GeneratedDoc, path: Path) -> None:
    """``doc`` as an HTML page cut off inside the first indicator table, in the middle of a data row.

    The cut falls after the first cell of the row following the ``一级指标`` header:
    no closing ``</tr>``, ``</table>``, ``</body>`` or ``</html>``.
    """
    page = page_html(doc, HtmlStyle(), css=SCREEN_CSS)
    header = page.find("一级指标")
    if header < 0:
        raise ValueError(f"{doc.name} has no indicator table to cut")
    row = page.index("<tr>", page.index("</tr>", header))
    path.write_text(page[: page.index("</td>", row) + len("</td>")], encoding="utf-8")


def render_truncated_pdf(doc: GeneratedDoc, path: Path, *, keep: float = 0.5, browser: Browser | None = None) -> None:
    """``doc`` printed to PDF, then cut to its first ``keep`` fraction."""
    with tempfile.TemporaryDirectory() as work:
        pdf = Path(work) / "doc.pdf"
        render_pdf(doc, pdf, browser=browser)
        write_truncated_pdf(pdf, path, keep=keep)


def render_scanned_pdf(
    doc: GeneratedDoc, path: Path, *, dpi: int = 72, last: int | None = None, browser: Browser | None = None
) -> None:
    """``doc`` printed to PDF, then rasterised into an image-only PDF."""
    with tempfile.TemporaryDirectory() as work:
        pdf = Path(work) / "doc.pdf"
        render_pdf(doc, pdf, browser=browser)
        write_scanned_pdf(pdf, path, dpi=dpi, last=last, browser=browser)


def render_encrypted_pdf(doc: GeneratedDoc, path: Path, *, user_password: str = "secret") -> None:
    """A one-page encrypted PDF naming ``doc`` (its content is not the document: it cannot be opened anyway)."""
    name = doc.name if doc.name.isascii() else "document"
    write_encrypted_pdf(path, user_password=user_password, lines=(f"Encrypted: {name}", "Performance targets"))


def render_corrupt_pdf(doc: GeneratedDoc, path: Path) -> None:
    """A ``%PDF`` header followed by noise (``doc`` is not used)."""
    write_corrupt_pdf(path)
