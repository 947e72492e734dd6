"""Template ``dept_table``: one indicator table for the whole department (common in Sichuan).

Two tables:

* ``项目支出预算表``: 项目编码 | 项目名称 | 合计 | 财政拨款 | 其他资金, opened by a
  合计 row; each unit has a subtotal row (blank code, ``518001-四川省水利厅机关``)
  above its projects;
* ``项目支出绩效目标表``: 单位名称（项目名称） | 项目目标 | 一级指标 | 二级指标 |
  三级指标 | 指标值 [| 指标值确定依据]. A unit row (``518001-…``, one wide cell or
  a cell and blanks) opens each unit's projects; a project's name and goal are
  cells spanning all its indicator rows.

The indicator table carries neither codes nor amounts: the truth joins them
from the budget table by exact project name. One project is missing from the
budget table (truth: no code, no amounts; a warning is expected).
"""

from __future__ import annotations

from bench.docgen.blocks import Cell, GeneratedDoc, Table, TruthProject
from bench.docgen.templates import coverage, lint_cases
from bench.docgen.templates.content import ProjectDraft, Size, draft_projects
from bench.docgen.templates.docframe import DocContext, finish, start
from bench.docgen.templates.pagination import RowTag
from bench.docgen.templates.tables import MERGE_MODES, grouped_rows, header_row
from bench.docgen.templates.vocab.orgs import pick_local, units_of

DEFAULT_SIZE = Size(projects=7, indicators=(5, 9))
_INDICATOR_LABELS = ["单位名称（项目名称）", "项目目标", "一级指标", "二级指标", "三级指标", "指标值", "指标值确定依据"]

Unit = tuple[str, str, list[ProjectDraft]]  # code, name, projects


def _assign_units(ctx: DocContext, projects: list[ProjectDraft]) -> list[Unit]:
    """Spread the projects over the department's units, in order; every unit listed has a project."""
    units = units_of(ctx.dept)
    count = min(len(units), max(2, len(projects) // 2))
    cuts = sorted(ctx.rng.sample(range(1, len(projects)), count - 1)) if len(projects) > 1 else []
    bounds = [0, *cuts, len(projects)]
    grouped: list[Unit] = []
    for (code, name), start_at, end_at in zip(units, bounds, bounds[1:], strict=False):
        members = projects[start_at:end_at]
        for project in members:
            project.implementer = name
        grouped.append((code, name, members))
    return grouped


def _sum(texts: list[str]) -> str:
    return f"{sum(float(text or 0) for text in texts):.2f}"


def budget_table(units: list[Unit], missing: ProjectDraft | None, name_label: str) -> Table:
    """The 项目支出预算表: a 合计 row, then per unit a subtotal row and its projects (``missing`` left out)."""
    listed = [[p for p in projects if p is not missing] for _, _, projects in units]
    everyone = [p for members in listed for p in members]
    rows = [header_row(["项目编码", name_label, "合计", "财政拨款", "其他资金"])]
    rows.append([Cell(""), Cell("合计", bold=True), *(Cell(_sum(texts)) for texts in _columns(everyone))])
    for (code, name, _), members in zip(units, listed, strict=True):
        rows.append([Cell(""), Cell(f"{code}-{name}"), *(Cell(_sum(texts)) for texts in _columns(members))])
        for project in members:
            rows.append(
                [
                    Cell(project.code),
                    Cell(project.name),
                    Cell(project.budget_text),
                    Cell(project.fiscal_text),
                    Cell(project.other_text),
                ]
            )
    return Table(rows, header_rows=1)


def _columns(projects: list[ProjectDraft]) -> list[list[str]]:
    return [[p.budget_text for p in projects], [p.fiscal_text for p in projects], [p.other_text for p in projects]]


def indicator_table(ctx: DocContext, units: list[Unit], with_basis: bool) -> tuple[Table, list[RowTag | None]]:
    """The department-wide indicator table and its row tags."""
    labels = _INDICATOR_LABELS if with_basis else _INDICATOR_LABELS[:-1]
    rows = [header_row(labels)]
    tags: list[RowTag | None] = [None]
    wide_unit_rows = ctx.rng.random() < 0.5
    mode = ctx.rng.choice(MERGE_MODES)
    for code, name, members in units:
        if wide_unit_rows:
            rows.append([Cell(f"{code}-{name}", bold=True, colspan=len(labels))])
        else:
            rows.append([Cell(f"{code}-{name}", bold=True), *(Cell("") for _ in labels[1:])])
        tags.append(None)
        for project in members:
            records = [
                [row.level1, row.level2, row.level3, row.target.raw, *([row.basis] if with_basis else [])]
                for row in project.indicators
            ]
            body = grouped_rows(records, [0, 1], mode)
            span = len(body)
            body[0][:0] = [Cell(project.name, rowspan=span), Cell(project.goal, rowspan=span)]
            rows += body
            tags += [RowTag(project.name, index) for index in range(span)]
    # The project name and goal take room, which leaves the indicator columns narrow (rows wrap).
    widths = [1.2, 2.0, 0.8, 1.0, 1.4, 1.0, 1.2][: len(labels)]
    return Table(rows, header_rows=1, widths=widths), tags


def generate(seed: int, size: Size | None = None) -> GeneratedDoc:
    """A department's budget table and its one department-wide indicator table."""
    ctx = start("dept_table", seed, pick=lambda rng: pick_local(rng, "sichuan"))
    rng, dept = ctx.rng, ctx.dept
    projects = draft_projects(rng, dept, ctx.year, size or DEFAULT_SIZE, supervisor="")
    # A single-project document keeps its project in the budget table: the lint cases need a budget.
    missing = projects[rng.randrange(1, len(projects))] if len(projects) > 1 else None
    budgeted = [project for project in projects if project is not missing]
    # The cost cap above the budget needs a budget to compare with: plant it on a budgeted project.
    ctx.notes["lint_cases"] = lint_cases.inject(rng, budgeted, ctx.year)
    coverage.ensure_text_forms(rng, projects, dept, ctx.year)
    units = _assign_units(ctx, projects)

    ctx.builder.heading("项目支出预算表")
    budget = budget_table(units, missing, rng.choice(("项目名称", "单位名称（项目名称）")))
    ctx.builder.table(budget, [None] * len(budget.rows))
    ctx.builder.heading("项目支出绩效目标表")
    with_basis = rng.random() < 0.7
    table, tags = indicator_table(ctx, units, with_basis)
    ctx.builder.table(table, tags)

    truths: list[TruthProject] = []
    for _, _, members in units:
        for project in members:
            rows = [row.truth(description=False, basis=with_basis) for row in project.indicators]
            truths.append(project.truth(rows, code=project is not missing, amounts=project is not missing))
    if missing is not None:
        ctx.warn(
            "project_not_in_budget_table",
            missing.name,
            detail="绩效目标表中的项目在项目支出预算表中找不到同名项目：无项目编码和金额",
        )
    ctx.convention("单位行（518001-单位名称）不是项目；其后的项目 implementer = 该单位名称（不含编码）")
    ctx.convention("项目编码与金额来自项目支出预算表，按项目名称完全相同连接；预算表中的合计行和单位小计行不是项目")
    ctx.convention("项目目标列（跨行合并）是项目的 goal；supervisor 未印出，为空")
    return finish(ctx, truths)
