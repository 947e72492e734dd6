"""The records of the budget tables (第一部分 部门预算, 八、政府采购, 九、国有资产).

Part one of every disclosure holds nine 部门预算公开表; sections 八 and 九 add
the procurement budget and the fixed assets. These models are what
:func:`kb.parse.budget.parse_budget_tables` extracts, what ``kb parse --format
json`` prints under ``budget_tables`` and, through :mod:`kb.db.budget_rows`,
what the SQLite tables hold. Amounts are floats in 万元; every row keeps the
lines it came from. JSON field names and the ASCII ids below are a public
interface: extend them, never rename them.
"""

from __future__ import annotations

from typing import Literal, cast

from pydantic import Field

from kb.models.base import Record, listing, values

# One id per kind of table; each becomes rows of ``budget_tables`` in SQLite.
TableKind = Literal[
    "summary",  # 部门预算收支总表
    "income",  # 部门预算收入总表
    "expense",  # 部门预算支出总表
    "fiscal_summary",  # 部门预算财政拨款收支总表
    "general_expense",  # 一般公共预算财政拨款支出表
    "basic_expense",  # 一般公共预算财政拨款基本支出表（经济分类）
    "fund_expense",  # 政府性基金预算财政拨款支出表
    "state_capital_expense",  # 国有资本经营预算财政拨款支出表
    "three_public",  # 财政拨款“三公”经费支出表
    "procurement",  # 部门政府采购预算
    "fixed_assets",  # 部门固定资产占用情况表
]

TABLE_TITLES: dict[str, str] = {
    "summary": "部门预算收支总表",
    "income": "部门预算收入总表",
    "expense": "部门预算支出总表",
    "fiscal_summary": "部门预算财政拨款收支总表",
    "general_expense": "部门预算一般公共预算财政拨款支出表",
    "basic_expense": "部门预算一般公共预算财政拨款基本支出表",
    "fund_expense": "部门预算政府性基金预算财政拨款支出表",
    "state_capital_expense": "部门预算国有资本经营预算财政拨款支出表",
    "three_public": "部门预算财政拨款“三公”经费支出表",
    "procurement": "部门政府采购预算",
    "fixed_assets": "部门固定资产占用情况表",
}

# The amount columns of the nine 部门预算公开表. A wide SQLite table gets one
# REAL column per id, so the same figure sits in the same column in every table.
AmountColumn = Literal[
    "amount",
    "total",
    "current_income",
    "fiscal_appropriation",
    "special_account",
    "business_income",
    "operating_income",
    "superior_subsidy",
    "subordinate_remittance",
    "other_income",
    "carryover",
    "basic",
    "project",
    "operating_expense",
    "remit_superior",
    "subsidy_subordinate",
    "general_budget",
    "fund_budget",
    "state_capital_budget",
    "personnel",
    "public_funds",
]

AMOUNT_LABELS: dict[str, str] = {
    "amount": "预算数／金额",
    "total": "合计",
    "current_income": "本年收入小计",
    "fiscal_appropriation": "财政拨款收入",
    "special_account": "财政专户收入",
    "business_income": "事业收入",
    "operating_income": "经营收入",
    "superior_subsidy": "上级补助收入",
    "subordinate_remittance": "附属单位上缴收入",
    "other_income": "其他收入",
    "carryover": "上年结转",
    "basic": "基本支出",
    "project": "项目支出",
    "operating_expense": "经营支出",
    "remit_superior": "上解上级支出",
    "subsidy_subordinate": "对附属单位补助支出",
    "general_budget": "一般公共预算财政拨款",
    "fund_budget": "政府性基金预算财政拨款",
    "state_capital_budget": "国有资本经营预算财政拨款",
    "personnel": "人员经费",
    "public_funds": "公用经费",
}

# The amount columns of the procurement table, in the template's order.
ProcurementColumn = Literal[
    "total",
    "general_budget",
    "fund_budget",
    "state_capital_budget",
    "special_account",
    "unit_funds",
    "carryover",
    "sme_reserved",
]

