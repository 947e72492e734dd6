"""The ``anomalies`` table: the findings of the consistency checks, stored by ``kb build``.

Columns come from :class:`~kb.models.Finding` (through :mod:`kb.db.schema`), plus
the row id and the rule family. Ids follow the findings sorted by project,
indicator and rule, so rebuilding the same documents gives the same rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from kb.checks.engine import run_checks
from kb.db.schema import ANOMALIES
from kb.db.spec import insert_rows
from kb.jsonsafe import dumps
from kb.models import Finding

# Datasette facets for the anomalies table.
FACETS: list[str] = ["rule_family", "rule", "severity", "project_id"]


def _sort_key(finding: Finding) -> tuple:
    return (finding.document_id or 0, finding.project_id or 0, finding.indicator_id or 0, finding.rule, finding.message)


def anomaly_rows(findings: Iterable[Finding], first_id: int = 1) -> list[dict[str, Any]]:
    """Findings as ``anomalies`` rows: ids from ``first_id`` in document, project, indicator, rule order;
    evidence as JSON text (valid JSON: a number that is not finite is stored as ``null``)."""
    rows = []
    for row_id, finding in enumerate(sorted(findings, key=_sort_key), start=first_id):
        row = finding.model_dump()
        row.update(
            id=row_id,
            rule_family=finding.rule.split(".", 1)[0],
            evidence=dumps(finding.evidence, ensure_ascii=False, sort_keys=True),
        )
        rows.append(row)
    return rows


def stored_findings(conn: sqlite3.Connection, rules: Iterable[str]) -> list[Finding]:
    """The findings of the rules ``rules`` (ids) stored in ``anomalies`` (empty when the table is missing)."""
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (ANOMALIES.name,)).fetchone()
    wanted = sorted(set(rules))
    if not exists or not wanted:
        return []
    fields = list(Finding.model_fields)
    a = ANOMALIES.c
    rows = conn.execute(
        f"SELECT {', '.join(fields)} FROM {ANOMALIES.name} WHERE {a.rule} IN ({', '.join('?' for _ in wanted)}) "
        f"ORDER BY {a.id}",
        wanted,
    )
    findings = []
    for row in rows:
        record = dict(zip(fields, row, strict=True))
        record["principle"] = record["principle"] or ""
        record["evidence"] = json.loads(record["evidence"] or "{}")
        findings.append(Finding(**record))
    return findings


def write_anomalies(conn: sqlite3.Connection, more: Iterable[Finding] = ()) -> int:
    """Run every rule over the knowledge base behind ``conn`` and fill the (existing, empty) ``anomalies``
    table with their findings and ``more`` (the budget reconciliation's, found while parsing).

    Needs the indicator families; returns the number of findings stored.
    """
    rows = anomaly_rows([*more, *run_checks(conn)])
    insert_rows(conn, ANOMALIES, rows)
    return len(rows)
