"""The SQLite schema, derived from the pydantic models.

A table's columns are its model's fields, flattened: a nested model becomes
prefixed columns (``target`` → ``target_raw``, ``target_op`` …), list fields
become child tables. The relational columns a model does not carry (ids and
foreign keys) are declared here, once, with their Chinese descriptions; the
Datasette metadata takes every column description from this module.
"""

from __future__ import annotations

import sqlite3
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from kb.models import (
    DeptGoal,
    Document,
    GoalIndicator,
    Indicator,
    ParseWarning,
    Project,
    Unit,
)

SqlType = Literal["INTEGER", "REAL", "TEXT"]


@dataclass(frozen=True)
class Column:
    """One SQLite column and what it means."""

    name: str
    type: SqlType
    description: str


@dataclass(frozen=True)
class TableSpec:
    """A table: the model it stores, and the columns the model does not hold."""

    name: str
    model: type[BaseModel] | None
    title: str
    description: str
    leading: tuple[Column, ...] = ()
    trailing: tuple[Column, ...] = ()
    foreign_keys: tuple[tuple[str, str], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    exclude: frozenset[str] = field(default_factory=frozenset)
    label_column: str | None = None

    @cached_property
    def columns(self) -> list[Column]:
        """Leading columns, then the model's fields flattened, then trailing columns."""
        model_columns = model_fields_as_columns(self.model, exclude=self.exclude) if self.model else []
        return [*self.leading, *model_columns, *self.trailing]

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in table order."""
        return tuple(column.name for column in self.columns)

    @cached_property
    def _getters(self) -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
        """For each column, its name and how to read it from a record (``target_raw`` → record.target.raw)."""
        paths = dict(_attribute_paths(self.model, self.exclude)) if self.model is not None else {}
        return tuple(
            (name, attrgetter(".".join(paths[name])) if name in paths else None) for name in self.column_names
        )

    def row(self, record: BaseModel | None = None, **values: Any) -> tuple[Any, ...]:
        """A row of this table, in column order: ``values`` first, else ``record``'s fields; the rest NULL.

        Rows are built for every indicator of every document, so this reads
        attributes directly instead of flattening the record into a dict.
        """
        if record is None:
            return tuple(values.get(name) for name in self.column_names)
        return tuple(
            values[name] if name in values else (get(record) if get is not None else None)
            for name, get in self._getters
        )


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _sql_type(annotation: Any) -> SqlType:
    annotation = _unwrap_optional(annotation)
    if get_origin(annotation) is Literal:
        return "TEXT"
    if annotation is bool or annotation is int:
        return "INTEGER"
    if annotation is float:
        return "REAL"
    return "TEXT"


def _is_model(annotation: Any) -> bool:
    annotation = _unwrap_optional(annotation)
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_list(annotation: Any) -> bool:
    return get_origin(_unwrap_optional(annotation)) is list


def model_fields_as_columns(model: type[BaseModel], prefix: str = "", exclude: frozenset[str] = frozenset(),
                            context: str = "") -> list[Column]:
    """The scalar fields of ``model`` as columns, nested models flattened with a prefix."""
    columns: list[Column] = []
    for name, info in model.model_fields.items():
        if name in exclude or _is_list(info.annotation):
            continue
        description = info.description or name
        if _is_model(info.annotation):
            nested = _unwrap_optional(info.annotation)
            columns.extend(model_fields_as_columns(nested, f"{prefix}{name}_", context=f"{context}{description}："))
        else:
            columns.append(Column(prefix + name, _sql_type(info.annotation), context + description))
    return columns


@lru_cache(maxsize=None)
def _field_plan(model: type[BaseModel]) -> tuple[tuple[str, bool], ...]:
    """``(field, is a nested model)`` for the scalar and model fields of ``model``, computed once."""
    return tuple(
        (name, _is_model(info.annotation))
        for name, info in model.model_fields.items()
        if not _is_list(info.annotation)
    )


def _attribute_paths(model: type[BaseModel], exclude: frozenset[str] = frozenset(),
                     prefix: tuple[str, ...] = ()) -> list[tuple[str, tuple[str, ...]]]:
    """``(column name, attribute path)`` of every scalar field, nested models flattened."""
    paths: list[tuple[str, tuple[str, ...]]] = []
    for name, nested in _field_plan(model):
        if name in exclude:
            continue
        if nested:
            inner = _unwrap_optional(model.model_fields[name].annotation)
            paths.extend(_attribute_paths(inner, prefix=(*prefix, name)))
        else:
            paths.append(("_".join((*prefix, name)), (*prefix, name)))
    return paths


def flatten(record: BaseModel, prefix: str = "", exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The scalar values of ``record`` keyed like :func:`model_fields_as_columns`."""
    row: dict[str, Any] = {}
    for name, nested in _field_plan(type(record)):
        if name in exclude:
            continue
        value = getattr(record, name)
        if nested:
            if value is not None:
                row.update(flatten(value, f"{prefix}{name}_"))
        else:
            row[prefix + name] = value
    return row


def insert_rows(conn: sqlite3.Connection, spec: TableSpec, rows: Iterable[dict[str, Any]]) -> None:
    """Insert row dicts into ``spec``'s table; missing keys are NULL."""
    names = spec.column_names
    conn.executemany(
        f"INSERT INTO [{spec.name}] ({', '.join(f'[{n}]' for n in names)}) VALUES ({', '.join('?' for _ in names)})",
        (tuple(row.get(n) for n in names) for row in rows),
    )


def id_column(description: str) -> Column:
    """The integer primary key ``id``."""
    return Column("id", "INTEGER", description)


def fk_column(name: str, description: str) -> Column:
    """An integer column referring to another table's ``id``."""
    return Column(name, "INTEGER", description)



DOCUMENTS = TableSpec(
    name="documents",
    model=Document,
    title="文档",
    description="每一份部门预算信息公开文档：来源文件、部门、预算年度与解析结果。",
    leading=(id_column("文档编号"), fk_column("department_id", "部门编号")),
    trailing=(
        Column("title", "TEXT", "文档标题（部门名称＋预算年度）"),
        Column("status", "TEXT", "解析状态：ok 成功 / failed 失败"),
        Column("error", "TEXT", "解析失败的原因"),
        Column("project_count", "INTEGER", "项目数"),
        Column("indicator_count", "INTEGER", "项目绩效指标数"),
        Column("goal_indicator_count", "INTEGER", "部门分项绩效指标数"),
        Column("warning_count", "INTEGER", "解析警告数"),
    ),
    foreign_keys=(("department_id", "departments"),),
    indexes=(("budget_year",), ("department_id",), ("status",)),
    exclude=frozenset({"budget_tables"}),
    label_column="title",
)

DEPARTMENTS = TableSpec(
    name="departments",
    model=None,
    title="部门",
    description="发布预算信息公开的部门（按部门编码与名称归并）。",
    leading=(
        id_column("部门编号"),
        Column("code", "TEXT", "部门编码"),
        Column("name", "TEXT", "部门名称"),
        Column("document_count", "INTEGER", "文档数"),
    ),
    indexes=(("code", "name"),),
    label_column="name",
)

UNITS = TableSpec(
    name="units",
    model=Unit,
    title="机构设置",
    description="部门机构设置情况表中的所属单位。",
    leading=(id_column("单位编号"), fk_column("document_id", "文档编号")),
    foreign_keys=(("document_id", "documents"),),
    indexes=(("document_id",), ("nature",)),
    label_column="name",
)

PROJECTS = TableSpec(
    name="projects",
    model=Project,
    title="项目",
    description="项目绩效目标表中的项目：编码、名称、预算、资金用途、支出计划与绩效目标。",
    leading=(id_column("项目编号（文档编号×10000＋序号）"), fk_column("document_id", "文档编号")),
    trailing=(
        Column("indicator_count", "INTEGER", "绩效指标数"),
        Column("series_key", "TEXT", "项目系列键：去掉文号、年度与“提前下达”后的名称"),
        fk_column("series_id", "项目系列编号：不同年度、不同文号下的同一项资金"),
    ),
    foreign_keys=(("document_id", "documents"), ("series_id", "project_series")),
    indexes=(("document_id",), ("year",), ("code",), ("series_id",)),
    label_column="name",
)

INDICATORS = TableSpec(
    name="indicators",
    model=Indicator,
    title="项目绩效指标",
    description="项目绩效目标表的每一行：一级、二级、三级指标，指标描述，指标值（原文与解析结果）和指标值确定依据。",
    leading=(
        id_column("指标编号（项目编号×1000＋行序）"),
        fk_column("project_id", "项目编号"),
        fk_column("document_id", "文档编号"),
    ),
    trailing=(
        Column("project_year", "INTEGER", "项目年度（取自项目，便于按年度分面）"),
        fk_column("family_id", "指标族编号：不同措辞、同一度量的指标归为一族"),
        fk_column("text_id", "指标文本编号：三级指标、描述、指标值、依据和二级指标完全相同的指标共用一个"),
    ),
    foreign_keys=(("project_id", "projects"), ("document_id", "documents"), ("family_id", "indicator_families"),
                  ("text_id", "indicator_texts")),
    indexes=(("project_id",), ("document_id",), ("level1",), ("level2",), ("target_op",), ("target_unit",),
             ("target_kind",), ("project_year",), ("family_id",), ("text_id",),
             # Covering indexes for adding documents: each name's family, and the units per 二级指标.
             ("level3", "family_id"), ("target_kind", "level2", "target_op", "target_unit", "target_value")),
    label_column="level3",
)

DEPT_GOALS = TableSpec(
    name="dept_goals",
    model=DeptGoal,
    title="部门分项绩效目标",
    description="部门整体绩效目标中的分项绩效目标。",
    leading=(id_column("分项目标编号（文档编号×1000＋序号）"), fk_column("document_id", "文档编号")),
    trailing=(Column("indicator_count", "INTEGER", "绩效指标数"),),
    foreign_keys=(("document_id", "documents"),),
    indexes=(("document_id",),),
    label_column="goal",
)

GOAL_INDICATORS = TableSpec(
    name="goal_indicators",
    model=GoalIndicator,
    title="部门分项绩效指标",
    description="分项绩效目标下的每一条绩效指标（指标名与指标值）。",
    leading=(
        id_column("指标编号（分项目标编号×1000＋顺序）"),
        fk_column("dept_goal_id", "分项目标编号"),
        fk_column("document_id", "文档编号"),
    ),
    foreign_keys=(("dept_goal_id", "dept_goals"), ("document_id", "documents")),
    indexes=(("dept_goal_id",), ("document_id",), ("target_op",), ("target_unit",), ("target_kind",)),
    label_column="name",
)

PARSE_WARNINGS = TableSpec(
    name="parse_warnings",
    model=ParseWarning,
    title="解析警告",
    description="解析时无法完全理解的行与无法读取的文档；其余内容均已保留。",
    leading=(id_column("警告编号"), fk_column("document_id", "文档编号")),
    foreign_keys=(("document_id", "documents"),),
    indexes=(("document_id",), ("code",)),
    label_column="message",
)

PROJECT_SERIES = TableSpec(
    name="project_series",
    model=None,
    title="项目系列",
    description="跨年度、跨文号的同一项资金：名称去掉文号、年度与“提前下达”后相同的项目归为一个系列。",
    leading=(
        id_column("项目系列编号"),
        Column("name", "TEXT", "系列名称（项目系列键）"),
        Column("project_count", "INTEGER", "项目数"),
        Column("years", "TEXT", "涉及年度"),
        Column("first_year", "INTEGER", "最早年度"),
        Column("last_year", "INTEGER", "最晚年度"),
    ),
    indexes=(("name",),),
    label_column="name",
)

INDICATOR_FAMILIES = TableSpec(
    name="indicator_families",
    model=None,
    title="指标族",
    description="措辞不同、度量相同的指标归为一族（如受益对象/受益群体/服务对象满意度），并汇总族内指标值的分布，便于横向比较。",
    leading=(
        id_column("指标族编号"),
        Column("name", "TEXT", "族名（族内最常见的三级指标名称）"),
        Column("key", "TEXT", "族键（归一化后的指标名称）"),
        Column("size", "INTEGER", "族内指标数"),
        Column("project_count", "INTEGER", "涉及项目数"),
        Column("year_count", "INTEGER", "涉及年度数"),
        Column("years", "TEXT", "涉及年度"),
        Column("operators", "TEXT", "出现过的比较符及次数"),
        Column("main_unit", "TEXT", "最常见的计量单位"),
        Column("min_value", "REAL", "最常见单位下数值型指标值的最小值"),
        Column("median_value", "REAL", "最常见单位下数值型指标值的中位数"),
        Column("max_value", "REAL", "最常见单位下数值型指标值的最大值"),
        Column("target_spread", "TEXT", "各计量单位下指标值的个数、最小值、中位数、最大值（JSON）"),
        Column("name_counts", "TEXT", "族内各种措辞（三级指标名称）出现的次数（JSON）"),
        Column("value_counts", "TEXT", "各计量单位下每个数值出现的次数（JSON），中位数等由此算出"),
    ),
    indexes=(("key",), ("size",)),
    label_column="name",
)

INDICATOR_TEXTS = TableSpec(
    name="indicator_texts",
    model=None,
    title="指标文本",
    description=(
        "三级指标、绩效指标描述、指标值、指标值确定依据和二级指标完全相同的指标只存一份文本，"
        "全文检索按文本计算相关度再展开到各条指标；member_count 说明这段文本被多少条指标（多少个项目）照用。"
    ),
    leading=(
        id_column("指标文本编号"),
        Column("key", "TEXT", "文本键（二级指标与分词后文本的 SHA-1）"),
        Column("level2", "TEXT", "二级指标"),
        Column("level3", "TEXT", "三级指标（原文）"),
        Column("description", "TEXT", "绩效指标描述（原文）"),
        Column("target_raw", "TEXT", "指标值原文"),
        Column("basis", "TEXT", "指标值确定依据（原文）"),
        Column("member_count", "INTEGER", "使用这段文本的指标数"),
        Column("project_count", "INTEGER", "使用这段文本的项目数"),
    ),
    indexes=(("key",), ("member_count",)),
    label_column="level3",
)

BUILD_INFO = TableSpec(
    name="build_info",
    model=None,
    title="构建信息",
    description="本知识库的构建标识：由文档内容与索引词项计算，全文索引（Whoosh）据此判断是否过期。",
    leading=(
        id_column("编号"),
        Column("build_id", "TEXT", "构建标识（内容的 SHA-256）"),
        Column("tool_version", "TEXT", "构建工具版本"),
        Column("document_count", "INTEGER", "文档数"),
    ),
    label_column="build_id",
)

# The tables of targets and their provenance; kb.tables adds the budget tables and the findings.
CORE_TABLES: tuple[TableSpec, ...] = (
    DEPARTMENTS, DOCUMENTS, UNITS, PROJECT_SERIES, PROJECTS, INDICATOR_FAMILIES, INDICATOR_TEXTS, INDICATORS,
    DEPT_GOALS, GOAL_INDICATORS, PARSE_WARNINGS, BUILD_INFO,
)
