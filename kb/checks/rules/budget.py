"""Reconciling the budget tables: do the published figures add up?

Each check is one small function returning :class:`~kb.models.Finding`
records with a stable rule id (``budget.parent_sum`` …), a Chinese message
naming the table, the row (序号 / 科目编码) and both numbers, and an evidence
dict for machines. :func:`reconcile` runs them all.

Figures are published in 万元 rounded to cents, so two figures agree when
they differ by at most :data:`TOLERANCE`. A sum of ``n`` rounded figures may
legitimately miss its rounded total by up to half a cent per figure. A
difference of one cent (:data:`ROUNDING_CENT`) is rounding and nothing else:
a reviewer needs to know it is there, not to read it cell by cell, so each
check reports all of a table's one-cent differences as one ``info`` finding
(:func:`_rounding_summarised`). A larger difference rounding can still
explain is a ``warning``, anything larger an ``error``. Missing cells count
as zero. A check whose tables the document lacks is skipped: the parser has
already warned about them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec

from kb.models import Finding, Severity
from kb.models.budget import (
    AMOUNT_LABELS,
    PROCUREMENT_LABELS,
    TABLE_TITLES,
    BudgetRow,
    BudgetTable,
    BudgetTables,
    ProcurementItem,
)

TOLERANCE = 0.005
# Half a cent: the most one figure rounded to cents can be off by.
_HALF_CENT = 0.005
# A difference of at most one cent is reported once per table, as a 提示 (see _rounding_summarised).
ROUNDING_CENT = 0.01
_ROUNDING_MARK = "rounding_cent"
_CENT_NOTE = re.compile(r"，相差 [0-9.]+ 万元（在四舍五入误差之内）$")
_ORDINAL = re.compile(r"^[一二三四五六七八九十]+、")
_DOC = "见 docs/budget_tables.md"


# ---------------------------------------------------------------- helpers


def _num(value: float | None) -> float:
    return value or 0.0


def _total(values: Iterable[float | None]) -> float:
    return round(sum(_num(v) for v in values), 2)


def _row_label(table: BudgetTable, row: BudgetRow) -> str:
    """``支出总表 序号 4（2080101 行政运行）`` — how a user finds the row again."""
    what = f"{row.code} {row.name}" if row.code else row.name
    seq = f"序号 {row.seq}" if row.seq is not None else f"第 {row.first_line} 行"
    return f"{_short(table)} {seq}（{what}）"


def _short(table: BudgetTable) -> str:
    return TABLE_TITLES[table.kind].removeprefix("部门预算")


def _column(column: str) -> str:
    return AMOUNT_LABELS.get(column, column)


def _compare(
    rule: str,
    stated: tuple[str, float | None],
    computed: tuple[str, float | None],
    addends: int,
    evidence: dict[str, Any],
    principle: str,
) -> Finding | None:
    """A finding when the stated figure and the computed one differ by more than a rounding cent.

    ``addends`` is how many rounded figures went into the comparison: the
    larger it is, the larger a difference rounding alone can explain.
    """
    (stated_label, stated_value), (computed_label, computed_value) = stated, computed
    expected, actual = round(_num(stated_value), 2), round(_num(computed_value), 2)
    difference = round(actual - expected, 2)
    if abs(actual - expected) <= TOLERANCE:
        return None
    cent = abs(difference) <= ROUNDING_CENT + 1e-9
    rounding = abs(difference) <= _HALF_CENT * (addends + 1) + 1e-9
    severity: Severity = "info" if cent else "warning" if rounding else "error"
    suffix = "（在四舍五入误差之内）" if cent else "（可能为四舍五入误差）" if rounding else ""
    message = (
        f"{stated_label} {expected:.2f} 万元，{computed_label} {actual:.2f} 万元，"
        f"相差 {abs(difference):.2f} 万元{suffix}"
    )
    evidence = {**evidence, "expected": expected, "actual": actual, "difference": difference}
    if cent:
        evidence[_ROUNDING_MARK] = True
    return Finding(rule=rule, severity=severity, message=message, principle=principle, evidence=evidence)


def _table_name(kind: str | None) -> str:
    return TABLE_TITLES[kind].removeprefix("部门预算") if kind in TABLE_TITLES else "预算表"


def summarise_rounding(findings: list[Finding]) -> list[Finding]:
    """``findings`` with each table's one-cent differences of one rule merged into one 提示.

    The merged finding keeps the rule and names every cell (its message
    without the rounding note); its evidence lists the cells' evidence under
    ``cells``. Other findings pass through in order; the summaries follow.
    """
    kept: list[Finding] = []
    cents: dict[tuple[str, str | None], list[Finding]] = {}
    for finding in findings:
        if finding.evidence.get(_ROUNDING_MARK):
            cents.setdefault((finding.rule, finding.evidence.get("table")), []).append(finding)
        else:
            kept.append(finding)
    for (rule, table), group in cents.items():
        # Each cell as its finding said it, less what the summary says once: the table, the cent, the note.
        cells = [
            _CENT_NOTE.sub("", f.message).removeprefix(f"{_table_name(table)} ").removeprefix(_table_name(table))
            for f in group
        ]
        message = (
            f"{_table_name(table)}有 {len(group)} 处相差不超过 {ROUNDING_CENT:.2f} 万元，在四舍五入误差之内，"
            f"仅供核对：{'；'.join(cells)}"
        )
        evidence: dict[str, Any] = {
            "table": table,
            "count": len(group),
            "cells": [
                {**{k: v for k, v in f.evidence.items() if k != _ROUNDING_MARK}, "message": cell}
                for f, cell in zip(group, cells, strict=True)
            ],
        }
        kept.append(
            Finding(rule=rule, severity="info", message=message, principle=group[0].principle, evidence=evidence)
        )
    return kept


_P = ParamSpec("_P")


def _rounding_summarised(check: Callable[_P, list[Finding]]) -> Callable[_P, list[Finding]]:
    """A check whose one-cent differences come back as one 提示 per table (:func:`summarise_rounding`)."""

    @wraps(check)
    def summarised(*args: _P.args, **kwargs: _P.kwargs) -> list[Finding]:
        return summarise_rounding(check(*args, **kwargs))

    return summarised


def _row_evidence(table: BudgetTable, row: BudgetRow, column: str) -> dict[str, Any]:
    return {
        "table": table.kind,
        "seq": row.seq,
        "side": row.side,
        "code": row.code,
        "name": row.name,
        "column": column,
        "lines": [row.first_line, row.last_line],
    }


def _columns_of(rows: Sequence[BudgetRow]) -> list[str]:
    """The amount columns the rows carry, in first-seen order."""
    return list(dict.fromkeys(column for row in rows for column in row.amounts))


def _total_row(table: BudgetTable, side: str | None = None) -> BudgetRow | None:
    return next((r for r in table.rows if r.role == "total" and r.side == side), None)


def _grand_row(table: BudgetTable, side: str) -> BudgetRow | None:
    return next((r for r in table.rows if r.role == "grand_total" and r.side == side), None)


def _strip_ordinal(name: str) -> str:
    return _ORDINAL.sub("", name)


# ---------------------------------------------------------------- budget.parent_sum


def _children(table: BudgetTable) -> list[tuple[BudgetRow, list[BudgetRow]]]:
    """Each parent row with the rows directly below it: 合计 → 类 → 款 → 项."""
    accounts = [row for row in table.rows if row.role == "account" and row.code]
    by_code: dict[str, BudgetRow] = {}
    for row in accounts:
        by_code.setdefault(row.code or "", row)
    # Keyed by id(): rows are unhashable models, and two rows may be equal.
    groups: dict[int, tuple[BudgetRow, list[BudgetRow]]] = {}
    total = _total_row(table)
    for row in accounts:
        parent = by_code.get(row.parent_code) if row.parent_code else (total if row.level == "类" else None)
        if parent is not None:
            groups.setdefault(id(parent), (parent, []))[1].append(row)
    return list(groups.values())


@_rounding_summarised
def check_parent_sums(tables: BudgetTables) -> list[Finding]:
    """Every parent equals the sum of its children, column by column.

    Function classification: 合计 = Σ 类 (3 digits), 类 = Σ 款 (5), 款 = Σ 项 (7);
    the economic classification of the 基本支出表: 合计 = Σ 类, 类 = Σ 款.
    On the seed 支出总表, 20801 (5443.10) has seven 项 adding to 5443.11.
    """
    findings: list[Finding] = []
    for table in tables.tables:
        if table.classification is None:
            continue
        for parent, kids in _children(table):
            level = kids[0].level or ""
            for column in table.columns:
                if parent.amount(column) is None and all(k.amount(column) is None for k in kids):
                    continue
                finding = _compare(
                    "budget.parent_sum",
                    (f"{_row_label(table, parent)}的{_column(column)}", parent.amount(column)),
                    (f"其下 {len(kids)} 个{level}级科目之和", _total(k.amount(column) for k in kids)),
                    len(kids),
                    {**_row_evidence(table, parent, column), "children": [k.code for k in kids]},
                    f"上级科目等于其下级科目之和（{_DOC}）",
                )
                if finding:
                    findings.append(finding)
    return findings


# ---------------------------------------------------------------- budget.basic_plus_project / budget.row_sum

_EXPENSE_PARTS = ("basic", "project", "operating_expense", "remit_superior", "subsidy_subordinate")
# (rule, result column, the columns that add up to it)
_ROW_IDENTITIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("budget.basic_plus_project", "total", _EXPENSE_PARTS),
    ("budget.row_sum", "total", ("current_income", "carryover")),
    (
        "budget.row_sum",
        "current_income",
        (
            "fiscal_appropriation",
            "special_account",
            "business_income",
            "operating_income",
            "superior_subsidy",
            "subordinate_remittance",
            "other_income",
        ),
    ),
    ("budget.row_sum", "total", ("personnel", "public_funds")),
    ("budget.row_sum", "total", ("general_budget", "fund_budget", "state_capital_budget")),
)


def _row_identity_findings(rule: str, tables: BudgetTables) -> list[Finding]:
    findings: list[Finding] = []
    for table in tables.tables:
        for identity_rule, result, parts in _ROW_IDENTITIES:
            if identity_rule != rule:
                continue
            for row in table.rows:
                present = [part for part in parts if part in row.amounts]
                if result not in row.amounts or len(present) < 2:
                    continue
                # Name the columns that hold figures; empty 经营支出 … would only be noise.
                named = [part for part in present if row.amounts[part] is not None] or present[:2]
                names = "、".join(_column(part) for part in named)
                finding = _compare(
                    rule,
                    (f"{_row_label(table, row)}的{_column(result)}", row.amounts[result]),
                    (f"{names}之和", _total(row.amounts[part] for part in present)),
                    len(present),
                    {**_row_evidence(table, row, result), "parts": present},
                    f"每一行的合计等于各分栏之和（{_DOC}）",
                )
                if finding:
                    findings.append(finding)
    return findings


@_rounding_summarised
def check_basic_plus_project(tables: BudgetTables) -> list[Finding]:
    """基本支出 + 项目支出 (+ 经营支出 …) = 合计 on every row of every expense table.

    Seed: 支出总表 序号 10, 2080199: 477.02 + 1782.23 = 2259.25.
    """
    return _row_identity_findings("budget.basic_plus_project", tables)


@_rounding_summarised
def check_row_sums(tables: BudgetTables) -> list[Finding]:
    """The other column identities, row by row.

    收入总表: 合计 = 本年收入小计 + 上年结转, 小计 = 财政拨款收入 + … + 其他收入;
    基本支出表: 合计 = 人员经费 + 公用经费 (4161.72 = 4043.59 + 118.13);
    财政拨款收支总表 and “三公”表: 合计 = 一般公共预算 + 政府性基金 + 国有资本经营.
    """
    return _row_identity_findings("budget.row_sum", tables)


# ---------------------------------------------------------------- budget.summary_total


def _sum_findings(
    rule: str,
    table: BudgetTable,
    checks: list[tuple[BudgetRow, list[BudgetRow], str]],
    columns: Callable[[list[BudgetRow]], Iterable[str]],
    principle: str,
) -> list[Finding]:
    """For each ``(stated row, its parts, how the parts are named)``: does every amount equal their sum?"""
    findings: list[Finding] = []
    for stated, parts, how in checks:
        for column in columns([stated, *parts]):
            finding = _compare(
                rule,
                (f"{_row_label(table, stated)}的{_column(column)}", stated.amount(column)),
                (how, _total(part.amount(column) for part in parts)),
                len(parts),
                {**_row_evidence(table, stated, column), "parts": [part.seq for part in parts]},
                principle,
            )
            if finding:
                findings.append(finding)
    return findings


def _summary_side_findings(table: BudgetTable, side: str) -> list[Finding]:
    """One side of a 收支总表: items → 本年合计, 本年合计 + 结转 → 总计, 结转 → its 一、二、三."""
    rows = [row for row in table.rows if row.side == side]
    at_total = next((i for i, row in enumerate(rows) if row.role == "total"), None)
    if at_total is None:
        return []
    at_grand = next((i for i, row in enumerate(rows) if row.role == "grand_total"), len(rows))
    total = rows[at_total]
    items = [row for row in rows[:at_total] if _ORDINAL.match(row.name)]
    after = rows[at_total + 1 : at_grand]
    # After the 本年合计: 结转结余 rows, each followed by its own 一、二、三 breakdown.
    carried: list[tuple[BudgetRow, list[BudgetRow]]] = []
    for row in after:
        if _ORDINAL.match(row.name) and carried:
            carried[-1][1].append(row)
        elif not _ORDINAL.match(row.name):
            carried.append((row, []))
    checks: list[tuple[BudgetRow, list[BudgetRow], str]] = [(total, items, "各项之和")]
    if at_grand < len(rows):
        checks.append((rows[at_grand], [total, *(row for row, _ in carried)], f"{total.name}与结转结余之和"))
    checks.extend((row, parts, "其下各项之和") for row, parts in carried if parts)
    return _sum_findings(
        "budget.summary_total", table, checks, _columns_of, f"收支总表的合计、总计等于其各项之和（{_DOC}）"
    )


@_rounding_summarised
def check_summary_totals(tables: BudgetTables) -> list[Finding]:
    """The two-sided 收支总表 and 财政拨款收支总表 add up on each side.

    Seed 收支总表: 9894.84 + 71.92 = 9966.76 本年收入合计; + 1222.95 上年结转结余
    = 11189.71 收入总计.
    """
    findings: list[Finding] = []
    for table in tables.tables:
        for side in ("income", "expense"):
            findings.extend(_summary_side_findings(table, side))
    return findings


# ---------------------------------------------------------------- budget.income_equals_expense


def _side_figure(row: BudgetRow | None) -> float | None:
    if row is None:
        return None
    return row.amount("amount") if "amount" in row.amounts else row.amount("total")


@_rounding_summarised
def check_income_equals_expense(tables: BudgetTables) -> list[Finding]:
    """收入总计 = 支出总计 in both 收支总表, and the 收入总表 合计 = the 支出总表 合计.

    Seed: 11189.71 on every side.
    """
    findings: list[Finding] = []
    for table in tables.tables:
        income, expense = _grand_row(table, "income"), _grand_row(table, "expense")
        if income is None or expense is None:
            continue
        finding = _compare(
            "budget.income_equals_expense",
            (f"{_short(table)}的{income.name}", _side_figure(income)),
            (expense.name, _side_figure(expense)),
            1,
            {**_row_evidence(table, income, "amount"), "other_lines": [expense.first_line, expense.last_line]},
            f"收入总计等于支出总计（{_DOC}）",
        )
        if finding:
            findings.append(finding)
    income_table, expense_table = tables.table("income"), tables.table("expense")
    income_total = _total_row(income_table) if income_table else None
    expense_total = _total_row(expense_table) if expense_table else None
    if income_total is not None and expense_total is not None:
        finding = _compare(
            "budget.income_equals_expense",
            ("收入总表的合计", income_total.amount("total")),
            ("支出总表的合计", expense_total.amount("total")),
            1,
            {"table": "income", "other_table": "expense", "column": "total"},
            f"收入总计等于支出总计（{_DOC}）",
        )
        if finding:
            findings.append(finding)
    return findings


# ---------------------------------------------------------------- budget.cross_table_total


@dataclass(frozen=True)
class _Figure:
    """One printed figure: the table, which row, which column, and how to call it."""

    kind: str
    pick: Callable[[BudgetTable], BudgetRow | None]
    column: str
    label: str


def _grand(side: str) -> Callable[[BudgetTable], BudgetRow | None]:
    return lambda table: _grand_row(table, side)


def _current(side: str) -> Callable[[BudgetTable], BudgetRow | None]:
    return lambda table: _total_row(table, side)


def _one_sided_total(table: BudgetTable) -> BudgetRow | None:
    return _total_row(table)


def _carryover(table: BudgetTable) -> BudgetRow | None:
    return next((r for r in table.rows if r.side == "income" and "上年结转" in r.name), None)


# Pairs of figures that print the same amount in two tables.
_CROSS_FIGURES: tuple[tuple[_Figure, _Figure], ...] = (
    (
        _Figure("summary", _grand("income"), "amount", "收支总表的收入总计"),
        _Figure("income", _one_sided_total, "total", "收入总表的合计"),
    ),
    (
        _Figure("summary", _current("income"), "amount", "收支总表的本年收入合计"),
        _Figure("income", _one_sided_total, "current_income", "收入总表合计行的本年收入小计"),
    ),
    (
        _Figure("summary", _carryover, "amount", "收支总表的上年结转结余"),
        _Figure("income", _one_sided_total, "carryover", "收入总表合计行的上年结转"),
    ),
    (
        _Figure("summary", _grand("expense"), "amount", "收支总表的支出总计"),
        _Figure("expense", _one_sided_total, "total", "支出总表的合计"),
    ),
    (
        _Figure(
            "fiscal_summary", _grand("expense"), "general_budget", "财政拨款收支总表支出总计中的一般公共预算财政拨款"
        ),
        _Figure("general_expense", _one_sided_total, "total", "一般公共预算财政拨款支出表的合计"),
    ),
    (
        _Figure(
            "fiscal_summary", _grand("expense"), "fund_budget", "财政拨款收支总表支出总计中的政府性基金预算财政拨款"
        ),
        _Figure("fund_expense", _one_sided_total, "total", "政府性基金预算财政拨款支出表的合计"),
    ),
    (
        _Figure(
            "fiscal_summary",
            _grand("expense"),
            "state_capital_budget",
            "财政拨款收支总表支出总计中的国有资本经营预算财政拨款",
        ),
        _Figure("state_capital_expense", _one_sided_total, "total", "国有资本经营预算财政拨款支出表的合计"),
    ),
    (
        _Figure("general_expense", _one_sided_total, "basic", "一般公共预算财政拨款支出表合计行的基本支出"),
        _Figure("basic_expense", _one_sided_total, "total", "一般公共预算财政拨款基本支出表的合计"),
    ),
)
# 收支总表 items (by 类 name) against the 类 rows of a function-classified table:
# (summary kind, its column, detailed kind, its column).
_CLASS_FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("summary", "amount", "expense", "total"),
    ("fiscal_summary", "general_budget", "general_expense", "total"),
    ("fiscal_summary", "fund_budget", "fund_expense", "total"),
    ("fiscal_summary", "state_capital_budget", "state_capital_expense", "total"),
)


def _read_figure(tables: BudgetTables, figure: _Figure) -> tuple[bool, float | None, BudgetRow | None]:
    """``(known, value, row)``: an empty table's figure is a known zero."""
    table = tables.table(figure.kind)
    if table is None:
        return False, None, None
    if table.empty:
        return True, 0.0, None
    row = figure.pick(table)
    return row is not None, (row.amount(figure.column) if row else None), row


