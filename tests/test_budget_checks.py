"""Reconciling the budget tables of the real seed, and breaking one number at a time."""

from __future__ import annotations

import pytest

from kb.checks.engine import reconcile
from kb.checks.rules.budget import (
    check_asset_total,
    check_basic_plus_project,
    check_cross_table_totals,
    check_hospitality_fee,
    check_income_equals_expense,
    check_parent_sums,
    check_procurement_subtotals,
    check_projects_total,
    check_row_sums,
    check_summary_totals,
    check_three_public,
)
from kb.models import Document, Finding
from kb.models.budget import BudgetRow, BudgetTable, BudgetTables
from kb.parse.budget import parse_budget_tables
from kb.parse.notes import ParseNotes
from kb.parse.source import read_source
from tests.conftest import SEED

SEED_LINES = read_source(SEED).lines


def tables_of(lines: list[str]) -> BudgetTables:
    notes = ParseNotes("test.txt")
    tables = parse_budget_tables(lines, notes)
    assert [w.code for w in notes.warnings] == []
    return tables


@pytest.fixture(scope="module")
def seed() -> BudgetTables:
    return tables_of(SEED_LINES)


@pytest.fixture(scope="module")
def budgets(seed_doc: Document) -> list[float]:
    return [p.budget for p in seed_doc.projects if p.budget is not None]


def key(finding: Finding) -> tuple:
    e = finding.evidence
    return finding.rule, e.get("table"), e.get("code"), e.get("column"), e.get("difference")


def cell_keys(findings: list[Finding]) -> set[tuple]:
    """The cells the one-cent summaries (提示) of ``findings`` name, keyed like :func:`key`."""
    return {
        (f.rule, c.get("table"), c.get("code"), c.get("column"), c.get("difference"))
        for f in findings
        for c in f.evidence.get("cells", [])
    }


# The seed's real discrepancies: 20801 is printed 0.01 below the sum of its seven
# 项 (5443.10 vs 5443.11; 基本支出 3432.42 vs 3432.43), and 208 0.01 above the sum
# of its five 款 (10610.52 vs 10610.51; 本年收入/财政拨款 9391.47 vs 9391.46;
# 基本支出 3793.99 vs 3793.98): rounding to cents in the published tables, in the
# 收入总表, the 支出总表 and the 一般公共预算财政拨款支出表 alike.
SEED_DISCREPANCIES = {
    ("budget.parent_sum", "income", "208", "total", -0.01),
    ("budget.parent_sum", "income", "208", "current_income", -0.01),
    ("budget.parent_sum", "income", "208", "fiscal_appropriation", -0.01),
    ("budget.parent_sum", "income", "20801", "total", 0.01),
    ("budget.parent_sum", "income", "20801", "current_income", 0.01),
    ("budget.parent_sum", "income", "20801", "fiscal_appropriation", 0.01),
    ("budget.parent_sum", "expense", "208", "total", -0.01),
    ("budget.parent_sum", "expense", "208", "basic", -0.01),
    ("budget.parent_sum", "expense", "20801", "total", 0.01),
    ("budget.parent_sum", "expense", "20801", "basic", 0.01),
    ("budget.parent_sum", "general_expense", "208", "total", -0.01),
    ("budget.parent_sum", "general_expense", "208", "basic", -0.01),
    ("budget.parent_sum", "general_expense", "20801", "total", 0.01),
    ("budget.parent_sum", "general_expense", "20801", "basic", 0.01),
}


def test_seed_findings_are_its_real_discrepancies_one_hint_per_table(seed: BudgetTables, budgets: list[float]) -> None:
    findings = reconcile(seed, budgets)
    # Fourteen one-cent cells in three tables: three 提示, not fourteen warnings.
    assert [(f.rule, f.severity, f.evidence["table"], f.evidence["count"]) for f in findings] == [
        ("budget.parent_sum", "info", "income", 6),
        ("budget.parent_sum", "info", "expense", 4),
        ("budget.parent_sum", "info", "general_expense", 4),
    ]
    assert cell_keys(findings) == SEED_DISCREPANCIES


