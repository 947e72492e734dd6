"""The SQLite schema of the knowledge base: every table, FTS5 index and view, and the id scheme.

This module is the one place a table or column is named. Tables store the
pydantic records of :mod:`kb.models` (their columns derive from the fields,
see :mod:`kb.db.spec`); the relational columns a record does not carry (ids,
foreign keys, per-row counts) are declared here once with their Chinese
descriptions, which the Datasette metadata shows. Code that writes SQL names
columns through these specs (``INDICATORS.c.level3``), so a renamed column
fails at import, not in a query.

Ids nest so they can be read and are identical on every rebuild: see
:func:`project_id` and its neighbours.
"""

from __future__ import annotations

from kb.db.spec import Column, FtsSpec, TableSpec, ViewSpec, fk_column, id_column
from kb.models import (
    AssetRow,
    BudgetRow,
    BudgetTable,
    BuildInfo,
    Department,
    DeptGoal,
    Document,
    Finding,
    GoalIndicator,
    Indicator,
    IndicatorFamily,
    IndicatorText,
    ParseWarning,
    ProcurementItem,
    Project,
    ProjectSeries,
    SourceLine,
    Unit,
)
from kb.models.base import listing
from kb.models.budget import AMOUNT_LABELS, PROCUREMENT_LABELS, TABLE_TITLES

# What ``documents.status`` holds: whether the document could be parsed.
DOCUMENT_STATUS_LABELS: dict[str, str] = {"ok": "成功", "failed": "失败"}

# ---------------------------------------------------------------- id scheme
# Documents are numbered in the sorted order of their files. The rows one document contributes are built
# with ids local to the document (1, 2, … per table, foreign keys between them local too); the writer
# numbers them on in document order (see DOCUMENT_TABLES and kb.db.writer). So the same documents always
# give the same ids, adding documents appends ids, and no size of project or document can make two rows
# collide. Where a row sits is read from its columns (document_id, project seq, position), not its id.

# ---------------------------------------------------------------- documents, projects, indicators

DOCUMENTS = TableSpec(
    name="documents",
    model=Document,
    title="文档",
    description="每一份部门预算信息公开文档：来源文件、部门、预算年度与解析结果。",
    leading=(id_column("文档编号"), fk_column("department_id", "部门编号")),
    trailing=(
        Column("title", "TEXT", "文档标题（部门名称＋预算年度）", "文档标题"),
        Column("status", "TEXT", listing("解析状态", DOCUMENT_STATUS_LABELS), "解析状态", DOCUMENT_STATUS_LABELS),
        Column("error", "TEXT", "解析失败的原因"),
        Column("project_count", "INTEGER", "项目数"),
        Column("indicator_count", "INTEGER", "项目绩效指标数"),
        Column("goal_indicator_count", "INTEGER", "部门分项绩效指标数"),
        Column("warning_count", "INTEGER", "解析警告数"),
    ),
    foreign_keys=(("department_id", "departments"),),
    indexes=(("budget_year",), ("department_id",), ("status",)),
    exclude=frozenset({"budget_tables"}),
    label_column="title",
)

SOURCE_LINES = TableSpec(
    name="source_lines",
    model=SourceLine,
    title="源文件原文",
    description=(
        "每份文档解析时读到的原文，逐行存放（空行不存）：指标与项目页面的“原文”由此显示，"
        "内网服务器无需保留源文件。行号与指标、项目、解析警告的来源行号一致。"
    ),
    leading=(id_column("原文行编号（按文档顺序连续编号）", "原文行编号"), fk_column("document_id", "文档编号")),
    foreign_keys=(("document_id", "documents"),),
    # An indicator's page reads the lines around its rows: one document, a range of line numbers.
    indexes=(("document_id", "line"),),
    label_column="text",
)

DEPARTMENTS = TableSpec(
    name="departments",
    model=Department,
    title="部门",
    description="发布预算信息公开的部门（按部门编码与名称归并）。",
    indexes=(("code", "name"),),
    label_column="name",
)

