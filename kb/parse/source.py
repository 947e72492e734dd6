"""Reading a disclosure document from disk into numbered lines.

Documents arrive as UTF-8 (with or without BOM) or GBK/GB18030, with Unix or
Windows line endings. Whatever the bytes, the parser sees the same list of
lines, so line numbers in warnings and provenance always point at the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kb.errors import DocumentError

# A text document has no NUL bytes; PDFs, images, archives and databases do.
_BINARY_SNIFF = 8192


@dataclass(frozen=True)
class SourceText:
    """The decoded text of one document, with what identifies its bytes."""

    path: str
    sha256: str
    encoding: str
    lines: list[str]


def decode(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode document bytes; returns ``(text, encoding)``.

    Raises :class:`DocumentError` for empty or binary input.
    """
    if not data.strip():
        raise DocumentError(path, "文件为空 (empty file)")
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise DocumentError(path, "不是文本文件 (binary file, not a text document)")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise DocumentError(path, f"无法识别的编码，既非 UTF-8 也非 GBK/GB18030 (byte {exc.start})") from None


def split_lines(text: str) -> list[str]:
    """Split on any line ending (LF, CRLF, CR) without keeping the endings."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def read_source(path: str | Path) -> SourceText:
    """Read and decode the document at ``path``.

    Raises :class:`DocumentError` when the path is missing, is a directory,
    cannot be read, is empty or is not text.
    """
    p = Path(path)
    if not p.exists():
        raise DocumentError(p, "文件不存在 (no such file)")
    if p.is_dir():
        raise DocumentError(p, "这是一个目录，不是文件 (is a directory)")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DocumentError(p, f"无法读取 (cannot read: {exc.strerror})") from None
    text, encoding = decode(data, p)
    return SourceText(
        path=str(p),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        lines=split_lines(text),
    )