def test_a_hint_names_its_table_and_every_cell(seed: BudgetTables) -> None:
    finding = next(f for f in check_parent_sums(seed) if f.evidence["table"] == "expense")
    assert finding.message == (
        "支出总表有 4 处相差不超过 0.01 万元，在四舍五入误差之内，仅供核对："
        "序号 2（208 社会保障和就业支出）的合计 10610.52 万元，其下 5 个款级科目之和 10610.51 万元；"
        "序号 2（208 社会保障和就业支出）的基本支出 3793.99 万元，其下 5 个款级科目之和 3793.98 万元；"
        "序号 3（20801 人力资源和社会保障管理事务）的合计 5443.10 万元，其下 7 个项级科目之和 5443.11 万元；"
        "序号 3（20801 人力资源和社会保障管理事务）的基本支出 3432.42 万元，其下 7 个项级科目之和 3432.43 万元"
    )
    cell = next(c for c in finding.evidence["cells"] if (c["code"], c["column"]) == ("20801", "basic"))
    assert cell["message"] == (
        "序号 3（20801 人力资源和社会保障管理事务）的基本支出 3432.42 万元，其下 7 个项级科目之和 3432.43 万元"
    )
    assert cell["lines"] == [296, 296]
    assert cell["children"] == ["2080101", "2080102", "2080106", "2080109", "2080110", "2080150", "2080199"]
    assert "rounding_cent" not in cell


def test_seed_project_budgets_add_up_to_project_spending(seed: BudgetTables, budgets: list[float]) -> None:
    assert len(budgets) == 44 and round(sum(budgets), 2) == 7027.99
    assert check_projects_total(seed, budgets) == []
    moved = [*budgets[:-1], budgets[-1] + 1.0]
    [finding] = check_projects_total(seed, moved)
    assert (finding.rule, finding.severity, finding.evidence["expected"], finding.evidence["actual"]) == (
        "budget.projects_total",
        "error",
        7027.99,
        7028.99,
    )


@pytest.mark.parametrize(("moved_by", "severity"), [(0.01, "info"), (0.02, "warning"), (0.3, "error")])
def test_severity_grows_with_the_difference(
    seed: BudgetTables, budgets: list[float], moved_by: float, severity: str
) -> None:
    """One cent is a 提示; more than a cent that 44 rounded budgets can explain is a warning; beyond, an error."""
    [finding] = check_projects_total(seed, [*budgets[:-1], budgets[-1] + moved_by])
    assert finding.severity == severity
    if severity == "info":
        assert finding.message.startswith("支出总表有 1 处相差不超过 0.01 万元，在四舍五入误差之内")
    elif severity == "warning":
        assert finding.message.endswith("相差 0.02 万元（可能为四舍五入误差）")


@pytest.mark.parametrize(
    "check",
    [
        check_basic_plus_project,
        check_row_sums,
        check_summary_totals,
        check_income_equals_expense,
        check_cross_table_totals,
        check_hospitality_fee,
        check_three_public,
        check_procurement_subtotals,
        check_asset_total,
    ],
)
def test_every_other_check_passes_on_the_seed(seed: BudgetTables, check) -> None:
    assert check(seed) == []


def broken(line: int, old: str, new: str) -> list[str]:
    """A copy of the seed with one number changed on document line ``line``."""
    lines = list(SEED_LINES)
    assert lines[line - 1].count(old) >= 1, lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return lines


