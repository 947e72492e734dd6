"""Reading the built knowledge base for the CLI: indicators, projects, series, the Whoosh index."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from indexer import whoosh_index
from kb.db.files import storage_errors
from kb.db.lock import BuildLock
from kb.db.validate import check_database
from kb.errors import UsageError

# SQLite's integers are 64-bit: a larger number cannot be an id (and SQLite refuses to compare with it).
MAX_ID = 2**63 - 1


def open_database(db_path: str | Path, *, full_text: bool = True) -> sqlite3.Connection:
    """A read-only connection to a built knowledge base.

    UsageError when there is none; DatabaseFileError (naming the file as
    corrupt, foreign or of another version) when the file is not one.
    ``full_text=False`` accepts a knowledge base without its FTS5 indexes (the rules do not read them).
    """
    path = Path(db_path)
    check_database(path, full_text=full_text)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def parse_id(text: str) -> int | None:
    """``text`` as an id: a number SQLite can hold, else None (no row can have it)."""
    text = text.strip()
    if not text.isdigit():
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def build_id(conn: sqlite3.Connection) -> str:
    """The content hash the build recorded."""
    row = conn.execute("SELECT build_id FROM build_info WHERE id = 1").fetchone()
    return row[0] if row else ""


def fresh_whoosh_index(db_path: Path, conn: sqlite3.Connection, notify: Callable[[str], None]) -> Path:
    """The Whoosh index of this database, rebuilt first when missing, damaged or built from other data.

    The rebuild holds the build lock of the database: while a build of it
    runs, it is refused with a message rather than racing the build's swap.
    """
    db_path = Path(db_path)
    directory = whoosh_index.index_dir_for(db_path)
    wanted = build_id(conn)
    problem = whoosh_index.index_problem(directory)
    if problem is None and whoosh_index.index_build_id(directory) == wanted:
        return directory
    reason = problem or "已过期（与数据库的构建标识不一致）"
    notify(f"Whoosh 索引{reason}，正在从 {db_path} 重建… (rebuilding the Whoosh index)")
    consequence = f"Whoosh 索引{reason}且无法重建 (cannot rebuild the Whoosh index)"
    with storage_errors(directory, consequence), BuildLock(db_path):
        whoosh_index.build_index(directory, whoosh_index.texts_from_database(conn), wanted)
    return directory


def indicator_rows(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The ``indicator_details`` rows of ``ids``, with the family id, keyed by id."""
    ids = list(ids)
    if not ids:
        return {}
    placeholders = ", ".join("?" for _ in ids)
    rows = conn.execute(
        f"SELECT v.*, i.family_id FROM indicator_details v JOIN indicators i ON i.id = v.id "
        f"WHERE v.id IN ({placeholders})",
        ids,
    )
    return {row["id"]: dict(row) for row in rows}


def project_ids(conn: sqlite3.Connection, spec: str) -> list[int]:
    """Projects named by ``spec``: a project id, a sequence number in its document, a code or part of the name."""
    spec = spec.strip()
    if spec.isdigit():
        number = parse_id(spec)
        rows = conn.execute("SELECT id FROM projects WHERE id = ? OR seq = ? ORDER BY id", (number, number))
    else:
        rows = conn.execute(
            "SELECT id FROM projects WHERE code = ? OR name LIKE '%' || ? || '%' ORDER BY id", (spec, spec)
        )
    found = [row[0] for row in rows]
    if not found:
        raise UsageError(f"没有找到项目：{spec!r} (no such project)")
    return found


def series_ids(conn: sqlite3.Connection, spec: str) -> list[int]:
    """Series named by ``spec``: a series id, or part of a series or project name."""
    spec = spec.strip()
    if spec.isdigit():
        rows = conn.execute("SELECT id FROM project_series WHERE id = ?", (parse_id(spec),))
    else:
        rows = conn.execute(
            "SELECT DISTINCT s.id FROM project_series s JOIN projects p ON p.series_id = s.id "
            "WHERE s.name LIKE '%' || ? || '%' OR p.name LIKE '%' || ? || '%' ORDER BY s.id",
            (spec, spec),
        )
    found = [row[0] for row in rows]
    if not found:
        raise UsageError(f"没有找到项目系列：{spec!r} (no such series)")
    return found


def series_detail(conn: sqlite3.Connection, series_id: int) -> dict[str, Any]:
    """One series: its projects (oldest first) and every indicator of each."""
    series = dict(conn.execute("SELECT * FROM project_series WHERE id = ?", (series_id,)).fetchone())
    projects = [
        dict(row)
        for row in conn.execute(
            "SELECT p.id, p.seq, p.name, p.code, p.year, p.budget, d.title AS document FROM projects p "
            "JOIN documents d ON d.id = p.document_id WHERE p.series_id = ? ORDER BY p.year, p.id",
            (series_id,),
        )
    ]
    for project in projects:
        project["indicators"] = [
            dict(row)
            for row in conn.execute(
                "SELECT id, position, level1, level2, level3, target_raw, target_op, target_value, target_unit, basis, "
                "family_id "
                "FROM indicators WHERE project_id = ? ORDER BY position",
                (project["id"],),
            )
        ]
    series["projects"] = projects
    return series
