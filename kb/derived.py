"""Tables derived across documents once every document is in: project series and indicator families.

Both read what the build inserted and write their table plus an id column
on the rows they group. Ids follow the sorted keys, so the same documents
always give the same ids.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import median

from indexer.families import assign_families
from kb.schema import INDICATOR_FAMILIES, PROJECT_SERIES, insert_rows


def write_series(conn: sqlite3.Connection, new_projects_from: int | None = None) -> None:
    """Group projects by ``series_key`` into ``project_series`` and set ``projects.series_id``.

    Series are numbered in order of first appearance, so adding documents
    (``new_projects_from``: the first id of the projects just added) keeps
    existing series' ids; only the series the new projects join are rewritten.
    """
    where = "" if new_projects_from is None else f" WHERE id >= {int(new_projects_from)}"
    existing = {} if new_projects_from is None else dict(conn.execute("SELECT name, id FROM project_series"))
    next_id = max(existing.values(), default=0) + 1
    assignments, touched = [], set()
    for project_id, key in conn.execute(f"SELECT id, series_key FROM projects{where} ORDER BY id"):
        if key not in existing:
            existing[key], next_id = next_id, next_id + 1
        assignments.append((existing[key], project_id))
        touched.add(existing[key])
    conn.executemany("UPDATE projects SET series_id = ? WHERE id = ?", assignments)
    conn.executemany("DELETE FROM project_series WHERE id = ?", ((sid,) for sid in touched))
    members: dict[int, list[int | None]] = defaultdict(list)
    for series_id, year in conn.execute(
            f"SELECT series_id, year FROM projects WHERE series_id IN ({', '.join(map(str, touched)) or 'NULL'})"):
        members[series_id].append(year)
    names = {sid: key for key, sid in existing.items()}
    rows = []
    for series_id in sorted(members):
        years = sorted({y for y in members[series_id] if y is not None})
        rows.append({"id": series_id, "name": names[series_id], "project_count": len(members[series_id]),
                     "years": ",".join(map(str, years)), "first_year": years[0] if years else None,
                     "last_year": years[-1] if years else None})
    insert_rows(conn, PROJECT_SERIES, rows)


def _family_ids(conn: sqlite3.Connection, key_of: dict[str, str],
                new_indicators_from: int | None) -> tuple[dict[str, int], set[int], dict[str, int]]:
    """The family id of every name, the families reshaped (merged, or a name moved), and names' previous families.

    Families are numbered in order of first appearance (their smallest
    indicator id), so adding documents, whose indicators come last, keeps
    every existing family's id and gives new families the next ones. When
    new names merge two families, the merged one keeps the smaller id.
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for name, key in key_of.items():
        groups[key].append(name)
    if new_indicators_from is None:
        first = dict(conn.execute("SELECT level3, min(id) FROM indicators GROUP BY level3"))
        order = sorted(groups, key=lambda key: min(first[name] for name in groups[key]))
        ids = {key: i for i, key in enumerate(order, start=1)}
        return {name: ids[key] for name, key in key_of.items()}, set(), {}
    old = dict(conn.execute("SELECT level3, max(family_id) FROM indicators WHERE family_id IS NOT NULL GROUP BY level3"))
    first_new = dict(conn.execute("SELECT level3, min(id) FROM indicators WHERE id >= ? GROUP BY level3",
                                  (new_indicators_from,)))
    next_id = (conn.execute("SELECT max(id) FROM indicator_families").fetchone()[0] or 0) + 1
    family_of: dict[str, int] = {}
    reshaped: set[int] = set()
    for key in sorted(groups, key=lambda key: min(first_new.get(name, 0) for name in groups[key])):
        previous = sorted({old[name] for name in groups[key] if name in old})
        if previous:
            family_id = previous[0]
            if len(previous) > 1:
                reshaped.update(previous)
        else:
            family_id, next_id = next_id, next_id + 1
        for name in groups[key]:
            family_of[name] = family_id
    return family_of, reshaped, old


@dataclass
class FamilyCounts:
    """What a family's statistics are computed from; adding members only adds to it."""

    size: int = 0
    projects: set[int] = field(default_factory=set)
    project_count: int = 0
    years: set[int] = field(default_factory=set)
    operators: Counter[str] = field(default_factory=Counter)
    names: Counter[str] = field(default_factory=Counter)
    values: dict[str, Counter[float]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, name: str, project_id: int, year: int | None, op: str | None, value: float | None,
            unit: str | None, kind: str | None) -> None:
        """Count one member in."""
        self.size += 1
        self.names[name] += 1
        self.projects.add(project_id)
        if year is not None:
            self.years.add(year)
        if op:
            self.operators[op] += 1
        if kind == "numeric" and value is not None:
            self.values[unit or ""][value] += 1

    @classmethod
    def stored(cls, row: tuple) -> FamilyCounts:
        """The counts a family's stored row holds (its project count, not its projects)."""
        size, project_count, years, operators, name_counts, value_counts = row
        counts = cls(size=size, project_count=project_count)
        counts.years = {int(y) for y in (years or "").split(",") if y}
        for part in (operators or "").split("，"):
            op, _, n = part.strip().partition(" ")
            if op and n.isdigit():
                counts.operators[op] += int(n)
        counts.names.update(json.loads(name_counts or "{}"))
        for unit, histogram in json.loads(value_counts or "{}").items():
            counts.values[unit].update({float(v): n for v, n in histogram.items()})
        return counts

    def row(self, family_id: int, key: str) -> dict:
        """The ``indicator_families`` row of these counts."""
        spread = {
            unit: {"n": sum(histogram.values()), "min": min(histogram),
                   "median": median(sorted(histogram.elements())), "max": max(histogram)}
            for unit, histogram in sorted(self.values.items()) if histogram
        }
        main_unit = max(spread, key=lambda u: (spread[u]["n"], u == "%", u), default=None)
        main = spread.get(main_unit, {}) if main_unit is not None else {}
        # The most frequent wording names the family; ties go to the shorter, then the first in order.
        name = min(self.names.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]
        return {
            "id": family_id, "name": name, "key": key, "size": self.size,
            "project_count": self.project_count + len(self.projects), "year_count": len(self.years),
            "years": ",".join(map(str, sorted(self.years))),
            "operators": "，".join(f"{op} {n}" for op, n in sorted(self.operators.items(), key=lambda x: (-x[1], x[0]))),
            "main_unit": main_unit, "min_value": main.get("min"), "median_value": main.get("median"),
            "max_value": main.get("max"), "target_spread": json.dumps(spread, ensure_ascii=False),
            "name_counts": json.dumps(dict(sorted(self.names.items())), ensure_ascii=False),
            "value_counts": json.dumps({u: {str(v): n for v, n in sorted(h.items())}
                                        for u, h in sorted(self.values.items())}, ensure_ascii=False),
        }


