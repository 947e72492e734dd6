"""The Datasette metadata of the knowledge base, generated from the schema.

Column descriptions come from the pydantic field descriptions (through
:mod:`kb.db.schema` and :mod:`kb.db.views`), so they are written once. The
repository's ``datasette-metadata.json`` is this module's output; a test
keeps the two equal, and ``python -m kb.web.metadata`` rewrites the file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kb.db.schema import FTS_TABLES, GOAL_INDICATOR_FTS, INDICATOR_FTS, TABLES, VIEWS
from kb.db.spec import Column, TableSpec, ViewSpec
from kb.web.queries import canned_queries

DEFAULT_DATABASE = "kb"
METADATA_FILE = Path(__file__).resolve().parent.parent.parent / "datasette-metadata.json"

FACETS: dict[str, list[str]] = {
    "documents": ["budget_year", "dept_name", "status"],
    "departments": [],
    "units": ["nature", "rank", "funding", "document_id"],
    "projects": ["year", "series_id", "document_id"],
    # Not project_id: tens of thousands of values, each counted on every unfiltered page; a project has its own page.
    "indicators": ["level1", "level2", "target_op", "target_unit", "project_year"],
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
    "anomalies": ["rule_family", "rule", "severity", "project_id"],
    "build_info": [],
    # The views join three tables for every row a facet counts: over a city's knowledge base, seconds for a page
    # nobody filtered yet. Their tables carry the same facets; a facet can still be asked for (?_facet=).
    "indicator_details": [],
    "goal_indicator_details": [],
}

SEARCHABLE = {
    "indicators": INDICATOR_FTS,
    "indicator_details": INDICATOR_FTS,
    "goal_indicators": GOAL_INDICATOR_FTS,
    "goal_indicator_details": GOAL_INDICATOR_FTS,
}


def _table_metadata(spec: TableSpec | ViewSpec, columns: list[Column], label_column: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "title": spec.title,
        "description": spec.description,
        "columns": {c.name: c.description for c in columns},
        # Not a Datasette key: the short Chinese column headers the site's templates and exports show.
        "labels": {c.name: c.label for c in columns},
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
        tables[spec.name] = _table_metadata(spec, spec.columns, spec.label_column)
    for view in VIEWS:
        tables[view.name] = _table_metadata(view, view.described_columns(), None)
    for fts in FTS_TABLES:
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
                "queries": canned_queries(),
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