def _lines(row: BudgetRow | None) -> list[int] | None:
    return [row.first_line, row.last_line] if row else None


def _cross_total_findings(tables: BudgetTables) -> list[Finding]:
    findings: list[Finding] = []
    for left, right in _CROSS_FIGURES:
        known_left, value_left, row_left = _read_figure(tables, left)
        known_right, value_right, row_right = _read_figure(tables, right)
        if not (known_left and known_right):
            continue
        finding = _compare(
            "budget.cross_table_total",
            (left.label, value_left),
            (right.label, value_right),
            1,
            {
                "table": left.kind,
                "column": left.column,
                "lines": _lines(row_left),
                "other_table": right.kind,
                "other_column": right.column,
                "other_lines": _lines(row_right),
            },
            f"同一数字在各表中一致（{_DOC}）",
        )
        if finding:
            findings.append(finding)
    return findings


def _class_finding(
    summary: BudgetTable, item: BudgetRow, column: str, detail: BudgetTable, detail_column: str
) -> Finding | None:
    """One 收支总表 item against the 类 of the same name in ``detail``."""
    value = item.amount(column)
    stated = (f"{_row_label(summary, item)}的{_column(column)}", value)
    evidence = {**_row_evidence(summary, item, column), "other_table": detail.kind}
    principle = f"同一数字在各表中一致（{_DOC}）"
    match = next((r for r in detail.rows if r.level == "类" and r.name == _strip_ordinal(item.name)), None)
    if match is None:
        message = f"{stated[0]} {_num(value):.2f} 万元，在{_short(detail)}中找不到同名的类级科目"
        evidence.update(expected=value, actual=None)
        return Finding(
            rule="budget.cross_table_total", severity="warning", message=message, principle=principle, evidence=evidence
        )
    return _compare(
        "budget.cross_table_total",
        stated,
        (f"{_row_label(detail, match)}的{_column(detail_column)}", match.amount(detail_column)),
        1,
        {**evidence, "other_code": match.code, "other_lines": _lines(match)},
        principle,
    )


