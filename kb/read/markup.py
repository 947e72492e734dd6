"""Inline markup of the text forms: ``<b>``/``<p>`` tags, ``**bold**``, ``#`` heading markers.

The PDF-to-text conversions mark bold with ``<b>``, paragraphs with ``<p>``,
and headings with a varying number of ``#``. None of that carries meaning for
the parsers, so every text reader strips it the same way; a document whose tags
or heading markers were lost reads identically.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"</?(?:b|p|strong|em|i|u|br|span)\b[^>]*>", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"</p>\s*<p[^>]*>", re.IGNORECASE)
_HEADING_MARK = re.compile(r"^\s*#+\s*")
_BOLD_MARK = re.compile(r"\*\*")
_BOLD_TAG = re.compile(r"<(?:b|strong)\b", re.IGNORECASE)


def strip_markup(text: str) -> str:
    """Drop inline tags and bold markers; paragraph breaks become newlines."""
    if "<" not in text and "*" not in text:
        return text
    text = _PARAGRAPH_BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    return _BOLD_MARK.sub("", text)


def is_bold(text: str) -> bool:
    """Whether a cell's raw text is marked bold (``<b>`` or ``**``)."""
    return ("<" in text and bool(_BOLD_TAG.search(text))) or "**" in text


def plain(line: str) -> str:
    """A line without heading markers, markup or surrounding space."""
    return strip_markup(_HEADING_MARK.sub("", line)).strip()


def heading_level(line: str) -> int:
    """The number of ``#`` a line starts with (0 when it is no markdown heading)."""
    match = _HEADING_MARK.match(line)
    return match.group(0).count("#") if match else 0
