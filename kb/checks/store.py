"""The ``anomalies`` table: the findings of the consistency checks, stored by ``kb build``.

Columns come from :class:`~kb.models.Finding` (through :mod:`kb.schema`), plus
the row id and the rule family. Ids follow the findings sorted by project,
indicator and rule, so rebuilding the same documents gives the same rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from kb.budget_checks import BUDGET_RULES
from kb.checks.engine import FAMILIES, RULES, run_checks
from kb.models import Finding
from kb.schema import Column, TableSpec, insert_rows

ANOMALIES = TableSpec(
    name="anomalies",
    model=Finding,
    title="一致性检查发现",
    description=(
        "一致性检查发现的问题：方向写反的指标值（如满意度 ≤90%）、无法衡量的指标值、与预算不符的成本、"
        "归类不当的二级指标、照搬的指标表、偏离同类指标的目标和不合理的资金支出计划。"
        "每条都指明规则、严重程度、项目与指标，证据以 JSON 给出；规则说明见 docs/rules.md。"
    ),
    leading=(
        Column("id", "INTEGER", "发现编号（按项目、指标、规则排序）"),
        Column("rule_family", "TEXT", "规则类别：direction 指标方向 / measurable 无法衡量 / cost 成本与预算不符 / "
                                      "category 归类不当 / copy 重复与照搬 / peer 偏离同类 / plan 支出计划 / "
                                      "parse 无法解析 / budget 预算表勾稽"),
    ),
    foreign_keys=(("document_id", "documents"), ("project_id", "projects"), ("indicator_id", "indicators")),
    indexes=(("rule",), ("rule_family",), ("severity",), ("project_id",), ("indicator_id",), ("document_id",)),
    label_column="message",
)

# Datasette facets for the anomalies table.
FACETS: list[str] = ["rule_family", "rule", "severity", "project_id"]


def _sort_key(finding: Finding) -> tuple:
    return (finding.document_id or 0, finding.project_id or 0, finding.indicator_id or 0, finding.rule,
            finding.message)


def anomaly_rows(findings: Iterable[Finding], first_id: int = 1) -> list[dict[str, Any]]:
    """Findings as ``anomalies`` rows: ids from ``first_id`` in document, project, indicator, rule order;
    evidence as JSON text."""
    rows = []
    for row_id, finding in enumerate(sorted(findings, key=_sort_key), start=first_id):
        row = finding.model_dump()
        row.update(id=row_id, rule_family=finding.rule.split(".", 1)[0],
                   evidence=json.dumps(finding.evidence, ensure_ascii=False, sort_keys=True))
        rows.append(row)
    return rows


def stored_findings(conn: sqlite3.Connection, family: str) -> list[Finding]:
    """The findings of one rule family stored in ``anomalies`` (empty when the table is missing)."""
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'anomalies'").fetchone()
    if not exists:
        return []
    rows = conn.execute(
        "SELECT rule, severity, message, principle, document_id, project_id, indicator_id, evidence "
        "FROM anomalies WHERE rule_family = ? ORDER BY id", (family,))
    return [
        Finding(rule=rule, severity=severity, message=message, principle=principle or "", document_id=document_id,
                project_id=project_id, indicator_id=indicator_id, evidence=json.loads(evidence or "{}"))
        for rule, severity, message, principle, document_id, project_id, indicator_id, evidence in rows
    ]


def write_anomalies(conn: sqlite3.Connection, more: Iterable[Finding] = ()) -> int:
    """Run every rule over the knowledge base behind ``conn`` and fill the (existing, empty) ``anomalies``
    table with their findings and ``more`` (the budget reconciliation's, found while parsing).

    Needs the indicator families; returns the number of findings stored.
    """
    rows = anomaly_rows([*more, *run_checks(conn)])
    insert_rows(conn, ANOMALIES, rows)
    return len(rows)


_SEVERITY_ORDER = "case a.severity when 'error' then 0 when 'warning' then 1 else 2 end"


def _family_query(family: str) -> str:
    return (
        "select a.id, a.severity, a.rule, a.project_id, p.name as project_name, p.year as project_year,\n"
        "  p.budget as project_budget, a.indicator_id, v.position, v.level1, v.level2, v.level3, v.target_raw,\n"
        "  a.message, a.evidence, v.source_path, v.first_line\n"
        "from anomalies a\n"
        "  left join projects p on p.id = a.project_id\n"
        "  left join indicator_details v on v.id = a.indicator_id\n"
        f"where a.rule_family = '{family}'\n"
        f"order by {_SEVERITY_ORDER}, a.project_id, a.indicator_id, a.rule"
    )


def _rules_of(family: str) -> str:
    titles = {**{rule.id: rule.title for rule in RULES.values()}, **BUDGET_RULES}
    return "；".join(f"{rule_id}（{title}）" for rule_id, title in titles.items() if rule_id.split(".")[0] == family)


def canned_queries() -> dict[str, dict[str, str]]:
    """One Datasette canned query per rule family, plus a count of findings per rule."""
    queries = {
        f"anomalies_{family}": {
            "title": f"一致性检查：{title}",
            "description": f"{description}每条发现与其项目、指标和指标值原文并列。规则：{_rules_of(family)}。",
            "sql": _family_query(family),
        }
        for family, (title, description) in FAMILIES.items()
    }
    queries["anomalies_by_rule"] = {
        "title": "一致性检查：按规则汇总",
        "description": "每条规则发现的问题数、涉及的项目数，按严重程度排序。",
        "sql": (
            "select a.rule_family, a.rule, a.severity, count(*) as findings,\n"
            "  count(distinct a.project_id) as projects\n"
            "from anomalies a\n"
            f"group by a.rule_family, a.rule, a.severity\norder by {_SEVERITY_ORDER}, findings desc, a.rule"
        ),
    }
    return queries
