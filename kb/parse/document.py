"""Parsing one 部门预算信息公开 document into a :class:`~kb.models.Document`.

The entry points are :func:`parse_document` (a path) and :func:`parse_bytes`
(the file's bytes, for tests and for callers that already hold them). Both
raise only :class:`~kb.errors.DocumentError`; everything short of an
unusable document becomes a warning inside the result.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from kb.errors import DocumentError
from kb.models import Document
from kb.parse.budget import parse_budget_tables
from kb.parse.goals import parse_dept_goals, parse_overall_goal
from kb.parse.layout import is_toc_entry
from kb.parse.notes import ParseNotes
from kb.parse.projects import parse_projects, project_titles
from kb.parse.templates.claims import claim_tables
from kb.parse.templates.dept_overall import parse_goal_tables
from kb.parse.units import parse_units
from kb.read import read_data, read_document
from kb.read.blocks import ReadDocument
from kb.read.decode import SourceText
from kb.read.lines import DocLine, doc_lines
from kb.read.text import read_text

_YEAR_IN_TITLE = re.compile(r"(20\d{2})\s*年\s*(?:度\s*)?部门预算")
_YEAR_LABEL = re.compile(r"预算年度\s*[：:]\s*(20\d{2})?")
_YEAR_ALONE = re.compile(r"^(20\d{2})$")
_PAGE_HEADER = re.compile(r"^(\d{3,9})\s+(\S.*)$")
_TITLE_NAME = re.compile(r"^(.+?)\s*20\d{2}\s*年\s*部门预算信息公开情况")
# Page headers sit in the budget tables of part one, well before section 七.
_HEADER_SCAN_LINES = 800


def _head(lines: list[DocLine]) -> list[DocLine]:
    """The lines of the document's start (its first 800 lines, or as many reading-order lines)."""
    first = lines[0].number if lines else 1
    return [line for line in lines[:_HEADER_SCAN_LINES] if line.number < first + _HEADER_SCAN_LINES]


def _budget_year(lines: list[DocLine]) -> int | None:
    head = _head(lines)
    for index, line in enumerate(head):
        if is_toc_entry(line.text) or line.is_row:
            continue
        text = line.text
        match = _YEAR_IN_TITLE.search(text)
        if match:
            return int(match.group(1))
        label = _YEAR_LABEL.search(text)
        if label:
            if label.group(1):
                return int(label.group(1))
            # The year may stand on one of the next two lines.
            following = next((x.text for x in lines[index + 1 : index + 3] if x.number <= line.number + 2), "")
            if _YEAR_ALONE.match(following):
                return int(following)
    return None


def _department(lines: list[DocLine]) -> tuple[str | None, str | None]:
    """The department code and name from the page headers (``316 中共…组织部``).

    A header may wrap onto a second line; the most frequent reading wins.
    """
    seen: Counter[tuple[str, str]] = Counter()
    head = _head(lines)
    for index, line in enumerate(head):
        if line.is_row:
            continue
        match = _PAGE_HEADER.match(line.text)
        if not match or not re.search(r"[\u4e00-\u9fff]", match.group(2)):
            continue
        name = match.group(2).strip()
        after = lines[index + 1] if index + 1 < len(lines) else None
        # The wrapped rest of the header is the next line of the same paragraph.
        if (
            after is not None
            and not after.is_row
            and not after.heading
            and after.block == line.block
            and "预算年度" not in after.text
            and "单位" not in after.text[:2]
        ):
            name += after.text
        seen[(match.group(1), re.sub(r"\s+", "", name))] += 1
    if seen:
        (code, name), _ = seen.most_common(1)[0]
        return code, name
    for line in lines:
        found = _TITLE_NAME.match(line.text)
        if found and not is_toc_entry(line.text) and not line.is_row:
            return None, found.group(1).strip()
    return None, None


def parse_read(read: ReadDocument) -> Document:
    """Parse a document read into blocks (any form); raises DocumentError if no 绩效目标 is found."""
    lines = doc_lines(read.blocks)
    notes = ParseNotes(read.path)
    notes.locate(lines)
    for note in read.notes:
        notes.read_note(note)
    budget_year = _budget_year(lines)
    dept_code, dept_name = _department(lines)
    if budget_year is None:
        notes.warn(None, "no_budget_year", "未找到预算年度")
    if dept_name is None:
        notes.warn(None, "no_department", "未找到部门名称")
    overall_goal, _ = parse_overall_goal(lines)
    claims = claim_tables(lines)
    dept_goals = parse_dept_goals(lines, notes)
    dept_goals += parse_goal_tables(claims, notes, first_seq=len(dept_goals) + 1)
    projects = parse_projects(lines, notes, fallback_year=budget_year, claims=claims)
    if not projects:
        titles = project_titles(lines)
        if titles:
            raise DocumentError(
                read.path,
                f"找到 {titles} 个项目绩效目标表标题，却没有读出任何项目：表格无法识别 "
                "(project tables found but none could be read)",
            )
    if not projects and not dept_goals:
        raise DocumentError(read.path, "未找到任何项目绩效目标表或部门分项绩效目标 (no 绩效目标表 in this document)")
    if not projects:
        notes.warn(None, "no_projects", "未找到项目绩效目标表，只有部门整体绩效目标")
    return Document(
        source_path=read.path,
        sha256=read.sha256,
        encoding=read.encoding,
        form=read.form,
        page_count=read.page_count,
        dept_code=dept_code,
        dept_name=dept_name,
        budget_year=budget_year,
        overall_goal=overall_goal,
        dept_goals=dept_goals,
        units=parse_units(lines, notes),
        projects=projects,
        budget_tables=parse_budget_tables(lines, notes),
        warnings=notes.warnings,
    )


def parse_source(source: SourceText) -> Document:
    """Parse decoded tab-separated text; raises DocumentError if no 绩效目标 is found."""
    return parse_read(read_text(source))


def parse_bytes(data: bytes, path: str | Path = "<bytes>") -> Document:
    """Parse a document held in memory (any supported form); ``path`` names it in messages and hints its form."""
    return parse_read(read_data(data, path))


def parse_document(path: str | Path) -> Document:
    """Read and parse the document at ``path`` (any supported form)."""
    return parse_read(read_document(path))
