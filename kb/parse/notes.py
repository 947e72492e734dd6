"""Collecting what the parser could not fully understand.

Parsing never stops at a bad row: it keeps what it can and records a warning
naming the file and line, which ``kb parse --format summary`` prints and
``kb build`` stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.models import ParseWarning


@dataclass
class ParseNotes:
    """The warnings raised while parsing one file."""

    path: str
    warnings: list[ParseWarning] = field(default_factory=list)

    def warn(self, line: int | None, code: str, message: str) -> None:
        """Record a warning at 1-based ``line`` (None when not tied to a line)."""
        self.warnings.append(ParseWarning(file=self.path, line=line, code=code, message=message))
