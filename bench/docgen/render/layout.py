"""The PDF form run through ``pdftotext -layout``: columns aligned with spaces, pages separated by form feeds."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bench.docgen.blocks import GeneratedDoc
from bench.docgen.render.pdf import render_pdf

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def render_layout(
    doc: GeneratedDoc,
    path: Path,
    *,
    kangxi: bool = False,
    compat: str = "",
    valign: str = "middle",
    browser: Browser | None = None,
) -> None:
    """Print ``doc`` to PDF (see :func:`render_pdf`; ``valign``: how table cells are aligned vertically) and
    write what ``pdftotext -layout`` reads of it."""
    with tempfile.TemporaryDirectory() as work:
        pdf = Path(work) / "doc.pdf"
        render_pdf(doc, pdf, kangxi=kangxi, compat=compat, valign=valign, browser=browser)
        pdf_to_layout(pdf, path)


def pdf_to_layout(pdf: Path, path: Path) -> None:
    """``pdftotext -layout`` of ``pdf`` into ``path`` (UTF-8)."""
    subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), str(path)], check=True, capture_output=True)
