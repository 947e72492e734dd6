"""The pydantic records of the knowledge base: the single definition of every record.

``document`` holds what the parser extracts from one disclosure, ``budget``
its budget tables, ``finding`` what a consistency check reports, ``derived``
the tables the build computes across documents, ``source`` the document's
text line by line. The SQLite schema
(``kb.db.schema``) and the JSON output are derived from these fields.
"""

from kb.models.base import Record
from kb.models.budget import (
    AssetRow,
    AssetTable,
    BudgetRow,
    BudgetTable,
    BudgetTables,
    ProcurementItem,
    ProcurementTable,
)
from kb.models.derived import BuildInfo, Department, IndicatorFamily, IndicatorText, ProjectSeries
from kb.models.document import (
    DeptGoal,
    Document,
    GoalIndicator,
    Indicator,
    Operator,
    ParseWarning,
    Period,
    Project,
    SpendPlan,
    Target,
    TargetKind,
    TemplateName,
    Unit,
)
from kb.models.finding import Finding, Severity
from kb.models.source import SourceLine

__all__ = [
    "AssetRow",
    "AssetTable",
    "BudgetRow",
    "BudgetTable",
    "BudgetTables",
    "BuildInfo",
    "Department",
    "DeptGoal",
    "Document",
    "Finding",
    "GoalIndicator",
    "Indicator",
    "IndicatorFamily",
    "IndicatorText",
    "Operator",
    "ParseWarning",
    "Period",
    "ProcurementItem",
    "ProcurementTable",
    "Project",
    "ProjectSeries",
    "Record",
    "Severity",
    "SourceLine",
    "SpendPlan",
    "Target",
    "TargetKind",
    "TemplateName",
    "Unit",
]
