"""Sections 七 and the like: every project's 绩效目标表, whatever template it is printed in.

The templates (``docs/templates.md``) are recognised by what their tables say,
not by where they sit: a table listing many projects (one table for a whole
department, or a spreadsheet export) is read by :mod:`kb.parse.templates.dept_table`,
a 部门整体支出绩效目标表 by :mod:`kb.parse.templates.dept_overall` (as department
goals, never a project), and everything else as one block per project by
:mod:`kb.parse.templates.project_block` (the Hebei, local and central templates).
Projects are numbered in document order whichever template read them.
"""

from __future__ import annotations

from collections.abc import Sequence

from kb.models import Project
from kb.parse.notes import ParseNotes
from kb.parse.templates.claims import TableClaims, claim_tables
from kb.parse.templates.dept_table import parse_dept_tables
from kb.parse.templates.project_block import parse_money, parse_project_blocks, project_titles, project_year
from kb.read.lines import DocLine, as_doc_lines

__all__ = ["parse_money", "parse_projects", "project_titles", "project_year"]


def parse_projects(
    lines: Sequence[DocLine] | Sequence[str],
    notes: ParseNotes,
    fallback_year: int | None = None,
    claims: TableClaims | None = None,
) -> list[Project]:
    """Every project in ``lines``, in document order, numbered from 1."""
    lines = as_doc_lines(lines)
    claims = claims if claims is not None else claim_tables(lines)
    placed = parse_project_blocks(lines, notes, fallback_year, claimed=claims.claimed)
    if claims.tables:
        # Reading order, not line numbers: the forms without lines number rows in ways that need not sort.
        positions = {id(line): index for index, line in enumerate(lines)}
        placed += parse_dept_tables(claims, notes, fallback_year, lambda line: positions[id(line)])
        placed.sort(key=lambda pair: pair[0])
        projects = [project.model_copy(update={"seq": seq}) for seq, (_, project) in enumerate(placed, start=1)]
    else:
        projects = [project for _, project in placed]
    _warn_repeated_codes(projects, notes)
    return projects


def _warn_repeated_codes(projects: list[Project], notes: ParseNotes) -> None:
    """A project code names one project: the same code twice in a document is a copy or a typo."""
    first: dict[str, Project] = {}
    for project in projects:
        if not project.code:
            continue
        earlier = first.setdefault(project.code, project)
        if earlier is not project:
            notes.warn(
                project.first_line,
                "duplicate_project_code",
                f"项目 {project.seq} 的项目编码 {project.code} 与项目 {earlier.seq}（第 {earlier.first_line} 行）重复",
            )