UNITS = TableSpec(
    name="units",
    model=Unit,
    title="机构设置",
    description="部门机构设置情况表中的所属单位。",
    leading=(id_column("单位编号"), fk_column("document_id", "文档编号")),
    foreign_keys=(("document_id", "documents"),),
    indexes=(("document_id",), ("nature",)),
    label_column="name",
)

PROJECTS = TableSpec(
    name="projects",
    model=Project,
    title="项目",
    description="项目绩效目标表中的项目：编码、名称、预算、资金用途、支出计划与绩效目标。",
    leading=(id_column("项目编号（按文档顺序连续编号）", "项目编号"), fk_column("document_id", "文档编号")),
    trailing=(
        Column("indicator_count", "INTEGER", "绩效指标数"),
        Column("series_key", "TEXT", "项目系列键：去掉文号、年度与“提前下达”后的名称", "项目系列键"),
        fk_column("series_id", "项目系列编号：不同年度、不同文号下的同一项资金", "项目系列编号"),
    ),
    foreign_keys=(("document_id", "documents"), ("series_id", "project_series")),
    indexes=(("document_id",), ("year",), ("code",), ("series_id",)),
    label_column="name",
)

INDICATORS = TableSpec(
    name="indicators",
    model=Indicator,
    title="项目绩效指标",
    description="项目绩效目标表的每一行：一级、二级、三级指标，指标描述，指标值（原文与解析结果）和指标值确定依据。",
    leading=(
        id_column("指标编号（按文档、项目与行序连续编号）", "指标编号"),
        fk_column("project_id", "项目编号"),
        fk_column("document_id", "文档编号"),
    ),
    trailing=(
        Column("project_year", "INTEGER", "项目年度（取自项目，便于按年度分面）", "项目年度"),
        fk_column("family_id", "指标族编号：不同措辞、同一度量的指标归为一族", "指标族编号"),
        fk_column(
            "text_id", "指标文本编号：三级指标、描述、指标值、依据和二级指标完全相同的指标共用一个", "指标文本编号"
        ),
    ),
    foreign_keys=(
        ("project_id", "projects"),
        ("document_id", "documents"),
        ("family_id", "indicator_families"),
        ("text_id", "indicator_texts"),
    ),
    indexes=(
        ("project_id",),
        ("document_id",),
        ("level1",),
        ("level2",),
        ("target_op",),
        ("target_unit",),
        ("target_kind",),
        ("project_year",),
        ("family_id",),
        ("text_id",),
        # Covering indexes for adding documents: each name's family, and the units per 二级指标.
        ("level3", "family_id"),
        ("target_kind", "level2", "target_op", "target_unit", "target_value"),
        # The family page's chart: a family's numeric targets per unit and operator, read from the index alone.
        ("family_id", "target_kind", "target_unit", "target_op", "target_value"),
    ),
    label_column="level3",
)

DEPT_GOALS = TableSpec(
    name="dept_goals",
    model=DeptGoal,
    title="部门分项绩效目标",
    description="部门整体绩效目标中的分项绩效目标。",
    leading=(id_column("分项目标编号（按文档顺序连续编号）", "分项目标编号"), fk_column("document_id", "文档编号")),
    trailing=(Column("indicator_count", "INTEGER", "绩效指标数"),),
    foreign_keys=(("document_id", "documents"),),
    indexes=(("document_id",),),
    label_column="goal",
)

GOAL_INDICATORS = TableSpec(
    name="goal_indicators",
    model=GoalIndicator,
    title="部门分项绩效指标",
    description="分项绩效目标下的每一条绩效指标（指标名与指标值）。",
    leading=(
        id_column("指标编号（按文档、分项目标与顺序连续编号）", "指标编号"),
        fk_column("dept_goal_id", "分项目标编号"),
        fk_column("document_id", "文档编号"),
    ),
    foreign_keys=(("dept_goal_id", "dept_goals"), ("document_id", "documents")),
    indexes=(("dept_goal_id",), ("document_id",), ("target_op",), ("target_unit",), ("target_kind",)),
    label_column="name",
)

