"""Text as it is stored and indexed: look-alike code points folded, unmapped glyphs reported.

Text extracted from PDFs carries two kinds of damage that look right on the page:

* **Kangxi radicals and CJK compatibility ideographs.** A font may map the glyph
  of 一 to U+2F00 ``⼀`` (KANGXI RADICAL ONE) or 不 to U+F967; Chromium's PDFs
  make pdfminer return ``⼀级指标`` and ``⽤``. They are folded to the ordinary
  characters by NFKC — applied to those ranges only (U+2E80–U+2FDF,
  U+F900–U+FAFF), so full-width punctuation and digits stay as published —
  and, for the CJK Radicals Supplement that NFKC leaves alone (``⺠`` ``⻔``),
  by the table of the ideographs they stand for.
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


# The CJK Radicals Supplement (U+2E80–U+2EFF) has no NFKC mapping, yet fonts map common simplified
# characters to it (pdfminer returns 城乡居⺠ for 城乡居民, ⻔ for 门): these are the ideographs each radical
# stands for, after Unicode's EquivalentUnifiedIdeograph.txt (the few mapped outside the BMP are left out).
_RADICALS_SUPPLEMENT: dict[int, str] = {
    0x2E81: "厂",
    0x2E82: "乛",
    0x2E83: "乚",
    0x2E84: "乙",
    0x2E85: "亻",
    0x2E86: "冂",
    0x2E87: "几",
    0x2E89: "刂",
    0x2E8A: "卜",
    0x2E8B: "㔾",
    0x2E8C: "小",
    0x2E8D: "小",
    0x2E8E: "兀",
    0x2E8F: "尣",
    0x2E90: "尢",
    0x2E92: "巳",
    0x2E93: "幺",
    0x2E94: "彑",
    0x2E95: "彐",
    0x2E96: "忄",
    0x2E97: "㣺",
    0x2E98: "扌",
    0x2E99: "攵",
    0x2E9B: "旡",
    0x2E9C: "日",
    0x2E9D: "月",
    0x2E9E: "歺",
    0x2E9F: "母",
    0x2EA0: "民",
    0x2EA1: "氵",
    0x2EA2: "氺",
    0x2EA3: "灬",
    0x2EA4: "爫",
    0x2EA5: "爫",
    0x2EA6: "丬",
    0x2EA7: "牛",
    0x2EA8: "犭",
    0x2EA9: "王",
    0x2EAA: "疋",
    0x2EAB: "目",
    0x2EAC: "示",
    0x2EAD: "礻",
    0x2EAE: "竹",
    0x2EAF: "糸",
    0x2EB0: "纟",
    0x2EB1: "罒",
    0x2EB2: "罒",
    0x2EB3: "㓁",
    0x2EB4: "罓",
    0x2EB5: "罓",
    0x2EB6: "羊",
    0x2EB7: "羊",
    0x2EB9: "耂",
    0x2EBA: "聿",
    0x2EBB: "聿",
    0x2EBC: "月",
    0x2EBD: "臼",
    0x2EBE: "艹",
    0x2EBF: "艹",
    0x2EC0: "艹",
    0x2EC1: "虎",
    0x2EC2: "衤",
    0x2EC3: "覀",
    0x2EC4: "西",
    0x2EC5: "见",
    0x2EC6: "角",
    0x2EC8: "讠",
    0x2EC9: "贝",
    0x2ECA: "足",
    0x2ECB: "车",
    0x2ECC: "辶",
    0x2ECD: "辶",
    0x2ECE: "辶",
    0x2ECF: "阝",
    0x2ED0: "钅",
    0x2ED1: "長",
    0x2ED2: "镸",
    0x2ED3: "长",
    0x2ED4: "门",
    0x2ED6: "阝",
    0x2ED7: "雨",
    0x2ED8: "青",
    0x2ED9: "韦",
    0x2EDA: "页",
    0x2EDB: "风",
    0x2EDC: "飞",
    0x2EDD: "食",
    0x2EDF: "飠",
    0x2EE0: "饣",
    0x2EE2: "马",
    0x2EE3: "骨",
    0x2EE4: "鬼",
    0x2EE5: "鱼",
    0x2EE6: "鸟",
    0x2EE7: "卤",
    0x2EE8: "麦",
    0x2EE9: "黄",
    0x2EEA: "黾",
    0x2EEB: "斉",
    0x2EEC: "齐",
    0x2EED: "歯",
    0x2EEE: "齿",
    0x2EEF: "竜",
    0x2EF0: "龙",
    0x2EF1: "龜",
    0x2EF2: "亀",
    0x2EF3: "龟",
}


@cache
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = dict(_RADICALS_SUPPLEMENT)
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
