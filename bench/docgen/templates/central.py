"""Template ``central``: the 项目支出绩效目标表 of 财预〔2021〕101号 as central ministries publish it.

Each project is one table under the bare title ``项目支出绩效目标表`` (no
number, no project code), headed by a vertical block:

    项目名称        | name
    主管部门及代码  | [126]水利部 | 实施单位 | unit
    项目资金（万元）| 年度资金总额   | 12,345.67
                    | 其中：财政拨款 | 12,000.00
                    | 其他资金       | 345.67
    年度总体目标    | goal            (also 年度目标, 总体目标)
    绩效指标        | 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 [| 指标值设定依据及数据来源]

``绩效指标`` spans the indicator header and every indicator row. Operator,
number and unit sit in their own cells; ``定性`` rows hold text in 指标值.
The newer 一级 ``成本指标`` has 经济/社会/生态环境成本指标. After a page break
only the indicator header row is repeated.
"""

from __future__ import annotations

from bench.docgen.blocks import Cell, GeneratedDoc, Table, TruthProject
from bench.docgen.templates import lint_cases
from bench.docgen.templates.content import ProjectDraft, Size, draft_projects
from bench.docgen.templates.docframe import DocContext, finish, start
from bench.docgen.templates.pagination import RowTag
from bench.docgen.templates.tables import MERGE_MODES, grouped_rows
from bench.docgen.templates.vocab.orgs import central_implementers, pick_central
from bench.docgen.templates.vocab.projects import with_thousands

DEFAULT_SIZE = Size(projects=5, indicators=(8, 12))
INDICATOR_LABELS = ("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位")
BASIS_LABEL = "指标值设定依据及数据来源"
GOAL_LABELS = ("年度总体目标", "年度目标", "总体目标")


def _supervisor_cell(ctx: DocContext) -> str:
    dept = ctx.dept
    return f"[{dept.code}]{dept.agency}" if ctx.rng.random() < 0.6 else f"{dept.agency}（{dept.code}）"


def project_table(ctx: DocContext, project: ProjectDraft, with_basis: bool) -> tuple[Table, list[RowTag | None], int]:
    """One project's table, its row tags and the index of its indicator header row."""
    width = 8 if with_basis else 7
    rest = width - 1
    head: list[list[Cell]] = [
        [Cell("项目名称", bold=True), Cell(project.name, colspan=rest)],
        [
            Cell("主管部门及代码", bold=True),
            Cell(_supervisor_cell(ctx), colspan=rest - 4),
            Cell("实施单位", bold=True),
            Cell(project.implementer, colspan=3),
        ],
        [
            Cell("项目资金（万元）", bold=True, rowspan=3),
            Cell("年度资金总额", bold=True, colspan=2),
            Cell(project.budget_text, colspan=rest - 2),
        ],
        [Cell("其中：财政拨款", bold=True, colspan=2), Cell(project.fiscal_text, colspan=rest - 2)],
        [Cell("其他资金", bold=True, colspan=2), Cell(project.other_text, colspan=rest - 2)],
        [Cell(ctx.rng.choice(GOAL_LABELS), bold=True), Cell(project.goal, colspan=rest)],
    ]
    labels = [*INDICATOR_LABELS, *([BASIS_LABEL] if with_basis else [])]
    header = [
        Cell("绩效指标", bold=True, rowspan=len(project.indicators) + 1),
        *(Cell(label, bold=True) for label in labels),
    ]
    records = []
    for row in project.indicators:
        assert row.target.cells is not None  # central targets are always split over three columns
        records.append([row.level1, row.level2, row.level3, *row.target.cells, *([row.basis] if with_basis else [])])
    body = grouped_rows(records, [0, 1], ctx.rng.choice(MERGE_MODES))
    tags: list[RowTag | None] = [RowTag(project.name)] * (len(head) + 1)
    tags += [RowTag(project.name, index) for index in range(len(project.indicators))]
    return Table([*head, header, *body]), tags, len(head)


def _print_amounts(ctx: DocContext, project: ProjectDraft) -> None:
    """Thousands separators, and a blank 其他资金 printed as 0.00 now and then (truth: 0.0, not None)."""
    if not project.other_text and ctx.rng.random() < 0.5:
        project.other_text = "0.00"
    project.budget_text = with_thousands(project.budget_text)
    project.fiscal_text = with_thousands(project.fiscal_text)
    if project.other_text:
        project.other_text = with_thousands(project.other_text)


def draft(ctx: DocContext, size: Size) -> list[ProjectDraft]:
    """The ministry's projects with split targets and the lint cases in place."""
    rng, dept = ctx.rng, ctx.dept
    projects = draft_projects(
        rng,
        dept,
        ctx.year,
        size,
        central=True,
        split=True,
        supervisor=dept.agency,
        implementers=central_implementers(dept),
    )
    ctx.notes["lint_cases"] = lint_cases.inject(rng, projects, ctx.year)
    return projects


def lay_out(ctx: DocContext, projects: list[ProjectDraft]) -> list[TruthProject]:
    """Print one 项目支出绩效目标表 per project and return the truth."""
    rng = ctx.rng
    truths: list[TruthProject] = []
    for project in projects:
        _print_amounts(ctx, project)
        with_basis = rng.random() < 0.5
        ctx.builder.heading("项目支出绩效目标表", level=rng.choice((2, 3)), owner=project.name)
        ctx.builder.paragraph(f"（{ctx.year}年度）", owner=project.name)
        table, tags, header_at = project_table(ctx, project, with_basis)
        ctx.builder.table(table, tags, repeat=[header_at])
        rows = [row.truth(description=False, basis=with_basis) for row in project.indicators]
        truths.append(project.truth(rows, code=False))
    ctx.convention("项目名称在表内（项目名称行），标题只有“项目支出绩效目标表”，没有项目编码：真值 code 为空")
    ctx.convention("主管部门及代码印作“[126]水利部”或“水利部（126）”：真值 supervisor 只取名称“水利部”")
    ctx.convention(
        "指标性质|指标值|度量单位 三列：target_raw = 三者相接（≥ 99.5 % → ≥99.5%）；定性行 target_raw = 指标值文字"
    )
    ctx.convention("金额带千分位（1,234.56）；其他资金空白为 None，印作 0.00 为 0.0")
    return truths


def generate(seed: int, size: Size | None = None) -> GeneratedDoc:
    """A central ministry's document: one 项目支出绩效目标表 per project."""
    ctx = start("central", seed, pick=pick_central)
    projects = draft(ctx, size or DEFAULT_SIZE)
    ctx.builder.heading("项目支出绩效目标表（中央部门）" if ctx.rng.random() < 0.3 else "部门项目支出绩效目标")
    return finish(ctx, lay_out(ctx, projects))
