"""Line-level reading of the extracted text: cells, headings, markup.

The PDF-to-text step marks bold with ``<b>``, paragraphs with ``<p>``, and
headings with a varying number of ``#``. None of that carries meaning for
the parser, so everything here strips it the same way; a document whose tags
or heading markers were lost reads identically.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"</?(?:b|p|strong|em|i|u|br|span)\b[^>]*>", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"</p>\s*<p[^>]*>", re.IGNORECASE)
_HEADING_MARK = re.compile(r"^\s*#+\s*")
_BOLD_MARK = re.compile(r"\*\*")
_TOC_LEADER = re.compile(r"\.{4,}|…{2,}")
_SECTION_NUMBER = re.compile(r"^[一二三四五六七八九十]+、")
_SUBSECTION_NUMBER = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")


def strip_markup(text: str) -> str:
    """Drop inline tags and bold markers; paragraph breaks become newlines."""
    if "<" not in text and "*" not in text:
        return text
    text = _PARAGRAPH_BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    return _BOLD_MARK.sub("", text)


def cells(line: str) -> list[str]:
    """The tab-separated cells of a table row, markup stripped, trimmed."""
    return [strip_markup(cell).strip() for cell in line.split("\t")]


def is_table_row(line: str) -> bool:
    """A table row holds at least one tab; prose never does."""
    return "\t" in line


def plain(line: str) -> str:
    """A line without heading markers, markup or surrounding space."""
    return strip_markup(_HEADING_MARK.sub("", line)).strip()


def is_heading_marked(line: str) -> bool:
    """True for a line that starts with markdown heading markers."""
    return bool(_HEADING_MARK.match(line))


def is_toc_entry(line: str) -> bool:
    """A line of the table of contents (dot leaders before a page number)."""
    return bool(_TOC_LEADER.search(line))


def is_section_heading(line: str) -> bool:
    """A numbered section heading such as ``八、政府采购预算情况``.

    Recognised with or without ``#`` markers, never inside a table row.
    """
    if is_table_row(line) or is_toc_entry(line):
        return False
    text = plain(line)
    return bool(_SECTION_NUMBER.match(text)) and len(text) <= 40


def is_subsection_heading(line: str) -> bool:
    """A heading such as ``（三）工作保障措施``."""
    if is_table_row(line) or is_toc_entry(line):
        return False
    text = plain(line)
    return bool(_SUBSECTION_NUMBER.match(text)) and len(text) <= 40


def compact(text: str) -> str:
    """Remove all whitespace: labels like ``科目 编码`` were split by the PDF."""
    return "".join(text.split())
