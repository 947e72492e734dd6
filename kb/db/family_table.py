"""The ``indicator_families`` table and ``indicators.family_id``: one measure under different wordings.

The grouping itself is :func:`indexer.families.assign_families`; this module
numbers the families, stores them with the spread of their targets, and keeps
both up to date when documents are added. Ids follow the first appearance of
a family, so the same documents always give the same ids.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from indexer.families import assign_families
from kb.db.schema import INDICATOR_FAMILIES, INDICATORS
from kb.db.spec import insert_records
from kb.jsonsafe import dumps
from kb.models import IndicatorFamily


def _family_ids(
    conn: sqlite3.Connection, key_of: dict[str, str], new_indicators_from: int | None
) -> tuple[dict[str, int], set[int], dict[str, int]]:
    """The family id of every name, the families reshaped (merged, or a name moved), and names' previous families.

    Families are numbered in order of first appearance (their smallest
    indicator id), so adding documents, whose indicators come last, keeps
    every existing family's id and gives new families the next ones. When
    new names merge two families, the merged one keeps the smaller id.
    """
    i = INDICATORS.c
    groups: dict[str, list[str]] = defaultdict(list)
    for name, key in key_of.items():
        groups[key].append(name)
    if new_indicators_from is None:
        first = dict(conn.execute(f"SELECT {i.level3}, min({i.id}) FROM {INDICATORS.name} GROUP BY {i.level3}"))
        order = sorted(groups, key=lambda key: min(first[name] for name in groups[key]))
        ids = {key: n for n, key in enumerate(order, start=1)}
        return {name: ids[key] for name, key in key_of.items()}, set(), {}
    old = dict(
        conn.execute(
            f"SELECT {i.level3}, max({i.family_id}) FROM {INDICATORS.name} "
            f"WHERE {i.family_id} IS NOT NULL GROUP BY {i.level3}"
        )
    )
    first_new = dict(
        conn.execute(
            f"SELECT {i.level3}, min({i.id}) FROM {INDICATORS.name} WHERE {i.id} >= ? GROUP BY {i.level3}",
            (new_indicators_from,),
        )
    )
    next_id = (
        conn.execute(f"SELECT max({INDICATOR_FAMILIES.c.id}) FROM {INDICATOR_FAMILIES.name}").fetchone()[0] or 0
    ) + 1
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


def histogram_median(histogram: Counter[float]) -> float:
    """The median of the values counted in ``histogram`` (as :func:`statistics.median` of every member),
    from its distinct values: a family's members can be a good share of the corpus, its values few."""
    total = sum(histogram.values())
    low, high = (total - 1) // 2, total // 2  # the middle positions, equal when the count is odd
    seen = 0
    found: list[float] = []
    for value in sorted(histogram):
        seen += histogram[value]
        while len(found) < 2 and seen > (low if not found else high):
            found.append(value)
    return found[0] if low == high else (found[0] + found[1]) / 2


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

    def add(
        self,
        name: str,
        project_id: int,
        year: int | None,
        op: str | None,
        value: float | None,
        unit: str | None,
        kind: str | None,
    ) -> None:
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

    def merge(self, other: FamilyCounts) -> None:
        """Add the members counted in ``other``."""
        for unit, histogram in other.values.items():
            self.values[unit].update(histogram)
        self.size += other.size
        self.names.update(other.names)
        self.projects |= other.projects
        self.years |= other.years
        self.operators.update(other.operators)

    @classmethod
    def stored(cls, family: IndicatorFamily) -> FamilyCounts:
        """The counts a family's stored row holds (its project count, not its projects)."""
        counts = cls(size=family.size, project_count=family.project_count)
        counts.years = {int(y) for y in (family.years or "").split(",") if y}
        counts.operators = IndicatorFamily.decode_operators(family.operators)
        counts.names.update(json.loads(family.name_counts or "{}"))
        for unit, histogram in json.loads(family.value_counts or "{}").items():
            counts.values[unit].update({float(v): n for v, n in histogram.items()})
        return counts

    def record(self, family_id: int, key: str) -> IndicatorFamily:
        """The ``indicator_families`` record of these counts."""
        spread = {
            unit: {
                "n": sum(histogram.values()),
                "min": min(histogram),
                "median": histogram_median(histogram),
                "max": max(histogram),
            }
            for unit, histogram in sorted(self.values.items())
            if histogram
        }
        main_unit = max(spread, key=lambda u: (spread[u]["n"], u == "%", u), default=None)
        main = spread.get(main_unit, {}) if main_unit is not None else {}
        # The most frequent wording names the family; ties go to the shorter, then the first in order.
        name = min(self.names.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]
        return IndicatorFamily(
            id=family_id,
            name=name,
            key=key,
            size=self.size,
            project_count=self.project_count + len(self.projects),
            year_count=len(self.years),
            years=",".join(map(str, sorted(self.years))),
            operators=IndicatorFamily.encode_operators(self.operators),
            main_unit=main_unit,
            min_value=main.get("min"),
            median_value=main.get("median"),
            max_value=main.get("max"),
            target_spread=dumps(spread, ensure_ascii=False),  # a target too large for a float: null
            name_counts=json.dumps(dict(sorted(self.names.items())), ensure_ascii=False),
            value_counts=json.dumps(
                {u: {str(v): n for v, n in sorted(h.items())} for u, h in sorted(self.values.items())},
                ensure_ascii=False,
            ),
        )


