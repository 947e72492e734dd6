"""Indicator families: the list (largest first, searchable) and one family's members side by side with a chart.

A family's targets are compared per unit of measure: the chart shows every
numeric target (how many members promise each value, coloured by operator)
with the family's 25th, 50th and 75th percentile marked as its 标杆值
(benchmark values). Members are paged in document order, which the
``family_id`` index yields without sorting however large the family.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from dataclasses import dataclass
from typing import Any

from kb.db.schema import DOCUMENTS, INDICATOR_FAMILIES, INDICATORS, PROJECTS
from kb.models import IndicatorFamily
from kb.web.pages.site import Pager, Record, columns, number, record, records

LIST_PAGE_SIZE = 50
MEMBER_PAGE_SIZE = 100
# Units charted (the family's most used ones); the others are listed with their percentiles.
CHARTED_UNITS = 3
OPERATOR_COLOURS: dict[str, str] = {
    "≥": "#1f77b4",
    "≤": "#d62728",
    "=": "#7f7f7f",
    ">": "#17becf",
    "<": "#ff7f0e",
    "无比较符": "#bcbd22",
}
NO_OPERATOR = "无比较符"


def operator_counts(text: str | None) -> list[tuple[str, int]]:
    """The operators a family's members use, most used first (``indicator_families.operators``)."""
    return IndicatorFamily.decode_operators(text).most_common()


def mixed_directions(counts: list[tuple[str, int]]) -> bool:
    """Whether members point both ways (some floors, some caps): what a reviewer looks at first."""
    ops = {op for op, _ in counts}
    return bool(ops & {"≥", ">"}) and bool(ops & {"≤", "<"})


@dataclass(frozen=True)
class FamilyRow:
    """A family in the list."""

    family: Record
    operators: list[tuple[str, int]]
    mixed: bool
    wordings: int


@dataclass
class FamilyList:
    """The family list page."""

    rows: list[FamilyRow]
    pager: Pager
    query: str
    show_all: bool
    singletons_hidden: int
    members: int


def load_family_list(
    conn: sqlite3.Connection, query: str, show_all: bool, page: str | None, size: int = LIST_PAGE_SIZE
) -> FamilyList:
    """Families by size, largest first; single-member families only when ``show_all``; ``query`` searches
    the family name and every wording of its members."""
    f = INDICATOR_FAMILIES.c
    clauses, params = [], []
    if query.strip():
        clauses.append(f"({f.name} LIKE ? OR {f.name_counts} LIKE ?)")
        params += [f"%{query.strip()}%"] * 2
    base = " AND ".join(clauses)
    conditions = [*clauses, *([] if show_all else [f"{f.size} > 1"])]
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    total, members = conn.execute(
        f"SELECT count(*), coalesce(sum({f.size}), 0) FROM {INDICATOR_FAMILIES.name}{where}", params
    ).fetchone()
    hidden = 0
    if not show_all:
        hidden = conn.execute(
            f"SELECT count(*) FROM {INDICATOR_FAMILIES.name} WHERE {f.size} <= 1" + (f" AND {base}" if base else ""),
            params,
        ).fetchone()[0]
    pager = Pager.of(page, size, total)
    rows = records(
        conn,
        f"SELECT {columns(INDICATOR_FAMILIES, 'f')} FROM {INDICATOR_FAMILIES.name} f{where} "
        f"ORDER BY f.{f.size} DESC, f.{f.id} LIMIT ? OFFSET ?",
        [*params, pager.size, pager.offset],
    )
    out = []
    for row in rows:
        counts = operator_counts(row[f.operators])
        try:
            wordings = len(json.loads(row[f.name_counts] or "{}"))
        except json.JSONDecodeError:
            wordings = 0
        out.append(FamilyRow(row, counts, mixed_directions(counts), wordings))
    return FamilyList(out, pager, query, show_all, hidden, members)


