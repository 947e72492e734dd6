"""Text as it is stored and indexed: look-alike code points folded, unmapped glyphs reported.

Text extracted from PDFs carries two kinds of damage that look right on the page:

* **Kangxi radicals and CJK compatibility ideographs.** A font may map the glyph
  of 一 to U+2F00 ``⼀`` (KANGXI RADICAL ONE) or 不 to U+F967; Chromium's PDFs
  make pdfminer return ``⼀级指标`` and ``⽤``. They are folded to the ordinary
  characters by NFKC — applied to those ranges only (U+2E80–U+2FDF,
  U+F900–U+FAFF), so full-width punctuation and digits stay as published.
* **``(cid:NN)``**: a glyph the extractor could not map to any character. It is
  never stored: the PDF reader tries a second extraction path first
  (:mod:`kb.read.pdf`); whatever is left is removed here and reported once per
  place with the ``cid_glyphs`` warning.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from kb.read.blocks import Block, Line, ReadDocument, ReadNote, Table, Where

_VARIANT = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff]")
CID = re.compile(r"\(cid:\d+\)")
# At most this many cid_glyphs warnings per document: the places, not every glyph.
MAX_CID_NOTES = 20


@cache
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in [*range(0x2E80, 0x2FE0), *range(0xF900, 0xFB00)]:
        folded = unicodedata.normalize("NFKC", chr(code))
        if folded != chr(code):
            table[code] = folded
    return table


def fold(text: str) -> str:
    """``text`` with Kangxi radicals and CJK compatibility ideographs replaced by the ordinary characters."""
    if not _VARIANT.search(text):
        return text
    return text.translate(_fold_table())


def has_variants(text: str) -> bool:
    """Whether ``text`` holds a code point :func:`fold` would change."""
    return bool(_VARIANT.search(text)) and fold(text) != text


class _Cleaner:
    """Folds and strips every text of a document, collecting the cid notes."""

    def __init__(self) -> None:
        self.notes: list[ReadNote] = []
        self.cid_places: set[Where] = set()

    def clean(self, text: str, where: Where) -> str:
        text = fold(text)
        if "(cid:" in text and CID.search(text):
            if where not in self.cid_places and len(self.cid_places) < MAX_CID_NOTES:
                self.cid_places.add(where)
                self.notes.append(
                    ReadNote(
                        code="cid_glyphs",
                        message=f"{where.label() or '文中'}有无法映射到文字的字形 (cid:NN)，"
                        f"已删去：{text.strip()[:30]}",
                        where=where,
                    )
                )
            text = CID.sub("", text)
        return text


def normalise_blocks(blocks: list[Block]) -> list[ReadNote]:
    """Fold and clean every text of ``blocks`` in place; returns the notes about removed glyphs."""
    cleaner = _Cleaner()
    for block in blocks:
        if isinstance(block, Table):
            for row in block.rows:
                texts = row.all_text()
                if not _VARIANT.search(texts) and "(cid:" not in texts:
                    continue  # nearly every row: nothing to fold, one search instead of one per cell
                for cell in row.cells:
                    if cell.text:
                        cell.text = cleaner.clean(cell.text, row.where)
                    if cell.span_text:
                        cell.span_text = fold(CID.sub("", cell.span_text))
        elif any(_VARIANT.search(line.text) or "(cid:" in line.text for line in block.lines):
            block.lines = [Line(cleaner.clean(line.text, line.where), line.where) for line in block.lines]
    return cleaner.notes


def normalise_document(read: ReadDocument) -> ReadDocument:
    """``read`` with every text folded and cleaned (in place), the notes added."""
    read.notes.extend(normalise_blocks(read.blocks))
    return read
