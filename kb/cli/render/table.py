"""Plain-text tables that line up when cells mix Chinese and ASCII."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from kb.cli.render.text import printable


def display_width(text: str) -> int:
    """Columns the text takes in a terminal: CJK and full-width count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def truncate(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` columns, marking the cut with …."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, width: int, align: str = "<") -> str:
    """Pad ``text`` to ``width`` columns (``<`` left, ``>`` right)."""
    gap = " " * max(0, width - display_width(text))
    return text + gap if align == "<" else gap + text


def format_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    align: Sequence[str] | None = None,
    max_width: int = 40,
    max_widths: Sequence[int | None] | None = None,
    decorate: Callable[[str], str] | None = None,
) -> str:
    """A table with one space-padded column per header; long cells are cut.

    ``max_widths`` sets a column's own limit (None: ``max_width``). Cells are
    cleaned of control characters and escape sequences (:func:`printable`),
    then ``decorate`` (e.g. highlighting) is applied to each cell after
    padding, so escape codes it adds never upset the alignment.
    """
    align = align or ["<"] * len(headers)
    limits = [(max_widths[i] or max_width) if max_widths else max_width for i in range(len(headers))]
    cut = [[truncate(printable(str(cell)), limits[i]) for i, cell in enumerate(row)] for row in rows]
    widths = [max([display_width(h)] + [display_width(row[i]) for row in cut]) for i, h in enumerate(headers)]
    lines = ["  ".join(pad(h, widths[i], align[i]) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    paint = decorate or (lambda text: text)
    lines.extend(
        "  ".join(paint(pad(row[i], widths[i], align[i])) for i in range(len(headers))).rstrip() for row in cut
    )
    return "\n".join(lines)
