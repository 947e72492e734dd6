"""Kangxi radical and CJK compatibility code points, as text extracted from real PDFs carries them.

A PDF's font may map the glyph of 一 to U+2F00 ``⼀`` (KANGXI RADICAL ONE) or
that of 不 to U+F967 ``不`` (a CJK COMPATIBILITY IDEOGRAPH): the page looks
the same, but the extracted text holds the other code point, and a reader must
fold it back (NFKC does). The page forms can print text this way; the truth
of a generated document always keeps the ordinary characters.
"""

from __future__ import annotations

import unicodedata
from functools import cache


@cache
def kangxi_map() -> dict[str, str]:
    """Ordinary character → its Kangxi radical (U+2F00–U+2FD5) or CJK radical supplement look-alike."""
    mapping: dict[str, str] = {}
    for code in [*range(0x2F00, 0x2FD6), *range(0x2E80, 0x2F00)]:
        variant = chr(code)
        ordinary = unicodedata.normalize("NFKC", variant)
        if ordinary != variant and len(ordinary) == 1:
            mapping.setdefault(ordinary, variant)
    return mapping


@cache
def compat_map() -> dict[str, str]:
    """Ordinary character → a CJK compatibility ideograph (U+F900–U+FAFF) that NFKC folds to it."""
    mapping: dict[str, str] = {}
    for code in range(0xF900, 0xFB00):
        variant = chr(code)
        if not unicodedata.name(variant, "").startswith("CJK COMPATIBILITY IDEOGRAPH"):
            continue
        ordinary = unicodedata.normalize("NFKC", variant)
        if ordinary != variant:
            mapping.setdefault(ordinary, variant)
    return mapping


def variant_table(*, kangxi: bool = False, compat: str = "") -> dict[int, str]:
    """A ``str.translate`` table: every character with a Kangxi form (if ``kangxi``) and those of ``compat``.

    Every occurrence is swapped, as a font's ToUnicode map does for every use of a glyph.
    """
    table: dict[int, str] = {}
    if kangxi:
        table.update({ord(ordinary): variant for ordinary, variant in kangxi_map().items()})
    for ordinary in compat:
        if ordinary not in compat_map():
            raise ValueError(f"{ordinary!r} has no CJK compatibility ideograph")
        table[ord(ordinary)] = compat_map()[ordinary]
    return table


def fold(text: str) -> str:
    """The ordinary characters back (NFKC on the variant code points only, leaving full-width forms alone)."""
    return "".join(
        unicodedata.normalize("NFKC", char) if 0x2E80 <= ord(char) <= 0x2FDF or 0xF900 <= ord(char) <= 0xFAFF else char
        for char in text
    )
