"""The files a build writes beside the knowledge base, and what the file system may refuse.

A build writes ``.kb.db.building-PID`` and ``.kb.whoosh.building-PID`` beside
``kb.db`` and retires the old index as ``.kb.whoosh.old-PID`` while swapping.
A build that dies (``kill -9``, power cut) leaves them behind; the next build
of the same database removes those whose process is gone
(:func:`remove_stale_temporaries`, called under the build lock).

:func:`storage_errors` turns what the file system and SQLite refuse (disk
full, a missing or read-only folder, no permission, a corrupt file) into one
:class:`~kb.errors.KbError` naming the knowledge base and what happened.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.errors import DatabaseFileError, StorageError

# What an OSError means to the user, by errno; anything else is described by its strerror.
ERRNO_MESSAGES = {
    errno.ENOSPC: "磁盘空间不足 (no space left on device)",
    errno.EDQUOT: "超出磁盘配额 (disk quota exceeded)",
    errno.EFBIG: "文件超出大小限制 (file too large)",
    errno.EACCES: "没有读写权限 (permission denied)",
    errno.EPERM: "没有读写权限 (operation not permitted)",
    errno.EROFS: "文件系统只读 (read-only file system)",
    errno.ENOENT: "文件或文件夹不存在 (no such file or directory)",
    errno.ENOTDIR: "路径中有一段不是文件夹 (not a directory)",
    errno.EIO: "磁盘读写出错 (input/output error)",
}
# SQLite's primary result codes (sqlite3.Error.sqlite_errorcode & 0xff).
_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT = 3, 8, 10, 11
_SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 13, 14, 26
_SQLITE_MESSAGES = {
    _SQLITE_FULL: ERRNO_MESSAGES[errno.ENOSPC],
    _SQLITE_IOERR: ERRNO_MESSAGES[errno.EIO],
    _SQLITE_CANTOPEN: "无法创建或打开数据库文件 (unable to open database file)",
    _SQLITE_READONLY: "数据库文件或所在文件夹只读 (read-only)",
    _SQLITE_PERM: ERRNO_MESSAGES[errno.EACCES],
}


def temporary_db_path(db_path: Path) -> Path:
    """Where this process writes the new database before it replaces ``db_path``."""
    return db_path.with_name(f".{db_path.name}.building-{os.getpid()}")


def _temporary_pattern(db_path: Path, index_dir: Path) -> re.Pattern[str]:
    names = "|".join(re.escape(name) for name in (db_path.name, index_dir.name))
    return re.compile(rf"^\.(?:{names})\.(?:building|old)-(?P<pid>\d+)(?:-journal|-wal|-shm)?$")


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (of any user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_temporaries(db_path: Path, index_dir: Path) -> list[Path]:
    """The temporaries of builds of ``db_path`` whose process is gone, in name order."""
    pattern = _temporary_pattern(db_path, index_dir)
    try:
        names = sorted(os.listdir(db_path.parent))
    except OSError:
        return []
    stale = []
    for name in names:
        match = pattern.match(name)
        if match and int(match["pid"]) != os.getpid() and not process_alive(int(match["pid"])):
            stale.append(db_path.parent / name)
    return stale


def remove_stale_temporaries(db_path: Path, index_dir: Path) -> list[Path]:
    """Remove what dead builds of ``db_path`` left behind; returns what was removed.

    Call it holding the build lock, so no live build's files are touched.
    """
    removed = []
    for path in stale_temporaries(db_path, index_dir):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        if not path.exists():
            removed.append(path)
    return removed


def remove_quietly(path: Path) -> None:
    """Remove a file or folder of ours if it is there; a failure to clean up never hides the error being raised."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def describe_os_error(exc: OSError) -> str:
    """What an OSError means, in the user's words."""
    return ERRNO_MESSAGES.get(exc.errno or 0) or f"{exc.strerror or exc}"


def _named_path(exc: OSError, db_path: Path) -> Path:
    """The path a message names: the file the error is about, unless it is one of our temporaries."""
    if exc.filename is None:
        return db_path
    named = Path(os.fsdecode(exc.filename))
    return db_path if named.name.startswith(f".{db_path.stem}.") else named


def storage_error(exc: OSError, db_path: Path, consequence: str = "") -> StorageError:
    """The :class:`StorageError` an OSError met while writing ``db_path`` becomes."""
    message = describe_os_error(exc)
    return StorageError(_named_path(exc, db_path), message + (f"；{consequence}" if consequence else ""))


def sqlite_error(exc: sqlite3.Error, db_path: Path, consequence: str = "") -> StorageError | DatabaseFileError | None:
    """The error a failure SQLite reported becomes, or None when it is not about the file (a bug: re-raise it)."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text or "not a database" in text:
        return DatabaseFileError(db_path, f"知识库文件已损坏 (corrupt database: {text})；请用 kb build 重新构建")
    if code in _SQLITE_MESSAGES or "disk is full" in text:
        message = _SQLITE_MESSAGES.get(code, _SQLITE_MESSAGES[_SQLITE_FULL])
        return StorageError(db_path, message + (f"；{consequence}" if consequence else ""))
    return None


@contextmanager
def storage_errors(db_path: Path, consequence: str = "") -> Iterator[None]:
    """Turn a file-system or SQLite-file failure in the block into one error naming ``db_path``.

    ``consequence`` says what it means for the user (the old knowledge base kept …).
    """
    try:
        yield
    except OSError as exc:
        raise storage_error(exc, db_path, consequence) from None
    except sqlite3.Error as exc:
        translated = sqlite_error(exc, db_path, consequence)
        if translated is None:
            raise
        raise translated from None


def check_writable_folder(db_path: Path) -> None:
    """Refuse at once a database whose folder is missing or cannot be written (before any work is done)."""
    folder = db_path.parent
    if not folder.exists():
        raise StorageError(folder, "文件夹不存在，无法在其中建立知识库 (folder does not exist)")
    if not folder.is_dir():
        raise StorageError(folder, "不是文件夹，无法在其中建立知识库 (not a directory)")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StorageError(folder, "文件夹不可写，无法在其中建立知识库 (folder is not writable)")


def open_private_database(db_file: object) -> sqlite3.Connection:
    """A connection to a database file no one else reads yet (a build's temporary), tuned to be written fast.

    The file is private until it is swapped in, and durability comes from the swap: no journal, no sync.
    """
    conn = sqlite3.connect(str(db_file), isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    return conn