def _class_findings(tables: BudgetTables) -> list[Finding]:
    """Each 类 with an amount in a 收支总表 has the same amount as that 类 in the detailed table."""
    findings: list[Finding] = []
    for summary_kind, column, detail_kind, detail_column in _CLASS_FIGURES:
        summary, detail = tables.table(summary_kind), tables.table(detail_kind)
        if summary is None or detail is None:
            continue
        for item in summary.rows:
            if item.side == "expense" and item.role == "item" and item.amount(column):
                finding = _class_finding(summary, item, column, detail, detail_column)
                if finding:
                    findings.append(finding)
    return findings


def _account_findings(tables: BudgetTables) -> list[Finding]:
    """The 收入总表 and the 支出总表 list the same accounts with the same 合计."""
    income, expense = tables.table("income"), tables.table("expense")
    if income is None or expense is None:
        return []
    incomes = {row.code: row for row in income.rows if row.code}
    expenses = {row.code: row for row in expense.rows if row.code}
    findings: list[Finding] = []
    for code in sorted(set(incomes) | set(expenses)):
        left, right = incomes.get(code), expenses.get(code)
        row = left or right
        assert row is not None
        finding = _compare(
            "budget.cross_table_total",
            (f"收入总表科目 {code} {row.name} 的合计", left.amount("total") if left else None),
            ("支出总表同一科目的合计", right.amount("total") if right else None),
            1,
            {
                "table": "income",
                "code": code,
                "column": "total",
                "lines": _lines(left),
                "other_table": "expense",
                "other_lines": _lines(right),
            },
            f"同一数字在各表中一致（{_DOC}）",
        )
        if finding:
            findings.append(finding)
    return findings


