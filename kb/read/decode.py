"""Reading a text document's bytes: encoding, line endings, and what could not be decoded.

Documents arrive as UTF-8 (with or without BOM), GBK/GB18030 or UTF-16 with a
BOM, with Unix or Windows line endings. Whatever the bytes, the readers see
the same list of lines, so line numbers in warnings and provenance always
point at the file. UTF-8 with a few broken bytes (a character cut by a copy)
is decoded with replacement characters and a warning naming each line, not
refused as a whole.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kb.errors import DocumentError
from kb.read.blocks import ReadNote, Where

# A text document has no NUL bytes, or a few a converter left behind; PDFs, images, archives and databases have
# one in every few hundred bytes (random bytes: one in 256), which is more than the damage allowed below, and
# other control bytes beside them (text has none but tab, line breaks and form feed).
_CONTROL_BYTES = [bytes([code]) for code in (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F)]
# UTF-8 with at most this many undecodable bytes (and at most one per this many characters) is UTF-8
# with damage, not another encoding.
MAX_BAD_BYTES = 16
CHARS_PER_BAD_BYTE = 200


@dataclass(frozen=True)
class SourceText:
    """The decoded text of one document, with what identifies its bytes."""

    path: str
    sha256: str
    encoding: str
    lines: list[str]
    notes: list[ReadNote] = field(default_factory=list)


def read_bytes(path: str | Path) -> bytes:
    """The bytes of the file at ``path``; :class:`DocumentError` when it is missing, a folder or unreadable."""
    p = Path(path)
    if not p.exists():
        raise DocumentError(p, "文件不存在 (no such file)")
    if p.is_dir():
        raise DocumentError(p, "这是一个目录，不是文件 (is a directory)")
    try:
        return p.read_bytes()
    except OSError as exc:
        raise DocumentError(p, f"无法读取 (cannot read: {exc.strerror})") from None


def decode(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode document bytes; returns ``(text, encoding)``.

    Raises :class:`DocumentError` for empty or binary input.
    """
    text, encoding, _ = decode_with_notes(data, path)
    return text, encoding


def decode_with_notes(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str, list[ReadNote]]:
    """Decode document bytes: ``(text, encoding, notes)``; the notes name the lines with undecodable bytes."""
    utf16 = _utf16(data)
    if utf16 is not None:
        data_text, encoding = utf16
        if not data_text.strip():
            raise DocumentError(path, "文件为空 (empty file)")
        return data_text, encoding, []
    if not data.strip():
        raise DocumentError(path, "文件为空 (empty file)")
    if _binary(data):
        raise DocumentError(path, "不是文本文件 (binary file, not a text document)")
    text, encoding, notes = _decode_text(data)
    if text is None:
        notes = _utf8_with_replacement(data)[1]
        first = notes[0].where.line if notes else None
        raise DocumentError(path, "无法识别的编码，既非 UTF-8 也非 GBK/GB18030 (unknown encoding)", line=first)
    if "\x00" in text:
        text, dropped = _without_nuls(text)
        notes = sorted([*notes, *dropped], key=lambda note: note.where.line or 0)
    return text, encoding, notes


def _binary(data: bytes) -> bool:
    """More NUL bytes than a text may carry as damage, or NULs among other control bytes (binary data has both;
    a converter's stray NULs come alone)."""
    nuls = data.count(b"\x00")
    if not nuls:
        return False
    allowed = _damage_allowed(data)
    return nuls > allowed or sum(data.count(byte) for byte in _CONTROL_BYTES) > allowed


def _damage_allowed(data: bytes) -> int:
    """How many damaged bytes (undecodable, or NUL) a text document may hold and still be read as text."""
    return min(MAX_BAD_BYTES, max(1, len(data) // (3 * CHARS_PER_BAD_BYTE)))


def _decode_text(data: bytes) -> tuple[str | None, str, list[ReadNote]]:
    """``(text, encoding, notes)`` of UTF-8 (perhaps with a BOM or a few broken bytes) or GB18030; text None
    when it is neither."""
    if data.startswith(codecs.BOM_UTF8):
        text, notes = _utf8_with_replacement(data[3:])
        return text, "utf-8-sig", notes
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    if _bad_bytes(data) <= _damage_allowed(data):
        text, notes = _utf8_with_replacement(data)
        return text, "utf-8", notes
    try:
        return data.decode("gb18030"), "gb18030", []
    except UnicodeDecodeError:
        return None, "", []


def _without_nuls(text: str) -> tuple[str, list[ReadNote]]:
    """``text`` without its NUL characters, and a note for each line that had one (line numbers unchanged)."""
    notes = _line_notes(
        text,
        "\x00",
        code="nul_bytes",
        says=lambda line: f"夹有 NUL 空字节，已删除：{line.replace(chr(0), '').strip()[:40]}",
    )
    return text.replace("\x00", ""), notes


def _utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text with a byte-order mark (as Windows tools save “Unicode” text), else None."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None
    return None


def _bad_bytes(data: bytes) -> int:
    """How many bytes of ``data`` are not valid UTF-8."""
    count = 0
    start = 0
    while True:
        try:
            data[start:].decode("utf-8")
            return count
        except UnicodeDecodeError as exc:
            count += exc.end - exc.start
            start += exc.end
            if count > MAX_BAD_BYTES:
                return count


def _utf8_with_replacement(data: bytes) -> tuple[str, list[ReadNote]]:
    """UTF-8 with each undecodable sequence replaced by U+FFFD, and a note for each line that has one."""
    text = data.decode("utf-8", errors="replace")
    if "\ufffd" not in text:
        return text, []
    notes = _line_notes(
        text,
        "\ufffd",
        code="undecodable_bytes",
        says=lambda line: f"有无法按 UTF-8 解码的字节，已替换为 �：{line.strip()[:40]}",
    )
    return text, notes


def _line_notes(text: str, mark: str, code: str, says: Callable[[str], str]) -> list[ReadNote]:
    """A note ``code`` for each line of ``text`` holding ``mark`` (the first MAX_BAD_BYTES + 1 of them): its number,
    then what ``says`` of the line."""
    notes: list[ReadNote] = []
    for number, line in enumerate(split_lines(text), start=1):
        if mark in line and len(notes) <= MAX_BAD_BYTES:
            where = Where(line=number, last_line=number)
            notes.append(ReadNote(code=code, message=f"第 {number} 行{says(line)}", where=where))
    return notes


def split_lines(text: str) -> list[str]:
    """Split on any line ending (LF, CRLF, CR) without keeping the endings."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def source_text(data: bytes, path: str | Path) -> SourceText:
    """Decode ``data`` (the bytes of the file at ``path``) into lines."""
    text, encoding, notes = decode_with_notes(data, path)
    return SourceText(
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        lines=split_lines(text),
        notes=notes,
    )


def read_source(path: str | Path) -> SourceText:
    """Read and decode the text document at ``path``.

    Raises :class:`DocumentError` when the path is missing, is a directory,
    cannot be read, is empty or is not text.
    """
    return source_text(read_bytes(path), path)
