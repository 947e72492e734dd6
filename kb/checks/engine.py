"""Running the rules of :mod:`kb.checks.registry`: over the knowledge base, over what was added, over one document.

The engine loads the knowledge base once (:func:`kb.checks.context.load_context`),
runs the selected rules and stamps each hit into a :class:`~kb.models.Finding`
with the rule's id, severity and principle.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from kb.checks.context import (
    CheckContext,
    FamilyStats,
    Hit,
    load_context,
    load_families,
    load_level2_units,
    load_partial_context,
)
from kb.checks.registry import (
    DOCUMENT_RULES,
    SEVERITIES,
    DocumentFacts,
    Rule,
    select_rules,
)
from kb.checks.rules.peers import family_norm
from kb.db.schema import INDICATORS, PROJECTS
from kb.models import BudgetTables, Document, Finding


def _finding(rule: Rule, hit: Hit) -> Finding:
    indicator, project = hit.indicator, hit.project
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        message=hit.message,
        principle=rule.principle,
        document_id=indicator.document_id if indicator else (project.document_id if project else None),
        project_id=indicator.project_id if indicator else (project.id if project else None),
        indicator_id=indicator.id if indicator else None,
        evidence=hit.evidence,
    )


def finding_order(finding: Finding) -> tuple:
    """Sort key of findings: document, project, row, severity, rule."""
    return (
        finding.document_id or 0,
        finding.project_id or 0,
        finding.indicator_id or 0,
        SEVERITIES.index(finding.severity),
        finding.rule,
        finding.message,
    )


def check_context(ctx: CheckContext, rules: Sequence[str] | None = None) -> list[Finding]:
    """Run the selected knowledge-base rules over an already loaded context; findings in project, row,
    severity order. Rules on single documents among ``rules`` are skipped (they ran at parse time)."""
    chosen = select_rules(rules) if rules is None or rules else []
    findings = [_finding(rule, hit) for rule in chosen if rule.check is not None for hit in rule.check(ctx)]
    return sorted(findings, key=finding_order)


def run_document_rules(document: Document, rules: Sequence[Rule] = DOCUMENT_RULES) -> list[Finding]:
    """The findings of the rules on one document (the budget reconciliation), in rule order."""
    facts = DocumentFacts(document.budget_tables, [p.budget for p in document.projects if p.budget is not None])
    return reconcile(facts.tables, facts.project_budgets, rules)


def reconcile(
    tables: BudgetTables, project_budgets: list[float], rules: Sequence[Rule] = DOCUMENT_RULES
) -> list[Finding]:
    """Every reconciliation finding for one document's budget tables.

    ``project_budgets`` are the 预算数 of its 项目绩效目标表 (None left out).
    """
    facts = DocumentFacts(tables, project_budgets)
    return [finding for rule in rules if rule.document_check is not None for finding in rule.document_check(facts)]


@dataclass
class AddedChecks:
    """The findings after documents were added: theirs, and the re-checked ones of earlier documents.

    ``stale`` lists, per group of rules, the earlier indicators re-checked:
    their stored findings of those rules are to be replaced by ``refreshed``.
    """

    new: list[Finding]
    refreshed: list[Finding]
    stale: list[tuple[tuple[str, ...], list[int]]]


def run_checks_on_added(
    conn: sqlite3.Connection, first_document: int, families_before: dict[int, FamilyStats | None]
) -> AddedChecks:
    """Check the documents from ``first_document`` on, and re-check what their arrival may have changed.

    The new documents get every rule. Of the earlier documents, the peer
    rules re-check the members of the families whose norm changed (their
    statistics before the addition are ``families_before``), and the missing
    unit rule every unitless number (the units across the knowledge base
    changed). With the findings already stored, this is what a run over
    everything finds.
    """
    i, p = INDICATORS.c, PROJECTS.c
    units = load_level2_units(conn)
    new_ctx = load_partial_context(
        conn, f"{i.document_id} >= ?", (first_document,), projects_where=f"{p.document_id} >= ?", level2_units=units
    )
    after = load_families(conn, families_before)
    changed = [fid for fid, before in families_before.items() if family_norm(before) != family_norm(after.get(fid))]
    peer_rules = ("peer.operator", "peer.value")
    peer_ctx = load_partial_context(
        conn,
        f"{i.document_id} < ? AND {i.family_id} IN ({', '.join(map(str, changed)) or 'NULL'})",
        (first_document,),
        level2_units=units,
    )
    unit_ctx = load_partial_context(
        conn,
        f"{i.document_id} < ? AND COALESCE({i.target_kind}, 'unparsed') = 'numeric' "
        f"AND NULLIF({i.target_unit}, '') IS NULL",
        (first_document,),
        level2_units=units,
    )
    return AddedChecks(
        new=check_context(new_ctx),
        refreshed=[*check_context(peer_ctx, list(peer_rules)), *check_context(unit_ctx, ["measurable.missing_unit"])],
        stale=[
            (peer_rules, [i.id for i in peer_ctx.indicators]),
            (("measurable.missing_unit",), [i.id for i in unit_ctx.indicators]),
        ],
    )


def run_checks(conn: sqlite3.Connection, rules: Sequence[str] | None = None) -> list[Finding]:
    """Load the knowledge base behind ``conn`` and run the rules named by ``rules``.

    ``rules`` are ids or id prefixes (``direction``); all rules when None.
    Raises :class:`UsageError` for a name that matches no rule.
    """
    selected = select_rules(rules)
    return check_context(load_context(conn), [rule.id for rule in selected])
