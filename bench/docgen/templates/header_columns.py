"""Template ``header_columns``: indicator tables whose columns are known only by their header labels.

Each project prints a title, a label/value table (项目名称/项目编码, 主管部门/
实施单位, 预算数/财政资金/其他资金, 绩效目标) and an indicator table in one of
these column variants (each document cycles through all of them):

* ``standard``: 一级 | 二级 | 三级 | 描述 | 指标值 | 依据, labels drawn from the synonyms;
* ``shuffled``: the same columns in another order;
* ``no_desc_basis``: no description and no basis column (truth: both empty);
* ``extras``: 权重 / 分值 / 备注 beside a basis column (truth: ``extra`` by label);
* ``merged_lead``: a leading 绩效指标 cell spanning the header and every row;
* ``split_op``: 指标性质/运算符 and (mostly) 度量单位/计量单位/单位 columns hold the
  operator and unit; target_raw is operator + number + unit;
* ``two_row``: 绩效指标 over 一级/二级/三级 in a second header row;
* ``basis_as_remark``: the only basis-like column is labelled 备注 (truth: basis).
"""

from __future__ import annotations

import random

from bench.docgen.blocks import GeneratedDoc, TruthProject
from bench.docgen.templates import coverage, lint_cases
from bench.docgen.templates import targets as tg
from bench.docgen.templates.columns import EXTRA_LABELS, SYNONYMS, Column, ColumnPlan, indicator_table, truth_rows
from bench.docgen.templates.content import ProjectDraft, Size, draft_projects
from bench.docgen.templates.docframe import DocContext, finish, start
from bench.docgen.templates.pagination import RowTag
from bench.docgen.templates.project_block import add_info_block
from bench.docgen.templates.tables import MERGE_MODES
from bench.docgen.templates.vocab.orgs import pick_local, units_of

VARIANTS = ("standard", "shuffled", "no_desc_basis", "extras", "merged_lead", "split_op", "two_row", "basis_as_remark")
DEFAULT_SIZE = Size(projects=8, indicators=(7, 11))
_STANDARD = ("level1", "level2", "level3", "description", "target", "basis")


def _label(rng: random.Random, key: str, avoid: tuple[str, ...] = ()) -> str:
    choices = [label for label in SYNONYMS[key] if label not in avoid]
    return rng.choice(choices)


def _columns(rng: random.Random, keys: tuple[str, ...] | list[str], avoid_level3: bool = False) -> list[Column]:
    avoid = {"level3": ("绩效指标",) if avoid_level3 else (), "basis": ("备注",)}
    return [Column(key, _label(rng, key, avoid.get(key, ()))) for key in keys]


def plan_for(rng: random.Random, variant: str) -> ColumnPlan:
    """The columns of one table in ``variant`` (see the module docstring)."""
    if variant == "shuffled":
        keys = list(_STANDARD)
        while tuple(keys) == _STANDARD:
            rng.shuffle(keys)
        return ColumnPlan(variant, tuple(_columns(rng, keys)))
    if variant == "no_desc_basis":
        return ColumnPlan(variant, tuple(_columns(rng, ("level1", "level2", "level3", "target"))))
    if variant == "extras":
        columns = _columns(rng, _STANDARD)
        columns.insert(5, Column("extra", EXTRA_LABELS[0]))
        if rng.random() < 0.5:
            columns.insert(6, Column("extra", EXTRA_LABELS[1]))
        columns.append(Column("extra", EXTRA_LABELS[2]))
        return ColumnPlan(variant, tuple(columns))
    if variant == "merged_lead":
        return ColumnPlan(variant, tuple(_columns(rng, _STANDARD, avoid_level3=True)), lead=True)
    if variant == "split_op":
        keys = ["level1", "level2", "level3", "description", "op", "target", "unit", "basis"]
        if rng.random() < 0.3:
            keys.remove("unit")
        if rng.random() < 0.4:
            keys.remove("description")
        return ColumnPlan(variant, tuple(_columns(rng, keys)))
    if variant == "two_row":
        return ColumnPlan(variant, tuple(_columns(rng, _STANDARD, avoid_level3=True)), two_row=True)
    if variant == "basis_as_remark":
        columns = [*_columns(rng, _STANDARD[:-1]), Column("basis", "备注")]
        return ColumnPlan(variant, tuple(columns))
    return ColumnPlan("standard", tuple(_columns(rng, _STANDARD)))


