"""The Datasette metadata of the knowledge base, generated from the schema.

Column descriptions come from the pydantic field descriptions (through
:mod:`kb.schema` and :mod:`kb.views`), so they are written once. The
repository's ``datasette-metadata.json`` is this module's output; a test
keeps the two equal, and ``python -m kb.site_metadata`` rewrites the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from indexer.fts import GOAL_INDICATOR_FTS, INDICATOR_FTS, TEXT_FTS
from kb.checks.store import FACETS as ANOMALY_FACETS
from kb.checks.store import canned_queries as anomaly_queries
from kb.schema import TableSpec
from kb.tables import TABLES
from kb.views import VIEWS, ViewSpec

DEFAULT_DATABASE = "kb"
METADATA_FILE = Path(__file__).resolve().parent.parent / "datasette-metadata.json"

FACETS: dict[str, list[str]] = {
    "documents": ["budget_year", "dept_name", "status"],
    "departments": [],
    "units": ["nature", "rank", "funding", "document_id"],
    "projects": ["year", "series_id", "document_id"],
    "indicators": ["level1", "level2", "target_op", "target_unit", "project_year", "project_id"],
    "dept_goals": ["document_id"],
    "goal_indicators": ["target_op", "target_unit", "target_kind", "dept_goal_id"],
    "parse_warnings": ["code", "document_id"],
    "project_series": ["project_count", "first_year", "last_year"],
    "indicator_families": ["main_unit", "project_count", "year_count"],
    "indicator_texts": ["level2", "project_count"],
    "budget_tables": ["kind", "empty", "document_id"],
    "budget_rows": ["table_kind", "level", "role", "document_id"],
    "procurement_items": ["role", "unit", "measure_unit", "document_id"],
    "asset_rows": ["role", "document_id"],
    "anomalies": ANOMALY_FACETS,
    "build_info": [],
    "indicator_details": ["level1", "level2", "target_op", "target_unit", "project_year", "project_name"],
    "goal_indicator_details": ["target_op", "target_unit", "budget_year", "dept_name"],
}

SEARCHABLE = {
    "indicators": INDICATOR_FTS,
    "indicator_details": INDICATOR_FTS,
    "goal_indicators": GOAL_INDICATOR_FTS,
    "goal_indicator_details": GOAL_INDICATOR_FTS,
}

_INDICATOR_COLUMNS = (
    "v.id, v.project_name, v.project_year, v.level1, v.level2, v.level3, v.description, v.target_raw, "
    "v.target_op, v.target_value, v.target_unit, v.basis, v.dept_name, v.source_path, v.first_line, v.last_line"
)


def _queries() -> dict[str, Any]:
    return {
        "search_indicators": {
            "title": "按相关度检索项目绩效指标（结巴分词）",
            "description": (
                "输入中文词句（如“受益对象满意度”“办公用房”“创业担保贷款”），用与索引相同的结巴分词切分后检索"
                "三级指标、指标描述、指标值、指标值确定依据和项目名称，按 BM25 相关度排序；"
                "文字完全相同的指标（同一段指标文本）得分相同，按编号排列。"
            ),
            "sql": (
                f"with ranked as (\n"
                f"  select rowid as text_id, {TEXT_FTS.bm25()} as rank from {TEXT_FTS.name}\n"
                f"  where {TEXT_FTS.name} match kb_fts_match(:q) order by rank limit 200)\n"
                f"select {_INDICATOR_COLUMNS},\n  round(-ranked.rank, 3) as score\n"
                f"from ranked join indicators i on i.text_id = ranked.text_id\n"
                f"  join indicator_details v on v.id = i.id\n"
                f"where kb_covers(:q, v.level3, v.description, v.target_raw, v.basis, v.project_name)\n"
                f"order by ranked.rank, v.id\nlimit 500"
            ),
        },
        "search_goal_indicators": {
            "title": "检索部门分项绩效指标（结巴分词）",
            "description": "在部门整体绩效目标的分项指标（指标名、指标值、分项目标）中检索，按相关度排序。",
            "sql": (
                "select v.id, v.goal_seq, v.goal, v.name, v.target_raw, v.target_op, v.target_value, v.target_unit,"
                " v.dept_name, v.budget_year, v.source_path, v.first_line,\n"
                f"  round(-{GOAL_INDICATOR_FTS.bm25()}, 3) as score\n"
                f"from {GOAL_INDICATOR_FTS.name} join goal_indicator_details v on v.id = {GOAL_INDICATOR_FTS.name}.rowid\n"
                f"where {GOAL_INDICATOR_FTS.name} match kb_fts_match(:q)\n"
                f"order by {GOAL_INDICATOR_FTS.bm25()}\nlimit 500"
            ),
        },
        "series_indicators": {
            "title": "同一项目系列逐年的绩效指标",
            "description": (
                "给出项目系列编号（project_series 表的 id，如“省级就业补助资金”系列），按指标逐年并列："
                "同一三级指标在不同年度、不同文号下的指标值一目了然。"
            ),
            "sql": (
                "select s.id as series_id, s.name as series_name, i.level1, i.level2, i.level3,\n"
                "  p.year as project_year, p.id as project_id, p.name as project_name, p.budget as project_budget,\n"
                "  i.target_raw, i.target_op, i.target_value, i.target_unit, i.basis, i.id as indicator_id\n"
                "from project_series s\n"
                "  join projects p on p.series_id = s.id\n"
                "  join indicators i on i.project_id = p.id\n"
                "where s.id = :series_id\n"
                "order by i.level1, i.level2, i.level3, p.year, p.id"
            ),
        },
        "family_members": {
            "title": "同一指标族的指标并列比较",
            "description": (
                "给出指标族编号（indicator_families 表的 id，如“受益对象/受益群体/服务对象满意度”族），"
                "列出族内每条指标的项目、年度、指标值与依据，按单位和数值排序，便于发现偏离同类的目标。"
            ),
            "sql": (
                "select f.id as family_id, f.name as family_name, v.id, v.project_year, v.project_name,\n"
                "  v.level1, v.level2, v.level3, v.target_raw, v.target_op, v.target_value, v.target_unit,\n"
                "  v.basis, v.dept_name, v.source_path, v.first_line\n"
                "from indicator_families f join indicator_details v on v.family_id = f.id\n"
                "where f.id = :family_id\n"
                "order by v.target_unit, v.target_op, v.target_value, v.project_year, v.id"
            ),
        },
        "budget_accounts": {
            "title": "预算表科目逐级展开",
            "description": (
                "给出文档编号和表的种类（expense 支出总表、income 收入总表、general_expense 一般公共预算财政拨款支出表、"
                "basic_expense 基本支出表……），按科目编码列出类、款、项三级科目及金额，上级科目在前，便于逐级汇总与核对。"
            ),
            "sql": (
                "select r.seq, r.code, r.level, substr('　　　　', 1, coalesce(length(r.code), 2) / 2 - 1) || r.name as name,\n"
                "  r.total, r.basic, r.project, r.carryover, r.general_budget, r.personnel, r.public_funds,\n"
                "  r.parent_code, r.first_line\n"
                "from budget_rows r\n"
                "where r.document_id = :document_id and r.table_kind = :table_kind\n"
                "order by r.role <> 'total', r.code, r.seq"
            ),
        },
        "recurring_series": {
            "title": "跨年度重复出现的项目系列",
            "description": "列出包含两个及以上项目的系列（同一资金在不同年度或文号下重复下达），可据此逐年比较指标。",
            "sql": (
                "select s.id as series_id, s.name, s.project_count, s.years,\n"
                "  group_concat(p.name || '（' || p.year || '）', '；') as projects\n"
                "from project_series s join projects p on p.series_id = s.id\n"
                "where s.project_count > 1\n"
                "group by s.id order by s.project_count desc, s.name"
            ),
        },
    }


def _table_metadata(spec: TableSpec | ViewSpec, columns: dict[str, str], label_column: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "title": spec.title,
        "description": spec.description,
        "columns": columns,
        "facets": FACETS.get(spec.name, []),
    }
    if label_column:
        entry["label_column"] = label_column
    fts = SEARCHABLE.get(spec.name)
    if fts is not None:
        entry["fts_table"] = fts.name
        entry["fts_pk"] = "id"
        # Indicator rows are wide; fifty a page keep a search page quick to render and to read.
        entry["size"] = 50
    return entry


def build_metadata(database: str = DEFAULT_DATABASE) -> dict[str, Any]:
    """The whole Datasette metadata dictionary for a database named ``database``."""
    tables: dict[str, Any] = {}
    for spec in TABLES:
        tables[spec.name] = _table_metadata(spec, {c.name: c.description for c in spec.columns}, spec.label_column)
    for view in VIEWS:
        tables[view.name] = _table_metadata(view, {c.name: c.description for c in view.described_columns()}, None)
    for fts in (INDICATOR_FTS, TEXT_FTS, GOAL_INDICATOR_FTS):
        tables[fts.name] = {"hidden": True, "title": "全文索引（结巴分词后的词项）"}
    return {
        "title": "绩效指标知识库",
        "description": (
            "各部门预算信息公开中的项目绩效目标表与部门整体绩效目标：一级/二级/三级指标、指标值、指标值确定依据，"
            "每条都可追溯到源文件的行号。搜索框支持不分词的中文（结巴分词）。"
        ),
        "source": "部门预算信息公开（部门预算公开表与情况说明）",
        "about": "绩效指标知识库",
        "databases": {
            database: {
                "title": "绩效指标知识库",
                "description": "项目、项目绩效指标、部门分项绩效指标、机构设置与解析警告。",
                "tables": tables,
                "queries": {**_queries(), **anomaly_queries()},
            }
        },
    }


def render(database: str = DEFAULT_DATABASE) -> str:
    """The metadata as the JSON text written to ``datasette-metadata.json``."""
    return json.dumps(build_metadata(database), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else METADATA_FILE
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
