"""The SQLite tables of the budget tables, derived from :mod:`kb.models.budget`.

Four tables:

* ``budget_tables`` — one row per table of a document (the nine 部门预算公开表,
  政府采购预算, 固定资产占用情况表), with its kind, title and whether it is empty;
* ``budget_rows`` — every row of the nine tables, one REAL column per amount
  column (``total``, ``basic``, ``project`` …) so the same figure sits in the
  same column whichever table it comes from; ``level``, ``parent_code`` and
  ``parent_id`` let a query roll 项 up into 款 and 类, or drill down;
* ``procurement_items`` — the procurement budget, item by item, with each
  unit's 小计 and the 合计;
* ``asset_rows`` — the fixed assets.

Ids are local to the document (1, 2, … per SQLite table; ``budget_table_id``
and ``parent_id`` point at local ids too); the writer numbers them on in
document order (:mod:`kb.db.schema`, id scheme).
"""

from __future__ import annotations

from typing import Any

from kb.db.schema import BUDGET_TABLE_SPECS
from kb.db.spec import flatten
from kb.models.budget import (
    AssetTable,
    BudgetTable,
    BudgetTables,
    ProcurementTable,
)

_AMOUNTS = frozenset({"amounts"})


class _Ids:
    """Running ids within one document, per SQLite table, from 1."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def next(self, table: str) -> int:
        self.counts[table] = self.counts.get(table, 0) + 1
        return self.counts[table]


def _table_row(table: BudgetTable | ProcurementTable | AssetTable, table_id: int, doc_id: int) -> dict[str, Any]:
    row = flatten(table)
    columns = getattr(table, "columns", [])
    count = len(getattr(table, "rows", None) or getattr(table, "items", None) or [])
    row.update(
        id=table_id,
        document_id=doc_id,
        amount_columns=",".join(columns) or None,
        as_of=getattr(table, "as_of", None),
        row_count=count,
    )
    return row


def _budget_row_dicts(table: BudgetTable, table_id: int, doc_id: int, ids: _Ids) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    by_code: dict[tuple[str | None, str], int] = {}
    for record in table.rows:
        row = flatten(record, exclude=_AMOUNTS)
        row.update({str(column): value for column, value in record.amounts.items()})
        row.update(
            id=ids.next("budget_rows"),
            budget_table_id=table_id,
            document_id=doc_id,
            table_kind=table.kind,
        )
        if record.code:
            by_code.setdefault((record.side, record.code), row["id"])
        rows.append(row)
    for row in rows:
        row["parent_id"] = by_code.get((row["side"], row["parent_code"])) if row["parent_code"] else None
    return rows


def _procurement_dicts(table: ProcurementTable, table_id: int, doc_id: int, ids: _Ids) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for item in table.items:
        row = flatten(item, exclude=_AMOUNTS)
        row.update({str(column): value for column, value in item.amounts.items()})
        row.update(id=ids.next("procurement_items"), budget_table_id=table_id, document_id=doc_id)
        rows.append(row)
    return rows


def _asset_dicts(table: AssetTable, table_id: int, doc_id: int, ids: _Ids) -> list[dict[str, Any]]:
    return [
        {
            **flatten(record),
            "id": ids.next("asset_rows"),
            "budget_table_id": table_id,
            "document_id": doc_id,
        }
        for record in table.rows
    ]


def budget_rows_for(doc_id: int, tables: BudgetTables) -> dict[str, list[dict[str, Any]]]:
    """The row dicts of every budget SQLite table for one document, keyed by table name.

    Each dict holds the columns of its :class:`~kb.db.spec.TableSpec`, ids local to the document.
    """
    ids = _Ids()
    result: dict[str, list[dict[str, Any]]] = {spec.name: [] for spec in BUDGET_TABLE_SPECS}
    for table in [*tables.tables, tables.procurement, tables.assets]:
        if table is None:
            continue
        table_id = ids.next("budget_tables")
        result["budget_tables"].append(_table_row(table, table_id, doc_id))
        if isinstance(table, BudgetTable):
            result["budget_rows"].extend(_budget_row_dicts(table, table_id, doc_id, ids))
        elif isinstance(table, ProcurementTable):
            result["procurement_items"].extend(_procurement_dicts(table, table_id, doc_id, ids))
        else:
            result["asset_rows"].extend(_asset_dicts(table, table_id, doc_id, ids))
    return result