PROCUREMENT_LABELS: dict[str, str] = {
    "total": "政府采购金额：合计",
    "general_budget": "政府采购金额：一般公共预算拨款",
    "fund_budget": "政府采购金额：基金预算拨款",
    "state_capital_budget": "政府采购金额：国有资本经营预算拨款",
    "special_account": "政府采购金额：财政专户核拨",
    "unit_funds": "政府采购金额：单位资金",
    "carryover": "政府采购金额：上年结转结余",
    "sme_reserved": "预留中小微企业份额",
}

Side = Literal["income", "expense"]
SIDE_LABELS: dict[str, str] = {"income": "收入", "expense": "支出"}
RowRole = Literal["total", "grand_total", "subtotal", "account", "item"]
ROW_ROLE_LABELS: dict[str, str] = {
    "total": "合计",
    "grand_total": "总计",
    "subtotal": "小计",
    "account": "科目",
    "item": "其他项目",
}
Level = Literal["类", "款", "项"]
Classification = Literal["function", "economic"]
CLASSIFICATION_LABELS: dict[str, str] = {"function": "支出功能分类", "economic": "部门经济分类"}
PROCUREMENT_ROLE_LABELS: dict[str, str] = {"total": "合计", "subtotal": "单位小计", "item": "采购品目"}
ASSET_ROLE_LABELS: dict[str, str] = {"total": "资产总额", "category": "分类", "of_which": "其中项"}


class BudgetRow(Record):
    """One printed row of a 部门预算公开表 (one side of it in the two-sided 收支总表)."""

    seq: int | None = Field(None, description="序号（表中印刷的序号）", title="序号")
    side: Side | None = Field(
        None,
        description=listing("收支总表中的栏", SIDE_LABELS) + "；其他表为空",
        title="收支栏",
        json_schema_extra=values(SIDE_LABELS),
    )
    code: str | None = Field(None, description="科目编码（已修复被空格或分页截断的编码）", title="科目编码")
    name: str = Field(description="科目名称或项目（已去掉单元格内的断行空格）", title="科目名称")
    level: Level | None = Field(
        None, description="科目级次：类（3 位）/ 款（5 位）/ 项（7 位，仅功能分类）", title="科目级次"
    )
    parent_code: str | None = Field(
        None, description="上级科目编码（款的上级为类，项的上级为款）", title="上级科目编码"
    )
    role: RowRole = Field(
        description=listing("行的性质", ROW_ROLE_LABELS), title="行的性质", json_schema_extra=values(ROW_ROLE_LABELS)
    )
    amounts: dict[AmountColumn, float | None] = Field(
        default_factory=dict, description="各金额栏（万元），键为金额栏编号，空单元格为 null"
    )
    raw: str | None = Field(None, description="原文（仅当有单元格无法修复时保留）", title="原文")
    first_line: int = Field(description="来源首行号")
    last_line: int = Field(description="来源末行号")

    def amount(self, column: str) -> float | None:
        """The amount in column ``column`` (an amount column id), None when the cell is empty or absent."""
        return cast("dict[str, float | None]", self.amounts).get(column)


class _TableHead(Record):
    """What every budget table has: which table, where, and whether it is empty."""

    kind: TableKind = Field(
        description="表的种类（英文编号，如 expense 支出总表）",
        title="表的种类",
        json_schema_extra=values(TABLE_TITLES),
    )
    title: str = Field(description="表名（原文）")
    empty: bool = Field(False, description="是否为空表（没有数据行）", title="空表")
    empty_note: str | None = Field(None, description="空表说明原文，如“注：无…，空表列示。”", title="空表说明")
    note: str | None = Field(None, description="表下的其他注释原文", title="表下注释")
    first_line: int = Field(description="来源首行号")
    last_line: int = Field(description="来源末行号")


