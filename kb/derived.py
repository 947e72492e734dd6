"""Tables derived across documents once every document is in: project series and indicator families.

Both read what the build inserted and write their table plus an id column
on the rows they group. Ids follow the sorted keys, so the same documents
always give the same ids.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from statistics import median

from indexer.families import assign_families
from kb.schema import INDICATOR_FAMILIES, PROJECT_SERIES, insert_rows


def write_series(conn: sqlite3.Connection) -> None:
    """Group projects by ``series_key`` into ``project_series`` and set ``projects.series_id``."""
    conn.execute("DELETE FROM project_series")
    members: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for project_id, key, year in conn.execute("SELECT id, series_key, year FROM projects ORDER BY id"):
        members[key].append((project_id, year))
    rows, assignments = [], []
    for series_id, key in enumerate(sorted(members), start=1):
        years = sorted({y for _, y in members[key] if y is not None})
        rows.append({"id": series_id, "name": key, "project_count": len(members[key]),
                     "years": ",".join(map(str, years)), "first_year": years[0] if years else None,
                     "last_year": years[-1] if years else None})
        assignments.extend((series_id, project_id) for project_id, _ in members[key])
    insert_rows(conn, PROJECT_SERIES, rows)
    conn.executemany("UPDATE projects SET series_id = ? WHERE id = ?", assignments)


def _spread(values_by_unit: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {
        unit: {"n": len(values), "min": min(values), "median": median(values), "max": max(values)}
        for unit, values in sorted(values_by_unit.items())
    }


def write_families(conn: sqlite3.Connection) -> None:
    """Assign every indicator a family (``indicators.family_id``) and summarise each family."""
    conn.execute("DELETE FROM indicator_families")
    names = [name for (name,) in conn.execute("SELECT DISTINCT level3 FROM indicators")]
    key_of = assign_families(names)
    family_ids = {key: i for i, key in enumerate(sorted(set(key_of.values())), start=1)}
    conn.execute("CREATE TEMP TABLE family_of (name TEXT PRIMARY KEY, family_id INTEGER)")
    conn.executemany("INSERT INTO family_of VALUES (?, ?)", ((n, family_ids[key_of[n]]) for n in names))
    conn.execute("UPDATE indicators SET family_id = (SELECT family_id FROM family_of WHERE name = indicators.level3)")
    conn.execute("DROP TABLE family_of")

    names_seen: dict[int, Counter[str]] = defaultdict(Counter)
    projects: dict[int, set[int]] = defaultdict(set)
    years: dict[int, set[int]] = defaultdict(set)
    operators: dict[int, Counter[str]] = defaultdict(Counter)
    values: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    sizes: Counter[int] = Counter()
    for family_id, name, project_id, year, op, value, unit, kind in conn.execute(
        "SELECT family_id, level3, project_id, project_year, target_op, target_value, target_unit, target_kind "
        "FROM indicators"
    ):
        sizes[family_id] += 1
        names_seen[family_id][name] += 1
        projects[family_id].add(project_id)
        if year is not None:
            years[family_id].add(year)
        if op:
            operators[family_id][op] += 1
        if kind == "numeric" and value is not None:
            values[family_id][unit or ""].append(value)

    rows = []
    for key, family_id in family_ids.items():
        spread = _spread(values[family_id])
        main_unit = max(spread, key=lambda u: (spread[u]["n"], u == "%", u), default=None)
        main = spread.get(main_unit, {}) if main_unit is not None else {}
        # The most frequent wording names the family; ties go to the shorter, then the first in order.
        name = min(names_seen[family_id].items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]
        rows.append({
            "id": family_id, "name": name, "key": key, "size": sizes[family_id],
            "project_count": len(projects[family_id]), "year_count": len(years[family_id]),
            "years": ",".join(map(str, sorted(years[family_id]))),
            "operators": "，".join(f"{op} {n}" for op, n in sorted(operators[family_id].items(), key=lambda x: -x[1])),
            "main_unit": main_unit, "min_value": main.get("min"), "median_value": main.get("median"),
            "max_value": main.get("max"), "target_spread": json.dumps(spread, ensure_ascii=False),
        })
    insert_rows(conn, INDICATOR_FAMILIES, rows)
