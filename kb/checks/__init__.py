"""Consistency checks: targets that cannot be right, found by small documented rules.

``run_checks(conn)`` loads a built knowledge base and returns
:class:`~kb.models.Finding` records; ``RULES`` is the registry (rule id →
severity, family, principle, function); ``docs/rules.md`` explains each rule.
``kb.checks.store`` writes findings to the ``anomalies`` table and
``kb.checks.command`` is the ``kb lint`` command.
"""

from __future__ import annotations

from kb.checks.engine import FAMILIES, RULES, Rule, run_checks, select_rules

__all__ = ["FAMILIES", "RULES", "Rule", "run_checks", "select_rules"]
