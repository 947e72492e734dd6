"""One document → the rows of the knowledge base, ready to insert.

This runs in the parser processes: parsing, segmenting the searchable texts
and flattening the models into column-ordered tuples all happen in parallel,
and the process writing the database only inserts what it receives. Ids
nest, derived from the document id the build assigns before parsing:
project = document × 10000 + seq, indicator = project × 1000 + position.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from indexer.fts import segmented_row
from indexer.texts import text_key
from kb.budget_checks import reconcile
from kb.budget_schema import BUDGET_TABLE_SPECS, budget_rows_for
from kb.errors import DocumentError
from kb.models import Document, Finding
from kb.schema import (
    DEPT_GOALS,
    DOCUMENTS,
    GOAL_INDICATORS,
    INDICATORS,
    PARSE_WARNINGS,
    PROJECTS,
    UNITS,
)
from kb.series import series_key

PROJECTS_PER_DOCUMENT = 10_000
BUDGET_SPECS = {spec.name: spec for spec in BUDGET_TABLE_SPECS}
ROWS_PER_TABLE = 1_000

Row = tuple[Any, ...]


@dataclass
class DocumentRows:
    """What one document adds to the knowledge base, or why it adds nothing."""

    doc_id: int
    path: str
    error: str | None = None
    error_line: int | None = None
    department: tuple[str | None, str | None] = (None, None)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    indicator_fts: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    # Per indicator, in indicator_fts order: (text key, 二级指标, raw texts, year, project id).
    indicator_texts: list[tuple[str, str, tuple[str, ...], int | None, int]] = field(default_factory=list)
    goal_fts: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    projects: int = 0
    indicators: int = 0
    goal_indicators: int = 0
    warnings: int = 0
    findings: list[Finding] = field(default_factory=list)
    digest: str = ""
    seconds: dict[str, float] = field(default_factory=dict)


def document_title(document: Document) -> str:
    """A short name for a document: department and budget year."""
    name = document.dept_name or document.source_path.rsplit("/", 1)[-1]
    return f"{name} {document.budget_year}年" if document.budget_year else name


def indicator_search_texts(project_name: str, level3: str, description: str, target_raw: str,
                           basis: str) -> tuple[str, ...]:
    """The texts of one indicator in :data:`indexer.fts.INDICATOR_FTS` column order."""
    return (level3, description, target_raw, basis, project_name)


def _segment(out: DocumentRows, texts: tuple[str, ...]) -> tuple[str, ...]:
    """Segment one row's texts, adding the time spent to the document's tokenise total."""
    started = time.process_time()
    segmented = segmented_row(texts)
    out.seconds["tokenise"] = out.seconds.get("tokenise", 0.0) + time.process_time() - started
    return segmented


def _project_rows(doc_id: int, document: Document, out: DocumentRows) -> None:
    projects, indicators = out.tables[PROJECTS.name], out.tables[INDICATORS.name]
    for project in document.projects:
        project_id = doc_id * PROJECTS_PER_DOCUMENT + project.seq
        projects.append(PROJECTS.row(project, id=project_id, document_id=doc_id,
                                     indicator_count=len(project.indicators), series_key=series_key(project.name)))
        for indicator in project.indicators:
            indicator_id = project_id * ROWS_PER_TABLE + indicator.position
            indicators.append(INDICATORS.row(indicator, id=indicator_id, project_id=project_id, document_id=doc_id,
                                             project_year=project.year))
            segmented = _segment(out, indicator_search_texts(
                project.name, indicator.level3, indicator.description, indicator.target.raw, indicator.basis))
            out.indicator_fts.append((indicator_id, segmented))
            raw = (indicator.level3, indicator.description, indicator.target.raw, indicator.basis)
            out.indicator_texts.append((text_key(indicator.level2, segmented[:4]), indicator.level2, raw,
                                        project.year, project_id))


def _goal_rows(doc_id: int, document: Document, out: DocumentRows) -> None:
    goals, goal_indicators = out.tables[DEPT_GOALS.name], out.tables[GOAL_INDICATORS.name]
    for goal in document.dept_goals:
        goal_id = doc_id * ROWS_PER_TABLE + goal.seq
        goals.append(DEPT_GOALS.row(goal, id=goal_id, document_id=doc_id, indicator_count=len(goal.indicators)))
        for indicator in goal.indicators:
            row_id = goal_id * ROWS_PER_TABLE + indicator.position
            goal_indicators.append(GOAL_INDICATORS.row(indicator, id=row_id, dept_goal_id=goal_id,
                                                       document_id=doc_id))
            out.goal_fts.append((row_id, _segment(out, (indicator.name, indicator.target.raw, goal.goal))))


def _digest(document: Document, out: DocumentRows) -> str:
    """What the build id depends on: the file's bytes and every indicator as indexed."""
    content = hashlib.sha256(document.sha256.encode())
    for row, (_, texts) in zip(out.tables[INDICATORS.name], out.indicator_fts):
        content.update("\x1f".join(map(str, (*row, *texts))).encode())
    return content.hexdigest()


