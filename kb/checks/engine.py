"""The rule registry and the engine that runs it.

Each rule is one function ``(CheckContext) -> Iterable[Hit]`` registered here
with a stable id (``family.name``), a severity and a Chinese title; its
principle, with an example from the seed and a case it must not flag, is the
section of ``docs/rules.md`` named by the id. The engine loads the knowledge
base once (:func:`kb.checks.context.load_context`), runs the selected rules
and stamps each hit into a :class:`~kb.models.Finding`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from kb.budget_checks import BUDGET_RULES
from kb.checks import (
    category,
    copies,
    cost,
    direction,
    measurable,
    parsing,
    peers,
    plan,
)
from kb.checks.context import (
    CheckContext,
    FamilyStats,
    Hit,
    load_context,
    load_families,
    load_level2_units,
    load_partial_context,
)
from kb.checks.peers import family_norm
from kb.errors import UsageError
from kb.models import Finding, Severity

PRINCIPLES_DOC = "docs/rules.md"
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_NAMES: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass(frozen=True)
class Rule:
    """One consistency check: what it is called, how bad its findings are, and the function that finds them."""

    id: str
    severity: Severity
    title: str
    check: Callable[[CheckContext], Iterable[Hit]]

    @property
    def family(self) -> str:
        """The rule family: the id's first part (direction, measurable, cost …)."""
        return self.id.split(".", 1)[0]

    @property
    def principle(self) -> str:
        """Where the rule's principle is explained."""
        return f"{PRINCIPLES_DOC}#{self.id}"


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
    "budget": ("预算表勾稽", "部门预算公开表内部与表间的数字对不上：上级科目不等于下级之和、基本支出＋项目支出不等于合计、"
                          "收支总计不等、项目预算之和不等于项目支出、“三公”经费与基本支出表不一致……"),
}

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
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def _matches(rule_id: str, spec: str) -> bool:
    return rule_id == spec or rule_id.startswith(spec.rstrip(".") + ".")


def select_rules(specs: Sequence[str] | None) -> list[Rule]:
    """The rules named by ``specs`` (ids or id prefixes such as ``direction``); all when None or empty.

    Specs naming budget reconciliation rules (``budget…``, see
    :func:`select_budget_rules`) select none of these. Raises
    :class:`UsageError` for a spec that names no rule at all.
    """
    if not specs:
        return list(_RULES)
    chosen: dict[str, Rule] = {}
    for spec in specs:
        matches = [rule for rule in _RULES if _matches(rule.id, spec)]
        if not matches and not any(_matches(rule_id, spec) for rule_id in BUDGET_RULES):
            known = ", ".join([*RULES, *BUDGET_RULES])
            raise UsageError(f"没有这条规则：{spec!r}（可用：{known}）(unknown rule)")
        chosen.update((rule.id, rule) for rule in matches)
    return [rule for rule in _RULES if rule.id in chosen]


def select_budget_rules(specs: Sequence[str] | None) -> list[str]:
    """The budget reconciliation rule ids named by ``specs``; all when None or empty."""
    if not specs:
        return list(BUDGET_RULES)
    return [rule_id for rule_id in BUDGET_RULES if any(_matches(rule_id, spec) for spec in specs)]


def _finding(rule: Rule, hit: Hit) -> Finding:
    indicator, project = hit.indicator, hit.project
    return Finding(
        rule=rule.id, severity=rule.severity, message=hit.message, principle=rule.principle,
        document_id=indicator.document_id if indicator else (project.document_id if project else None),
        project_id=indicator.project_id if indicator else (project.id if project else None),
        indicator_id=indicator.id if indicator else None,
        evidence=hit.evidence,
    )


def finding_order(finding: Finding) -> tuple:
    """Sort key of findings: document, project, row, severity, rule."""
    return (finding.document_id or 0, finding.project_id or 0, finding.indicator_id or 0,
            SEVERITIES.index(finding.severity), finding.rule, finding.message)


def check_context(ctx: CheckContext, rules: Sequence[str] | None = None) -> list[Finding]:
    """Run the selected rules over an already loaded context; findings in project, row, severity order."""
    chosen = select_rules(rules) if rules is None or rules else []
    findings = [_finding(rule, hit) for rule in chosen for hit in rule.check(ctx)]
    return sorted(findings, key=finding_order)


@dataclass
class AddedChecks:
    """The findings after documents were added: theirs, and the re-checked ones of earlier documents.

    ``stale`` lists, per group of rules, the earlier indicators re-checked:
    their stored findings of those rules are to be replaced by ``refreshed``.
    """

    new: list[Finding]
    refreshed: list[Finding]
    stale: list[tuple[tuple[str, ...], list[int]]]


def run_checks_on_added(conn: sqlite3.Connection, first_document: int,
                        families_before: dict[int, FamilyStats | None]) -> AddedChecks:
    """Check the documents from ``first_document`` on, and re-check what their arrival may have changed.

    The new documents get every rule. Of the earlier documents, the peer
    rules re-check the members of the families whose norm changed (their
    statistics before the addition are ``families_before``), and the missing
    unit rule every unitless number (the units across the knowledge base
    changed). With the findings already stored, this is what a run over
    everything finds.
    """
    units = load_level2_units(conn)
    new_ctx = load_partial_context(conn, "document_id >= ?", (first_document,), projects_where="document_id >= ?",
                                   level2_units=units)
    after = load_families(conn, families_before)
    changed = [fid for fid, before in families_before.items() if family_norm(before) != family_norm(after.get(fid))]
    peer_rules = ("peer.operator", "peer.value")
    peer_ctx = load_partial_context(
        conn, f"document_id < ? AND family_id IN ({', '.join(map(str, changed)) or 'NULL'})", (first_document,),
        level2_units=units)
    unit_ctx = load_partial_context(
        conn, "document_id < ? AND COALESCE(target_kind, 'unparsed') = 'numeric' AND NULLIF(target_unit, '') IS NULL",
        (first_document,), level2_units=units)
    return AddedChecks(
        new=check_context(new_ctx),
        refreshed=[*check_context(peer_ctx, list(peer_rules)), *check_context(unit_ctx, ["measurable.missing_unit"])],
        stale=[(peer_rules, [i.id for i in peer_ctx.indicators]),
               (("measurable.missing_unit",), [i.id for i in unit_ctx.indicators])],
    )


def run_checks(conn: sqlite3.Connection, rules: Sequence[str] | None = None) -> list[Finding]:
    """Load the knowledge base behind ``conn`` and run the rules named by ``rules``.

    ``rules`` are ids or id prefixes (``direction``); all rules when None.
    Raises :class:`UsageError` for a name that matches no rule.
    """
    selected = select_rules(rules)
    return check_context(load_context(conn), [rule.id for rule in selected])
