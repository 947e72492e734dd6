"""One document → the rows of the knowledge base, ready to insert.

This runs in the parser processes: parsing, segmenting the searchable texts
and flattening the models into rows all happen in parallel, and the process
writing the database only inserts what it receives. Every row is built by
column name (:meth:`kb.db.spec.TableSpec.row`). Ids are local to the document
(1, 2, … per table, foreign keys between its rows local too); the writer
numbers them on in document order (:mod:`kb.db.schema`, id scheme). Only the
document id is global: the build assigns it before parsing.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from indexer.series import series_key
from indexer.target_terms import index_column_text
from indexer.texts import IndicatorTexts, text_key
from kb.checks.engine import run_document_rules
from kb.db.budget_rows import budget_rows_for
from kb.db.schema import (
    BUDGET_TABLE_SPECS,
    DEPT_GOALS,
    DOCUMENTS,
    GOAL_INDICATOR_FTS,
    GOAL_INDICATORS,
    INDICATORS,
    PARSE_WARNINGS,
    PROJECTS,
    SOURCE_LINES,
    UNITS,
)
from kb.errors import DocumentError
from kb.models import Document, Finding, Indicator, Project
from kb.parse.source import read_source
from kb.read import read_data
from kb.read.blocks import ReadDocument
from kb.read.decode import read_bytes, source_text
from kb.read.lines import doc_lines

Row = tuple[Any, ...]
# Memory an indicator entry (its row, texts and key) and any other row take, measured with tracemalloc on the
# generated corpus (tests/test_stage_parts.py holds the estimate to it).
INDICATOR_BYTES = 2_000
ROW_BYTES = 500


@dataclass
class IndicatorEntry:
    """One indicator's row with what the writer derives from it: its searchable texts and its distinct text.

    ``row`` is the ``indicators`` row, with ids local to the document (the
    writer numbers them on and sets ``text_id``);
    ``texts`` are the segmented texts the FTS5 and Whoosh indexes hold; ``raw``
    the published texts of :data:`indexer.texts.TEXT_COLUMNS`.
    """

    row: Row
    texts: IndicatorTexts
    text_key: str
    level2: str
    raw: tuple[str, ...]
    year: int | None
    project_id: int

    @property
    def local_id(self) -> int:
        """The indicator's id within its document."""
        return int(INDICATORS.value(self.row, "id"))


@dataclass
class DocumentRows:
    """What one document adds to the knowledge base, or why it adds nothing."""

    doc_id: int
    path: str
    error: str | None = None
    error_line: int | None = None
    department: tuple[str | None, str | None] = (None, None)
    # Rows of each table but ``indicators`` (whose rows travel in ``indicators`` with their texts), by table name.
    tables: dict[str, list[Row]] = field(default_factory=dict)
    indicators: list[IndicatorEntry] = field(default_factory=list)
    goal_fts: list[Row] = field(default_factory=list)
    projects: int = 0
    goal_indicators: int = 0
    warnings: int = 0
    findings: list[Finding] = field(default_factory=list)
    digest: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    # Tables kept compressed while a build waits to number them: name → (row count, compressed rows).
    packed: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    @property
    def indicator_count(self) -> int:
        """How many project indicators the document adds."""
        return len(self.indicators)

    def __sizeof__(self) -> int:
        """An estimate of the memory the rows hold, objects they refer to included.

        Dask sizes every task result with ``sys.getsizeof``; a dataclass would report its own few hundred
        bytes, so the scheduler saw a batch's rows as free to move and sent a third of the batches to the
        other worker for the next stage (pickled, copied and unpickled again) to balance queues.
        """
        rows = sum(map(len, self.tables.values())) + len(self.goal_fts) + len(self.findings)
        packed = sum(len(blob) for _, blob in self.packed.values())
        return object.__sizeof__(self) + packed + INDICATOR_BYTES * len(self.indicators) + ROW_BYTES * rows


def document_title(document: Document) -> str:
    """A short name for a document: department and budget year."""
    name = document.dept_name or document.source_path.rsplit("/", 1)[-1]
    return f"{name} {document.budget_year}年" if document.budget_year else name


