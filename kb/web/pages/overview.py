"""The overview at the head of the database page: what the knowledge base holds, by year and department,
its findings by rule and severity, and its largest families."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from kb.checks.registry import RULES, SEVERITIES
from kb.db.schema import ANOMALIES, DEPARTMENTS, DOCUMENTS, INDICATOR_FAMILIES
from kb.web.pages.families import mixed_directions, operator_counts
from kb.web.pages.findings import rule_title
from kb.web.pages.site import Record, records, severity_name

DEPARTMENTS_SHOWN = 15
FAMILIES_SHOWN = 10
SEVERITY_COLOURS = {"错误": "#c0392b", "警告": "#e67e22", "提示": "#7f8c8d"}


@dataclass
class Overview:
    """The counts and lists of the overview."""

    totals: Record
    by_year: list[Record]
    by_department: list[Record]
    departments: int
    by_severity: dict[str, int]
    by_rule: list[Record]
    families: list[dict[str, Any]]
    chart: dict[str, Any]


def _findings_chart(by_rule: list[Record]) -> dict[str, Any]:
    """A Vega-Lite spec: one bar per rule, split by severity."""
    values = [{"rule": row["title"], "severity": row["severity_name"], "count": row["count"]} for row in by_rule]
    order = list(dict.fromkeys(row["title"] for row in by_rule))
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "width": "container",
        "height": {"step": 22},
        "config": {"font": "sans-serif", "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 320}},
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "rule", "type": "nominal", "title": None, "sort": order},
            "x": {
                "field": "count",
                "type": "quantitative",
                "title": "发现数",
                "axis": {"tickMinStep": 1, "format": "d"},
            },
            "color": {
                "field": "severity",
                "type": "nominal",
                "title": "严重程度",
                "scale": {"domain": list(SEVERITY_COLOURS), "range": list(SEVERITY_COLOURS.values())},
            },
            "tooltip": [
                {"field": "rule", "title": "规则"},
                {"field": "severity", "title": "严重程度"},
                {"field": "count", "title": "发现数"},
            ],
        },
    }


def load_overview(conn: sqlite3.Connection) -> Overview:
    """The overview of the knowledge base behind ``conn`` (a few grouped queries over small tables and indexes)."""
    d, dep, a, f = DOCUMENTS.c, DEPARTMENTS.c, ANOMALIES.c, INDICATOR_FAMILIES.c
    ok = f"{d.status} = 'ok'"
    totals = records(
        conn,
        f"SELECT count(*) AS documents, coalesce(sum({d.project_count}), 0) AS projects, "
        f"coalesce(sum({d.indicator_count}), 0) AS indicators, count(DISTINCT {d.department_id}) AS departments, "
        f"(SELECT count(*) FROM {DOCUMENTS.name} WHERE {d.status} != 'ok') AS failed "
        f"FROM {DOCUMENTS.name} WHERE {ok}",
    )[0]
    by_year = records(
        conn,
        f"SELECT {d.budget_year} AS year, count(*) AS documents, sum({d.project_count}) AS projects, "
        f"sum({d.indicator_count}) AS indicators, count(DISTINCT {d.department_id}) AS departments "
        f"FROM {DOCUMENTS.name} WHERE {ok} GROUP BY 1 ORDER BY 1 DESC",
    )
    by_department = records(
        conn,
        f"SELECT dep.{dep.id} AS id, dep.{dep.name} AS name, count(*) AS documents, "
        f"sum(d.{d.project_count}) AS projects, sum(d.{d.indicator_count}) AS indicators, "
        f"min(d.{d.budget_year}) AS first_year, max(d.{d.budget_year}) AS last_year "
        f"FROM {DOCUMENTS.name} d JOIN {DEPARTMENTS.name} dep ON dep.{dep.id} = d.{d.department_id} "
        f"WHERE d.{ok} GROUP BY dep.{dep.id} ORDER BY indicators DESC, dep.{dep.id} LIMIT ?",
        (DEPARTMENTS_SHOWN,),
    )
    counts = records(
        conn,
        f"SELECT {a.rule} AS rule, {a.severity} AS severity, count(*) AS count FROM {ANOMALIES.name} GROUP BY 1, 2",
    )
    rank = {rule: n for n, rule in enumerate(RULES)}
    severity_rank = {s: n for n, s in enumerate(SEVERITIES)}
    by_rule = [
        {**row, "title": rule_title(row["rule"]), "severity_name": severity_name(row["severity"])}
        for row in sorted(counts, key=lambda r: (rank.get(r["rule"], 99), severity_rank.get(r["severity"], 9)))
    ]
    by_severity: dict[str, int] = {s: sum(r["count"] for r in counts if r["severity"] == s) for s in SEVERITIES}
    families = []
    for row in records(
        conn,
        f"SELECT {f.id} AS id, {f.name} AS name, {f.size} AS size, {f.project_count} AS project_count, "
        f"{f.years} AS years, {f.operators} AS operators, {f.main_unit} AS main_unit, {f.median_value} AS median "
        f"FROM {INDICATOR_FAMILIES.name} ORDER BY {f.size} DESC, {f.id} LIMIT ?",
        (FAMILIES_SHOWN,),
    ):
        ops = operator_counts(row["operators"])
        families.append({**row, "ops": ops, "mixed": mixed_directions(ops)})
    departments = conn.execute(f"SELECT count(*) FROM {DEPARTMENTS.name}").fetchone()[0]
    return Overview(
        totals=totals,
        by_year=by_year,
        by_department=by_department,
        departments=departments,
        by_severity=by_severity,
        by_rule=by_rule,
        families=families,
        chart=_findings_chart(by_rule),
    )
