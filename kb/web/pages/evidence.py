"""A finding's evidence (JSON in ``anomalies.evidence``) as a reader reads it: Chinese labels, links, tables.

The rules write evidence for machines: keys like ``budget_wan``, table kinds
like ``general_expense``, lists of partner projects. Here each known key gets
its Chinese label, coded values their Chinese names, ids a link to their
page, lists of records a small table; an unknown key keeps its name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kb.models.budget import AMOUNT_LABELS, PROCUREMENT_LABELS, TABLE_TITLES
from kb.web.pages.site import number

LABELS: dict[str, str] = {
    # what a row of evidence is about (listed first)
    "message": "说明",
    "project_id": "项目",
    "name": "名称",
    "year": "年度",
    "table": "表",
    "other_table": "对照表",
    "seq": "序号",
    "side": "收／支",
    "code": "科目编码",
    "other_code": "对照科目编码",
    "column": "金额栏",
    "other_column": "对照金额栏",
    "lines": "行号",
    "other_lines": "对照行号",
    "position": "位置",
    # the target and the words the rules read
    "level2": "二级指标",
    "level3": "三级指标",
    "target": "本项目指标值",
    "partner_level3": "对方三级指标",
    "partner_target": "对方指标值",
    "description": "指标描述",
    "target_raw": "指标值原文",
    "op": "比较符",
    "value": "数值",
    "unit": "计量单位",
    "keyword": "方向词",
    "keyword_source": "方向词出自",
    "expected_unit": "同类常用单位",
    "peer_source": "同类指标",
    "goal": "绩效目标",
    "placeholders": "占位文字",
    "qualitative": "定性表述",
    # money
    "budget_wan": "预算数（万元）",
    "cap_wan": "成本上限（万元）",
    "ratio": "倍数",
    "unit_cost": "单价指标",
    "unit_cost_value": "单价",
    "unit_cost_unit": "单价单位",
    "quantity": "数量指标",
    "quantity_indicator_id": "数量指标（编号）",
    "quantity_value": "数量",
    "quantity_unit": "数量单位",
    "product_yuan": "单价×数量（元）",
    "product_wan": "单价×数量（万元）",
    "period_hint": "按期折算",
    "annual_wan": "折合全年（万元）",
    "period": "计费期间",
    "periods_per_year": "每年期数",
    # families and peers
    "family_id": "指标族",
    "family_name": "族名",
    "family_median": "族内中位数",
    "family_direction": "族内多数方向",
    "gap_points": "相差（百分点）",
    "up": "下限（≥）个数",
    "down": "上限（≤）个数",
    # plans
    "spend_plan": "资金支出计划（%）",
    "by_march": "3月底",
    "by_june": "6月底",
    "by_october": "10月底",
    "by_december": "12月底",
    # copies
    "related": "同类资金的依据",
    "rows": "本项目指标数",
    "partner_rows": "对方指标数",
    "shared_rows": "相同的指标数",
    "shared": "共同的指标",
    "same_targets": "指标值相同的指标",
    "different_targets": "指标值不同的指标",
    "reworded": "措辞不同的指标",
    "partners": "相同指标表的项目",
    "first_indicator_id": "首次出现（编号）",
    "first_level3": "首次出现的三级指标",
    "first_target": "首次出现的指标值",
    # budget tables
    "expected": "表中数（万元）",
    "actual": "计算数（万元）",
    "difference": "差额（万元）",
    "count": "处数",
    "cells": "各处差额",
    "children": "下级科目",
    "parts": "各分项",
    "projects": "项目数",
}

_CODED: dict[str, dict[str, str]] = {
    "table": TABLE_TITLES,
    "other_table": TABLE_TITLES,
    "column": {**PROCUREMENT_LABELS, **AMOUNT_LABELS},
    "other_column": {**PROCUREMENT_LABELS, **AMOUNT_LABELS},
    "side": {"income": "收入", "expense": "支出"},
    "keyword_source": {"name": "指标名称", "description": "指标描述", "level": "指标类别"},
    "peer_source": {"family": "同一指标族", "level2": "同一二级指标、同一比较符的指标"},
    "family_direction": {"up": "下限（≥）", "down": "上限（≤）"},
}
# Keys whose value is the id of a row with a page of its own: (table).
_LINKED: dict[str, str] = {
    "project_id": "projects",
    "quantity_indicator_id": "indicators",
    "first_indicator_id": "indicators",
    "family_id": "indicator_families",
}


@dataclass(frozen=True)
class Cell:
    """A value as shown: its text, and the page it links to if any."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class Entry:
    """One key of the evidence: its label and a value, a table of records, or groups of nested entries."""

    key: str
    label: str
    cell: Cell | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    groups: list[list[Entry]] = field(default_factory=list)