PARSE_WARNINGS = TableSpec(
    name="parse_warnings",
    model=ParseWarning,
    title="解析警告",
    description="解析时无法完全理解的行与无法读取的文档；其余内容均已保留。",
    leading=(id_column("警告编号"), fk_column("document_id", "文档编号")),
    foreign_keys=(("document_id", "documents"),),
    indexes=(("document_id",), ("code",)),
    label_column="message",
)

PROJECT_SERIES = TableSpec(
    name="project_series",
    model=ProjectSeries,
    title="项目系列",
    description="跨年度、跨文号的同一项资金：名称去掉文号、年度与“提前下达”后相同的项目归为一个系列。",
    indexes=(("name",),),
    label_column="name",
)

INDICATOR_FAMILIES = TableSpec(
    name="indicator_families",
    model=IndicatorFamily,
    title="指标族",
    description="措辞不同、度量相同的指标归为一族（如受益对象/受益群体/服务对象满意度），并汇总族内指标值的分布，便于横向比较。",
    indexes=(("key",), ("size",)),
    label_column="name",
)

INDICATOR_TEXTS = TableSpec(
    name="indicator_texts",
    model=IndicatorText,
    title="指标文本",
    description=(
        "三级指标、绩效指标描述、指标值、指标值确定依据和二级指标完全相同的指标只存一份文本，"
        "全文检索按文本计算相关度再展开到各条指标；member_count 说明这段文本被多少条指标（多少个项目）照用。"
    ),
    indexes=(("key",), ("member_count",)),
    label_column="level3",
)

BUILD_INFO = TableSpec(
    name="build_info",
    model=BuildInfo,
    title="构建信息",
    description="本知识库的构建标识：由文档内容与索引词项计算，全文索引（Whoosh）据此判断是否过期。",
    label_column="build_id",
)


# ---------------------------------------------------------------- budget tables (docs/budget_tables.md)

_AMOUNTS = frozenset({"amounts"})


def _amount_columns(labels: dict[str, str]) -> tuple[Column, ...]:
    # The label drops what the table's title already says (政府采购金额：合计 → 合计).
    return tuple(
        Column(name, "REAL", f"{label}（万元）", f"{label.rsplit('：', 1)[-1]}（万元）")
        for name, label in labels.items()
    )


BUDGET_TABLES = TableSpec(
    name="budget_tables",
    model=BudgetTable,
    title="预算公开表",
    description="每份文档中的部门预算公开表（收支总表、收入总表、支出总表……）、政府采购预算表和固定资产占用情况表；空表也记录在此。",
    leading=(id_column("预算表编号（按文档顺序连续编号）", "预算表编号"), fk_column("document_id", "文档编号")),
    trailing=(
        Column("amount_columns", "TEXT", "表中的金额栏（英文编号，逗号分隔）", "金额栏"),
        Column("as_of", "TEXT", "截止时间（仅固定资产占用情况表）", "截止时间"),
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
        id_column("行编号（按文档顺序连续编号）", "行编号"),
        fk_column("budget_table_id", "预算表编号"),
        fk_column("document_id", "文档编号"),
        Column("table_kind", "TEXT", "表的种类（英文编号，便于分面）", "表的种类", TABLE_TITLES),
    ),
    trailing=(
        fk_column("parent_id", "上级科目所在行的编号（同一张表内）", "上级行编号"),
        *_amount_columns(AMOUNT_LABELS),
    ),
    foreign_keys=(("budget_table_id", "budget_tables"), ("document_id", "documents"), ("parent_id", "budget_rows")),
    indexes=(
        ("budget_table_id",),
        ("document_id",),
        ("table_kind",),
        ("code",),
        ("parent_code",),
        ("level",),
        ("role",),
        ("parent_id",),
    ),
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
        id_column("行编号（按文档顺序连续编号）", "行编号"),
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
        id_column("行编号（按文档顺序连续编号）", "行编号"),
        fk_column("budget_table_id", "预算表编号"),
        fk_column("document_id", "文档编号"),
    ),
    foreign_keys=(("budget_table_id", "budget_tables"), ("document_id", "documents")),
    indexes=(("budget_table_id",), ("document_id",)),
    label_column="name",
)