@dataclass
class FamilyUpdate:
    """The families an update rewrote, and their records as they were before it (None for new families)."""

    touched: set[int]
    before: dict[int, IndicatorFamily | None]


# What each member contributes to its family's counts (FamilyCounts.add, after the family id).
_MEMBER_COLUMNS = (
    "family_id",
    "level3",
    "project_id",
    "project_year",
    "target_op",
    "target_value",
    "target_unit",
    "target_kind",
)


def _stored_families(conn: sqlite3.Connection, ids: set[int]) -> dict[int, IndicatorFamily]:
    names = INDICATOR_FAMILIES.column_names
    rows = conn.execute(
        f"SELECT {', '.join(names)} FROM {INDICATOR_FAMILIES.name} "
        f"WHERE {INDICATOR_FAMILIES.c.id} IN ({', '.join(map(str, ids)) or 'NULL'})"
    )
    return {row[0]: IndicatorFamily(**dict(zip(names, row, strict=True))) for row in rows}


def write_families(conn: sqlite3.Connection, new_indicators_from: int | None = None) -> FamilyUpdate:
    """Assign indicators their family (``indicators.family_id``) and summarise each family.

    With ``new_indicators_from`` (the first id of the indicators just added),
    only the new indicators and names that change family are rewritten; a
    family that only gained new members adds them to its stored counts, one
    that lost or traded members is counted again.
    """
    i, f = INDICATORS.c, INDICATOR_FAMILIES.c
    names = [name for (name,) in conn.execute(f"SELECT DISTINCT {i.level3} FROM {INDICATORS.name}")]
    key_of = assign_families(names)
    family_of, reshaped, previous = _family_ids(conn, key_of, new_indicators_from)
    keys = {family_of[name]: key for name, key in key_of.items()}
    conn.execute("CREATE TEMP TABLE family_of (name TEXT PRIMARY KEY, family_id INTEGER)")
    conn.executemany("INSERT INTO family_of VALUES (?, ?)", family_of.items())
    update = (
        f"UPDATE {INDICATORS.name} SET {i.family_id} = "
        f"(SELECT family_id FROM family_of WHERE name = {INDICATORS.name}.{i.level3})"
    )
    if new_indicators_from is None:
        conn.execute(update)
        conn.execute("DROP TABLE family_of")
        conn.execute(f"DELETE FROM {INDICATOR_FAMILIES.name}")
        counts = _count(conn, "")
        insert_records(conn, INDICATOR_FAMILIES, [counts[fid].record(fid, keys[fid]) for fid in sorted(counts)])
        return FamilyUpdate(touched=set(counts), before={})
    grown = {
        fid
        for (fid,) in conn.execute(
            f"SELECT DISTINCT f.family_id FROM {INDICATORS.name} i JOIN family_of f ON f.name = i.{i.level3} "
            f"WHERE i.{i.id} >= ?",
            (new_indicators_from,),
        )
    }
    moved = [(family_of[name], name) for name, fid in previous.items() if fid != family_of[name]]
    reshaped |= {previous[name] for _, name in moved} | {fid for fid, _ in moved}
    conn.execute(update + f" WHERE {i.id} >= ?", (new_indicators_from,))
    conn.executemany(f"UPDATE {INDICATORS.name} SET {i.family_id} = ? WHERE {i.level3} = ?", moved)
    conn.execute("DROP TABLE family_of")
    touched = grown | reshaped
    stored = _stored_families(conn, touched)
    before: dict[int, IndicatorFamily | None] = {fid: stored.get(fid) for fid in touched}
    records = []
    recount = _count(conn, f" WHERE {i.family_id} IN ({', '.join(map(str, reshaped)) or 'NULL'})")
    added = _count(
        conn,
        f" WHERE {i.id} >= {int(new_indicators_from)} "
        f"AND {i.family_id} IN ({', '.join(map(str, grown - reshaped)) or 'NULL'})",
    )
    for fid in sorted(touched):
        if fid in recount:
            family_counts = recount[fid]
        elif fid in added:
            family = before.get(fid)
            family_counts = FamilyCounts.stored(family) if family else FamilyCounts()
            family_counts.merge(added[fid])
        else:
            continue  # a family that lost every member
        records.append(family_counts.record(fid, keys.get(fid, family_counts.names.most_common(1)[0][0])))
    conn.executemany(f"DELETE FROM {INDICATOR_FAMILIES.name} WHERE {f.id} = ?", ((fid,) for fid in touched))
    insert_records(conn, INDICATOR_FAMILIES, records)
    return FamilyUpdate(touched=touched, before=before)


def _count(conn: sqlite3.Connection, where: str) -> dict[int, FamilyCounts]:
    counts: dict[int, FamilyCounts] = defaultdict(FamilyCounts)
    columns = ", ".join(getattr(INDICATORS.c, name) for name in _MEMBER_COLUMNS)
    for family_id, *member in conn.execute(f"SELECT {columns} FROM {INDICATORS.name}{where}"):
        counts[family_id].add(*member)
    return dict(counts)
