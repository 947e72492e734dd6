"""Consistency checks: targets that cannot be right, found by small documented rules.

``kb.checks.registry`` is the one registry (rule id → severity, family,
principle, function), budget reconciliation included; ``kb.checks.rules``
holds the rules, one module per family; ``kb.checks.engine`` runs them;
``kb.checks.store`` turns findings into ``anomalies`` rows. ``docs/rules.md``
explains each rule; ``kb lint`` (``kb.cli.lint``) reports them.
"""

from __future__ import annotations

from kb.checks.engine import run_checks
from kb.checks.registry import FAMILIES, RULES, Rule, select_rules

__all__ = ["FAMILIES", "RULES", "Rule", "run_checks", "select_rules"]
