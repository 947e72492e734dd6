"""What a line of ``pdftotext -layout`` text is made of: pieces of text at columns, and how wide they print.

pdftotext writes every character in one column of its character grid, whatever
its printed width: a Chinese character prints about twice as wide as a digit.
Whether a cell's line was wrapped by the PDF (its next line continues it) or
ended (the next line starts another cell) is a matter of printed widths, so the
layout reader measures text in *em*: the width of one Chinese character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from kb.read.blocks import Where

# Printed widths (em) of the ASCII characters of a CJK font's proportional Latin (Noto Sans CJK, SimSun's
# are close): digits and most letters about half an em, punctuation less, % and wide letters more.
_ASCII_WIDTHS: dict[str, float] = {
    **dict.fromkeys("0123456789", 0.55),
    **dict.fromkeys("abcdeghknopqsuvxyz", 0.53),
    **dict.fromkeys("fjrt", 0.33),
    **dict.fromkeys("il", 0.24),
    **dict.fromkeys("mw", 0.82),
    **dict.fromkeys("ABCDEFGHIJKLNOPQRSTUVXYZ", 0.62),
    **dict.fromkeys("MW", 0.85),
    **dict.fromkeys(".,:;'!|", 0.27),
    **dict.fromkeys('-()[]/\\"`', 0.35),
    **dict.fromkeys("%", 0.9),
    **dict.fromkeys("&@", 0.7),
    " ": 0.22,
}
# Characters that may not begin a printed line: a line break before one moves the character before it too.
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’%％)]}.,;:!?·…—")
# Characters that may not end a printed line.
_NO_LINE_END = frozenset("（《「『【〔〈“‘([{")
_ASCII_WORD = re.compile(r"[0-9A-Za-z.,%/+\-_:]+")
_SPLIT = re.compile(r"( +)")
_RUN = re.compile(r"\S(?: ?\S)*")  # runs of text separated by two or more spaces
ASCII_ALNUM = re.compile(r"[0-9A-Za-z]")


@lru_cache(maxsize=65536)
def text_width(text: str) -> float:
    """The printed width of ``text`` in em (a Chinese character is 1)."""
    width = 0.0
    for char in text:
        if char < "\x80":
            width += _ASCII_WIDTHS.get(char, 0.55)
        elif "\uff61" <= char <= "\uff9f":
            width += 0.5  # half-width forms
        else:
            width += 1.0
    return width


def first_unit(text: str) -> str:
    """The part of ``text`` a line break cannot split: a Latin word or a number, or one character with the
    closing punctuation after it (an opening bracket takes the character after it)."""
    if not text:
        return ""
    word = _ASCII_WORD.match(text)
    end = word.end() if word else 1
    if not word and text[0] in _NO_LINE_END and len(text) > 1:
        end = 2
    while end < len(text) and text[end] in _NO_LINE_START:
        end += 1
    return text[:end]


def join_lines(parts: list[str]) -> str:
    """The lines of one cell joined as one text: Chinese directly, two Latin words with a space."""
    text = ""
    for part in parts:
        if not part:
            continue
        if text and ASCII_ALNUM.match(text[-1]) and ASCII_ALNUM.match(part[0]):
            text += " " + part
        else:
            text += part
    return text


@dataclass(frozen=True, slots=True)
class Piece:
    """A word of a printed line: where it starts, its text, and whether two or more spaces (or the start of
    the line) come before it — pdftotext puts one space between words of one line of text, more before a
    text placed at a column of its own."""

    start: int
    text: str
    spaced: bool
    # No space before it at all: a word cut where a column starts (pdftotext printed two cells' texts as one word).
    tight: bool = False


@dataclass(slots=True)
class Printed:
    """One printed line of the layout text with its file line and page."""

    text: str
    number: int
    page: int

    @property
    def where(self) -> Where:
        """The line's provenance."""
        return Where(line=self.number, last_line=self.number, page=self.page)

    def runs(self) -> list[tuple[int, str]]:
        """``(start, text)`` of each run of text, runs being two or more spaces apart."""
        return [(m.start(), m.group(0)) for m in _RUN.finditer(self.text)]

    def pieces(self) -> list[Piece]:
        """The line's words, each with its column."""
        return line_pieces(self.text)

    def indent(self) -> int:
        """How many spaces the line starts with."""
        return len(self.text) - len(self.text.lstrip(" "))


@lru_cache(maxsize=8192)
def _pieces(text: str) -> tuple[Piece, ...]:
    out: list[Piece] = []
    position = 0
    spaced = True
    for part in _SPLIT.split(text):
        if not part:
            continue
        if part[0] == " ":
            spaced = len(part) >= 2 or position == 0
        else:
            out.append(Piece(position, part, spaced))
            spaced = False
        position += len(part)
    return tuple(out)


def line_pieces(text: str) -> list[Piece]:
    """The words of ``text`` (split at every space) with their columns."""
    return list(_pieces(text))