def indicator_search_texts(project_name: str, indicator: Indicator) -> IndicatorTexts:
    """The published texts an indicator is found by, named like the columns of its FTS5 index."""
    return IndicatorTexts(
        level3=indicator.level3,
        description=indicator.description,
        target_raw=indicator.target.raw,
        basis=indicator.basis,
        project_name=project_name,
    )


def _timed_segment(out: DocumentRows, texts: IndicatorTexts) -> IndicatorTexts:
    """Segment one row's texts, adding the time spent to the document's tokenise total."""
    started = time.process_time()
    segmented = texts.segmented()
    out.seconds["tokenise"] = out.seconds.get("tokenise", 0.0) + time.process_time() - started
    return segmented


def _indicator_entry(
    out: DocumentRows, doc_id: int, project: Project, pid: int, indicator: Indicator
) -> IndicatorEntry:
    published = indicator_search_texts(project.name, indicator)
    segmented = _timed_segment(out, published)
    return IndicatorEntry(
        row=INDICATORS.row(
            indicator,
            id=len(out.indicators) + 1,
            project_id=pid,
            document_id=doc_id,
            project_year=project.year,
        ),
        texts=segmented,
        text_key=text_key(indicator.level2, segmented.text_part()),
        level2=indicator.level2,
        raw=published.text_part(),
        year=project.year,
        project_id=pid,
    )


def _project_rows(doc_id: int, document: Document, out: DocumentRows) -> None:
    projects = out.tables[PROJECTS.name]
    for project in document.projects:
        pid = len(projects) + 1
        projects.append(
            PROJECTS.row(
                project,
                id=pid,
                document_id=doc_id,
                indicator_count=len(project.indicators),
                series_key=series_key(project.name),
            )
        )
        for indicator in project.indicators:
            out.indicators.append(_indicator_entry(out, doc_id, project, pid, indicator))


def _goal_rows(doc_id: int, document: Document, out: DocumentRows) -> None:
    goals, goal_indicators = out.tables[DEPT_GOALS.name], out.tables[GOAL_INDICATORS.name]
    for goal in document.dept_goals:
        goal_id = len(goals) + 1
        goals.append(DEPT_GOALS.row(goal, id=goal_id, document_id=doc_id, indicator_count=len(goal.indicators)))
        for indicator in goal.indicators:
            row_id = len(goal_indicators) + 1
            goal_indicators.append(GOAL_INDICATORS.row(indicator, id=row_id, dept_goal_id=goal_id, document_id=doc_id))
            started = time.process_time()
            texts = {"name": indicator.name, "target_raw": indicator.target.raw, "goal": goal.goal}
            segmented = {column: index_column_text(column, text or "") for column, text in texts.items()}
            out.seconds["tokenise"] = out.seconds.get("tokenise", 0.0) + time.process_time() - started
            out.goal_fts.append(GOAL_INDICATOR_FTS.row(row_id, segmented))


def _digest(document: Document, out: DocumentRows) -> str:
    """What the build id depends on: the file's bytes and every indicator as indexed."""
    content = hashlib.sha256(document.sha256.encode())
    for entry in out.indicators:
        content.update("\x1f".join(map(str, (*entry.row, *entry.texts))).encode())
    return content.hexdigest()


# The forms whose text is lines of a file: their 原文 is the file's lines, numbered as the parser numbered them.
_TEXT_FORMS = frozenset({"txt", "md", "html", "layout"})
SourceLines = list[tuple[int, int | None, str]]


def document_source_lines(read: ReadDocument, data: bytes | None) -> SourceLines:
    """``(line, page, text)`` of each non-empty line of a document as the parser read it.

    A text form gives its file's lines (``data`` decoded the way the reader
    decoded it); a form without lines (PDF, XLSX, DOCX) gives the lines of its
    reading order, numbered as the records' ``first_line`` count them, with
    the page each stands on.
    """
    if read.form in _TEXT_FORMS and data is not None:
        lines = source_text(data, read.path).lines
        return [(number, None, text) for number, text in enumerate(lines, start=1) if text.strip()]
    return [(line.number, line.where.page, line.raw) for line in doc_lines(read.blocks) if line.raw.strip()]


