"""Small knowledge bases for the consistency-check tests, from a few lines of Python.

A test describes projects with :class:`Proj` and :class:`Row`; :func:`make_kb`
writes them into an in-memory database with the real schema, the real
target parser and the real family and series derivation (no document parser),
and :func:`render_document` writes the same projects as a disclosure text for
the whole ``kb build`` path.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import sqlite_utils

from indexer.series import series_key
from kb.db.ddl import create_views
from kb.db.family_table import write_families
from kb.db.schema import DOCUMENTS, INDICATORS, PROJECTS, TABLES
from kb.db.series_table import write_series
from kb.db.spec import insert_rows
from kb.parse.targets import parse_target

LEVEL1 = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "成本指标": "产出指标",
    "经济效益指标": "效益指标",
    "社会效益指标": "效益指标",
    "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标",
    "服务对象满意度指标": "满意度指标",
}
PLAN = (25.0, 50.0, 75.0, 100.0)


@dataclass
class Row:
    """One indicator row: 二级指标, 三级指标, target, and a description (the name when omitted)."""

    level2: str
    level3: str
    target: str
    description: str | None = None


@dataclass
class Proj:
    """One project of the test document."""

    name: str
    rows: list[Row]
    budget: float | None = 10.0
    usage: str = ""
    goal: str = "1.做好本项工作。"
    plan: tuple[float | None, float | None, float | None, float | None] = PLAN
    year: int = 2024
    extra: dict = field(default_factory=dict)


def project_id(seq: int) -> int:
    """The id of the ``seq``-th project (1-based) of document 1."""
    return 10_000 + seq


def indicator_id(seq: int, position: int) -> int:
    """The id of row ``position`` of the ``seq``-th project of document 1."""
    return project_id(seq) * 1000 + position


def _create_tables(conn: sqlite3.Connection) -> None:
    db = sqlite_utils.Database(conn)
    for spec in TABLES:
        db[spec.name].create(
            {c.name: {"INTEGER": int, "REAL": float, "TEXT": str}[c.type] for c in spec.columns}, pk="id"
        )


def _project_row(seq: int, project: Proj) -> dict:
    march, june, october, december = project.plan
    return {
        "id": project_id(seq),
        "document_id": 1,
        "seq": seq,
        "code": f"130190{project.year % 100:02d}P{seq:06d}",
        "name": project.name,
        "budget": project.budget,
        "fiscal_funds": project.budget,
        "usage": project.usage,
        "goal": project.goal,
        "year": project.year,
        "first_line": seq,
        "last_line": seq,
        "spend_plan_by_march": march,
        "spend_plan_by_june": june,
        "spend_plan_by_october": october,
        "spend_plan_by_december": december,
        "indicator_count": len(project.rows),
        "series_key": series_key(project.name),
        **project.extra,
    }


def _indicator_row(seq: int, project: Proj, position: int, row: Row) -> dict:
    target = parse_target(row.target)
    return {
        "id": indicator_id(seq, position),
        "project_id": project_id(seq),
        "document_id": 1,
        "position": position,
        "level1": LEVEL1.get(row.level2, ""),
        "level2": row.level2,
        "level3": row.level3,
        "description": row.level3 if row.description is None else row.description,
        "target_raw": target.raw,
        "target_op": target.op,
        "target_value": target.value,
        "target_unit": target.unit,
        "target_kind": target.kind,
        "basis": "年度工作计划",
        "first_line": position,
        "last_line": position,
        "project_year": project.year,
    }


def make_kb(projects: list[Proj], path: str = ":memory:") -> sqlite3.Connection:
    """A knowledge base holding ``projects`` as document 1, with families and series derived."""
    conn = sqlite3.connect(path)
    _create_tables(conn)
    insert_rows(
        conn,
        DOCUMENTS,
        [
            {
                "id": 1,
                "source_path": "test.txt",
                "sha256": "",
                "encoding": "utf-8",
                "dept_name": "测试部门",
                "budget_year": 2024,
                "status": "ok",
                "title": "测试",
            }
        ],
    )
    insert_rows(conn, PROJECTS, [_project_row(seq, p) for seq, p in enumerate(projects, start=1)])
    insert_rows(
        conn,
        INDICATORS,
        [
            _indicator_row(seq, p, pos, row)
            for seq, p in enumerate(projects, start=1)
            for pos, row in enumerate(p.rows, start=1)
        ],
    )
    write_series(conn)
    write_families(conn)
    create_views(conn)
    conn.commit()
    return conn


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:g}%"


def _render_project(seq: int, project: Proj) -> list[str]:
    code = f"130190{project.year % 100:02d}P0042TD1{seq:04d}H"
    budget = "" if project.budget is None else f"{project.budget:.2f}"
    march, june, october, december = (_percent(v) for v in project.plan)
    lines = [
        f"### {seq}、{project.name}绩效目标表",
        "",
        "单位：万元",
        "",
        f"<b>项目编码</b>\t{code}\t\t<b>项目名称</b>\t{project.name}\t\t",
        f"<b>预算规模及资金用途</b>\t<b>预算数</b>\t{budget}\t<b>其中：财政资金</b>\t{budget}\t<b>其他资金</b>\t",
        f"\t{project.usage}\t\t\t\t\t",
        "<b>资金支出计划（%）</b>\t<b>3月底</b>\t\t<b>6月底</b>\t<b>10月底</b>\t<b>12月底</b>\t",
        f"\t{march}\t\t{june}\t{october}\t{december}\t",
        f"<b>绩效目标</b>\t{project.goal}\t\t\t\t\t",
        "<b>一级指标</b>\t<b>二级指标</b>\t<b>三级指标</b>\t<b>绩效指标描述</b>\t<b>指标值</b>\t<b>指标值确定依据</b>\t",
    ]
    for row in project.rows:
        description = row.level3 if row.description is None else row.description
        lines.append(
            f"{LEVEL1.get(row.level2, '')}\t{row.level2}\t{row.level3}\t{description}\t{row.target}\t年度工作计划\t"
        )
    return [*lines, ""]


def render_document(projects: list[Proj]) -> str:
    """The projects as a disclosure text in the Hebei layout, for ``kb build``."""
    lines = ["# 测试部门 2024 年部门预算信息公开情况", "", "316 测试部门", "", "预算年度：2024", ""]
    for seq, project in enumerate(projects, start=1):
        lines.extend(_render_project(seq, project))
    return "\n".join(lines)
