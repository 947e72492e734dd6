"""What the checks read from a knowledge base, loaded once in a few linear queries.

Rules never query the database themselves: they read this snapshot, so each
rule is a pass over lists and dicts, and a knowledge base of 290,000
indicators is loaded once (one query per table), not once per rule.
Columns that may be NULL in a hand-made or half-built database come back as
``None`` or ``""`` and every rule must accept them.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from kb.checks.words import Keyword, description_keyword, name_keyword
from kb.db.schema import INDICATOR_FAMILIES, INDICATORS, PROJECTS
from kb.db.spec import TableSpec
from kb.models import IndicatorFamily


class ProjectRow(NamedTuple):
    """The columns of a ``projects`` row the checks compare its indicators to (named as in the schema)."""

    id: int
    document_id: int | None
    seq: int | None
    name: str
    year: int | None
    budget: float | None
    usage: str
    goal: str
    series_id: int | None
    spend_plan_by_march: float | None
    spend_plan_by_june: float | None
    spend_plan_by_october: float | None
    spend_plan_by_december: float | None

    @property
    def spend_plan(self) -> tuple[float | None, float | None, float | None, float | None]:
        """The cumulative shares spent by the end of March, June, October and December."""
        return (
            self.spend_plan_by_march,
            self.spend_plan_by_june,
            self.spend_plan_by_october,
            self.spend_plan_by_december,
        )

    def label(self) -> str:
        """「name」（year）: how a message names the project."""
        year = f"{self.year}年" if self.year is not None else "年度不详"
        return f"项目「{self.name}」（{year}）"


class IndicatorRow(NamedTuple):
    """The columns of an ``indicators`` row the rules read (named as in the schema), with its parsed target."""

    id: int
    project_id: int | None
    document_id: int | None
    position: int | None
    level1: str
    level2: str
    level3: str
    description: str
    target_raw: str
    target_op: str | None
    target_value: float | None
    target_unit: str | None
    target_kind: str
    family_id: int | None

    @property
    def is_numeric(self) -> bool:
        """A number was read from the target."""
        return self.target_kind == "numeric" and self.target_value is not None


@dataclass(frozen=True, slots=True)
class FamilyStats:
    """What ``indicator_families`` precomputed about one family."""

    id: int
    name: str
    operators: Counter[str]
    main_unit: str | None
    spread: dict[str, dict[str, float]]


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule found, before the engine stamps it with the rule's id, severity and principle."""

    message: str
    evidence: dict[str, Any]
    indicator: IndicatorRow | None = None
    project: ProjectRow | None = None


@dataclass
class CheckContext:
    """The knowledge base as the rules see it."""

    projects: dict[int, ProjectRow]
    indicators: list[IndicatorRow]
    families: dict[int, FamilyStats]
    # Units of numeric targets per (二级指标, operator) over the whole knowledge base, when the
    # indicators above are only part of it; None means: count them from the indicators.
    level2_units: dict[tuple[str, str | None], Counter[str]] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per context: rules that share an intermediate result (copy pairs) share it."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def project_of(self, indicator: IndicatorRow) -> ProjectRow | None:
        """The project an indicator belongs to (None for an orphan row)."""
        return self.projects.get(indicator.project_id) if indicator.project_id is not None else None

    def family_of(self, indicator: IndicatorRow) -> FamilyStats | None:
        """The indicator's family statistics, if it has a family."""
        return self.families.get(indicator.family_id) if indicator.family_id is not None else None

    @cached_property
    def indicators_by_project(self) -> dict[int, list[IndicatorRow]]:
        """Each project's rows in table order."""
        rows: dict[int, list[IndicatorRow]] = defaultdict(list)
        for indicator in self.indicators:
            if indicator.project_id is not None:
                rows[indicator.project_id].append(indicator)
        for members in rows.values():
            members.sort(key=lambda i: (i.position or 0, i.id))
        return dict(rows)

    def where(self, indicator: IndicatorRow) -> str:
        """How a message names an indicator: its project, row and 三级指标."""
        project = self.project_of(indicator)
        owner = project.label() if project else f"项目 {indicator.project_id}"
        row = f"第 {indicator.position} 行" if indicator.position is not None else "某行"
        return f"{owner}{row}「{indicator.level3 or indicator.description or '（无名称）'}」"


def direction_keyword(indicator: IndicatorRow) -> tuple[Keyword, str] | None:
    """The word that sets which way the indicator points, and where it was read.

    The description decides when it ends with a direction word (the target
    follows what the description says is measured); otherwise the name's last
    direction word does.
    """
    described = description_keyword(indicator.description)
    if described is not None:
        return described, "description"
    named = name_keyword(indicator.level3)
    if named is not None:
        return named, "name"
    return None


def is_satisfaction(indicator: IndicatorRow) -> bool:
    """A satisfaction measure: its head word says so, or it has no direction word and sits under 满意度."""
    found = direction_keyword(indicator)
    if found is not None:
        return found[0].satisfaction
    return "满意" in indicator.level1 or "满意" in indicator.level2 or "满意" in indicator.level3


