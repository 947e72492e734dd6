"""The one registry of consistency rules: every rule's id, severity, title, family and function.

Two kinds of rule share it. Most rules judge the knowledge base
(``check``: :class:`~kb.checks.context.CheckContext` → hits) and run after the
build has derived families and series. The budget reconciliation rules judge
one document's budget tables (``document_check``: :class:`DocumentFacts` →
findings) and run in the parse workers, where the parsed tables are at hand;
``kb lint`` reads their stored findings back. Either way a rule has a stable
id (``family.name``), a severity (for the reconciliation rules: the severity of
a real difference; a difference rounding alone explains is a warning) and a
principle: the section of ``docs/rules.md`` named by its id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps

from kb.checks.context import CheckContext, Hit
from kb.checks.rules import budget, category, copies, cost, direction, measurable, parsing, peers, plan
from kb.errors import UsageError
from kb.models import BudgetTables, Finding, Severity
from kb.models.finding import SEVERITY_LABELS

PRINCIPLES_DOC = "docs/rules.md"
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_NAMES: dict[str, str] = SEVERITY_LABELS


@dataclass(frozen=True)
class DocumentFacts:
    """What a rule on one document reads: its budget tables and the 预算数 of its projects (None left out)."""

    tables: BudgetTables
    project_budgets: list[float]


@dataclass(frozen=True)
class Rule:
    """One consistency check: its id, how bad its findings are, its title and the function that finds them.

    Exactly one of ``check`` (over the knowledge base) and ``document_check``
    (over one document's budget tables) is set.
    """

    id: str
    severity: Severity
    title: str
    check: Callable[[CheckContext], Iterable[Hit]] | None = None
    document_check: Callable[[DocumentFacts], Iterable[Finding]] | None = None

    @property
    def family(self) -> str:
        """The rule family: the id's first part (direction, measurable, cost …)."""
        return self.id.split(".", 1)[0]

    @property
    def principle(self) -> str:
        """Where the rule's principle is explained."""
        return f"{PRINCIPLES_DOC}#{self.id}"

    @property
    def per_document(self) -> bool:
        """True for a rule run on each document while it is parsed (the budget reconciliation)."""
        return self.document_check is not None


# Rule families: (Chinese title, what they find), in report order.
FAMILIES: dict[str, tuple[str, str]] = {
    "direction": ("指标方向", "越高越好的指标写成上限（满意度 ≤90%），越低越好的写成下限。"),
    "measurable": ("无法衡量的指标值", "只有单位没有数值、缺少单位、重复指标名称或描述、残留模板文字。"),
    "cost": ("成本与预算不符", "成本上限超过预算数；单价 × 数量与预算数相差悬殊。"),
    "category": ("二级指标归类不当", "金额列为数量/质量/时效指标；产出数量只设上限。"),
    "copy": ("重复与照搬", "同一项目内重复的指标；从不相关项目整表照搬的指标表。"),
    "peer": ("偏离同类指标", "与同一指标族其他项目相比，比较符方向相反或百分比数值相差悬殊。"),
    "plan": ("资金支出计划", "累计支出进度下降，或年底不到 100%。"),
    "parse": ("无法解析", "指标值无法解析为比较符、数值和单位，其余规则无法检查。"),
    "budget": (
        "预算表勾稽",
        "部门预算公开表内部与表间的数字对不上：上级科目不等于下级之和、基本支出＋项目支出不等于合计、"
        "收支总计不等、项目预算之和不等于项目支出、“三公”经费与基本支出表不一致……",
    ),
}


def _on_tables(check: Callable[[BudgetTables], list[Finding]]) -> Callable[[DocumentFacts], list[Finding]]:
    """A reconciliation check of the tables alone, as a document rule (with the check's docstring)."""

    @wraps(check)
    def document_check(facts: DocumentFacts) -> list[Finding]:
        return check(facts.tables)

    return document_check


def _projects_total(facts: DocumentFacts) -> list[Finding]:
    """The 预算数 of the 项目绩效目标表 add up to the 项目支出 of the 支出总表 (see budget.check_projects_total)."""
    return budget.check_projects_total(facts.tables, facts.project_budgets)


_RULES: tuple[Rule, ...] = (
    Rule("direction.satisfaction", "error", "满意度指标写成上限", direction.satisfaction_capped),
    Rule("direction.positive", "warning", "越高越好的指标写成上限", direction.positive_capped),
    Rule("direction.negative", "warning", "越低越好的指标写成下限", direction.negative_floored),
    Rule("measurable.no_number", "error", "指标值没有数值", measurable.no_number),
    Rule("measurable.missing_unit", "warning", "数值缺少单位", measurable.missing_unit),
    Rule("measurable.restates", "warning", "指标值只重复名称或描述", measurable.restates),
    Rule("measurable.placeholder_goal", "warning", "绩效目标只有模板占位文字", measurable.placeholder_goal),
    Rule("measurable.placeholder_text", "info", "残留模板占位文字", measurable.placeholder_text),
    Rule("cost.above_budget", "error", "成本上限超过预算数", cost.above_budget),
    Rule("cost.unit_product", "warning", "单价 × 数量与预算数相差悬殊", cost.unit_cost_product),
    Rule("category.money", "warning", "金额列为数量/质量/时效指标", category.money_misfiled),
    Rule("category.capped_output", "warning", "产出数量只设上限", category.capped_output),
    Rule("copy.duplicate_row", "warning", "同一项目内重复的指标", copies.duplicate_rows),
    Rule("copy.table", "warning", "指标表照搬自不相关的项目", copies.table_copied),
    Rule("copy.related_table", "info", "与同类资金的指标表相同", copies.table_shared_related),
    Rule("peer.operator", "warning", "比较符与同族指标相反", peers.operator_departs),
    Rule("peer.value", "info", "百分比数值偏离同族指标", peers.value_departs),
    Rule("plan.decreasing", "error", "累计支出进度下降", plan.decreasing),
    Rule("plan.not_complete", "warning", "年底累计支出不到 100%", plan.not_complete),
    Rule("parse.unparsed", "info", "指标值无法解析", parsing.unparsed),
    # The budget reconciliation of each document's tables (docs/budget_tables.md).
    Rule(
        "budget.parent_sum", "error", "上级科目不等于下级科目之和", document_check=_on_tables(budget.check_parent_sums)
    ),
    Rule(
        "budget.basic_plus_project",
        "error",
        "基本支出＋项目支出不等于合计",
        document_check=_on_tables(budget.check_basic_plus_project),
    ),
    Rule("budget.row_sum", "error", "行内各栏之和不等于合计", document_check=_on_tables(budget.check_row_sums)),
    Rule(
        "budget.summary_total",
        "error",
        "收支总表的合计不等于各项之和",
        document_check=_on_tables(budget.check_summary_totals),
    ),
    Rule(
        "budget.income_equals_expense",
        "error",
        "收入总计不等于支出总计",
        document_check=_on_tables(budget.check_income_equals_expense),
    ),
    Rule(
        "budget.cross_table_total",
        "error",
        "同一数字在不同表中不一致",
        document_check=_on_tables(budget.check_cross_table_totals),
    ),
    Rule("budget.projects_total", "error", "项目预算之和不等于项目支出", document_check=_projects_total),
    Rule(
        "budget.hospitality_fee",
        "error",
        "“三公”公务接待费与基本支出表不一致",
        document_check=_on_tables(budget.check_hospitality_fee),
    ),
    Rule(
        "budget.three_public_sum",
        "error",
        "“三公”经费小计不等于各项之和",
        document_check=_on_tables(budget.check_three_public),
    ),
    Rule(
        "budget.procurement_subtotal",
        "error",
        "政府采购小计或合计不等于品目之和",
        document_check=_on_tables(budget.check_procurement_subtotals),
    ),
    Rule(
        "budget.asset_total", "error", "资产总额不等于各类资产之和", document_check=_on_tables(budget.check_asset_total)
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}
KNOWLEDGE_BASE_RULES: tuple[Rule, ...] = tuple(rule for rule in _RULES if not rule.per_document)
DOCUMENT_RULES: tuple[Rule, ...] = tuple(rule for rule in _RULES if rule.per_document)


def _matches(rule_id: str, spec: str) -> bool:
    return rule_id == spec or rule_id.startswith(spec.rstrip(".") + ".")


def select_rules(specs: Sequence[str] | None) -> list[Rule]:
    """The rules named by ``specs`` (ids or id prefixes such as ``direction``), in registry order; all when
    None or empty.

    Raises :class:`UsageError` for a spec that names no rule.
    """
    if not specs:
        return list(_RULES)
    chosen: set[str] = set()
    for spec in specs:
        matches = [rule.id for rule in _RULES if _matches(rule.id, spec)]
        if not matches:
            raise UsageError(f"没有这条规则：{spec!r}（可用：{', '.join(RULES)}）(unknown rule)")
        chosen.update(matches)
    return [rule for rule in _RULES if rule.id in chosen]
