"""Which form a file is in: content first, the file name's extension as a hint.

The bytes decide where they can (a PDF starts with ``%PDF-``; XLSX and DOCX
are ZIP archives holding ``xl/workbook.xml`` or ``word/document.xml``); the
text forms are told apart by what their lines hold (tab-separated rows, pipe
tables and ``<table>`` blocks, an HTML page, space-aligned columns with form
feeds). The extension only breaks a tie, so a PDF saved as ``.txt`` is still
read as a PDF, and a ``.md`` that is really tab text reads as tab text.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from kb.read.blocks import Form

# Extensions of the supported forms (what `kb build` takes from a folder).
SUFFIXES: dict[str, Form] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".docx": "docx",
}
# What is recognised as a document format but cannot be read (named in the message instead of "binary").
KNOWN_UNSUPPORTED = {
    ".doc": "旧版 Word 文档 (.doc)",
    ".xls": "旧版 Excel 工作簿 (.xls)",
    ".wps": "WPS 文字文档",
    ".et": "WPS 表格",
    ".ofd": "OFD 版式文档",
    ".rtf": "RTF 文档",
    ".odt": "OpenDocument 文本",
    ".ods": "OpenDocument 表格",
    ".zip": "ZIP 压缩包",
    ".rar": "RAR 压缩包",
    ".7z": "7z 压缩包",
    ".png": "图片",
    ".jpg": "图片",
    ".jpeg": "图片",
}
_SNIFF_BYTES = 65536
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)
_HTML_TABLE = re.compile(r"^\s*<table\b", re.IGNORECASE | re.MULTILINE)
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$", re.MULTILINE)
# pdftotext -layout: cells separated by runs of spaces; pages by form feeds.
_LAYOUT_GAP = re.compile(r"\S {3,}\S")


def sniff_bytes(data: bytes) -> Form | None:
    """The binary form ``data`` is in (``pdf``, ``xlsx``, ``docx``), or None for anything else."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            return "docx"
    return None


def looks_like_html(data: bytes) -> bool:
    """An HTML page (doctype, ``<html>``, ``<head>`` or ``<body>`` first)."""
    return bool(_HTML_START.match(data[:_SNIFF_BYTES]))


def sniff_text(text: str, hint: Form | None) -> Form:
    """Which text form decoded ``text`` is: ``md``, ``layout`` or ``txt`` (``hint`` from the extension)."""
    sample = text[: _SNIFF_BYTES * 4]
    lines = sample.split("\n")
    tab_rows = sum(1 for line in lines if "\t" in line)
    if _PIPE_SEPARATOR.search(sample) or _HTML_TABLE.search(sample):
        return "md"
    if tab_rows:
        return "txt"
    gapped = sum(1 for line in lines if _LAYOUT_GAP.search(line.strip()))
    if ("\f" in sample and gapped >= 3) or gapped >= max(10, len(lines) // 10):
        return "layout"
    return "md" if hint == "md" else "txt"


def hint_of(path: str | Path) -> Form | None:
    """The form the file name suggests, if its extension is a supported one."""
    return SUFFIXES.get(Path(str(path)).suffix.lower())