@_rounding_summarised
def check_cross_table_totals(tables: BudgetTables) -> list[Finding]:
    """Each figure printed in two tables is the same in both.

    Seed: the 一般公共预算 total of the 财政拨款收支总表 (11117.79) is the 合计 of
    the 一般公共预算财政拨款支出表; its 基本支出 (4161.72) is the 合计 of the
    基本支出表; every 类 of the 收支总表 (社会保障和就业支出 10610.52 …) is that
    类 in the 支出总表; the 收入总表 and 支出总表 agree account by account.
    """
    return [*_cross_total_findings(tables), *_class_findings(tables), *_account_findings(tables)]


# ---------------------------------------------------------------- budget.projects_total


@_rounding_summarised
def check_projects_total(tables: BudgetTables, project_budgets: list[float]) -> list[Finding]:
    """The 预算数 of the 项目绩效目标表 add up to the 项目支出 of the 支出总表.

    Seed: the 44 project budgets sum to 7027.99. Skipped without project budgets.
    """
    expense = tables.table("expense")
    total = _total_row(expense) if expense else None
    if not project_budgets or expense is None or total is None:
        return []
    finding = _compare(
        "budget.projects_total",
        ("支出总表合计行的项目支出", total.amount("project")),
        (f"{len(project_budgets)} 个项目绩效目标表的预算数之和", _total(project_budgets)),
        len(project_budgets),
        {**_row_evidence(expense, total, "project"), "projects": len(project_budgets)},
        f"项目支出等于各项目预算数之和（{_DOC}）",
    )
    return [finding] if finding else []