@dataclass(frozen=True)
class UnitSpread:
    """The numeric targets of one unit: how many members promise each value with each operator, and the
    percentiles (标杆值)."""

    unit: str
    count: int
    points: list[dict[str, Any]]
    p25: float
    p50: float
    p75: float
    minimum: float
    maximum: float

    def chart(self, title: str) -> dict[str, Any]:
        """A Vega-Lite spec: a dot per (value, operator) sized by how many members promise it, with the
        25th/50th/75th percentiles as rules."""
        # Percentiles that coincide share one rule and one label (P25/P50 90).
        at: dict[float, list[str]] = {}
        for name, value in (("P25", self.p25), ("P50", self.p50), ("P75", self.p75)):
            at.setdefault(value, []).append(name)
        marks = [{"value": value, "label": f"{'/'.join(names)} {number(value)}"} for value, names in at.items()]
        present = {point["op"] for point in self.points}
        ops = [op for op in OPERATOR_COLOURS if op in present]
        x = {"field": "value", "type": "quantitative", "title": f"指标值（{self.unit}）", "scale": {"zero": False}}
        return {
            "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "title": title,
            "width": "container",
            "height": 90 + 28 * len({p["op"] for p in self.points}),
            "config": {"font": "sans-serif", "axis": {"labelFontSize": 12, "titleFontSize": 12}},
            "layer": [
                {
                    "data": {"values": self.points},
                    "mark": {"type": "circle", "opacity": 0.8, "tooltip": True},
                    "encoding": {
                        "x": x,
                        "y": {"field": "op", "type": "nominal", "title": "比较符", "sort": ops},
                        "size": {
                            "field": "count",
                            "type": "quantitative",
                            "title": "指标数",
                            "legend": {"format": "d"},
                        },
                        "color": {
                            "field": "op",
                            "type": "nominal",
                            "title": "比较符",
                            "scale": {"domain": ops, "range": [OPERATOR_COLOURS[op] for op in ops]},
                        },
                        "tooltip": [
                            {"field": "op", "title": "比较符"},
                            {"field": "value", "title": "指标值"},
                            {"field": "count", "title": "指标数"},
                        ],
                    },
                },
                {
                    "data": {"values": marks},
                    "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#444"},
                    "encoding": {"x": {"field": "value", "type": "quantitative"}},
                },
                {
                    "data": {"values": marks},
                    "mark": {"type": "text", "dy": -6, "baseline": "bottom", "fontSize": 11, "color": "#444"},
                    "encoding": {
                        "x": {"field": "value", "type": "quantitative"},
                        "y": {"value": 0},
                        "text": {"field": "label"},
                    },
                },
            ],
        }


def percentile(counts: list[tuple[float, int]], q: float) -> float:
    """The ``q`` quantile (0–1) of values given with their multiplicities, linearly interpolated between
    ranks (the method spreadsheets call PERCENTILE.INC)."""
    ordered = sorted(counts)
    total = sum(n for _, n in ordered)
    position = q * (total - 1)
    lower, upper = math.floor(position), math.ceil(position)

    def at(rank: int) -> float:
        seen = 0
        for value, n in ordered:
            seen += n
            if rank < seen:
                return value
        return ordered[-1][0]

    low, high = at(lower), at(upper)
    return round(low + (high - low) * (position - lower), 4)


