"""Parsing one 部门预算信息公开 document into a :class:`~kb.models.Document`.

The entry points are :func:`parse_document` (a path) and :func:`parse_bytes`
(the file's bytes, for tests and for callers that already hold them). Both
raise only :class:`~kb.errors.DocumentError`; everything short of an
unusable document becomes a warning inside the result.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

from kb.errors import DocumentError
from kb.models import Document
from kb.parse.budget import parse_budget_tables
from kb.parse.goals import parse_dept_goals, parse_overall_goal
from kb.parse.layout import is_table_row, is_toc_entry, plain
from kb.parse.notes import ParseNotes
from kb.parse.projects import parse_projects
from kb.parse.source import SourceText, decode, read_source, split_lines
from kb.parse.units import parse_units

_YEAR_IN_TITLE = re.compile(r"(20\d{2})\s*年\s*(?:度\s*)?部门预算")
_YEAR_LABEL = re.compile(r"预算年度\s*[：:]\s*(20\d{2})?")
_YEAR_ALONE = re.compile(r"^(20\d{2})$")
_PAGE_HEADER = re.compile(r"^(\d{3,9})\s+(\S.*)$")
_TITLE_NAME = re.compile(r"^(.+?)\s*20\d{2}\s*年\s*部门预算信息公开情况")
# Page headers sit in the budget tables of part one, well before section 七.
_HEADER_SCAN_LINES = 800


def _budget_year(lines: list[str]) -> int | None:
    for index, line in enumerate(lines[:_HEADER_SCAN_LINES]):
        if is_toc_entry(line) or is_table_row(line):
            continue
        text = plain(line)
        match = _YEAR_IN_TITLE.search(text)
        if match:
            return int(match.group(1))
        label = _YEAR_LABEL.search(text)
        if label:
            if label.group(1):
                return int(label.group(1))
            following = next((plain(x) for x in lines[index + 1 : index + 3] if x.strip()), "")
            if _YEAR_ALONE.match(following):
                return int(following)
    return None


def _department(lines: list[str]) -> tuple[str | None, str | None]:
    """The department code and name from the page headers (``316 中共…组织部``).

    A header may wrap onto a second line; the most frequent reading wins.
    """
    seen: Counter[tuple[str, str]] = Counter()
    for index, line in enumerate(lines[:_HEADER_SCAN_LINES]):
        if is_table_row(line):
            continue
        match = _PAGE_HEADER.match(plain(line))
        if not match or not re.search(r"[\u4e00-\u9fff]", match.group(2)):
            continue
        name = match.group(2).strip()
        following = plain(lines[index + 1]) if index + 1 < len(lines) else ""
        if (
            following
            and not is_table_row(lines[index + 1])
            and "预算年度" not in following
            and "单位" not in following[:2]
        ):
            name += following
        seen[(match.group(1), re.sub(r"\s+", "", name))] += 1
    if seen:
        (code, name), _ = seen.most_common(1)[0]
        return code, name
    for line in lines:
        match = _TITLE_NAME.match(plain(line))
        if match and not is_toc_entry(line):
            return None, match.group(1).strip()
    return None, None


def parse_source(source: SourceText) -> Document:
    """Parse decoded lines; raises DocumentError if no 绩效目标 is found."""
    lines = source.lines
    notes = ParseNotes(source.path)
    budget_year = _budget_year(lines)
    dept_code, dept_name = _department(lines)
    if budget_year is None:
        notes.warn(None, "no_budget_year", "未找到预算年度")
    if dept_name is None:
        notes.warn(None, "no_department", "未找到部门名称")
    overall_goal, _ = parse_overall_goal(lines)
    dept_goals = parse_dept_goals(lines, notes)
    projects = parse_projects(lines, notes, fallback_year=budget_year)
    if not projects and not dept_goals:
        raise DocumentError(source.path, "未找到任何项目绩效目标表或部门分项绩效目标 (no 绩效目标表 in this document)")
    if not projects:
        notes.warn(None, "no_projects", "未找到项目绩效目标表，只有部门整体绩效目标")
    return Document(
        source_path=source.path,
        sha256=source.sha256,
        encoding=source.encoding,
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


def parse_bytes(data: bytes, path: str | Path = "<bytes>") -> Document:
    """Parse a document held in memory; ``path`` only names it in messages."""
    text, encoding = decode(data, path)
    source = SourceText(
        path=str(path), sha256=hashlib.sha256(data).hexdigest(), encoding=encoding, lines=split_lines(text)
    )
    return parse_source(source)


def parse_document(path: str | Path) -> Document:
    """Read and parse the document at ``path``."""
    return parse_source(read_source(path))