def _fill_extras(rng: random.Random, plan: ColumnPlan, project: ProjectDraft) -> None:
    labels = [column.label for column in plan.columns if column.key == "extra"]
    for row in project.indicators:
        for label in labels:
            if label == "备注":
                row.extra[label] = rng.choice(("", "", "无", "按季度监测", "年终考核"))
            else:
                row.extra[label] = str(rng.choice((5, 10, 10, 15, 20)))


def _to_split(rng: random.Random, project: ProjectDraft, year: int) -> None:
    project.split = True
    for row in project.indicators:
        row.target = tg.split_target(rng, row.spec.measure, year, project.budget)


def draft(ctx: DocContext, size: Size) -> tuple[list[ProjectDraft], list[ColumnPlan]]:
    """The projects of a header-driven document with one column plan each, lint cases and forms in place."""
    rng, dept = ctx.rng, ctx.dept
    units = [name for _, name in units_of(dept)]
    projects = draft_projects(rng, dept, ctx.year, size, supervisor=dept.name, implementers=units)
    order = list(VARIANTS)
    rng.shuffle(order)
    plans = [plan_for(rng, order[index % len(order)]) for index in range(len(projects))]
    for project, plan in zip(projects, plans, strict=True):
        if plan.has("op"):
            _to_split(rng, project, ctx.year)
        _fill_extras(rng, plan, project)
    ctx.notes["lint_cases"] = lint_cases.inject(rng, projects, ctx.year)
    coverage.ensure_text_forms(rng, projects, dept, ctx.year)
    return projects, plans


def lay_out(
    ctx: DocContext, projects: list[ProjectDraft], plans: list[ColumnPlan], first_number: int = 1
) -> list[TruthProject]:
    """Print each project (title, label/value table, indicator table) and return the truth."""
    truths: list[TruthProject] = []
    for number, (project, plan) in enumerate(zip(projects, plans, strict=True), start=first_number):
        add_info_block(ctx, project, number)
        table = indicator_table(plan, project.indicators, ctx.rng.choice(MERGE_MODES))
        tags: list[RowTag | None] = [RowTag(project.name)] * plan.header_rows
        tags += [RowTag(project.name, index) for index in range(len(project.indicators))]
        ctx.builder.table(table, tags)
        truths.append(project.truth(truth_rows(plan, project.indicators)))
        ctx.notes.setdefault("variants", {})[project.name] = plan.variant
    ctx.convention(
        "表头决定列：同义表头（三级指标/指标名称/绩效指标/指标内容 等）读作同一字段；缺少的列在真值中为空字符串"
    )
    ctx.convention("备注：表中另有依据列时是 extra；没有依据列时是指标值确定依据 (basis)")
    ctx.convention("extra 含表中每个额外列（权重/分值/备注），空单元格为空字符串")
    ctx.convention("指标性质/运算符 与 单位 分列时，target_raw = 运算符 + 指标值 + 单位（按此顺序相接）")
    return truths


def generate(seed: int, size: Size | None = None) -> GeneratedDoc:
    """A document of header-driven indicator tables, every column variant present (with 8+ projects)."""
    ctx = start("header_columns", seed, pick=pick_local)
    projects, plans = draft(ctx, size or DEFAULT_SIZE)
    ctx.builder.heading("七、部门项目预算安排情况及绩效目标")
    truths = lay_out(ctx, projects, plans)
    return finish(ctx, truths)
