"""The canned queries of the Datasette site, written against the names of :mod:`kb.db.schema`.

Every table and column a query names comes from the schema's specs
(``INDICATORS.c.level3``), so a renamed column fails when this module is
imported, and a test runs every query against the seed's knowledge base.
"""

from __future__ import annotations

from indexer.ranking import GOALS_KIND
from kb.checks.registry import FAMILIES, RULES
from kb.db.schema import (
    ANOMALIES,
    BUDGET_ROWS,
    GOAL_INDICATOR_DETAILS,
    INDICATOR_DETAILS,
    INDICATOR_FAMILIES,
    INDICATORS,
    PROJECT_SERIES,
    PROJECTS,
)

Query = dict[str, str]

_v = INDICATOR_DETAILS.c
_INDICATOR_COLUMNS = ", ".join(
    f"v.{name}"
    for name in (
        _v.id,
        _v.project_name,
        _v.project_year,
        _v.level1,
        _v.level2,
        _v.level3,
        _v.description,
        _v.target_raw,
        _v.target_op,
        _v.target_value,
        _v.target_unit,
        _v.basis,
        _v.dept_name,
        _v.source_path,
        _v.first_line,
        _v.last_line,
    )
)


# How many rows a ranked search lists (Datasette returns at most 1,000 rows to a query anyway).
SEARCH_LIMIT = 500


def _search_indicators() -> Query:
    v = INDICATOR_DETAILS.c
    return {
        "title": "按相关度检索项目绩效指标（结巴分词）",
        "description": (
            "输入中文词句（如“受益对象满意度”“满意率”“办公用房”“满意度 ≤90%”），按与索引相同的结巴分词和检索规划"
            "检索三级指标、指标描述、指标值、指标值确定依据和项目名称。结果分档排列：精确匹配在前，其后依次为"
            "相近写法（同义词、词形、词序）、同族指标、同类指标，match_kind 列标明每条属于哪一档；同一档内按 BM25 "
            "相关度排序，文字完全相同的指标得分相同，按编号排列。指标值条件（≤90%、不低于95%、12月前）按写法匹配。"
            "与指标表搜索框的结果逐行一致（说明见 docs/search.md）。"
        ),
        "sql": (
            f"select {_INDICATOR_COLUMNS},\n"
            f"  kb_search_tier(:q, v.{v.id}) as match_kind, round(kb_search_score(:q, v.{v.id}), 3) as score\n"
            f"from {INDICATOR_DETAILS.name} v\n"
            f"where v.{v.id} in (select value from json_each(kb_search_ids(:q, {SEARCH_LIMIT})))\n"
            f"order by kb_search_rank(:q, v.{v.id})"
        ),
    }


def _search_goal_indicators() -> Query:
    v = GOAL_INDICATOR_DETAILS.c
    columns = ", ".join(
        f"v.{name}"
        for name in (v.id, v.goal_seq, v.goal, v.name, v.target_raw, v.target_op, v.target_value, v.target_unit)
    )
    rank = f"(:q, v.{v.id}, '{GOALS_KIND}')"
    return {
        "title": "检索部门分项绩效指标（结巴分词）",
        "description": (
            "在部门整体绩效目标的分项指标（指标名、指标值、分项目标）中检索，与项目指标的检索规则相同："
            "精确匹配在前，其后为相近写法、同族指标、同类指标（match_kind 列），同一档内按相关度排序。"
        ),
        "sql": (
            f"select {columns},"
            f" v.{v.dept_name}, v.{v.budget_year}, v.{v.source_path}, v.{v.first_line},\n"
            f"  kb_search_tier{rank} as match_kind, round(kb_search_score{rank}, 3) as score\n"
            f"from {GOAL_INDICATOR_DETAILS.name} v\n"
            f"where v.{v.id} in (select value from json_each(kb_search_ids(:q, {SEARCH_LIMIT}, '{GOALS_KIND}')))\n"
            f"order by kb_search_rank{rank}"
        ),
    }


def _series_indicators() -> Query:
    s, p, i = PROJECT_SERIES.c, PROJECTS.c, INDICATORS.c
    return {
        "title": "同一项目系列逐年的绩效指标",
        "description": (
            "给出项目系列编号（project_series 表的 id，如“省级就业补助资金”系列），按指标逐年并列："
            "同一三级指标在不同年度、不同文号下的指标值一目了然。"
        ),
        "sql": (
            f"select s.{s.id} as series_id, s.{s.name} as series_name, i.{i.level1}, i.{i.level2}, i.{i.level3},\n"
            f"  p.{p.year} as project_year, p.{p.id} as project_id, p.{p.name} as project_name, "
            f"p.{p.budget} as project_budget,\n"
            f"  i.{i.target_raw}, i.{i.target_op}, i.{i.target_value}, i.{i.target_unit}, i.{i.basis}, "
            f"i.{i.id} as indicator_id\n"
            f"from {PROJECT_SERIES.name} s\n"
            f"  join {PROJECTS.name} p on p.{p.series_id} = s.{s.id}\n"
            f"  join {INDICATORS.name} i on i.{i.project_id} = p.{p.id}\n"
            f"where s.{s.id} = :series_id\n"
            f"order by i.{i.level1}, i.{i.level2}, i.{i.level3}, p.{p.year}, p.{p.id}"
        ),
    }


