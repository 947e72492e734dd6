"""The project header most local templates print above an indicator table.

A title, then a small label/value table: 项目名称 and 项目编码, 主管部门 and
实施单位, 预算数 with 其中：财政资金 and 其他资金 (万元), and the goal rows.
The indicator table follows as a table of its own.
"""

from __future__ import annotations

from bench.docgen.blocks import Cell, Table
from bench.docgen.templates.content import ProjectDraft
from bench.docgen.templates.docframe import DocContext
from bench.docgen.templates.pagination import RowTag
from bench.docgen.templates.tables import kv_row

_CHINESE_NUMBERS = "一二三四五六七八九十"


def title_of(ctx: DocContext, project: ProjectDraft, number: int) -> str:
    """A project table's title in one of the published styles (numbered or not)."""
    style = ctx.rng.randrange(3)
    if style == 0:
        return f"{number}、{project.name}绩效目标表"
    if style == 1 and number <= len(_CHINESE_NUMBERS):
        return f"（{_CHINESE_NUMBERS[number - 1]}）{project.name}项目支出绩效目标表"
    return f"{project.name}绩效目标表"


def add_info_block(
    ctx: DocContext, project: ProjectDraft, number: int, goals: list[tuple[str, str]] | None = None
) -> None:
    """Title and label/value table of one project; ``goals`` are (label, text) rows (default: 绩效目标)."""
    builder = ctx.builder
    builder.heading(title_of(ctx, project, number), level=ctx.rng.choice((2, 3)), owner=project.name)
    if ctx.rng.random() < 0.5:
        builder.paragraph("单位：万元", owner=project.name)
    goal_rows = goals if goals is not None else [(ctx.rng.choice(("绩效目标", "年度绩效目标")), project.goal)]
    rows: list[list[Cell]] = [
        kv_row([("项目名称", project.name, 3), ("项目编码", project.code, 1)]),
        kv_row([("主管部门", project.supervisor, 3), ("实施单位", project.implementer, 1)]),
        kv_row(
            [
                ("预算数（万元）", project.budget_text, 1),
                ("其中：财政资金", project.fiscal_text, 1),
                ("其他资金", project.other_text, 1),
            ]
        ),
        *(kv_row([(label, text, 5)]) for label, text in goal_rows),
    ]
    tag = RowTag(project.name)
    builder.table(Table(rows), [tag] * len(rows), repeat=[])