BUDGET_TABLE_SPECS: tuple[TableSpec, ...] = (BUDGET_TABLES, BUDGET_ROWS, PROCUREMENT_ITEMS, ASSET_ROWS)


# ---------------------------------------------------------------- findings

ANOMALIES = TableSpec(
    name="anomalies",
    model=Finding,
    title="一致性检查发现",
    description=(
        "一致性检查发现的问题：方向写反的指标值（如满意度 ≤90%）、无法衡量的指标值、与预算不符的成本、"
        "归类不当的二级指标、照搬的指标表、偏离同类指标的目标和不合理的资金支出计划。"
        "每条都指明规则、严重程度、项目与指标，证据以 JSON 给出；规则说明见 docs/rules.md。"
    ),
    leading=(
        Column("id", "INTEGER", "发现编号（按项目、指标、规则排序）", "发现编号"),
        Column(
            "rule_family",
            "TEXT",
            "规则类别：direction 指标方向 / measurable 无法衡量 / cost 成本与预算不符 / "
            "category 归类不当 / copy 重复与照搬 / peer 偏离同类 / plan 支出计划 / "
            "parse 无法解析 / budget 预算表勾稽",
            "规则类别",
        ),
    ),
    foreign_keys=(("document_id", "documents"), ("project_id", "projects"), ("indicator_id", "indicators")),
    # The overview and the findings page count findings by rule and severity under each filter, and page
    # through one severity in id order: these indexes answer both without reading the (wide) rows.
    indexes=(
        ("rule", "severity"),
        ("rule_family", "rule", "severity"),
        ("severity",),
        ("severity", "rule"),
        ("project_id",),
        ("indicator_id",),
        ("document_id", "rule", "severity"),
    ),
    label_column="message",
)


# ---------------------------------------------------------------- full-text indexes
# SQLite cannot run jieba, so each FTS5 table holds pre-segmented terms (indexer.tokenizer) and its own
# unicode61 tokenizer only splits on spaces. An indicator's name weighs most; the project it belongs to
# helps, the source least.

INDICATOR_FTS = FtsSpec(
    name="indicators_fts",
    content_of="indicators",
    columns=("level3", "description", "target_raw", "basis", "project_name"),
    weights=(5.0, 2.0, 1.0, 0.5, 1.5),
)
# One row per distinct indicator text (indexer.texts): ranking scores each text once, not every copy of it.
TEXT_FTS = FtsSpec(
    name="indicator_texts_fts",
    content_of="indicator_texts",
    columns=("level3", "description", "target_raw", "basis", "project_names"),
    weights=INDICATOR_FTS.weights,
)
GOAL_INDICATOR_FTS = FtsSpec(
    name="goal_indicators_fts",
    content_of="goal_indicators",
    columns=("name", "target_raw", "goal"),
    weights=(5.0, 1.0, 1.5),
)
FTS_TABLES: tuple[FtsSpec, ...] = (INDICATOR_FTS, TEXT_FTS, GOAL_INDICATOR_FTS)

# ---------------------------------------------------------------- every table, in creation order
# (a table before the tables that refer to it)