def source_text_rows(doc_id: int, document: Document, lines: SourceLines | None = None) -> list[Row]:
    """The ``source_lines`` rows of a document (ids local): ``lines`` as read, or else its file read again.

    Reading the file again serves callers that hold only the parsed document;
    a file changed since the parse is left out rather than shown wrongly.
    """
    if lines is None:
        try:
            source = read_source(document.source_path)
        except DocumentError:
            return []
        if source.sha256 != document.sha256:
            return []
        lines = [(number, None, text) for number, text in enumerate(source.lines, start=1) if text.strip()]
    return [
        SOURCE_LINES.row(id=local_id, document_id=doc_id, line=number, page=page, text=text)
        for local_id, (number, page, text) in enumerate(lines, start=1)
    ]


def rows_for_document(doc_id: int, document: Document, source_lines: SourceLines | None = None) -> DocumentRows:
    """Every row one parsed document contributes (the department id is the build's to set).

    ``source_lines`` is the document's text as the parser read it (:func:`document_source_lines`).
    """
    out = DocumentRows(doc_id=doc_id, path=document.source_path, department=(document.dept_code, document.dept_name))
    for spec in (DOCUMENTS, UNITS, PROJECTS, DEPT_GOALS, GOAL_INDICATORS, PARSE_WARNINGS):
        out.tables[spec.name] = []
    _project_rows(doc_id, document, out)
    _goal_rows(doc_id, document, out)
    out.projects = len(document.projects)
    out.goal_indicators = len(out.goal_fts)
    out.warnings = len(document.warnings)
    out.tables[DOCUMENTS.name].append(
        DOCUMENTS.row(
            document,
            id=doc_id,
            title=document_title(document),
            status="ok",
            project_count=out.projects,
            indicator_count=out.indicator_count,
            goal_indicator_count=out.goal_indicators,
            warning_count=out.warnings,
        )
    )
    out.tables[UNITS.name] = [
        UNITS.row(unit, id=local_id, document_id=doc_id) for local_id, unit in enumerate(document.units, start=1)
    ]
    out.tables[PARSE_WARNINGS.name] = [
        PARSE_WARNINGS.row(warning, id=local_id, document_id=doc_id)
        for local_id, warning in enumerate(document.warnings, start=1)
    ]
    out.tables[SOURCE_LINES.name] = source_text_rows(doc_id, document, source_lines)
    specs = {spec.name: spec for spec in BUDGET_TABLE_SPECS}
    for name, budget_rows in budget_rows_for(doc_id, document.budget_tables).items():
        out.tables[name] = [specs[name].row(**row) for row in budget_rows]
    out.findings = [finding.model_copy(update={"document_id": doc_id}) for finding in run_document_rules(document)]
    out.digest = _digest(document, out)
    return out


def failed_document(doc_id: int, path: str, error: DocumentError) -> DocumentRows:
    """The rows recording a document that could not be parsed."""
    out = DocumentRows(doc_id=doc_id, path=path, error=error.message, error_line=error.line)
    out.tables[DOCUMENTS.name] = [
        DOCUMENTS.row(
            id=doc_id,
            source_path=path,
            title=path.rsplit("/", 1)[-1],
            status="failed",
            error=error.message,
            sha256="",
            encoding="",
        )
    ]
    out.tables[PARSE_WARNINGS.name] = [
        PARSE_WARNINGS.row(
            id=1,
            document_id=doc_id,
            file=path,
            line=error.line,
            code="unreadable_document",
            message=error.message,
        )
    ]
    out.digest = hashlib.sha256(f"failed {path} {error.message}".encode()).hexdigest()
    return out


def parse_file(path: str) -> tuple[Document, SourceLines]:
    """Read one file once: the document parsed from it, and its text as the parser read it."""
    from kb.parse.document import parse_read

    data = read_bytes(path)
    read = read_data(data, path)
    return parse_read(read), document_source_lines(read, data)


def load_document(doc_id: int, path: str) -> DocumentRows:
    """Parse one file and turn it into rows; never raises for bad input."""
    started = time.process_time()
    try:
        document, source_lines = parse_file(path)
    except DocumentError as exc:
        return failed_document(doc_id, path, exc)
    parsed = time.process_time()
    try:
        out = rows_for_document(doc_id, document, source_lines)
    except DocumentError as exc:
        return failed_document(doc_id, path, exc)
    tokenise = out.seconds.get("tokenise", 0.0)
    out.seconds = {"parse": parsed - started, "tokenise": tokenise, "rows": time.process_time() - parsed - tokenise}
    return out
