"""The ``project_series`` table: the same fund across years and document numbers.

Projects are grouped by their series key (:func:`indexer.series.series_key`,
computed per document); ids follow first appearance, so the same documents
always give the same ids and added documents keep the existing ones.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from kb.db.schema import PROJECT_SERIES, PROJECTS
from kb.db.spec import insert_records
from kb.models import ProjectSeries


def write_series(conn: sqlite3.Connection, new_projects_from: int | None = None) -> None:
    """Group projects by ``series_key`` into ``project_series`` and set ``projects.series_id``.

    Series are numbered in order of first appearance, so adding documents
    (``new_projects_from``: the first id of the projects just added) keeps
    existing series' ids; only the series the new projects join are rewritten.
    """
    p, s = PROJECTS.c, PROJECT_SERIES.c
    where = "" if new_projects_from is None else f" WHERE {p.id} >= {int(new_projects_from)}"
    existing: dict[str, int] = (
        {} if new_projects_from is None else dict(conn.execute(f"SELECT {s.name}, {s.id} FROM {PROJECT_SERIES.name}"))
    )
    next_id = max(existing.values(), default=0) + 1
    assignments, touched = [], set()
    for project_id, key in conn.execute(f"SELECT {p.id}, {p.series_key} FROM {PROJECTS.name}{where} ORDER BY {p.id}"):
        if key not in existing:
            existing[key], next_id = next_id, next_id + 1
        assignments.append((existing[key], project_id))
        touched.add(existing[key])
    conn.executemany(f"UPDATE {PROJECTS.name} SET {p.series_id} = ? WHERE {p.id} = ?", assignments)
    conn.executemany(f"DELETE FROM {PROJECT_SERIES.name} WHERE {s.id} = ?", ((sid,) for sid in touched))
    members: dict[int, list[int | None]] = defaultdict(list)
    for series_id, year in conn.execute(
        f"SELECT {p.series_id}, {p.year} FROM {PROJECTS.name} "
        f"WHERE {p.series_id} IN ({', '.join(map(str, touched)) or 'NULL'})"
    ):
        members[series_id].append(year)
    names = {sid: key for key, sid in existing.items()}
    records = []
    for series_id in sorted(members):
        years = sorted({y for y in members[series_id] if y is not None})
        records.append(
            ProjectSeries(
                id=series_id,
                name=names[series_id],
                project_count=len(members[series_id]),
                years=",".join(map(str, years)),
                first_year=years[0] if years else None,
                last_year=years[-1] if years else None,
            )
        )
    insert_records(conn, PROJECT_SERIES, records)