def _parse_spread(text: str | None) -> dict[str, dict[str, float]]:
    try:
        spread = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return spread if isinstance(spread, dict) else {}


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _select(spec: TableSpec, row_type: type[tuple[Any, ...]], special: dict[str, str] | None = None) -> str:
    """``SELECT`` of the columns a row type names, NULL text read as ``""`` (``special``: other expressions).

    The row type's fields are the table's own column names, so a renamed column fails here at once.
    """
    expressions = []
    for name, annotation in row_type.__annotations__.items():
        if name not in spec.column_names:
            raise AssertionError(f"{row_type.__name__}.{name} is not a column of {spec.name}")
        text = getattr(annotation, "__forward_arg__", annotation)
        default = f"COALESCE({name}, '')" if text in ("str", str) else name
        expressions.append((special or {}).get(name, default))
    return f"SELECT {', '.join(expressions)} FROM {spec.name}"


_PROJECTS_SQL = _select(PROJECTS, ProjectRow)
# A target never parsed counts as unparsed; an empty unit is no unit.
_INDICATORS_SQL = _select(
    INDICATORS,
    IndicatorRow,
    {"target_unit": "NULLIF(target_unit, '')", "target_kind": "COALESCE(target_kind, 'unparsed')"},
)


def load_projects(conn: sqlite3.Connection, where: str = "", params: Sequence[Any] = ()) -> dict[int, ProjectRow]:
    """Every project (or those ``where`` selects), keyed by id."""
    rows = conn.execute(f"{_PROJECTS_SQL} {where} ORDER BY {PROJECTS.c.id}", params)
    return {row[0]: ProjectRow._make(row) for row in rows}


def load_indicators(conn: sqlite3.Connection, where: str = "", params: Sequence[Any] = ()) -> list[IndicatorRow]:
    """Every indicator row (or those ``where`` selects), in id order."""
    rows = conn.execute(f"{_INDICATORS_SQL} {where} ORDER BY {INDICATORS.c.id}", params)
    return list(map(IndicatorRow._make, rows))


def load_level2_units(conn: sqlite3.Connection) -> dict[tuple[str, str | None], Counter[str]]:
    """Units of the numeric targets under each (二级指标, operator), unitless counted as ``""``, in one query."""
    units: dict[tuple[str, str | None], Counter[str]] = {}
    # Written so the build's covering index (target_kind, level2, target_op, target_unit, target_value) serves it.
    i = INDICATORS.c
    for level2, op, unit, count in conn.execute(
        f"SELECT {i.level2}, {i.target_op}, {i.target_unit}, count(*) FROM {INDICATORS.name} "
        f"WHERE {i.target_kind} = 'numeric' AND {i.target_value} IS NOT NULL "
        f"GROUP BY {i.level2}, {i.target_op}, {i.target_unit}"
    ):
        units.setdefault((level2 or "", op), Counter())[unit or ""] += count
    return units


def family_stats(
    family_id: int, name: str | None, operators: str | None, main_unit: str | None, spread: str | None
) -> FamilyStats:
    """A family's statistics from the columns of its ``indicator_families`` row."""
    return FamilyStats(
        family_id, name or "", IndicatorFamily.decode_operators(operators), main_unit, _parse_spread(spread)
    )


def load_families(conn: sqlite3.Connection, ids: Iterable[int] | None = None) -> dict[int, FamilyStats]:
    """Each family's (or those of ``ids``) precomputed operators and target spread (empty without the table)."""
    if not _table_exists(conn, INDICATOR_FAMILIES.name):
        return {}
    f = INDICATOR_FAMILIES.c
    where = "" if ids is None else f" WHERE {f.id} IN ({', '.join(str(int(i)) for i in ids) or 'NULL'})"
    rows = conn.execute(
        f"SELECT {f.id}, COALESCE({f.name}, ''), {f.operators}, {f.main_unit}, {f.target_spread} "
        f"FROM {INDICATOR_FAMILIES.name}" + where
    )
    return {r[0]: family_stats(*r) for r in rows}


def load_context(conn: sqlite3.Connection) -> CheckContext:
    """Read what the rules need from a built knowledge base."""
    return CheckContext(projects=load_projects(conn), indicators=load_indicators(conn), families=load_families(conn))


def load_partial_context(
    conn: sqlite3.Connection,
    where: str,
    params: Sequence[Any] = (),
    projects_where: str | None = None,
    level2_units: dict[tuple[str, str | None], Counter[str]] | None = None,
) -> CheckContext:
    """Part of the knowledge base with the statistics of all of it, so the rules judge the part exactly as
    they would judge it in a run over everything.

    ``where`` selects indicators (a clause on ``indicators``); the projects are
    those ``projects_where`` selects (same parameters), or else the indicators'.
    The families loaded are the indicators'; ``level2_units`` (the units of the
    whole knowledge base) are counted unless given.
    """
    indicators = load_indicators(conn, f"WHERE {where}", params)
    if projects_where is not None:
        projects = load_projects(conn, f"WHERE {projects_where}", params)
    else:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS checked_projects (id INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM checked_projects")
        conn.executemany(
            "INSERT INTO checked_projects VALUES (?)",
            ((pid,) for pid in sorted({i.project_id for i in indicators if i.project_id is not None})),
        )
        projects = load_projects(conn, f"WHERE {PROJECTS.c.id} IN (SELECT id FROM checked_projects)")
        conn.execute("DROP TABLE checked_projects")
    families = load_families(conn, {i.family_id for i in indicators if i.family_id is not None})
    return CheckContext(
        projects=projects,
        indicators=indicators,
        families=families,
        level2_units=level2_units if level2_units is not None else load_level2_units(conn),
    )