class BudgetTable(_TableHead):
    """One of the nine 部门预算公开表, page breaks joined, with its rows."""

    classification: Classification | None = Field(
        None,
        description=listing("科目分类", CLASSIFICATION_LABELS) + "；收支总表等为空",
        title="科目分类",
        json_schema_extra=values(CLASSIFICATION_LABELS),
    )
    columns: list[AmountColumn] = Field(default_factory=list, description="表中的金额栏（按表头顺序）")
    rows: list[BudgetRow] = Field(default_factory=list, description="表中各行（跨页截断的行已拼接）")


class ProcurementItem(Record):
    """One row of the 部门政府采购预算 table: an item, a unit's 小计 or the 合计."""

    position: int = Field(description="在表中的行序（从 1 开始）", title="行序")
    role: Literal["total", "subtotal", "item"] = Field(
        description=listing("行的性质", PROCUREMENT_ROLE_LABELS),
        title="行的性质",
        json_schema_extra=values(PROCUREMENT_ROLE_LABELS),
    )
    unit: str = Field("", description="所属单位（取自上方最近的“小计”行）", title="所属单位")
    project_name: str = Field("", description="政府采购项目来源：项目名称", title="来源项目")
    project_budget: float | None = Field(
        None, description="政府采购项目来源：预算资金（万元）", title="来源项目预算（万元）"
    )
    item_name: str = Field("", description="采购物品名称")
    catalog_code: str = Field("", description="政府采购目录序号")
    measure_unit: str = Field("", description="计量单位")
    quantity: float | None = Field(None, description="数量")
    unit_price: float | None = Field(None, description="单价（万元）")
    amounts: dict[ProcurementColumn, float | None] = Field(
        default_factory=dict, description="各金额栏（万元），键为金额栏编号，空单元格为 null"
    )
    raw: str | None = Field(None, description="原文（仅当有单元格无法修复时保留）", title="原文")
    first_line: int = Field(description="来源首行号")
    last_line: int = Field(description="来源末行号")

    def amount(self, column: str) -> float | None:
        """The amount in column ``column`` (a procurement amount column id), None when empty or absent."""
        return cast("dict[str, float | None]", self.amounts).get(column)


class ProcurementTable(_TableHead):
    """The 部门政府采购预算 table of section 八."""

    columns: list[ProcurementColumn] = Field(default_factory=list, description="表中的金额栏（按表头顺序）")
    items: list[ProcurementItem] = Field(default_factory=list, description="采购品目、单位小计与合计")


class AssetRow(Record):
    """One row of the 部门固定资产占用情况表."""

    position: int = Field(description="在表中的行序（从 1 开始）", title="行序")
    name: str = Field(description="项目（原文，去掉断行空格）", title="项目")
    role: Literal["total", "category", "of_which"] = Field(
        description="行的性质：total 资产总额 / category 分类（1、2、…）/ of_which 其中项",
        title="行的性质",
        json_schema_extra=values(ASSET_ROLE_LABELS),
    )
    quantity_unit: str | None = Field(
        None, description="数量的计量单位（取自项目名称中的括号，如 平方米）", title="计量单位"
    )
    quantity: float | None = Field(None, description="数量（“—”为空）", title="数量")
    value: float | None = Field(None, description="价值（万元）")
    raw: str | None = Field(None, description="原文（仅当有单元格无法修复时保留）", title="原文")
    line: int = Field(description="来源行号")


class AssetTable(_TableHead):
    """The 部门固定资产占用情况表 of section 九."""

    as_of: str | None = Field(None, description="截止时间（原文，如 2023-12-31）")
    rows: list[AssetRow] = Field(default_factory=list, description="资产总额与各类资产")


class BudgetTables(Record):
    """Every budget table of one document; a table the document lacks is absent."""

    tables: list[BudgetTable] = Field(default_factory=list, description="部门预算公开表（按文档顺序）")
    procurement: ProcurementTable | None = Field(None, description="部门政府采购预算")
    assets: AssetTable | None = Field(None, description="部门固定资产占用情况表")

    def table(self, kind: str) -> BudgetTable | None:
        """The first table of ``kind``, or None when the document lacks it."""
        return next((table for table in self.tables if table.kind == kind), None)
