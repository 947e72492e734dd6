"""The indicator page: the row as a card, its 原文 and citation, its links, similar indicators, its findings."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from indexer.similarity import probe_for_indicator, similar
from kb.db.schema import ANOMALIES, DOCUMENTS, INDICATOR_FAMILIES, INDICATORS, PROJECT_SERIES, PROJECTS
from kb.web.labels import column_labels
from kb.web.pages.evidence import Linker
from kb.web.pages.findings import FindingView, findings_of_indicator
from kb.web.pages.site import TARGET_KINDS, Record, columns, indicator_lines, number, record
from kb.web.pages.source import SourceLine, citation, source_window

# Every column of ``indicators`` with its Chinese label, as every page of the site labels it.
LABELS: dict[str, str] = column_labels(INDICATORS.name)
# How many similar indicators of other projects the page lists, and how many candidates it ranks for them.
SIMILAR_SHOWN = 10
SIMILAR_RANKED = 60


@dataclass(frozen=True)
class Field:
    """One field of the card: its label, the SQL column it shows, the text, and where it links."""

    label: str
    column: str
    text: str
    href: str | None = None


@dataclass(frozen=True)
class SimilarRow:
    """A similar indicator of another project, beside the others."""

    id: int
    score: float
    same_family: bool
    level2: str | None
    level3: str
    target_raw: str
    target_op: str | None
    basis: str
    project_id: int
    project_name: str
    project_year: int | None
    dept_name: str | None


@dataclass
class IndicatorPage:
    """Everything the indicator page shows."""

    indicator: Record
    fields: list[Field]
    source: list[SourceLine]
    citation: str
    findings: list[FindingView]
    similar: list[SimilarRow]
    project_findings: int


def _fields(row: Record, link: Linker) -> list[Field]:
    def text(column: str) -> str:
        value = row[column]
        if column == "target_kind":
            return TARGET_KINDS.get(value or "", value or "—")
        if column == "target_value":
            return number(value)
        if column == "project_id":
            return f"{row['project_name']}（{value}）"
        if column == "document_id":
            return f"{row['document_title']}（{value}）"
        if column == "family_id" and value is not None:
            return f"{row['family_name']}（{value}，{row['family_size']} 条）"
        return "—" if value is None or value == "" else str(value)

    linked = {"project_id": "projects", "document_id": "documents", "family_id": "indicator_families"}
    linked["text_id"] = "indicator_texts"
    return [
        Field(
            LABELS[column],
            column,
            text(column),
            link(linked[column], row[column]) if column in linked and row[column] is not None else None,
        )
        for column in INDICATORS.column_names
    ]


def _similar(conn: sqlite3.Connection, indicator: Record) -> list[SimilarRow]:
    probe = probe_for_indicator(conn, indicator[INDICATORS.c.id])
    if probe is None:
        return []
    matches = similar(conn, probe, SIMILAR_RANKED)
    if not matches:
        return []
    details = indicator_lines(conn, [m.id for m in matches])
    shown: list[SimilarRow] = []
    for match in matches:
        row = details.get(match.id)
        # Other projects and years only: the indicator's own table is on its project's page.
        if row is None or row["project_id"] == indicator[INDICATORS.c.project_id]:
            continue
        shown.append(SimilarRow(score=match.score, same_family=match.same_family, **row))
        if len(shown) == SIMILAR_SHOWN:
            break
    return shown


def load_indicator(conn: sqlite3.Connection, indicator_id: int, link: Linker) -> IndicatorPage | None:
    """The indicator page of ``indicator_id``, or None when there is no such indicator."""
    i, p, d, f, s = INDICATORS.c, PROJECTS.c, DOCUMENTS.c, INDICATOR_FAMILIES.c, PROJECT_SERIES.c
    row = record(
        conn,
        f"SELECT {columns(INDICATORS, 'i')}, p.{p.name} AS project_name, p.{p.code} AS project_code, "
        f"p.{p.seq} AS project_seq, p.{p.series_id} AS series_id, s.{s.name} AS series_name, "
        f"s.{s.project_count} AS series_size, d.{d.title} AS document_title, d.{d.dept_name} AS dept_name, "
        f"d.{d.budget_year} AS budget_year, d.{d.source_path} AS source_path, "
        f"f.{f.name} AS family_name, f.{f.size} AS family_size "
        f"FROM {INDICATORS.name} i JOIN {PROJECTS.name} p ON p.{p.id} = i.{i.project_id} "
        f"JOIN {DOCUMENTS.name} d ON d.{d.id} = i.{i.document_id} "
        f"LEFT JOIN {INDICATOR_FAMILIES.name} f ON f.{f.id} = i.{i.family_id} "
        f"LEFT JOIN {PROJECT_SERIES.name} s ON s.{s.id} = p.{p.series_id} "
        f"WHERE i.{i.id} = ?",
        (indicator_id,),
    )
    if row is None:
        return None
    source = source_window(conn, row[i.document_id], row[i.first_line], row[i.last_line])
    page = next((line.page for line in source if line.marked and line.page is not None), None)
    findings = findings_of_indicator(conn, indicator_id, link)
    project_findings = conn.execute(
        f"SELECT count(*) FROM {ANOMALIES.name} WHERE {ANOMALIES.c.project_id} = ?", (row[i.project_id],)
    ).fetchone()[0]
    return IndicatorPage(
        indicator=row,
        fields=_fields(row, link),
        source=source,
        citation=citation(
            row["dept_name"],
            row["budget_year"],
            row["project_name"],
            row["source_path"],
            row[i.first_line],
            row[i.last_line],
            page,
        ),
        findings=findings,
        similar=_similar(conn, row),
        project_findings=project_findings - len(findings),
    )
