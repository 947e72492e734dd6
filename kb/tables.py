"""Every table of the knowledge base, in creation order (a table before the tables that refer to it)."""

from __future__ import annotations

from kb.budget_schema import BUDGET_TABLE_SPECS
from kb.checks.store import ANOMALIES
from kb.schema import CORE_TABLES, DOCUMENTS, TableSpec

TABLES: tuple[TableSpec, ...] = (
    *(spec for core in CORE_TABLES for spec in ((core, *BUDGET_TABLE_SPECS) if core is DOCUMENTS else (core,))),
    ANOMALIES,
)