def rows_for_document(doc_id: int, document: Document) -> DocumentRows:
    """Every row one parsed document contributes (the department id is the build's to set)."""
    if len(document.projects) >= PROJECTS_PER_DOCUMENT:
        raise DocumentError(document.source_path, f"项目数超过 {PROJECTS_PER_DOCUMENT - 1}，无法编号")
    out = DocumentRows(doc_id=doc_id, path=document.source_path,
                       department=(document.dept_code, document.dept_name))
    for spec in (DOCUMENTS, UNITS, PROJECTS, INDICATORS, DEPT_GOALS, GOAL_INDICATORS, PARSE_WARNINGS):
        out.tables[spec.name] = []
    _project_rows(doc_id, document, out)
    _goal_rows(doc_id, document, out)
    out.projects = len(document.projects)
    out.indicators = len(out.indicator_fts)
    out.goal_indicators = len(out.goal_fts)
    out.warnings = len(document.warnings)
    out.tables[DOCUMENTS.name].append(DOCUMENTS.row(
        document, id=doc_id, title=document_title(document), status="ok", project_count=out.projects,
        indicator_count=out.indicators, goal_indicator_count=out.goal_indicators, warning_count=out.warnings,
    ))
    out.tables[UNITS.name] = [UNITS.row(u, id=doc_id * ROWS_PER_TABLE + u.seq, document_id=doc_id)
                              for u in document.units]
    out.tables[PARSE_WARNINGS.name] = [PARSE_WARNINGS.row(w, document_id=doc_id) for w in document.warnings]
    for name, budget_rows in budget_rows_for(doc_id, document.budget_tables).items():
        out.tables[name] = [BUDGET_SPECS[name].row(**row) for row in budget_rows]
    out.findings = [
        finding.model_copy(update={"document_id": doc_id})
        for finding in reconcile(document.budget_tables, [p.budget for p in document.projects if p.budget is not None])
    ]
    out.digest = _digest(document, out)
    return out


def failed_document(doc_id: int, path: str, error: DocumentError) -> DocumentRows:
    """The rows recording a document that could not be parsed."""
    out = DocumentRows(doc_id=doc_id, path=path, error=error.message, error_line=error.line)
    out.tables[DOCUMENTS.name] = [DOCUMENTS.row(
        id=doc_id, source_path=path, title=path.rsplit("/", 1)[-1], status="failed", error=error.message,
        sha256="", encoding="",
    )]
    out.tables[PARSE_WARNINGS.name] = [PARSE_WARNINGS.row(
        document_id=doc_id, file=path, line=error.line, code="unreadable_document", message=error.message,
    )]
    out.digest = hashlib.sha256(f"failed {path} {error.message}".encode()).hexdigest()
    return out


def load_document(doc_id: int, path: str) -> DocumentRows:
    """Parse one file and turn it into rows; never raises for bad input."""
    from kb.parser import parse_document

    started = time.process_time()
    try:
        document = parse_document(path)
    except DocumentError as exc:
        return failed_document(doc_id, path, exc)
    parsed = time.process_time()
    try:
        out = rows_for_document(doc_id, document)
    except DocumentError as exc:
        return failed_document(doc_id, path, exc)
    tokenise = out.seconds.get("tokenise", 0.0)
    out.seconds = {"parse": parsed - started, "tokenise": tokenise,
                   "rows": time.process_time() - parsed - tokenise}
    return out
