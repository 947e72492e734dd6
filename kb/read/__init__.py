"""Reading a document file of any supported form into blocks (:class:`~kb.read.blocks.ReadDocument`).

``read_document(path)`` and ``read_data(bytes, path)`` sniff the form
(:mod:`kb.read.sniff`), run its reader, and fold the look-alike code points
PDF extraction produces (:mod:`kb.read.normalise`). They raise only
:class:`~kb.errors.DocumentError`: an unreadable file (missing, empty,
binary, encrypted or image-only PDF, corrupt archive) is one message naming it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from kb.errors import DocumentError
from kb.read.blocks import ReadDocument
from kb.read.decode import decode_with_notes, read_bytes, source_text
from kb.read.normalise import normalise_document
from kb.read.sniff import KNOWN_UNSUPPORTED, hint_of, looks_like_html, sniff_bytes, sniff_text

__all__ = ["read_data", "read_document"]


def read_document(path: str | Path) -> ReadDocument:
    """Read the document at ``path`` into blocks."""
    return read_data(read_bytes(path), path)


def read_data(data: bytes, path: str | Path = "<bytes>") -> ReadDocument:
    """Read a document held in memory; ``path`` names it in messages and its extension hints the form."""
    name = str(path)
    sha256 = hashlib.sha256(data).hexdigest()
    binary = sniff_bytes(data)
    if binary == "pdf":
        from kb.read.pdf import read_pdf
        from kb.read.pdf_layout import read_borderless

        return normalise_document(read_borderless(data, read_pdf(data, name, sha256)))
    if binary == "xlsx":
        from kb.read.xlsx import read_xlsx

        return normalise_document(read_xlsx(data, name, sha256))
    if binary == "docx":
        from kb.read.docx import read_docx

        return normalise_document(read_docx(data, name, sha256))
    suffix = Path(name).suffix.lower()
    if suffix in KNOWN_UNSUPPORTED and data.strip():
        raise DocumentError(path, f"不支持的文件类型：{KNOWN_UNSUPPORTED[suffix]} (unsupported file type {suffix})")
    hint = hint_of(name)
    if hint in ("xlsx", "docx") and data.strip():
        raise DocumentError(path, f"不是有效的 {hint.upper()} 文件（文件损坏或不完整）(corrupt {hint} file)")
    if hint == "pdf" and data.strip() and b"\x00" not in data[:8192]:
        raise DocumentError(path, "不是有效的 PDF 文件：没有 %PDF 文件头 (not a PDF)")
    if looks_like_html(data) or (hint == "html" and b"<" in data[:4096]):
        from kb.read.html import read_html

        text, encoding, notes = decode_with_notes(data, path)
        read = read_html(text, name, sha256, encoding)
        read.notes[:0] = notes
        return normalise_document(read)
    source = source_text(data, path)
    form = sniff_text("\n".join(source.lines[:4000]), hint)
    if form == "md":
        from kb.read.markdown import read_markdown

        return normalise_document(read_markdown(source))
    if form == "layout":
        from kb.read.layout import read_layout

        return normalise_document(read_layout(source))
    from kb.read.text import read_text

    return normalise_document(read_text(source))