# ---------------------------------------------------------------- budget.hospitality_fee


@_rounding_summarised
def check_hospitality_fee(tables: BudgetTables) -> list[Finding]:
    """The “三公” 公务接待费 equals the 30217 公务接待费 row of the 基本支出表.

    Seed: 9.90 in both.
    """
    three, basic = tables.table("three_public"), tables.table("basic_expense")
    if three is None or basic is None:
        return []
    fee = next((row for row in three.rows if "公务接待" in row.name), None)
    account = next((row for row in basic.rows if row.code == "30217"), None)
    if fee is None:
        return []
    finding = _compare(
        "budget.hospitality_fee",
        (f"{_row_label(three, fee)}的合计", fee.amount("total")),
        ("基本支出表 30217 公务接待费", account.amount("total") if account else None),
        1,
        {**_row_evidence(three, fee, "total"), "other_table": "basic_expense", "other_lines": _lines(account)},
        f"“三公”经费中的公务接待费与经济分类 30217 一致（{_DOC}）",
    )
    return [finding] if finding else []


# ---------------------------------------------------------------- budget.three_public_sum


@_rounding_summarised
def check_three_public(tables: BudgetTables) -> list[Finding]:
    """The “三公” table adds up: 合计 = 小计 = 一 + 二 + 三, 二 = 购置费 + 运行维护费.

    Seed: 9.90 = 9.90 = 0 + 0 + 9.90.
    """
    table = tables.table("three_public")
    if table is None or table.empty:
        return []
    rows = table.rows
    total = _total_row(table)
    subtotal = next((row for row in rows if row.role == "subtotal"), None)
    items = [row for row in rows if _ORDINAL.match(row.name)]
    checks: list[tuple[BudgetRow, list[BudgetRow], str]] = []
    if total is not None and subtotal is not None:
        checks.append((total, [subtotal], subtotal.name))
    whole = subtotal or total
    if whole is not None and items:
        checks.append((whole, items, "各项之和"))
    for item in items:
        start = rows.index(item) + 1
        end = next((i for i in range(start, len(rows)) if _ORDINAL.match(rows[i].name)), len(rows))
        if rows[start:end]:
            checks.append((item, rows[start:end], "其下各项之和"))
    return _sum_findings(
        "budget.three_public_sum", table, checks, lambda _rows: table.columns, f"“三公”经费合计等于各项之和（{_DOC}）"
    )


