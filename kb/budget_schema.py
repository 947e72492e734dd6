"""The SQLite tables of the budget tables, derived from :mod:`kb.budget_models`.

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

Ids derive from the document id, so rebuilding a document gives the same ids:
a table is ``doc_id × 100 + n``, a row ``doc_id × 100000 + n`` (n counts from 1
within the document, per SQLite table).
"""

from __future__ import annotations

from typing import Any

from kb.budget_models import (
    AMOUNT_LABELS,
    PROCUREMENT_LABELS,
    AssetRow,
    AssetTable,
    BudgetRow,
    BudgetTable,
    BudgetTables,
    ProcurementItem,
    ProcurementTable,
)
from kb.schema import (
    Column,
    TableSpec,
    fk_column,
    flatten,
    id_column,
)

TABLE_ID_BASE = 100
ROW_ID_BASE = 100_000

_AMOUNTS = frozenset({"amounts"})


def _amount_columns(labels: dict[str, str]) -> tuple[Column, ...]:
    return tuple(Column(name, "REAL", f"{label}（万元）") for name, label in labels.items())


BUDGET_TABLES = TableSpec(
    name="budget_tables",
    model=BudgetTable,
    title="预算公开表",
    description="每份文档中的部门预算公开表（收支总表、收入总表、支出总表……）、政府采购预算表和固定资产占用情况表；空表也记录在此。",
    leading=(id_column("预算表编号（文档编号×100＋序号）"), fk_column("document_id", "文档编号")),
    trailing=(
        Column("amount_columns", "TEXT", "表中的金额栏（英文编号，逗号分隔）"),
        Column("as_of", "TEXT", "截止时间（仅固定资产占用情况表）"),
        Column("row_count", "INTEGER", "数据行数"),
    ),
    foreign_keys=(("document_id", "documents"),),
    indexes=(("document_id",), ("kind",)),
    label_column="title",
)

BUDGET_ROWS = TableSpec(
    name="budget_rows",
    model=BudgetRow,
    title="预算表行",
    description=(
        "部门预算公开表的每一行：序号、科目编码、科目名称和各金额栏（万元），已修复分页截断与断行空格。"
        "level 为类/款/项，parent_code 与 parent_id 指向上级科目，可逐级汇总或展开。"
    ),
    leading=(
        id_column("行编号（文档编号×100000＋序号）"),
        fk_column("budget_table_id", "预算表编号"),
        fk_column("document_id", "文档编号"),
        Column("table_kind", "TEXT", "表的种类（英文编号，便于分面）"),
    ),
    trailing=(fk_column("parent_id", "上级科目所在行的编号（同一张表内）"), *_amount_columns(AMOUNT_LABELS)),
    foreign_keys=(("budget_table_id", "budget_tables"), ("document_id", "documents"), ("parent_id", "budget_rows")),
    indexes=(("budget_table_id",), ("document_id",), ("table_kind",), ("code",), ("parent_code",), ("level",),
             ("role",), ("parent_id",)),
    exclude=_AMOUNTS,
    label_column="name",
)

PROCUREMENT_ITEMS = TableSpec(
    name="procurement_items",
    model=ProcurementItem,
    title="政府采购预算",
    description=(
        "部门政府采购预算表的每一行：采购品目、所属单位、项目来源、目录序号、数量、单价与采购金额；"
        "各单位小计与合计也在其中（见 role）。"
    ),
    leading=(
        id_column("行编号（文档编号×100000＋序号）"),
        fk_column("budget_table_id", "预算表编号"),
        fk_column("document_id", "文档编号"),
    ),
    trailing=_amount_columns(PROCUREMENT_LABELS),
    foreign_keys=(("budget_table_id", "budget_tables"), ("document_id", "documents")),
    indexes=(("budget_table_id",), ("document_id",), ("role",), ("unit",), ("catalog_code",)),
    exclude=_AMOUNTS,
    label_column="item_name",
)