@pytest.mark.parametrize(
    ("line", "old", "new", "rule", "where"),
    [
        # 支出总表 2080101: 基本支出 1245.57 → 1245.67, 合计 unchanged.
        (297, "\t1245.57\t\t", "\t1245.67\t\t", "budget.basic_plus_project", {"table": "expense", "code": "2080101"}),
        # 基本支出表 30101 基本工资 378.25 → 388.25 in both columns: 301 no longer adds up.
        (620, "378.25\t378.25", "388.25\t388.25", "budget.parent_sum", {"table": "basic_expense", "code": "301"}),
        # 收支总表 支出总计 11189.71 → 11198.71.
        (118, "支出总计\t11189.71", "支出总计\t11198.71", "budget.income_equals_expense", {"table": "summary"}),
        # 收支总表 一般公共预算拨款收入 9894.84 → 9894.48: 本年收入合计 no longer adds up.
        (49, "9894.84", "9894.48", "budget.summary_total", {"table": "summary", "seq": 32, "side": "income"}),
        # 收入总表 合计 上年结转 1222.95 → 1222.59: 合计 ≠ 本年收入 + 上年结转.
        (132, "1222 .95", "1222 .59", "budget.row_sum", {"table": "income", "seq": 1, "column": "total"}),
        # 财政拨款收支总表 支出总计 一般公共预算 11117.79 → 11171.79 ≠ 一般公共预算支出表 合计.
        (
            518,
            "<b>11117.79</b>",
            "<b>11171.79</b>",
            "budget.cross_table_total",
            {"table": "fiscal_summary", "column": "general_budget", "other_table": "general_expense"},
        ),
        # 收支总表 八、社会保障和就业支出 10610.52 → 10601.52 ≠ 支出总表 208.
        (
            56,
            "10610.52",
            "10601.52",
            "budget.cross_table_total",
            {"table": "summary", "seq": 8, "other_table": "expense"},
        ),
        # 收入总表 2101101 合计 20.92 → 29.02 ≠ 支出总表 2101101.
        (221, "\t20.92\t", "\t29.02\t", "budget.cross_table_total", {"table": "income", "code": "2101101"}),
        # 基本支出表 30217 公务接待费 9.90 → 9.00 ≠ “三公” 公务接待费.
        (646, "9.90\t\t9.90", "9.00\t\t9.00", "budget.hospitality_fee", {"table": "three_public"}),
        # “三公”经费小计 9.90 → 9.80.
        (704, "9.90\t9.90", "9.80\t9.80", "budget.three_public_sum", {"table": "three_public", "seq": 2}),
        # 就业服务中心小计 7.50 → 7.60.
        (1930, "<b>7.50</b>", "<b>7.60</b>", "budget.procurement_subtotal", {"table": "procurement", "position": 14}),
        # 单价在 20 万元以上的设备 95.03 → 96.03.
        (1977, "95.03", "96.03", "budget.asset_total", {"table": "fixed_assets"}),
    ],
)
def test_breaking_one_number_fails_the_right_check(
    budgets: list[float], line: int, old: str, new: str, rule: str, where: dict
) -> None:
    # The seed's own one-cent differences stay 提示; the broken number is an error of its rule.
    findings = [f for f in reconcile(tables_of(broken(line, old, new)), budgets) if f.severity != "info"]
    hits = [f for f in findings if f.rule == rule and all(f.evidence.get(k) == v for k, v in where.items())]
    assert hits, [(f.rule, f.message) for f in findings]
    assert all(f.severity == "error" for f in hits)


def test_a_class_missing_from_the_detailed_table_is_a_warning(budgets: list[float]) -> None:
    tables = tables_of(broken(58, "十、卫生健康支出", "十、卫生支出"))
    [finding] = [f for f in check_cross_table_totals(tables) if f.evidence.get("seq") == 10]
    assert finding.severity == "warning"
    assert (
        finding.message
        == "收支总表 序号 10（十、卫生支出）的预算数／金额 220.19 万元，在支出总表中找不到同名的类级科目"
    )


def _table(total: float, basic: float, project: float) -> BudgetTables:
    row = BudgetRow(
        seq=1,
        name="合计",
        role="total",
        amounts={"total": total, "basic": basic, "project": project},
        first_line=1,
        last_line=1,
    )
    table = BudgetTable(
        kind="expense", title="支出总表", first_line=1, last_line=1, columns=["total", "basic", "project"], rows=[row]
    )
    return BudgetTables(tables=[table])


@pytest.mark.parametrize(
    ("project", "severity"), [(5.004, None), (4.996, None), (5.01, "info"), (5.1, "error"), (4.9, "error")]
)
def test_tolerance_is_half_a_cent_and_one_cent_is_a_hint(project: float, severity: str | None) -> None:
    findings = check_basic_plus_project(_table(10.0, 5.0, project))
    assert [f.severity for f in findings] == ([severity] if severity else [])


def test_no_tables_no_findings() -> None:
    assert reconcile(BudgetTables(), [1.0, 2.0]) == []
