"""Is this file a knowledge base? Telling a corrupt, truncated or foreign database from a good one.

Reading and adding to a knowledge base start here, so a file that is not one
is named as what it is — not an SQLite file at all, an SQLite database of
something else, one built by another version of the tool, or a knowledge
base whose file is damaged — in one line, instead of failing on the first
query that reaches a missing table or a missing page.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kb.db.files import sqlite_error
from kb.db.schema import ANOMALIES, BUILD_INFO, DOCUMENTS, FTS_TABLES, INDICATORS, PROJECTS, TABLES
from kb.errors import DatabaseFileError, OtherVersionError, StorageError, UsageError

_MAGIC = b"SQLite format 3\x00"
_HEADER = 100
_REBUILD = "请用 kb build 重新构建 (rebuild it with kb build)"


def _header(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_HEADER)
    except OSError as exc:
        raise StorageError(path, f"无法读取 ({exc.strerror})") from None


def _check_header(path: Path, header: bytes, size: int) -> None:
    """The file is an SQLite database and holds every page its header counts."""
    if size == 0:
        raise DatabaseFileError(path, "空文件，不是知识库 (empty file, not a knowledge base)")
    if len(header) < _HEADER or not header.startswith(_MAGIC):
        raise DatabaseFileError(path, "不是 SQLite 数据库，也就不是知识库 (not an SQLite database)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    change_counter = int.from_bytes(header[24:28], "big")
    pages = int.from_bytes(header[28:32], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    # The page count in the header is only current when the version it is valid for matches the counter.
    if pages and valid_for == change_counter and size < pages * page_size:
        raise DatabaseFileError(
            path,
            f"知识库文件已损坏：被截断，应有 {pages * page_size} 字节，实有 {size} 字节 "
            f"(corrupt database: truncated)；{_REBUILD}",
        )


def _table_names(conn: sqlite3.Connection) -> list[str]:
    return [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def _columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    return {name: {row[1] for row in conn.execute(f"PRAGMA table_info([{name}])")} for name in _table_names(conn)}


def _tool_version(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute(f"SELECT {BUILD_INFO.c.tool_version} FROM {BUILD_INFO.name} LIMIT 1").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def _check_schema(path: Path, conn: sqlite3.Connection, full_text: bool) -> None:
    """Every table and column of :mod:`kb.db.schema` is there (and the full-text indexes, if ``full_text``).

    The ``anomalies`` table is not required: ``kb lint`` runs the rules itself on a knowledge base built
    before the table existed.
    """
    found = _columns(conn)
    wanted = {spec.name: {c.name for c in spec.columns} for spec in TABLES if spec is not ANOMALIES}
    if full_text:
        wanted.update({fts.name: set(fts.columns) for fts in FTS_TABLES})
    missing_tables = sorted(set(wanted) - set(found))
    missing_columns = sorted(
        f"{table}.{column}" for table, columns in wanted.items() if table in found for column in columns - found[table]
    )
    if not missing_tables and not missing_columns:
        return
    if BUILD_INFO.name not in found:
        shown = "、".join(missing_tables[:4]) + ("…" if len(missing_tables) > 4 else "")
        raise DatabaseFileError(
            path,
            f"是 SQLite 数据库，但不是本工具构建的知识库（缺少表 {shown}）"
            "(a foreign SQLite database, not a knowledge base)",
        )
    version = _tool_version(conn)
    what = "、".join([*missing_tables, *missing_columns][:4])
    raise OtherVersionError(
        path,
        f"知识库由其他版本的本工具（{version or '版本不详'}）构建，缺少 {what} "
        f"(built by another version of the tool)；{_REBUILD}",
    )


def check_database(path: str | Path, *, full_text: bool = True, thorough: bool = False) -> None:
    """Raise unless ``path`` is a readable knowledge base of this version of the tool.

    ``full_text`` requires the FTS5 indexes too (searching and adding need them, the rules do not).

    :class:`UsageError` when there is no file; :class:`DatabaseFileError` for
    a file that is empty, not SQLite, truncated, corrupt, foreign or of
    another version (:class:`OtherVersionError`); :class:`StorageError` when it cannot be read. The cheap
    checks (header, schema) take well under a millisecond; ``thorough`` adds
    SQLite's ``quick_check`` of every page (about 0.6 s for 1,000 documents),
    worth it before a database is extended.
    """
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: 知识库不存在，请先运行 kb build (no knowledge base; run kb build first)")
    if path.is_dir():
        raise DatabaseFileError(path, "是文件夹，不是知识库文件 (a directory, not a knowledge base)")
    _check_header(path, _header(path), path.stat().st_size)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StorageError(path, f"无法打开 ({exc})") from None
    try:
        _check_schema(path, conn, full_text)
        if thorough:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                raise DatabaseFileError(path, f"知识库文件已损坏 (corrupt database: {problems[0]})；{_REBUILD}")
    except sqlite3.Error as exc:
        translated = sqlite_error(exc, path)
        if translated is None:
            raise
        raise translated from None
    finally:
        conn.close()


NOT_OVERWRITTEN = (
    "不会被覆盖；请换一个知识库文件名，或先把它移走 (not overwritten: choose another name or move it away)"
)


def check_replaceable(path: str | Path) -> None:
    """Raise :class:`DatabaseFileError` unless a build may replace ``path``: nothing there, an empty file, an
    empty SQLite database, or a knowledge base of any version (a damaged one too: rebuilding is its remedy).

    A build never overwrites what it did not write: a document given as ``--db`` by mistake, another
    program's SQLite database or a folder is refused before anything is parsed.
    """
    path = Path(path)
    if not path.exists():
        return
    if path.is_dir():
        raise DatabaseFileError(path, f"已存在，是文件夹，不是知识库文件：{NOT_OVERWRITTEN}")
    if path.stat().st_size == 0:
        return
    if not _header(path).startswith(_MAGIC):
        raise DatabaseFileError(path, f"已存在，且不是 SQLite 数据库，也就不是知识库：{NOT_OVERWRITTEN}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = set(_table_names(conn))
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return  # a database too damaged to list its tables: most likely a knowledge base the reader said to rebuild
    ours = {DOCUMENTS.name, PROJECTS.name, INDICATORS.name}
    if not tables or BUILD_INFO.name in tables or ours <= tables:
        return
    shown = "、".join(sorted(tables)[:4]) + ("…" if len(tables) > 4 else "")
    raise DatabaseFileError(
        path, f"已存在，是 SQLite 数据库，但不是本工具构建的知识库（有表 {shown}）：{NOT_OVERWRITTEN}"
    )
