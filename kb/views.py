"""SQL views that put each indicator beside its project, year and department.

Each view column names the table column it shows, so its description comes
from :mod:`kb.schema` like every other column's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from kb.schema import Column
from kb.tables import TABLES


@dataclass(frozen=True)
class ViewSpec:
    """A view: its columns as (name, table alias, source column) and its FROM clause."""

    name: str
    title: str
    description: str
    columns: tuple[tuple[str, str, str], ...]
    source: str
    aliases: dict[str, str]

    def sql(self) -> str:
        select = ",\n  ".join(
            f"{alias}.[{source}]" + (f" AS [{name}]" if name != source else "")
            for name, alias, source in self.columns
        )
        return f"CREATE VIEW [{self.name}] AS SELECT\n  {select}\n{self.source}"

    def described_columns(self) -> list[Column]:
        """The view's columns with the description of the column each one shows."""
        by_table = {spec.name: {c.name: c for c in spec.columns} for spec in TABLES}
        out = []
        for name, alias, source in self.columns:
            column = by_table[self.aliases[alias]][source]
            out.append(Column(name, column.type, column.description))
        return out


INDICATOR_DETAILS = ViewSpec(
    name="indicator_details",
    title="指标一览（含项目与部门）",
    description="每条项目绩效指标与其项目名称、项目年度、预算、部门和解析后的指标值并列，便于筛选、分面和导出。",
    columns=(
        ("id", "i", "id"),
        ("project_id", "i", "project_id"),
        ("project_seq", "p", "seq"),
        ("project_name", "p", "name"),
        ("project_code", "p", "code"),
        ("project_year", "p", "year"),
        ("project_budget", "p", "budget"),
        ("series_id", "p", "series_id"),
        ("family_id", "i", "family_id"),
        ("budget_year", "d", "budget_year"),
        ("dept_name", "d", "dept_name"),
        ("position", "i", "position"),
        ("level1", "i", "level1"),
        ("level2", "i", "level2"),
        ("level3", "i", "level3"),
        ("description", "i", "description"),
        ("target_raw", "i", "target_raw"),
        ("target_op", "i", "target_op"),
        ("target_value", "i", "target_value"),
        ("target_unit", "i", "target_unit"),
        ("target_kind", "i", "target_kind"),
        ("basis", "i", "basis"),
        ("document_id", "i", "document_id"),
        ("source_path", "d", "source_path"),
        ("first_line", "i", "first_line"),
        ("last_line", "i", "last_line"),
    ),
    source="FROM indicators i JOIN projects p ON p.id = i.project_id JOIN documents d ON d.id = i.document_id",
    aliases={"i": "indicators", "p": "projects", "d": "documents"},
)

GOAL_INDICATOR_DETAILS = ViewSpec(
    name="goal_indicator_details",
    title="部门分项指标一览",
    description="每条部门分项绩效指标与其分项目标、部门和预算年度并列。",
    columns=(
        ("id", "gi", "id"),
        ("dept_goal_id", "gi", "dept_goal_id"),
        ("goal_seq", "g", "seq"),
        ("goal", "g", "goal"),
        ("budget_year", "d", "budget_year"),
        ("dept_name", "d", "dept_name"),
        ("position", "gi", "position"),
        ("name", "gi", "name"),
        ("target_raw", "gi", "target_raw"),
        ("target_op", "gi", "target_op"),
        ("target_value", "gi", "target_value"),
        ("target_unit", "gi", "target_unit"),
        ("target_kind", "gi", "target_kind"),
        ("text", "gi", "text"),
        ("document_id", "gi", "document_id"),
        ("source_path", "d", "source_path"),
        ("first_line", "gi", "first_line"),
        ("last_line", "gi", "last_line"),
    ),
    source=("FROM goal_indicators gi JOIN dept_goals g ON g.id = gi.dept_goal_id "
            "JOIN documents d ON d.id = gi.document_id"),
    aliases={"gi": "goal_indicators", "g": "dept_goals", "d": "documents"},
)

VIEWS: tuple[ViewSpec, ...] = (INDICATOR_DETAILS, GOAL_INDICATOR_DETAILS)


def create_views(conn: sqlite3.Connection) -> None:
    """Create (or replace) every view."""
    for view in VIEWS:
        conn.execute(f"DROP VIEW IF EXISTS [{view.name}]")
        conn.execute(view.sql())