TABLES: tuple[TableSpec, ...] = (
    DEPARTMENTS,
    DOCUMENTS,
    SOURCE_LINES,
    BUDGET_TABLES,
    BUDGET_ROWS,
    PROCUREMENT_ITEMS,
    ASSET_ROWS,
    UNITS,
    PROJECT_SERIES,
    PROJECTS,
    INDICATOR_FAMILIES,
    INDICATOR_TEXTS,
    INDICATORS,
    DEPT_GOALS,
    GOAL_INDICATORS,
    PARSE_WARNINGS,
    BUILD_INFO,
    ANOMALIES,
)
TABLES_BY_NAME: dict[str, TableSpec] = {spec.name: spec for spec in TABLES}
# The tables whose rows one document contributes, with ids local to the document until the writer numbers
# them on (their foreign keys to each other are local too).
DOCUMENT_TABLES: tuple[TableSpec, ...] = (
    UNITS,
    PROJECTS,
    INDICATORS,
    DEPT_GOALS,
    GOAL_INDICATORS,
    PARSE_WARNINGS,
    *BUDGET_TABLE_SPECS,
    SOURCE_LINES,
)

# ---------------------------------------------------------------- views

INDICATOR_DETAILS = ViewSpec(
    name="indicator_details",
    title="指标一览（含项目与部门）",
    description="每条项目绩效指标与其项目名称、项目年度、预算、部门和解析后的指标值并列，便于筛选、分面和导出。",
    columns=(
        ("id", "i", "id"),
        ("project_id", "i", "project_id"),
        ("project_seq", "p", "seq"),
        ("project_name", "p", "name"),
        ("project_code", "p", "code"),
        ("project_year", "p", "year"),
        ("project_budget", "p", "budget"),
        ("series_id", "p", "series_id"),
        ("family_id", "i", "family_id"),
        ("budget_year", "d", "budget_year"),
        ("dept_name", "d", "dept_name"),
        ("position", "i", "position"),
        ("level1", "i", "level1"),
        ("level2", "i", "level2"),
        ("level3", "i", "level3"),
        ("description", "i", "description"),
        ("target_raw", "i", "target_raw"),
        ("target_op", "i", "target_op"),
        ("target_value", "i", "target_value"),
        ("target_unit", "i", "target_unit"),
        ("target_kind", "i", "target_kind"),
        ("basis", "i", "basis"),
        ("document_id", "i", "document_id"),
        ("source_path", "d", "source_path"),
        ("first_line", "i", "first_line"),
        ("last_line", "i", "last_line"),
    ),
    source="FROM indicators i JOIN projects p ON p.id = i.project_id JOIN documents d ON d.id = i.document_id",
    aliases={"i": INDICATORS, "p": PROJECTS, "d": DOCUMENTS},
)

GOAL_INDICATOR_DETAILS = ViewSpec(
    name="goal_indicator_details",
    title="部门分项指标一览",
    description="每条部门分项绩效指标与其分项目标、部门和预算年度并列。",
    columns=(
        ("id", "gi", "id"),
        ("dept_goal_id", "gi", "dept_goal_id"),
        ("goal_seq", "g", "seq"),
        ("goal", "g", "goal"),
        ("budget_year", "d", "budget_year"),
        ("dept_name", "d", "dept_name"),
        ("position", "gi", "position"),
        ("name", "gi", "name"),
        ("target_raw", "gi", "target_raw"),
        ("target_op", "gi", "target_op"),
        ("target_value", "gi", "target_value"),
        ("target_unit", "gi", "target_unit"),
        ("target_kind", "gi", "target_kind"),
        ("text", "gi", "text"),
        ("document_id", "gi", "document_id"),
        ("source_path", "d", "source_path"),
        ("first_line", "gi", "first_line"),
        ("last_line", "gi", "last_line"),
    ),
    source=(
        "FROM goal_indicators gi JOIN dept_goals g ON g.id = gi.dept_goal_id JOIN documents d ON d.id = gi.document_id"
    ),
    aliases={"gi": GOAL_INDICATORS, "g": DEPT_GOALS, "d": DOCUMENTS},
)

VIEWS: tuple[ViewSpec, ...] = (INDICATOR_DETAILS, GOAL_INDICATOR_DETAILS)
