"""Reading the built knowledge base for the CLI: indicators, projects, series, the Whoosh index."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from indexer import whoosh_index
from kb.errors import UsageError


def open_database(db_path: str | Path) -> sqlite3.Connection:
    """A read-only connection to a built knowledge base; UsageError when there is none."""
    path = Path(db_path)
    if not path.is_file():
        raise UsageError(f"{path}: 知识库不存在，请先运行 kb build (no knowledge base; run kb build first)")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("SELECT 1 FROM indicators LIMIT 1")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise UsageError(f"{path}: 不是本工具构建的知识库 (not a knowledge base: {exc})") from None
    return conn


def build_id(conn: sqlite3.Connection) -> str:
    """The content hash the build recorded."""
    row = conn.execute("SELECT build_id FROM build_info WHERE id = 1").fetchone()
    return row[0] if row else ""


def fresh_whoosh_index(db_path: Path, conn: sqlite3.Connection, notify: Callable[[str], None]) -> Path:
    """The Whoosh index of this database, rebuilt first when missing or built from other data."""
    directory = whoosh_index.index_dir_for(Path(db_path))
    wanted = build_id(conn)
    found = whoosh_index.index_build_id(directory)
    if found != wanted:
        reason = "缺失" if found is None else "已过期（与数据库的构建标识不一致）"
        notify(f"Whoosh 索引{reason}，正在从 {db_path} 重建…")
        try:
            whoosh_index.build_index(directory, whoosh_index.texts_from_database(conn), wanted)
        except OSError as exc:
            raise UsageError(f"{directory}: Whoosh 索引{reason}且无法重建 ({exc.strerror})") from None
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
        number = int(spec)
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
        rows = conn.execute("SELECT id FROM project_series WHERE id = ?", (int(spec),))
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
