"""Template ``sparse``: fewer columns, and annual beside long-term indicator tables.

Each project prints a title and a label/value table whose goal rows are
``年度绩效目标`` and, for projects with long-term targets, ``中长期绩效目标`` or
``长期绩效目标``. Then a caption ``年度绩效指标`` and a table of

    一级指标 | 二级指标 | 指标内容 | 指标值 / 年度指标值 [| 指标值确定依据]

(no 三级指标: 指标内容, worded as a phrase, is read as level3; no description
column), and for those
projects a second caption ``中长期绩效指标`` / ``长期绩效指标`` and a table of the
same columns whose value column may read 中长期指标值 / 长期指标值.

The truth keeps both tables: annual rows first (``period="annual"``), then the
long-term ones (``period="long_term"``).
"""

from __future__ import annotations

from bench.docgen.blocks import GeneratedDoc, TruthProject
from bench.docgen.templates import coverage, lint_cases
from bench.docgen.templates import targets as tg
from bench.docgen.templates.columns import Column, ColumnPlan, indicator_table, truth_rows
from bench.docgen.templates.content import IndicatorDraft, ProjectDraft, Size, draft_projects
from bench.docgen.templates.docframe import DocContext, finish, start
from bench.docgen.templates.pagination import RowTag
from bench.docgen.templates.project_block import add_info_block
from bench.docgen.templates.tables import MERGE_MODES
from bench.docgen.templates.vocab.indicators import SATISFACTION_LEVEL2
from bench.docgen.templates.vocab.orgs import pick_local, units_of

DEFAULT_SIZE = Size(projects=5, indicators=(6, 9))
_LONG_NAMES = ("中长期", "长期")


def _long_term_rows(ctx: DocContext, project: ProjectDraft, picker: tg.FormPicker) -> list[IndicatorDraft]:
    """Long-term targets for a subset of the annual indicators (most 一级 represented, no cost cap)."""
    rows: list[IndicatorDraft] = []
    seen_level1: set[str] = set()
    for row in project.indicators:
        if row.level1 in seen_level1 and ctx.rng.random() < 0.5:
            continue
        if row.spec.measure.kind == "cost_total":
            continue  # a multi-year cap exceeds the annual budget and would read as a planted lint case
        seen_level1.add(row.level1)
        # A few years out, at a larger scale: the same measure drawn afresh.
        target = tg.draw_text_target(ctx.rng, picker, row.spec.measure, ctx.year + 2, project.budget * 3)
        rows.append(IndicatorDraft(row.level1, row.level2, row.spec, target, row.basis, period="long_term"))
    return rows


def _word_contents(project: ProjectDraft) -> None:
    """Print 指标内容 as the descriptive phrase, as sparse tables do, except where a name carries meaning.

    Satisfaction rows and the planted lint rows keep their names (…满意度, …率):
    the consistency checks recognise them by those words.
    """
    for row in project.all_indicators():
        if not row.pinned and row.level2 != SATISFACTION_LEVEL2 and len(row.spec.description) > len(row.spec.name):
            row.wording = row.spec.description


def _plan(value_label: str, with_basis: bool) -> ColumnPlan:
    columns = [
        Column("level1", "一级指标"),
        Column("level2", "二级指标"),
        Column("level3", "指标内容"),
        Column("target", value_label),
    ]
    if with_basis:
        columns.append(Column("basis", "指标值确定依据"))
    return ColumnPlan("sparse", tuple(columns))


def _print_table(
    ctx: DocContext,
    project: ProjectDraft,
    caption: str,
    plan: ColumnPlan,
    *,
    rows: list[IndicatorDraft],
    first_index: int,
) -> None:
    ctx.builder.paragraph(caption, owner=project.name)
    table = indicator_table(plan, rows, ctx.rng.choice(MERGE_MODES))
    tags: list[RowTag | None] = [RowTag(project.name)]
    tags += [RowTag(project.name, first_index + index) for index in range(len(rows))]
    ctx.builder.table(table, tags)


def generate(seed: int, size: Size | None = None) -> GeneratedDoc:
    """Projects with 指标内容 tables, some with a long-term table beside the annual one."""
    ctx = start("sparse", seed, pick=pick_local)
    rng, dept = ctx.rng, ctx.dept
    picker = tg.FormPicker(rng)
    units = [name for _, name in units_of(dept)]
    projects = draft_projects(
        rng, dept, ctx.year, size or DEFAULT_SIZE, picker=picker, supervisor=dept.name, implementers=units
    )
    for index, project in enumerate(projects):
        for row in project.indicators:
            row.period = "annual"
        if index == 0 or rng.random() < 0.5:
            project.long_term = _long_term_rows(ctx, project, picker)
            project.long_goal = f"到{ctx.year + 2}年，{project.goal.splitlines()[-1].lstrip('12.')}"
    ctx.notes["lint_cases"] = lint_cases.inject(rng, projects, ctx.year)
    coverage.ensure_text_forms(rng, projects, dept, ctx.year)
    for project in projects:
        _word_contents(project)

    ctx.builder.heading("项目支出绩效目标")
    truths: list[TruthProject] = []
    ctx.notes["long_term_goals"] = {}
    for number, project in enumerate(projects, start=1):
        long_name = rng.choice(_LONG_NAMES)
        goals = [("年度绩效目标", project.goal)]
        if project.long_term:
            goals.append((f"{long_name}绩效目标", project.long_goal))
            ctx.notes["long_term_goals"][project.name] = project.long_goal
        add_info_block(ctx, project, number, goals)
        with_basis = rng.random() < 0.5
        annual = _plan(rng.choice(("指标值", "年度指标值")), with_basis)
        _print_table(
            ctx,
            project,
            rng.choice(("年度绩效指标", "（一）年度绩效指标")),
            annual,
            rows=project.indicators,
            first_index=0,
        )
        rows = truth_rows(annual, project.indicators)
        if project.long_term:
            long_plan = _plan(rng.choice(("指标值", f"{long_name}指标值")), with_basis)
            _print_table(
                ctx,
                project,
                f"{long_name}绩效指标",
                long_plan,
                rows=project.long_term,
                first_index=len(project.indicators),
            )
            rows += truth_rows(long_plan, project.long_term)
        truths.append(project.truth(rows))
    ctx.convention("指标内容 列读作 level3（无三级指标列、无描述列：description 为空）")
    ctx.convention("年度表与（中）长期表都保留：先年度（period=annual），后长期（period=long_term）")
    ctx.convention("goal = 年度绩效目标；长期目标记在 notes.long_term_goals")
    return finish(ctx, truths)
