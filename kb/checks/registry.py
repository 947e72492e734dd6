"""The one registry of consistency rules: every rule's id, severity, title, family and function.

Two kinds of rule share it. Most rules judge the knowledge base
(``check``: :class:`~kb.checks.context.CheckContext` → hits) and run after the
build has derived families and series. The budget reconciliation rules judge
one document's budget tables (``document_check``: :class:`DocumentFacts` →
findings) and run in the parse workers, where the parsed tables are at hand;
``kb lint`` reads their stored findings back. Either way a rule has a stable
id (``family.name``), a severity (for the reconciliation rules: the severity of
a real difference; one-cent differences are summarised as one 提示 per table,
a larger difference rounding can explain is a warning) and a principle: the
section of ``docs/rules.md`` named by its id, and its Chinese text in
:data:`PRINCIPLES`, which the web pages show.
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
    def principle_text(self) -> str:
        """The rule's principle in Chinese, as the web pages show it."""
        return PRINCIPLES[self.id]

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

# Each rule's principle in Chinese, as the web pages show it beside a finding (docs/rules.md explains the same
# principle under the rule's id, with the seed's examples).
_ROUNDING = "相差不超过 0.01 万元的差额是四舍五入所致，每张表合并为一条提示。"
PRINCIPLES: dict[str, str] = {
    "direction.satisfaction": (
        "满意度（满意度、满意率，或满意度指标下名称不含其他方向词的指标）按定义越高越好。"
        "写成上限（≤、<）等于承诺“至多”多少人满意，方向写反了。"
    ),
    "direction.positive": (
        "合格率、完成率、覆盖率、到位率、准确率、及时率、结案率、追缴率等越高越好的比率不应只设上限。"
        "方向由词语判断，描述或上下文可能另有所指，故为警告而非错误。"
    ),
    "direction.negative": "差错率、投诉、事件、事故、违规、返贫、成本、费用等越低越好的度量不应只设下限（≥、>）。",
    "measurable.no_number": "只有单位或比较符而没有数值的指标值（如“万元”“≥”）什么也没有承诺，无法考核。",
    "measurable.missing_unit": (
        "同类指标（同一指标族；族内不用单位时，为全库同一二级指标、同一比较符的数值型指标）大多带有单位，"
        "本指标的数值却没有单位。某一单位至少占同类的一半且不少于 3 条时提示。"
    ),
    "measurable.restates": (
        "指标值只是重复指标名称或描述中的整句（“是否”“能够”“确保”等词不计），没有说明做到多少、做到多好。"
    ),
    "measurable.placeholder_goal": "项目的绩效目标只有预算系统的模板占位文字（如“1.目标内容 1”），指标无从对应目标。",
    "measurable.placeholder_text": (
        "绩效目标或指标行中残留模板占位文字（如“目标内容 1”“请填写”），旁边有部门自己填写的内容：表格填写不够仔细。"
    ),
    "cost.above_budget": (
        "成本指标下的金额上限（≤、<、=）不能超过项目的预算数：预算数就是项目可以支出的全部资金。"
        "与预算数相等（精确到分）正是模板的要求。"
    ),
    "cost.unit_product": (
        "同一张表中给出的单价与其对应的数量相乘，应接近项目用于此项的支出。"
        "乘积超过预算数（1% 以上）或不到预算数的十分之一时提示：单价、数量或单位至少有一处有误。"
    ),
    "category.money": "数量、质量、时效指标衡量产出、质量与时效；金额（元、万元）应列入成本指标。",
    "category.capped_output": (
        "数量指标统计产出，只设上限（≤）意味着少做甚至不做也能达标。"
        "违规数量、事件数等越少越好的计数设上限是对的；百分比、金额、比率与时长由其他规则判断。"
    ),
    "copy.duplicate_row": "同一项目的指标表中，同一项度量（同一指标族）出现了两次。",
    "copy.table": "从不相关项目照搬来的指标表衡量的是那个项目的产出，而不是本项目的产出。",
    "copy.related_table": (
        "同一类资金（不同资金级次或同一用途）共用一张指标表是正常的；列出来便于核对共同的指标值是否与各自的资金规模相称。"
    ),
    "peer.operator": (
        "同族其他指标设上限而本指标设下限（或相反）：同族中至少 3 条、且占有比较符者的四分之三以上方向相反。"
        "只检查自身词语不含方向的指标，词语有方向时由方向规则判断。"
    ),
    "peer.value": (
        "百分比指标值与同族百分比指标值的中位数相差 20 个百分点以上（同族至少 5 条）。"
        "只比较百分比：金额和数量随项目规模而变。较低的目标可能有正当理由，是值得一问的问题。"
    ),
    "plan.decreasing": (
        "资金支出计划给出 3、6、10、12 月底的累计支出进度；已经支出的资金不能收回，后一时点的进度不能低于前一时点。"
    ),
    "plan.not_complete": (
        "年度预算应在 12 月底前支出完毕，最后的累计进度应为 100%；给出了进度却没有 12 月底进度的也提示。"
    ),
    "parse.unparsed": "无法解析为比较符、数值和单位的指标值逃过了其他所有规则，列出来以免有指标值未经检查。",
    "budget.parent_sum": (
        "上级科目等于其下级科目之和：合计 = Σ 类，类 = Σ 款，款 = Σ 项，收入总表、支出总表和一般公共预算财政拨款支出表"
        "的每一金额栏都应如此。" + _ROUNDING
    ),
    "budget.basic_plus_project": "支出表的每一行：基本支出 + 项目支出（+ 经营支出等）= 合计。" + _ROUNDING,
    "budget.row_sum": (
        "一行中各分栏之和等于合计：收入总表 合计 = 本年收入 + 上年结转；基本支出表 合计 = 人员经费 + 公用经费；"
        "一般公共预算 + 政府性基金 + 国有资本经营 = 合计。" + _ROUNDING
    ),
    "budget.summary_total": (
        "两张收支总表中，各项之和等于本年合计，本年合计 + 结转结余 = 总计，结转结余等于其下一、二、三项之和。"
        + _ROUNDING
    ),
    "budget.income_equals_expense": "预算收支平衡：收入总计 = 支出总计，收入总表合计 = 支出总表合计。" + _ROUNDING,
    "budget.cross_table_total": (
        "同一数字印在两张表中应当一致（收支总表与收入、支出总表的合计，财政拨款收支总表与一般公共预算支出表，"
        "基本支出与基本支出表合计，各类级科目按名称对应……）；一张表中的类级科目在另一张表中找不到同名科目时为警告。"
        + _ROUNDING
    ),
    "budget.projects_total": "各项目绩效目标表的预算数之和等于支出总表合计行的项目支出。" + _ROUNDING,
    "budget.hospitality_fee": "“三公”经费中的公务接待费等于基本支出表中经济分类 30217 公务接待费。" + _ROUNDING,
    "budget.three_public_sum": "“三公”经费表中：合计 = 小计 = 一 + 二 + 三，二 = 购置费 + 运行维护费。" + _ROUNDING,
    "budget.procurement_subtotal": "政府采购预算中，各单位小计等于其下各品目之和，合计等于各小计之和。" + _ROUNDING,
    "budget.asset_total": "资产总额等于各类资产价值之和（“其中”行不相加）。" + _ROUNDING,
}

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