# ---------------------------------------------------------------- budget.procurement_subtotal


def _procurement_groups(items: list[ProcurementItem]) -> list[tuple[ProcurementItem, list[ProcurementItem]]]:
    """Each unit's 小计 with the items printed under it."""
    groups: list[tuple[ProcurementItem, list[ProcurementItem]]] = []
    for item in items:
        if item.role == "subtotal":
            groups.append((item, []))
        elif item.role == "item" and groups:
            groups[-1][1].append(item)
    return groups


def _procurement_finding(
    stated: ProcurementItem, parts: list[ProcurementItem], column: str, how: str
) -> Finding | None:
    return _compare(
        "budget.procurement_subtotal",
        (
            f"部门政府采购预算第 {stated.first_line} 行“{stated.project_name}”的{PROCUREMENT_LABELS[column]}",
            stated.amount(column),
        ),
        (how, _total(part.amount(column) for part in parts)),
        len(parts),
        {
            "table": "procurement",
            "position": stated.position,
            "unit": stated.unit,
            "column": column,
            "lines": [stated.first_line, stated.last_line],
            "parts": [part.position for part in parts],
        },
        f"政府采购小计等于其下各品目之和，合计等于各小计之和（{_DOC}）",
    )


@_rounding_summarised
def check_procurement_subtotals(tables: BudgetTables) -> list[Finding]:
    """Each unit's 小计 is the sum of its items; the 合计 is the sum of the 小计.

    Seed: 34.20 + 18.70 + 7.50 + 12.00 + 13.50 = 85.90.
    """
    table = tables.procurement
    if table is None or table.empty:
        return []
    groups = _procurement_groups(table.items)
    total = next((item for item in table.items if item.role == "total"), None)
    checks = [(subtotal, items, f"{subtotal.unit}的 {len(items)} 个品目之和") for subtotal, items in groups if items]
    if total is not None:
        grouped = {id(item) for _, items in groups for item in items}
        parts = [s for s, _ in groups] + [i for i in table.items if i.role == "item" and id(i) not in grouped]
        checks.append((total, parts, "各单位小计之和" if groups else "各品目之和"))
    findings: list[Finding] = []
    for stated, parts, how in checks:
        for column in table.columns:
            finding = _procurement_finding(stated, parts, column, how)
            if finding:
                findings.append(finding)
    return findings


# ---------------------------------------------------------------- budget.asset_total


@_rounding_summarised
def check_asset_total(tables: BudgetTables) -> list[Finding]:
    """资产总额 = 房屋 + 车辆 + 设备 + 其他固定资产 (the 其中 rows are not added).

    Seed: 928.46 = 0 + 44.14 + 95.03 + 789.29.
    """
    table = tables.assets
    if table is None:
        return []
    total = next((row for row in table.rows if row.role == "total"), None)
    categories = [row for row in table.rows if row.role == "category"]
    if total is None or not categories:
        return []
    finding = _compare(
        "budget.asset_total",
        (f"部门固定资产占用情况表的{total.name}", total.value),
        (f"{len(categories)} 类资产价值之和", _total(row.value for row in categories)),
        len(categories),
        {"table": "fixed_assets", "lines": [total.line, total.line], "parts": [row.line for row in categories]},
        f"资产总额等于各类资产之和（{_DOC}）",
    )
    return [finding] if finding else []
