"""What a line of the reading order is: a section heading, a table-of-contents entry, a label.

The readers (:mod:`kb.read`) have already stripped markup and resolved tables
into cells; these predicates read :class:`~kb.read.lines.DocLine` the same way
whatever form the document came in.
"""

from __future__ import annotations

import re

from kb.read.lines import DocLine
from kb.read.markup import plain, strip_markup

__all__ = [
    "compact",
    "is_section_heading",
    "is_subsection_heading",
    "is_toc_entry",
    "plain",
    "strip_markup",
]

_TOC_LEADER = re.compile(r"\.{4,}|…{2,}")
_SECTION_NUMBER = re.compile(r"^[一二三四五六七八九十]+、")
_SUBSECTION_NUMBER = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")


def is_toc_entry(text: str) -> bool:
    """A line of the table of contents (dot leaders before a page number)."""
    return bool(_TOC_LEADER.search(text))


def is_section_heading(line: DocLine) -> bool:
    """A numbered section heading such as ``八、政府采购预算情况``.

    Recognised with or without heading markup, never inside a table row.
    """
    if line.is_row or is_toc_entry(line.text):
        return False
    return bool(_SECTION_NUMBER.match(line.text)) and len(line.text) <= 40


def is_subsection_heading(line: DocLine) -> bool:
    """A heading such as ``（三）工作保障措施``."""
    if line.is_row or is_toc_entry(line.text):
        return False
    return bool(_SUBSECTION_NUMBER.match(line.text)) and len(line.text) <= 40


def compact(text: str) -> str:
    """Remove all whitespace: labels like ``科目 编码`` were split by the PDF."""
    return "".join(text.split())