Linker = Callable[[str, Any], str]
_ORDER = {key: n for n, key in enumerate(LABELS)}
# Records that carry their own message (the cells of a budget hint) show it with the figures, nothing more.
_WITH_MESSAGE = ("message", "lines", "expected", "actual", "difference")


def label(key: str) -> str:
    """The Chinese label of an evidence key (the key itself when unknown)."""
    return LABELS.get(key, key)


def _ordered(keys: list[str]) -> list[str]:
    return sorted(dict.fromkeys(keys), key=lambda k: (_ORDER.get(k, len(_ORDER)), k))


def _text(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return number(value)
    if isinstance(value, int):
        return str(value)
    if key in _CODED and isinstance(value, str):
        return _CODED[key].get(value, value)
    if key in ("lines", "other_lines") and isinstance(value, list) and len(value) == 2:
        first, last = value
        return f"第 {first} 行" if first == last else f"第 {first}–{last} 行"
    if isinstance(value, list):
        return "、".join(_text(key, item) for item in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{label(k)} {_text(k, v)}" for k, v in value.items())
    return str(value)


def _cell(key: str, value: Any, link: Linker) -> Cell:
    table = _LINKED.get(key)
    href = link(table, value) if table and isinstance(value, int) and not isinstance(value, bool) else None
    return Cell(_text(key, value), href)


def _records(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records with a project's name standing for its id (the name links to the project)."""
    return [
        {k: v for k, v in item.items() if k != "name"} | {"project_id": (item["project_id"], item["name"])}
        if "project_id" in item and "name" in item
        else item
        for item in items
    ]


def _entry(key: str, value: Any, link: Linker) -> Entry:
    if key == "project_id" and isinstance(value, tuple):
        project_id, name = value
        return Entry(key, label(key), Cell(str(name), link("projects", project_id)))
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        items = _records(value)
        keys = _ordered([k for item in items for k in item])
        if any(isinstance(v, list | dict) and not _flat(k, v) for item in items for k, v in item.items()):
            return Entry(key, label(key), groups=[_entries(item, link) for item in items])
        if "message" in keys:
            keys = [k for k in keys if k in _WITH_MESSAGE]
        return Entry(
            key,
            label(key),
            columns=[label(k) for k in keys],
            rows=[[_entry(k, item.get(k), link).cell or Cell("") for k in keys] for item in items],
        )
    return Entry(key, label(key), _cell(key, value, link))


def _flat(key: str, value: Any) -> bool:
    """A value shown in one table cell: scalars, lists of scalars, line ranges."""
    return not isinstance(value, dict) and not (isinstance(value, list) and any(isinstance(v, dict) for v in value))


def _entries(evidence: dict[str, Any], link: Linker) -> list[Entry]:
    return [_entry(key, evidence[key], link) for key in _ordered(list(evidence))]


def readable(evidence: dict[str, Any] | str | None, link: Linker) -> list[Entry]:
    """The evidence as labelled entries, in a reader's order; ``link(table, id)`` gives the page of a row."""
    if isinstance(evidence, str):
        text = evidence
        try:
            evidence = json.loads(text or "{}")
        except json.JSONDecodeError:
            return [Entry("evidence", "证据", Cell(text))]
    if not isinstance(evidence, dict):
        return []
    return _entries(evidence, link)
