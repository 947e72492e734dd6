"""The errors the tool raises on purpose.

Everything the parser, the build and the queries refuse is a :class:`KbError`;
the CLI turns it into a one-line message and a non-zero exit. Anything else
escaping is a bug. An interrupted command (Ctrl-C, SIGTERM) raises
:class:`Interrupted`, a ``KeyboardInterrupt``, so every cleanup on the way
out runs as it does for Ctrl-C.
"""

from __future__ import annotations

import signal
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


class StorageError(KbError):
    """The file system refused a write or a read: disk full, a missing or read-only folder, no permission.

    ``path`` names the file or folder concerned.
    """

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


class DatabaseFileError(KbError):
    """A file given as a knowledge base that is not one: corrupt, foreign, or from another version of the tool."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


class OtherVersionError(DatabaseFileError):
    """A knowledge base built by another version of the tool (tables or columns this version reads are missing)."""


class BuildLockedError(KbError):
    """Another process is building the same knowledge base."""

    def __init__(self, path: str | Path, holder: int | None) -> None:
        self.path = str(path)
        self.holder = holder
        who = f"（进程 {holder}）" if holder else ""
        super().__init__(
            f"{self.path}: 另一个 kb build{who}正在构建这个知识库，请等它结束后再试 "
            f"(another build of this knowledge base is running)"
        )


class BuildFailedError(KbError):
    """A process of the build died (killed, out of memory); the old knowledge base is left as it was."""


class Interrupted(KeyboardInterrupt):
    """The command was stopped by a signal (SIGINT as Ctrl-C, SIGTERM); ``signum`` names it."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        self.signum = int(signum)
        super().__init__(signal.Signals(self.signum).name)