@dataclass
class FamilyUpdate:
    """The families an update rewrote, and their rows as they were before it (None for new families)."""

    touched: set[int]
    before: dict[int, dict | None]


_STAT_COLUMNS = "size, project_count, years, operators, name_counts, value_counts"
_MEMBER_COLUMNS = "family_id, level3, project_id, project_year, target_op, target_value, target_unit, target_kind"


def write_families(conn: sqlite3.Connection, new_indicators_from: int | None = None) -> FamilyUpdate:
    """Assign indicators their family (``indicators.family_id``) and summarise each family.

    With ``new_indicators_from`` (the first id of the indicators just added),
    only the new indicators and names that change family are rewritten; a
    family that only gained new members adds them to its stored counts, one
    that lost or traded members is counted again.
    """
    incremental = new_indicators_from is not None
    names = [name for (name,) in conn.execute("SELECT DISTINCT level3 FROM indicators")]
    key_of = assign_families(names)
    family_of, reshaped, previous = _family_ids(conn, key_of, new_indicators_from)
    keys = {family_of[name]: key for name, key in key_of.items()}
    conn.execute("CREATE TEMP TABLE family_of (name TEXT PRIMARY KEY, family_id INTEGER)")
    conn.executemany("INSERT INTO family_of VALUES (?, ?)", family_of.items())
    update = "UPDATE indicators SET family_id = (SELECT family_id FROM family_of WHERE name = indicators.level3)"
    if not incremental:
        conn.execute(update)
        conn.execute("DROP TABLE family_of")
        conn.execute("DELETE FROM indicator_families")
        counts = _count(conn, "")
        insert_rows(conn, INDICATOR_FAMILIES, [counts[fid].row(fid, keys[fid]) for fid in sorted(counts)])
        return FamilyUpdate(touched=set(counts), before={})
    grown = {fid for (fid,) in conn.execute(
        "SELECT DISTINCT f.family_id FROM indicators i JOIN family_of f ON f.name = i.level3 WHERE i.id >= ?",
        (new_indicators_from,))}
    moved = [(family_of[name], name) for name, fid in previous.items() if fid != family_of[name]]
    reshaped |= {previous[name] for _, name in moved} | {fid for fid, _ in moved}
    conn.execute(update + " WHERE id >= ?", (new_indicators_from,))
    conn.executemany("UPDATE indicators SET family_id = ? WHERE level3 = ?", moved)
    conn.execute("DROP TABLE family_of")
    touched = grown | reshaped
    before = {fid: None for fid in touched}
    for fid, *row in conn.execute(f"SELECT id, name, {_STAT_COLUMNS}, target_spread, main_unit "
                                  f"FROM indicator_families WHERE id IN ({', '.join(map(str, touched)) or 'NULL'})"):
        before[fid] = dict(zip(("name", *_STAT_COLUMNS.split(", "), "target_spread", "main_unit"), row))
    rows = []
    recount = _count(conn, f" WHERE family_id IN ({', '.join(map(str, reshaped)) or 'NULL'})")
    added = _count(conn, f" WHERE id >= {int(new_indicators_from)} "
                         f"AND family_id IN ({', '.join(map(str, grown - reshaped)) or 'NULL'})")
    for fid in sorted(touched):
        if fid in recount:
            counts = recount[fid]
        elif fid in added:
            stored = before.get(fid)
            counts = FamilyCounts.stored(tuple(stored[c] for c in _STAT_COLUMNS.split(", "))) if stored else FamilyCounts()
            for unit, histogram in added[fid].values.items():
                counts.values[unit].update(histogram)
            counts.size += added[fid].size
            counts.names.update(added[fid].names)
            counts.projects |= added[fid].projects
            counts.years |= added[fid].years
            counts.operators.update(added[fid].operators)
        else:
            continue  # a family that lost every member
        rows.append(counts.row(fid, keys.get(fid, counts.names.most_common(1)[0][0])))
    conn.executemany("DELETE FROM indicator_families WHERE id = ?", ((fid,) for fid in touched))
    insert_rows(conn, INDICATOR_FAMILIES, rows)
    return FamilyUpdate(touched=touched, before=before)


def _count(conn: sqlite3.Connection, where: str) -> dict[int, FamilyCounts]:
    counts: dict[int, FamilyCounts] = defaultdict(FamilyCounts)
    for family_id, *member in conn.execute(f"SELECT {_MEMBER_COLUMNS} FROM indicators{where}"):
        counts[family_id].add(*member)
    return dict(counts)
