"""What a reader sees instead of SQL names and stored values: Chinese labels of tables, columns and values.

Column labels and value labels are defined once, beside their fields in
:mod:`kb.models` (``Field(title=…, json_schema_extra=values(…))``) or their
columns in :mod:`kb.db.schema`; this module gathers them for the web pages and
the exports, and adds the values that later stages define (rule families and
rule titles from :mod:`kb.checks.registry`, parse warning codes from
:mod:`kb.parse.notes`). Stored values never change: only what a page shows.

A column of an arbitrary SQL query is labelled by its name: the tables the
query reads (in the order its FROM and JOIN clauses name them) are asked first,
then every table in :data:`TABLE_ORDER`, then the aliases of the canned queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache

from kb.checks.registry import FAMILIES, RULES
from kb.db.schema import TABLES, VIEWS
from kb.db.spec import Column
from kb.parse.notes import WARNING_CODES

# The tables a reviewer opens first come first on the home and database pages.
TABLE_ORDER: tuple[str, ...] = (
    "indicator_details",
    "indicators",
    "projects",
    "anomalies",
    "indicator_families",
    "project_series",
    "documents",
    "departments",
    "goal_indicator_details",
    "dept_goals",
    "goal_indicators",
    "budget_tables",
    "budget_rows",
    "procurement_items",
    "asset_rows",
    "units",
    "indicator_texts",
    "parse_warnings",
    "build_info",
)

# Values defined after the schema: by the checks and by the parser.
_LATER_VALUES: dict[tuple[str, str], dict[str, str]] = {
    ("anomalies", "rule_family"): {family: title for family, (title, _) in FAMILIES.items()},
    ("anomalies", "rule"): {rule.id: rule.title for rule in RULES.values()},
    ("parse_warnings", "code"): {code: what for code, (what, _) in WARNING_CODES.items()},
}

# Columns the canned queries name by an alias of their own.
QUERY_COLUMN_LABELS: dict[str, str] = {
    "score": "相关度",
    "findings": "发现数",
    "projects": "涉及项目",
    "series_name": "系列名称",
    "family_name": "族名",
    "indicator_id": "指标编号",
    "rule_title": "规则",
    "q": "检索词",
}


def _columns(name: str) -> list[Column]:
    spec = next((s for s in TABLES if s.name == name), None)
    if spec is not None:
        return spec.columns
    view = next((v for v in VIEWS if v.name == name), None)
    return view.described_columns() if view is not None else []


@cache
def _table_columns(table: str) -> dict[str, Column]:
    """The columns of a table or view of the knowledge base, by name; empty for any other name."""
    return {column.name: column for column in _columns(table)}


def known_table(table: str | None) -> bool:
    """True for a table or view of the knowledge base."""
    return bool(table) and bool(_table_columns(table or ""))


def column_labels(table: str) -> dict[str, str]:
    """Each column of ``table`` with its short Chinese label."""
    return {name: column.label for name, column in _table_columns(table).items()}


def value_labels(table: str, column: str) -> Mapping[str, str] | None:
    """What each stored value of ``table.column`` reads as, or None when the column's values are shown as stored."""
    later = _LATER_VALUES.get((table, column))
    if later is not None:
        return later
    found = _table_columns(table).get(column)
    return found.values if found is not None else None


_TABLE_NAME = re.compile(r"\b(?:from|join)\s+[\[\"`]?(\w+)", re.IGNORECASE)


def tables_of_sql(sql: str | None) -> list[str]:
    """The knowledge-base tables an SQL query names after FROM or JOIN, in order, each once."""
    found: list[str] = []
    for name in _TABLE_NAME.findall(sql or ""):
        if known_table(name) and name not in found:
            found.append(name)
    return found


def _search_order(tables: Iterable[str]) -> list[str]:
    first = [t for t in tables if known_table(t)]
    return first + [t for t in TABLE_ORDER if t not in first]


def column_of(column: str, tables: Iterable[str] = ()) -> Column | None:
    """The knowledge-base column a column named ``column`` most likely is, looked up in ``tables`` first."""
    for table in _search_order(tables):
        found = _table_columns(table).get(column)
        if found is not None:
            return found
    return None


def label_of(column: str, tables: Iterable[str] = ()) -> str:
    """The Chinese label of a column named ``column``, looked up in ``tables`` first; the name when unknown."""
    found = column_of(column, tables)
    return found.label if found is not None else QUERY_COLUMN_LABELS.get(column, column)


def expanded_label(label: str) -> str:
    """The header of the column Datasette adds beside a foreign key with the row it names (``project_id_label``)."""
    return label.removesuffix("编号") + "名称" if label.endswith("编号") else f"{label}（名称）"


def values_of(column: str, tables: Iterable[str] = ()) -> Mapping[str, str] | None:
    """The value labels of a column named ``column``, looked up in ``tables`` first."""
    for table in _search_order(tables):
        if column in _table_columns(table):
            labels = value_labels(table, column)
            if labels is not None:
                return labels
    return None


def show_value(labels: Mapping[str, str] | None, value: object) -> str | None:
    """The label of a stored ``value``, or None when it has none (shown as stored)."""
    if labels is None or value is None or isinstance(value, bytes | float):
        return None
    return labels.get(str(value))
