"""The records of the knowledge base, defined once.

These pydantic models are the single definition of what the parser extracts.
``kb parse --format json`` prints :class:`Document` as is, and the SQLite
schema of ``kb build`` is derived from the same fields (see ``kb.db.schema``).
The JSON field names are a public interface: extend them, never rename them.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from kb.models.base import Record, listing, values
from kb.models.budget import BudgetTables

Operator = Literal["≥", "≤", "=", ">", "<"]
TargetKind = Literal["numeric", "deadline", "qualitative", "unparsed"]
# The forms kb/read reads (kb.read.blocks.FORMS), as a reader names them.
FORM_LABELS: dict[str, str] = {
    "txt": "制表符文本",
    "md": "Markdown",
    "html": "HTML",
    "pdf": "PDF",
    "layout": "版式文本（pdftotext -layout）",
    "xlsx": "Excel 工作簿",
    "docx": "Word 文档",
}
TARGET_KIND_LABELS: dict[str, str] = {
    "numeric": "数值",
    "deadline": "期限",
    "qualitative": "定性",
    "unparsed": "未解析",
}
# 年度 / 中长期 indicator tables of one project (None: the project prints one table, unmarked).
Period = Literal["annual", "long_term"]
# The layout a project was read from (docs/templates.md): the seed's Hebei table, the local title + label table,
# the central 财预〔2021〕101号 table, or one table for a whole department.
TemplateName = Literal["hebei", "local", "central", "dept_table"]
PERIOD_LABELS: dict[str, str] = {"annual": "年度", "long_term": "中长期"}
TEMPLATE_LABELS: dict[str, str] = {
    "hebei": "河北样式",
    "local": "地方通用",
    "central": "中央部门",
    "dept_table": "部门汇总表",
}


# Where a record was read in a form with pages or sheets; absent (not null) from the JSON of text forms.
PLACE_FIELDS = frozenset({"page", "last_page", "sheet", "sheet_row", "last_sheet_row"})


class _Placed(Record):
    """A record that may carry page or sheet provenance: the JSON leaves those fields out where they are unknown.

    Fields a template adds (an indicator's extra columns and period) are left
    out the same way where the document has none, so the JSON of a document
    read before they existed stays as it was.
    """

    _omitted_when_none: ClassVar[frozenset[str]] = PLACE_FIELDS

    @model_serializer(mode="wrap")
    def _without_unknown_places(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name in self._omitted_when_none:
                if name in data and (data[name] is None or data[name] == {}):
                    del data[name]
        return data


class Target(Record):
    """A 指标值 as published (``raw``) and what it promises, read from it."""

    raw: str = Field(description="指标值原文", title="指标值")
    op: Operator | None = Field(None, description="比较符：≥ ≤ = > <", title="比较符")
    value: float | None = Field(None, description="数值")
    unit: str | None = Field(None, description="计量单位")
    kind: TargetKind = Field(
        description=listing("指标值类型", TARGET_KIND_LABELS),
        title="指标值类型",
        json_schema_extra=values(TARGET_KIND_LABELS),
    )


class Indicator(_Placed):
    """One row of a project's 绩效目标表 (三级指标 with its target)."""

    _omitted_when_none: ClassVar[frozenset[str]] = PLACE_FIELDS | {"extra", "period"}

    position: int = Field(description="在表中的行序（从 1 开始）", title="行序")
    level1: str = Field(description="一级指标")
    level2: str = Field(description="二级指标")
    level3: str = Field(description="三级指标")
    description: str = Field(description="绩效指标描述")
    target: Target = Field(description="指标值")
    basis: str = Field(description="指标值确定依据")
    extra: dict[str, str] = Field(
        default_factory=dict,
        description="表中其他栏目（权重、分值、备注等），按表头名称保存，空单元格为空字符串；JSON",
        title="其他栏目",
    )
    period: Period | None = Field(
        None,
        description=listing("指标期限（项目只有一张指标表时为空）", PERIOD_LABELS),
        title="指标期限",
        json_schema_extra=values(PERIOD_LABELS),
    )
    first_line: int = Field(
        description="来源首行号（文本形式为文件行号；PDF、XLSX、DOCX 为读取顺序中的行序）", title="来源首行号"
    )
    last_line: int = Field(description="来源末行号（同上）", title="来源末行号")
    page: int | None = Field(None, description="来源首页页码（PDF）", title="页码")
    last_page: int | None = Field(None, description="来源末页页码（PDF）", title="末页页码")
    sheet: str | None = Field(None, description="来源工作表（XLSX）", title="工作表")
    sheet_row: int | None = Field(None, description="来源工作表首行号（XLSX）", title="工作表行号")
    last_sheet_row: int | None = Field(None, description="来源工作表末行号（XLSX）", title="工作表末行号")


class SpendPlan(Record):
    """资金支出计划: cumulative share of the budget spent by each date, in %."""

    by_march: float | None = Field(None, description="3月底支出进度 %")
    by_june: float | None = Field(None, description="6月底支出进度 %")
    by_october: float | None = Field(None, description="10月底支出进度 %")
    by_december: float | None = Field(None, description="12月底支出进度 %")


class Project(_Placed):
    """One 项目绩效目标表 of section 七."""

    seq: int = Field(description="项目序号（文档中的顺序）", title="项目序号")
    code: str = Field(description="项目编码")
    name: str = Field(description="项目名称")
    budget: float | None = Field(None, description="预算数（万元）")
    fiscal_funds: float | None = Field(None, description="其中：财政资金（万元）", title="财政资金（万元）")
    other_funds: float | None = Field(None, description="其他资金（万元）")
    usage: str = Field("", description="资金用途")
    spend_plan: SpendPlan = Field(default_factory=SpendPlan, description="资金支出计划（%）")
    goal: str = Field("", description="绩效目标（年度绩效目标）")
    long_term_goal: str = Field("", description="中长期（长期）绩效目标")
    supervisor: str = Field("", description="主管部门（不含部门代码）")
    implementer: str = Field("", description="实施单位（不含单位代码）")
    template: TemplateName = Field(
        "hebei",
        description=listing("读取所用的模板（docs/templates.md）", TEMPLATE_LABELS),
        title="模板",
        json_schema_extra=values(TEMPLATE_LABELS),
    )
    year: int | None = Field(None, description="项目设立年度（取自项目编码）", title="项目年度")
    first_line: int = Field(
        description="来源首行号（文本形式为文件行号；PDF、XLSX、DOCX 为读取顺序中的行序）", title="来源首行号"
    )
    last_line: int = Field(description="来源末行号（同上）", title="来源末行号")
    page: int | None = Field(None, description="来源首页页码（PDF）", title="页码")
    last_page: int | None = Field(None, description="来源末页页码（PDF）", title="末页页码")
    sheet: str | None = Field(None, description="来源工作表（XLSX）", title="工作表")
    sheet_row: int | None = Field(None, description="来源工作表首行号（XLSX）", title="工作表行号")
    last_sheet_row: int | None = Field(None, description="来源工作表末行号（XLSX）", title="工作表末行号")
    indicators: list[Indicator] = Field(default_factory=list)


class GoalIndicator(Record):
    """One 绩效指标 under a 分项绩效目标 (a line of section 五, or a row of a 部门整体支出绩效目标表)."""

    position: int = Field(description="在该分项目标中的顺序（从 1 开始）", title="序号")
    level1: str = Field("", description="一级指标（部门整体支出绩效目标表；文字列举的分项目标为空）", title="一级指标")
    level2: str = Field("", description="二级指标（同上）", title="二级指标")
    name: str = Field(description="指标名（表格中为三级指标）")
    target: Target = Field(description="指标值")
    text: str = Field(description="原文整行")
    first_line: int = Field(
        description="来源首行号（文本形式为文件行号；PDF、XLSX、DOCX 为读取顺序中的行序）", title="来源首行号"
    )
    last_line: int = Field(description="来源末行号（同上）", title="来源末行号")


class DeptGoal(Record):
    """One 分项绩效目标 of the department with its indicators."""

    seq: int = Field(description="分项目标序号")
    goal: str = Field(description="绩效目标")
    first_line: int = Field(
        description="来源首行号（文本形式为文件行号；PDF、XLSX、DOCX 为读取顺序中的行序）", title="来源首行号"
    )
    last_line: int = Field(description="来源末行号（同上）", title="来源末行号")
    indicators: list[GoalIndicator] = Field(default_factory=list)


class Unit(Record):
    """One row of the 部门机构设置情况 table."""

    seq: int = Field(description="表中顺序")
    name: str = Field(description="单位名称")
    nature: str = Field("", description="单位性质")
    rank: str = Field("", description="单位规格")
    funding: str = Field("", description="经费保障形式")
    line: int = Field(description="来源行号")


class ParseWarning(_Placed):
    """Something the parser could not fully understand; the rest was kept."""

    file: str = Field(description="文件")
    line: int | None = Field(None, description="行号")
    page: int | None = Field(None, description="页码（PDF）", title="页码")
    sheet: str | None = Field(None, description="工作表（XLSX）", title="工作表")
    sheet_row: int | None = Field(None, description="工作表行号（XLSX）", title="工作表行号")
    code: str = Field(description="警告类别")
    message: str = Field(description="说明")


class Document(_Placed):
    """A whole 部门预算信息公开 document."""

    _omitted_when_none: ClassVar[frozenset[str]] = frozenset({"page_count"})

    source_path: str = Field(description="源文件路径")
    sha256: str = Field(description="源文件 SHA-256")
    encoding: str = Field(description="源文件编码")
    form: str = Field(
        "txt", description=listing("文档形式", FORM_LABELS), title="文档形式", json_schema_extra=values(FORM_LABELS)
    )
    page_count: int | None = Field(None, description="页数（PDF）", title="页数")
    dept_code: str | None = Field(None, description="部门编码")
    dept_name: str | None = Field(None, description="部门名称")
    budget_year: int | None = Field(None, description="预算年度")
    overall_goal: str = Field("", description="总体绩效目标")
    dept_goals: list[DeptGoal] = Field(default_factory=list)
    units: list[Unit] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list)
    budget_tables: BudgetTables = Field(
        default_factory=BudgetTables, description="部门预算公开表、政府采购预算与固定资产"
    )
    warnings: list[ParseWarning] = Field(default_factory=list)
