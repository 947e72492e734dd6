"""Hypothesis strategies shared by the property tests: real lines, mangled the way extraction mangles them."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

EDITS = ("drop", "dup", "truncate", "split", "tabs", "swap", "insert")


@st.composite
def mangled_lines(draw: st.DrawFn, lines: Sequence[str], max_edits: int, inserted: st.SearchStrategy[str]) -> list[str]:
    """``lines`` after up to ``max_edits`` edits: lines dropped, doubled, truncated, split in two, their tabs
    lost or doubled, swapped, or ``inserted`` text put between them."""
    lines = list(lines)
    for _ in range(draw(st.integers(0, max_edits))):
        edit = draw(st.sampled_from(EDITS))
        i = draw(st.integers(0, len(lines) - 1))
        if edit == "drop":
            del lines[i]
        elif edit == "dup":
            lines.insert(i, lines[i])
        elif edit == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif edit == "split":
            at = draw(st.integers(0, len(lines[i])))
            lines[i : i + 1] = [lines[i][:at], lines[i][at:]]
        elif edit == "tabs":
            lines[i] = lines[i].replace("\t", draw(st.sampled_from(["", "\t\t", " "])), draw(st.integers(1, 3)))
        elif edit == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(i, draw(inserted))
        lines = lines or [""]
    return lines
