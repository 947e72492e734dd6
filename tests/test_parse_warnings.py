"""Every parse warning code is registered, documented, and used under its registered name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.parse.notes import WARNING_CODES, ParseNotes

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "parse_warnings.md"


def _codes_in_source() -> set[str]:
    """Codes passed to ParseNotes.warn or stored as a ParseWarning code anywhere in kb/."""
    found: set[str] = set()
    for path in (ROOT / "kb").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"\.warn\(\s*[^,]+,\s*\"([a-z0-9_]+)\"", text))
        found |= set(re.findall(r"code=\"([a-z0-9_]+)\"", text))
    return found


def test_the_documentation_lists_exactly_the_registered_codes() -> None:
    documented = dict(re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]+) \|", DOC.read_text(encoding="utf-8"), re.MULTILINE))
    assert set(documented) == set(WARNING_CODES)
    for code, meaning in documented.items():
        assert meaning.strip() == WARNING_CODES[code][0], code


def test_every_code_the_code_uses_is_registered_and_every_registered_code_is_used() -> None:
    used = _codes_in_source()
    assert used - set(WARNING_CODES) == set()
    assert set(WARNING_CODES) - used == set()


def test_an_unregistered_code_is_a_bug() -> None:
    notes = ParseNotes("x.txt")
    with pytest.raises(ValueError, match="unregistered"):
        notes.warn(3, "no_such_code", "…")
    notes.warn(3, "stray_text", "…")
    assert [(w.file, w.line, w.code) for w in notes.warnings] == [("x.txt", 3, "stray_text")]