ASSET_ROWS = TableSpec(
    name="asset_rows",
    model=AssetRow,
    title="固定资产占用情况",
    description="部门固定资产占用情况表的每一行：资产总额、房屋、车辆、大型设备与其他固定资产的数量和价值（万元）。",
    leading=(
        id_column("行编号（文档编号×100000＋序号）"),
        fk_column("budget_table_id", "预算表编号"),
        fk_column("document_id", "文档编号"),
    ),
    foreign_keys=(("budget_table_id", "budget_tables"), ("document_id", "documents")),
    indexes=(("budget_table_id",), ("document_id",)),
    label_column="name",
)

BUDGET_TABLE_SPECS: tuple[TableSpec, ...] = (BUDGET_TABLES, BUDGET_ROWS, PROCUREMENT_ITEMS, ASSET_ROWS)


class _Ids:
    """Running ids within one document, per SQLite table."""

    def __init__(self, doc_id: int) -> None:
        self.doc_id = doc_id
        self.counts: dict[str, int] = {}

    def next(self, table: str, base: int) -> int:
        count = self.counts.get(table, 0) + 1
        if count >= base:
            raise ValueError(f"文档 {self.doc_id} 的 {table} 超过 {base - 1} 行，编号会与下一份文档重叠")
        self.counts[table] = count
        return self.doc_id * base + count


def _table_row(table: BudgetTable | ProcurementTable | AssetTable, table_id: int, doc_id: int) -> dict[str, Any]:
    row = flatten(table)
    columns = getattr(table, "columns", [])
    count = len(getattr(table, "rows", None) or getattr(table, "items", None) or [])
    row.update(id=table_id, document_id=doc_id, amount_columns=",".join(columns) or None,
               as_of=getattr(table, "as_of", None), row_count=count)
    return row


def _budget_row_dicts(table: BudgetTable, table_id: int, doc_id: int, ids: _Ids) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    by_code: dict[tuple[str | None, str], int] = {}
    for record in table.rows:
        row = flatten(record, exclude=_AMOUNTS)
        row.update(record.amounts)
        row.update(id=ids.next("budget_rows", ROW_ID_BASE), budget_table_id=table_id, document_id=doc_id,
                   table_kind=table.kind)
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
        row.update(item.amounts)
        row.update(id=ids.next("procurement_items", ROW_ID_BASE), budget_table_id=table_id, document_id=doc_id)
        rows.append(row)
    return rows


def _asset_dicts(table: AssetTable, table_id: int, doc_id: int, ids: _Ids) -> list[dict[str, Any]]:
    return [
        {**flatten(record), "id": ids.next("asset_rows", ROW_ID_BASE), "budget_table_id": table_id, "document_id": doc_id}
        for record in table.rows
    ]


def budget_rows_for(doc_id: int, tables: BudgetTables) -> dict[str, list[dict[str, Any]]]:
    """The row dicts of every budget SQLite table for one document, keyed by table name.

    Each dict holds the columns of its :class:`~kb.schema.TableSpec` (insert
    with ``kb.schema.insert_rows``). Raises ValueError only if a document has
    more rows than its id range holds (99 tables or 99 999 rows).
    """
    ids = _Ids(doc_id)
    result: dict[str, list[dict[str, Any]]] = {spec.name: [] for spec in BUDGET_TABLE_SPECS}
    for table in [*tables.tables, tables.procurement, tables.assets]:
        if table is None:
            continue
        table_id = ids.next("budget_tables", TABLE_ID_BASE)
        result["budget_tables"].append(_table_row(table, table_id, doc_id))
        if isinstance(table, BudgetTable):
            result["budget_rows"].extend(_budget_row_dicts(table, table_id, doc_id, ids))
        elif isinstance(table, ProcurementTable):
            result["procurement_items"].extend(_procurement_dicts(table, table_id, doc_id, ids))
        else:
            result["asset_rows"].extend(_asset_dicts(table, table_id, doc_id, ids))
    return result