def _family_members() -> Query:
    f, v = INDICATOR_FAMILIES.c, INDICATOR_DETAILS.c
    return {
        "title": "同一指标族的指标并列比较",
        "description": (
            "给出指标族编号（indicator_families 表的 id，如“受益对象/受益群体/服务对象满意度”族），"
            "列出族内每条指标的项目、年度、指标值与依据，按单位和数值排序，便于发现偏离同类的目标。"
        ),
        "sql": (
            f"select f.{f.id} as family_id, f.{f.name} as family_name, v.{v.id}, v.{v.project_year}, "
            f"v.{v.project_name},\n"
            f"  v.{v.level1}, v.{v.level2}, v.{v.level3}, v.{v.target_raw}, v.{v.target_op}, v.{v.target_value}, "
            f"v.{v.target_unit},\n"
            f"  v.{v.basis}, v.{v.dept_name}, v.{v.source_path}, v.{v.first_line}\n"
            f"from {INDICATOR_FAMILIES.name} f join {INDICATOR_DETAILS.name} v on v.{v.family_id} = f.{f.id}\n"
            f"where f.{f.id} = :family_id\n"
            f"order by v.{v.target_unit}, v.{v.target_op}, v.{v.target_value}, v.{v.project_year}, v.{v.id}"
        ),
    }


def _budget_accounts() -> Query:
    r = BUDGET_ROWS.c
    amounts = ", ".join(
        f"r.{name}"
        for name in (r.total, r.basic, r.project, r.carryover, r.general_budget, r.personnel, r.public_funds)
    )
    return {
        "title": "预算表科目逐级展开",
        "description": (
            "给出文档编号和表的种类（expense 支出总表、income 收入总表、general_expense 一般公共预算财政拨款支出表、"
            "basic_expense 基本支出表……），按科目编码列出类、款、项三级科目及金额，上级科目在前，便于逐级汇总与核对。"
        ),
        "sql": (
            f"select r.{r.seq}, r.{r.code}, r.{r.level}, substr('　　　　', 1, coalesce(length(r.{r.code}), 2) / 2 - 1)"
            f" || r.{r.name} as name,\n"
            f"  {amounts},\n"
            f"  r.{r.parent_code}, r.{r.first_line}\n"
            f"from {BUDGET_ROWS.name} r\n"
            f"where r.{r.document_id} = :document_id and r.{r.table_kind} = :table_kind\n"
            f"order by r.{r.role} <> 'total', r.{r.code}, r.{r.seq}"
        ),
    }


def _recurring_series() -> Query:
    s, p = PROJECT_SERIES.c, PROJECTS.c
    return {
        "title": "跨年度重复出现的项目系列",
        "description": "列出包含两个及以上项目的系列（同一资金在不同年度或文号下重复下达），可据此逐年比较指标。",
        "sql": (
            f"select s.{s.id} as series_id, s.{s.name}, s.{s.project_count}, s.{s.years},\n"
            f"  group_concat(p.{p.name} || '（' || p.{p.year} || '）', '；') as projects\n"
            f"from {PROJECT_SERIES.name} s join {PROJECTS.name} p on p.{p.series_id} = s.{s.id}\n"
            f"where s.{s.project_count} > 1\n"
            f"group by s.{s.id} order by s.{s.project_count} desc, s.{s.name}"
        ),
    }


_a = ANOMALIES.c
_SEVERITY_ORDER = f"case a.{_a.severity} when 'error' then 0 when 'warning' then 1 else 2 end"


def _family_query(family: str) -> str:
    a, p, v = ANOMALIES.c, PROJECTS.c, INDICATOR_DETAILS.c
    return (
        f"select a.{a.id}, a.{a.severity}, a.{a.rule}, a.{a.project_id}, p.{p.name} as project_name, "
        f"p.{p.year} as project_year,\n"
        f"  p.{p.budget} as project_budget, a.{a.indicator_id}, v.{v.position}, v.{v.level1}, v.{v.level2}, "
        f"v.{v.level3}, v.{v.target_raw},\n"
        f"  a.{a.message}, a.{a.evidence}, v.{v.source_path}, v.{v.first_line}\n"
        f"from {ANOMALIES.name} a\n"
        f"  left join {PROJECTS.name} p on p.{p.id} = a.{a.project_id}\n"
        f"  left join {INDICATOR_DETAILS.name} v on v.{v.id} = a.{a.indicator_id}\n"
        f"where a.{a.rule_family} = '{family}'\n"
        f"order by {_SEVERITY_ORDER}, a.{a.project_id}, a.{a.indicator_id}, a.{a.rule}"
    )


def _rules_of(family: str) -> str:
    return "；".join(f"{rule.id}（{rule.title}）" for rule in RULES.values() if rule.family == family)


def anomaly_queries() -> dict[str, Query]:
    """One query per rule family, plus a count of findings per rule."""
    a = ANOMALIES.c
    queries = {
        f"anomalies_{family}": {
            "title": f"一致性检查：{title}",
            "description": f"{description}每条发现与其项目、指标和指标值原文并列。规则：{_rules_of(family)}。",
            "sql": _family_query(family),
        }
        for family, (title, description) in FAMILIES.items()
    }
    queries["anomalies_by_rule"] = {
        "title": "一致性检查：按规则汇总",
        "description": "每条规则发现的问题数、涉及的项目数，按严重程度排序。",
        "sql": (
            f"select a.{a.rule_family}, a.{a.rule}, a.{a.severity}, count(*) as findings,\n"
            f"  count(distinct a.{a.project_id}) as projects\n"
            f"from {ANOMALIES.name} a\n"
            f"group by a.{a.rule_family}, a.{a.rule}, a.{a.severity}\n"
            f"order by {_SEVERITY_ORDER}, findings desc, a.{a.rule}"
        ),
    }
    return queries


def canned_queries() -> dict[str, Query]:
    """Every canned query of the site, by name."""
    return {
        "search_indicators": _search_indicators(),
        "search_goal_indicators": _search_goal_indicators(),
        "series_indicators": _series_indicators(),
        "family_members": _family_members(),
        "budget_accounts": _budget_accounts(),
        "recurring_series": _recurring_series(),
        **anomaly_queries(),
    }
