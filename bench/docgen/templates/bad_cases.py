"""Documents a parser must flag rather than read: the warnings are the truth.

* ``bad_unknown_header``: header-driven projects, one of which prints a table
  whose header matches no template (考核项目 | 考核要点 | 预期成效 | 完成时限):
  the project is kept with no indicators, warning ``unknown_table_header``;
* ``bad_no_indicator_table``: one project prints its title and label/value
  table and no indicator table: kept with no indicators, warning
  ``no_indicator_table``;
* ``bad_sheet_shuffled``: a spreadsheet (``sheets``: 说明, 绩效目标) with one
  flat table, a row per indicator repeating its project's code, name and
  budget, columns shuffled and one missing: the fields of the missing column
  are empty in the truth, warning ``missing_column``.

None of them plants the lint cases (``notes["lint_cases"]`` is empty).
"""

from __future__ import annotations

from bench.docgen.blocks import Cell, GeneratedDoc, Table, TruthProject
from bench.docgen.templates import header_columns
from bench.docgen.templates.content import ProjectDraft, Size, draft_projects
from bench.docgen.templates.docframe import DocContext, finish, start
from bench.docgen.templates.pagination import RowTag
from bench.docgen.templates.project_block import add_info_block
from bench.docgen.templates.tables import header_row
from bench.docgen.templates.vocab.orgs import pick_local, units_of
from bench.docgen.templates.vocab.projects import amount_value

DEFAULT_SIZE = Size(projects=3, indicators=(6, 8))
UNKNOWN_HEADER = ["考核项目", "考核要点", "预期成效", "完成时限"]
SHEET_COLUMNS = [
    "项目编码",
    "项目名称",
    "预算数（万元）",
    "一级指标",
    "二级指标",
    "三级指标",
    "绩效指标描述",
    "指标值",
    "指标值确定依据",
]
DROPPABLE = ("二级指标", "绩效指标描述", "指标值确定依据", "项目编码")


def _draft(ctx: DocContext, size: Size) -> list[ProjectDraft]:
    units = [name for _, name in units_of(ctx.dept)]
    return draft_projects(ctx.rng, ctx.dept, ctx.year, size, supervisor=ctx.dept.name, implementers=units)


def _broken_document(template: str, seed: int, size: Size | None, unknown_header: bool) -> GeneratedDoc:
    """Standard header-driven projects with the middle one broken."""
    ctx = start(template, seed, pick=pick_local)
    projects = _draft(ctx, size or DEFAULT_SIZE)
    broken = len(projects) // 2
    ctx.builder.heading("七、部门项目预算安排情况及绩效目标")
    truths: list[TruthProject] = []
    for number, project in enumerate(projects, start=1):
        if number - 1 != broken:
            plan = header_columns.plan_for(ctx.rng, "standard")
            truths += header_columns.lay_out(ctx, [project], [plan], first_number=number)
            continue
        add_info_block(ctx, project, number)
        if unknown_header:
            rows = [header_row(UNKNOWN_HEADER)]
            rows += [
                [Cell(row.level3), Cell(row.spec.description), Cell(row.target.raw), Cell("年内")]
                for row in project.indicators
            ]
            ctx.builder.table(Table(rows, header_rows=1), [RowTag(project.name)] * len(rows))
            ctx.warn(
                "unknown_table_header",
                project.name,
                header=UNKNOWN_HEADER,
                detail="表头不属于任何已知模板：不得读出指标，须给出警告",
            )
        else:
            ctx.warn("no_indicator_table", project.name, detail="项目有项目信息表但没有绩效指标表")
        truths.append(project.truth([]))
    return finish(ctx, truths)


def generate_unknown_header(seed: int, size: Size | None = None) -> GeneratedDoc:
    """A project whose indicator table has a header no template knows."""
    return _broken_document("bad_unknown_header", seed, size, unknown_header=True)


def generate_no_indicator_table(seed: int, size: Size | None = None) -> GeneratedDoc:
    """A project block with no indicator table after it."""
    return _broken_document("bad_no_indicator_table", seed, size, unknown_header=False)


def _sheet_value(label: str, project: ProjectDraft, index: int) -> str:
    row = project.indicators[index]
    return {
        "项目编码": project.code,
        "项目名称": project.name,
        "预算数（万元）": project.budget_text,
        "一级指标": row.level1,
        "二级指标": row.level2,
        "三级指标": row.level3,
        "绩效指标描述": row.spec.description,
        "指标值": row.target.raw,
        "指标值确定依据": row.basis,
    }[label]


def generate_sheet_shuffled(seed: int, size: Size | None = None) -> GeneratedDoc:
    """A spreadsheet-oriented document: one flat table, columns shuffled, one column missing."""
    ctx = start("bad_sheet_shuffled", seed, pick=pick_local)
    ctx.builder.capacity = 10**9  # a spreadsheet has no pages
    ctx.builder.page_header = []
    projects = _draft(ctx, size or DEFAULT_SIZE)
    missing = ctx.rng.choice(DROPPABLE)
    labels = [label for label in SHEET_COLUMNS if label != missing]
    while labels == [label for label in SHEET_COLUMNS if label != missing]:
        ctx.rng.shuffle(labels)
    ctx.builder.paragraph("本表为项目支出绩效目标申报汇总表，每行一个指标。")
    sheet_start = len(ctx.builder.blocks)
    table_rows = [header_row(labels)]
    tags: list[RowTag | None] = [None]
    for project in projects:
        for index in range(len(project.indicators)):
            table_rows.append([Cell(_sheet_value(label, project, index)) for label in labels])
            tags.append(RowTag(project.name, index))
    ctx.builder.table(Table(table_rows, header_rows=1), tags)
    ctx.warn("missing_column", column=missing, detail=f"表中缺少“{missing}”列：该字段在真值中为空")
    ctx.convention("扁平表：每行重复项目编码/名称/预算数；列按表头识别（已打乱）")
    ctx.convention("只印出预算数：fiscal_funds/other_funds 为 None；goal/supervisor/implementer 未印出，为空")

    truths = []
    for project in projects:
        indicators = [
            row.truth(description=missing != "绩效指标描述", basis=missing != "指标值确定依据")
            for row in project.indicators
        ]
        for row in indicators:
            row.level2 = "" if missing == "二级指标" else row.level2
        truth = project.truth(indicators, code=missing != "项目编码", amounts=False)
        truth.budget = amount_value(project.budget_text)
        truth.goal = truth.supervisor = truth.implementer = ""
        truths.append(truth)
    return finish(ctx, truths, sheets=[("说明", 0), ("绩效目标", sheet_start)])
