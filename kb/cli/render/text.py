"""Text made safe for a terminal: no escape sequences or control characters from the documents.

A project name may carry an ANSI escape (``\\x1b[2J`` clears the screen, an
OSC sequence can retitle the window or plant a link) or a right-to-left
override that makes printed text read differently from what it is. Everything
the CLI prints that comes from a document passes through :func:`printable`;
the CLI's own colours are added afterwards.
"""

from __future__ import annotations

import re

# CSI (ESC [ … final), OSC (ESC ] … BEL or ST), DCS/SOS/PM/APC (ESC P|X|^|_ … ST), two-character escapes, and C1 CSI.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
)
# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What JSON leaves raw (it escapes only C0): inside JSON strings they are written as \uXXXX escapes instead.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (tabs and newlines kept)."""
    if text.isprintable():
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def json_printable(text: str) -> str:
    """JSON text with the controls JSON leaves raw (DEL, C1, bidirectional marks) written as ``\\uXXXX``.

    The data stay intact (a JSON parser reads the same strings) and the terminal sees no control character.
    """
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