def unit_spreads(conn: sqlite3.Connection, family_id: int) -> list[UnitSpread]:
    """The numeric targets of a family per unit, most used unit first (from the covering index on family)."""
    i = INDICATORS.c
    by_unit: dict[str, Counter[tuple[str, float]]] = {}
    for row in records(
        conn,
        f"SELECT {i.target_unit} AS unit, {i.target_op} AS op, {i.target_value} AS value, count(*) AS n "
        f"FROM {INDICATORS.name} WHERE {i.family_id} = ? AND {i.target_kind} = 'numeric' "
        f"AND {i.target_value} IS NOT NULL GROUP BY 1, 2, 3",
        (family_id,),
    ):
        unit = row["unit"] or "无单位"
        by_unit.setdefault(unit, Counter())[(row["op"] or NO_OPERATOR, row["value"])] += row["n"]
    spreads = []
    for unit, points in by_unit.items():
        values: Counter[float] = Counter()
        for (_, value), n in points.items():
            values[value] += n
        pairs = list(values.items())
        spreads.append(
            UnitSpread(
                unit=unit,
                count=sum(values.values()),
                points=[{"op": op, "value": value, "count": n} for (op, value), n in sorted(points.items())],
                p25=percentile(pairs, 0.25),
                p50=percentile(pairs, 0.5),
                p75=percentile(pairs, 0.75),
                minimum=min(values),
                maximum=max(values),
            )
        )
    return sorted(spreads, key=lambda s: (-s.count, s.unit))


@dataclass
class FamilyPage:
    """Everything the family page shows."""

    family: Record
    operators: list[tuple[str, int]]
    mixed: bool
    wordings: list[tuple[str, int]]
    spreads: list[UnitSpread]
    charts: list[dict[str, Any]]
    members: list[Record]
    pager: Pager
    operator: str | None


def load_family(
    conn: sqlite3.Connection, family_id: int, operator: str | None, page: str | None, size: int = MEMBER_PAGE_SIZE
) -> FamilyPage | None:
    """The family page of ``family_id`` (members filtered to ``operator`` when given), or None."""
    f, i, p, d = INDICATOR_FAMILIES.c, INDICATORS.c, PROJECTS.c, DOCUMENTS.c
    family = record(
        conn,
        f"SELECT {columns(INDICATOR_FAMILIES, 'f')} FROM {INDICATOR_FAMILIES.name} f WHERE f.{f.id} = ?",
        (family_id,),
    )
    if family is None:
        return None
    operators = operator_counts(family[f.operators])
    params: list[Any]
    if operator == NO_OPERATOR:
        where, params = f" AND i.{i.target_op} IS NULL", [family_id]
    elif operator:
        where, params = f" AND i.{i.target_op} = ?", [family_id, operator]
    else:
        where, params = "", [family_id]
    total = conn.execute(
        f"SELECT count(*) FROM {INDICATORS.name} i WHERE i.{i.family_id} = ?{where}", params
    ).fetchone()[0]
    pager = Pager.of(page, size, total)
    members = records(
        conn,
        f"SELECT i.{i.id} AS id, i.{i.level3} AS level3, i.{i.target_raw} AS target_raw, "
        f"i.{i.target_op} AS target_op, i.{i.basis} AS basis, i.{i.project_year} AS project_year, "
        f"p.{p.id} AS project_id, p.{p.name} AS project_name, "
        f"d.{d.dept_name} AS dept_name, d.{d.budget_year} AS budget_year "
        f"FROM {INDICATORS.name} i JOIN {PROJECTS.name} p ON p.{p.id} = i.{i.project_id} "
        f"JOIN {DOCUMENTS.name} d ON d.{d.id} = i.{i.document_id} "
        f"WHERE i.{i.family_id} = ?{where} ORDER BY i.{i.id} LIMIT ? OFFSET ?",
        [*params, pager.size, pager.offset],
    )
    try:
        wordings = sorted(json.loads(family[f.name_counts] or "{}").items(), key=lambda kv: (-kv[1], kv[0]))
    except json.JSONDecodeError:
        wordings = []
    spreads = unit_spreads(conn, family_id)
    return FamilyPage(
        family=family,
        operators=operators,
        mixed=mixed_directions(operators),
        wordings=wordings,
        spreads=spreads,
        charts=[
            spread.chart(f"{family[f.name]}：{spread.count} 个以「{spread.unit}」计的指标值")
            for spread in spreads[:CHARTED_UNITS]
        ],
        members=members,
        pager=pager,
        operator=operator,
    )
