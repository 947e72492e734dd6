"""Template ``dept_overall``: a 部门整体支出绩效目标表 beside the department's project tables.

The department-level table (5 columns) reads:

    部门（单位）名称 | name
    年度主要任务     | 任务名称 | 主要内容 | 预算金额（万元）
                     | task     | content  | amount          (one row per task)
    年度绩效目标     | goal text
    绩效指标         | 一级指标 | 二级指标 | 三级指标 | 指标值
                     | rows …

Its indicators are department goals (``truth.goals``, one goal: the 年度绩效目标
text), never projects. The project tables that follow are of the
``header_columns`` template (local departments) or the ``central`` one
(ministries); their truth is as in those templates.
"""

from __future__ import annotations

import re

from bench.docgen.blocks import Cell, GeneratedDoc, Table, TruthGoal, TruthIndicator, TruthProject
from bench.docgen.templates import central, header_columns
from bench.docgen.templates import targets as tg
from bench.docgen.templates.content import IndicatorDraft, Size
from bench.docgen.templates.docframe import DocContext, finish, start
from bench.docgen.templates.pagination import RowTag
from bench.docgen.templates.tables import MERGE_MODES, grouped_rows
from bench.docgen.templates.vocab import indicators as iv
from bench.docgen.templates.vocab import projects as pv
from bench.docgen.templates.vocab.orgs import pick_central, pick_local

DEFAULT_SIZE = Size(projects=4, indicators=(7, 10))
GOAL_OWNER = "部门整体支出绩效目标表"


def _goal_rows(ctx: DocContext) -> list[IndicatorDraft]:
    picker = tg.FormPicker(ctx.rng)
    rows: list[IndicatorDraft] = []
    for level2, pool in iv.DEPARTMENT_LEVEL.items():
        for spec in ctx.rng.sample(pool, ctx.rng.randint(1, len(pool))):
            target = tg.draw_text_target(ctx.rng, picker, spec.measure, ctx.year, ctx.rng.uniform(10, 80))
            rows.append(IndicatorDraft(iv.LEVEL1_OF[level2], level2, spec, target, basis=""))
    return rows


def _tasks(ctx: DocContext) -> list[tuple[str, str, str]]:
    topics = ctx.rng.sample(pv.TOPICS[ctx.dept.domain], ctx.rng.randint(3, 5))
    tasks = []
    for topic in topics:
        # The first sentence of a made-up goal, without its number: the goal text numbers the tasks itself.
        content = re.sub(r"^\d+\.", "", pv.goal_text(ctx.rng, ctx.dept, topic).split("\n")[0])
        tasks.append((f"{ctx.rng.choice(pv.TASK_VERBS)}{topic}", content, pv.money(ctx.rng, 20, 3000)))
    return tasks


def overall_table(
    ctx: DocContext, goal: str, tasks: list[tuple[str, str, str]], rows: list[IndicatorDraft]
) -> tuple[Table, list[RowTag | None], int]:
    """The department-level table, its row tags and the index of its indicator header row."""
    table: list[list[Cell]] = [
        [Cell("部门（单位）名称", bold=True), Cell(ctx.dept.name, colspan=4)],
        [
            Cell("年度主要任务", bold=True, rowspan=len(tasks) + 1),
            Cell("任务名称", bold=True),
            Cell("主要内容", bold=True, colspan=2),
            Cell("预算金额（万元）", bold=True),
        ],
        *([Cell(name), Cell(content, colspan=2), Cell(amount)] for name, content, amount in tasks),
        [Cell("年度绩效目标", bold=True), Cell(goal, colspan=4)],
    ]
    header_at = len(table)
    table.append(
        [
            Cell("绩效指标", bold=True, rowspan=len(rows) + 1),
            *(Cell(label, bold=True) for label in ("一级指标", "二级指标", "三级指标", "指标值")),
        ]
    )
    records = [[row.level1, row.level2, row.level3, row.target.raw] for row in rows]
    table += grouped_rows(records, [0, 1], ctx.rng.choice(MERGE_MODES))
    tags: list[RowTag | None] = [RowTag(GOAL_OWNER, kind="goal")] * (header_at + 1)
    tags += [RowTag(GOAL_OWNER, index, kind="goal") for index in range(len(rows))]
    return Table(table), tags, header_at


def _goal_text(ctx: DocContext, tasks: list[tuple[str, str, str]]) -> str:
    return "\n".join(f"{number}.{content}" for number, (_, content, _) in enumerate(tasks, start=1))


def generate(seed: int, size: Size | None = None) -> GeneratedDoc:
    """A 部门整体支出绩效目标表 followed by project tables of another template."""
    size = size or DEFAULT_SIZE
    ctx = start("dept_overall", seed, pick=lambda rng: pick_central(rng) if rng.random() < 0.3 else pick_local(rng))
    tasks = _tasks(ctx)
    goal = _goal_text(ctx, tasks)
    rows = _goal_rows(ctx)
    ctx.builder.heading("五、部门整体绩效目标")
    ctx.builder.heading(GOAL_OWNER, level=3)
    ctx.builder.paragraph(f"（{ctx.year}年度）")
    table, tags, header_at = overall_table(ctx, goal, tasks, rows)
    ctx.builder.table(table, tags, repeat=[header_at])
    goals = [TruthGoal(goal, [_goal_truth(row) for row in rows])]
    ctx.notes["tasks"] = [
        {"name": name, "content": content, "amount": float(amount)} for name, content, amount in tasks
    ]

    ctx.builder.heading("七、项目支出绩效目标")
    projects: list[TruthProject]
    if ctx.dept.code_style == "central":
        ctx.notes["project_template"] = "central"
        projects = central.lay_out(ctx, central.draft(ctx, size))
    else:
        ctx.notes["project_template"] = "header_columns"
        drafts, plans = header_columns.draft(ctx, size)
        projects = header_columns.lay_out(ctx, drafts, plans)
    ctx.convention("部门整体支出绩效目标表的指标是部门目标（truth.goals），不是项目；年度主要任务记在 notes.tasks")
    ctx.convention("goals 只有一个：goal = 年度绩效目标全文，indicators = 该表全部指标（无描述、无依据）")
    return finish(ctx, projects, goals)


def _goal_truth(row: IndicatorDraft) -> TruthIndicator:
    return row.truth(description=False, basis=False)
