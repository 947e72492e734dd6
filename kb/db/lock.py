"""One build of a knowledge base at a time: a lock file beside the database.

``kb build``, ``kb build --add`` and a rebuild of the Whoosh index hold an
exclusive ``flock`` on ``.kb.db.lock`` while they write; a second one refuses
at once with a message naming the process that holds it, rather than racing
it (before the lock, the last of two builds won silently and a narrow
interleaving of their swaps failed). The kernel releases a ``flock`` when its
holder dies, even by ``kill -9``, so a crashed build never leaves the
database locked; the file left behind is reused and removed by the next build.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from kb.errors import BuildLockedError


def lock_path_for(db_path: Path) -> Path:
    """The lock file of the knowledge base at ``db_path``."""
    return db_path.with_name(f".{db_path.name}.lock")


class BuildLock:
    """An exclusive lock on building ``db_path``, held from ``acquire`` (or ``with``) to ``release``.

    Raises :class:`BuildLockedError` when another process holds it, and
    ``OSError`` when the lock file cannot be created (the caller names the folder).
    """

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)
        self.path = lock_path_for(self.db_path)
        self._fd: int | None = None

    def acquire(self) -> BuildLock:
        """Take the lock or raise :class:`BuildLockedError`."""
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_pid(fd)
                os.close(fd)
                raise BuildLockedError(self.db_path, holder) from None
            # The holder before us may have removed the file between our open and our lock: then we hold a lock on
            # a file nobody else will open, and must take the lock on the file now at the path.
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                os.close(fd)
                continue
            mine = os.fstat(fd)
            if (mine.st_dev, mine.st_ino) != (current.st_dev, current.st_ino):
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd = fd
            return self

    def release(self) -> None:
        """Remove the lock file and let go (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            # Removed while still locked, so nobody can lock the old file after we let go (see acquire).
            self.path.unlink(missing_ok=True)
        finally:
            # LOCK_UN releases the lock even where a forked child still holds a copy of the descriptor.
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> BuildLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
