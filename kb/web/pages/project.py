"""The project page: its header as a card, its indicator table laid out as in the document, its findings,
and the same project in other years."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from kb.db.schema import ANOMALIES, DOCUMENTS, INDICATORS, PROJECT_SERIES, PROJECTS
from kb.web.pages.evidence import Linker
from kb.web.pages.findings import FindingView, findings_of_project
from kb.web.pages.site import SEVERITY_ORDER, Record, columns, record, records, severity_name, wan
from kb.web.pages.source import SourceLine, citation, source_window

# How many projects of the same series the page lists (the department's own years first).
SERIES_SHOWN = 30
# The spend plan's dates, as the 资金支出计划 prints them.
PLAN_DATES: tuple[tuple[str, str], ...] = (
    ("spend_plan_by_march", "3月底"),
    ("spend_plan_by_june", "6月底"),
    ("spend_plan_by_october", "10月底"),
    ("spend_plan_by_december", "12月底"),
)


@dataclass(frozen=True)
class TableRow:
    """One row of the indicator table, with the 一级/二级 cells merged like the document's.

    ``level1_span``/``level2_span`` are the rowspans of the merged cells the row
    opens (0 when the cell above covers it).
    """

    indicator: Record
    level1_span: int
    level2_span: int
    worst: str | None
    worst_name: str
    findings: int


@dataclass
class ProjectPage:
    """Everything the project page shows."""

    project: Record
    plan: list[tuple[str, float | None]]
    amounts: list[tuple[str, str]]
    rows: list[TableRow]
    findings: list[FindingView]
    series: list[Record]
    series_more: int
    source: list[SourceLine]
    citation: str
    counts: dict[str, int] = field(default_factory=dict)


def _spans(values: list[tuple[str, ...]]) -> list[int]:
    """For each row, how many rows its merged cell covers (0 when a cell above covers it).

    A cell merges with the one above when the key (the 一级 name; for 二级, the 一级 and 二级 names) is the same.
    """
    spans = [0] * len(values)
    start = 0
    for index in range(1, len(values) + 1):
        if index == len(values) or values[index] != values[start]:
            spans[start] = index - start
            start = index
    return spans


def _table(conn: sqlite3.Connection, project_id: int) -> list[TableRow]:
    i, a = INDICATORS.c, ANOMALIES.c
    rows = records(
        conn,
        f"SELECT {columns(INDICATORS, 'i')} FROM {INDICATORS.name} i WHERE i.{i.project_id} = ? "
        f"ORDER BY i.{i.position}, i.{i.id}",
        (project_id,),
    )
    worst: dict[int, tuple[str, int]] = {}
    for finding in records(
        conn,
        f"SELECT {a.indicator_id} AS indicator_id, {a.severity} AS severity FROM {ANOMALIES.name} "
        f"WHERE {a.project_id} = ? AND {a.indicator_id} IS NOT NULL",
        (project_id,),
    ):
        seen, count = worst.get(finding["indicator_id"], (finding["severity"], 0))
        if SEVERITY_ORDER.get(finding["severity"], 9) < SEVERITY_ORDER.get(seen, 9):
            seen = finding["severity"]
        worst[finding["indicator_id"]] = (seen, count + 1)
    level1 = _spans([(row[i.level1],) for row in rows])
    level2 = _spans([(row[i.level1], row[i.level2]) for row in rows])
    out = []
    for row, span1, span2 in zip(rows, level1, level2, strict=True):
        found = worst.get(row[i.id])
        severity = found[0] if found else None
        out.append(
            TableRow(row, span1, span2, severity, severity_name(severity) if severity else "", found[1] if found else 0)
        )
    return out


def load_project(conn: sqlite3.Connection, project_id: int, link: Linker) -> ProjectPage | None:
    """The project page of ``project_id``, or None when there is no such project."""
    p, d, s = PROJECTS.c, DOCUMENTS.c, PROJECT_SERIES.c
    row = record(
        conn,
        f"SELECT {columns(PROJECTS, 'p')}, d.{d.title} AS document_title, d.{d.dept_name} AS dept_name, "
        f"d.{d.budget_year} AS budget_year, d.{d.source_path} AS source_path, d.{d.department_id} AS department_id, "
        f"s.{s.name} AS series_name, s.{s.project_count} AS series_size "
        f"FROM {PROJECTS.name} p JOIN {DOCUMENTS.name} d ON d.{d.id} = p.{p.document_id} "
        f"LEFT JOIN {PROJECT_SERIES.name} s ON s.{s.id} = p.{p.series_id} WHERE p.{p.id} = ?",
        (project_id,),
    )
    if row is None:
        return None
    series: list[Record] = []
    others = 0
    if row[p.series_id] is not None:
        # The same fund in the department's other years first; a name shared across departments comes after.
        series = records(
            conn,
            f"SELECT p.{p.id} AS id, p.{p.name} AS name, p.{p.year} AS year, p.{p.budget} AS budget, "
            f"p.{p.indicator_count} AS indicator_count, d.{d.dept_name} AS dept_name, "
            f"d.{d.budget_year} AS budget_year, d.{d.department_id} = ? AS same_department "
            f"FROM {PROJECTS.name} p JOIN {DOCUMENTS.name} d ON d.{d.id} = p.{p.document_id} "
            f"WHERE p.{p.series_id} = ? AND p.{p.id} != ? "
            f"ORDER BY same_department DESC, p.{p.year}, d.{d.budget_year}, p.{p.id} LIMIT ?",
            (row["department_id"], row[p.series_id], project_id, SERIES_SHOWN),
        )
        others = row["series_size"] - 1 - len(series)
    findings = findings_of_project(conn, project_id, link)
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return ProjectPage(
        project=row,
        plan=[(label, row[column]) for column, label in PLAN_DATES],
        amounts=[
            ("预算数", wan(row[p.budget])),
            ("其中：财政资金", wan(row[p.fiscal_funds])),
            ("其他资金", wan(row[p.other_funds])),
        ],
        rows=_table(conn, project_id),
        findings=findings,
        series=series,
        series_more=max(0, others),
        source=source_window(conn, row[p.document_id], row[p.first_line], row[p.last_line], context=2),
        citation=citation(
            row["dept_name"], row["budget_year"], row[p.name], row["source_path"], row[p.first_line], row[p.last_line]
        ),
        counts=counts,
    )
