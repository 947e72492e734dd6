"""The errors the tool raises on purpose.

Everything the parser, the build and the queries refuse is a :class:`KbError`;
the CLI turns it into a one-line message and a non-zero exit. Anything else
escaping is a bug.
"""

from __future__ import annotations

from pathlib import Path


class KbError(Exception):
    """Base class of every error the tool reports to its user."""


class DocumentError(KbError):
    """A document that cannot be read or holds nothing the tool can use.

    ``path`` names the file and ``line`` (1-based) the place, when known.
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class UsageError(KbError):
    """A request the tool cannot answer: unknown id, empty query, missing index."""
