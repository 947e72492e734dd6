"""``kb search``, ``kb similar`` and ``kb series``: finding and comparing indicators in a built knowledge base."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from kb.cli.common import DB_OPTION, FORMAT_OPTION, LIMIT_OPTION, echo, echo_json, notify, reports_errors


@click.command(
    epilog=(
        "\b\n示例 (examples)：\n"
        "  kb search 受益对象满意度                    # 不用分词，直接输入中文\n"
        "  kb search '满意度 ≤90%'                     # 指标值条件：写成 ≤90% 的满意度\n"
        "  kb search 办公用房 --year 2024 --limit 50\n"
        "  kb search 培训 --level2 数量指标 --level2 质量指标\n"
        "  kb search 满意度 --project 就业补助 --format json"
    )
)
@click.argument("query", metavar="QUERY")
@DB_OPTION
@click.option(
    "--level2", multiple=True, metavar="TEXT", help="只检索这一二级指标，如 数量指标；可重复 (only this 二级指标)。"
)
@click.option(
    "--year", "years", multiple=True, type=int, metavar="YEAR", help="只检索这一年度的项目；可重复 (project year)。"
)
@click.option(
    "--project",
    "projects",
    multiple=True,
    metavar="PROJECT",
    help="只检索这个项目：项目编号、序号、项目编码或名称的一部分；可重复 (project id, seq, code or name part)。",
)
@LIMIT_OPTION
@FORMAT_OPTION
@reports_errors
def search(
    query: str,
    db_path: str,
    level2: tuple[str, ...],
    years: tuple[int, ...],
    projects: tuple[str, ...],
    limit: int,
    fmt: str,
) -> None:
    """检索项目绩效指标：QUERY 为中文词句，不必分词。

    Search the indicators for QUERY (Chinese, unsegmented).

    按 BM25F 相关度排序，检索三级指标、指标描述、指标值、指标值确定依据和项目名称：原样相符的（精确匹配）在前，
    其后依次为全部词语、相近写法（满意率 → 满意度）、同族指标、同类指标；≤90% 之类的指标值是条件（见 docs/search.md）。
    表格列出每条指标的来源（文件和行号），终端上标出命中的词。退出状态：0 成功（包括没有结果）；2 查询没有可检索的词
    或知识库不存在。
    """
    from indexer.planner import plan
    from indexer.whoosh_index import search as whoosh_search
    from kb.cli.render.indicators import highlighter, indicator_record, indicator_table
    from kb.db.read import (
        fresh_whoosh_index,
        indicator_rows,
        open_database,
        project_ids,
    )
    from kb.errors import UsageError

    conn = open_database(db_path)
    the_plan = plan(conn, query)
    if the_plan.query.empty:
        raise UsageError(f"查询 {query!r} 只有停用词或标点，没有可检索的词 (the query has no searchable words)")
    directory = fresh_whoosh_index(Path(db_path), conn, notify)
    wanted_projects = [pid for spec in projects for pid in project_ids(conn, spec)]
    hits = whoosh_search(directory, conn, query, level2=level2, years=years, project_ids=wanted_projects, limit=limit)
    rows = indicator_rows(conn, (h.id for h in hits))
    if fmt == "json":
        echo_json(
            [indicator_record(rows[h.id], score=h.score, match_kind=h.label, matched_terms=h.matched) for h in hits]
        )
        return
    terms = the_plan.query.terms()
    asked = " ".join([*terms, *(c.label() for c in the_plan.query.targets)])
    tiers = "，".join(f"{label} {count} 条" for label, count in Counter(h.label for h in hits).items())
    echo(f"{len(hits)} 条结果（Whoosh BM25F；查询词：{asked}" + (f"；{tiers}" if tiers else "") + "）")
    for note in the_plan.notes:
        echo(f"  相近写法：{note}")
    if hits:
        color = sys.stdout.isatty()
        # The table's cells are cleaned of control characters before the highlighting colours them.
        echo(
            indicator_table(
                [rows[h.id] for h in hits],
                [f"{h.label} {h.score:.2f}" for h in hits],
                "匹配 得分",
                decorate=highlighter(terms, color),
            ),
            styled=True,
        )


@click.command(
    epilog=(
        "\b\n示例 (examples)：\n"
        "  kb similar 受益对象满意度                   # 与一段文字相似的指标\n"
        "  kb similar 12345                            # 与编号 12345 的指标相似的指标（编号见 kb search）\n"
        "  kb similar 办公用房年度租赁费 --limit 50 --format json"
    )
)
@click.argument("what", metavar="ID_OR_TEXT")
@DB_OPTION
@LIMIT_OPTION
@FORMAT_OPTION
@reports_errors
def similar(what: str, db_path: str, limit: int, fmt: str) -> None:
    """与 ID_OR_TEXT（指标编号或一段文字）度量相同或相近的指标。

    Indicators measuring the same or nearly the same thing as an indicator (its id) or a text.

    同一指标族的指标在前（✓），其次是名称与描述最相近的，来自所有项目和年度，指标值与来源（文件和行号）并列。
    退出状态：0 成功；2 指标编号不存在、文字没有可比较的词或知识库不存在。
    """
    from indexer.planner import read_query
    from indexer.similarity import probe_for_indicator, probe_for_text
    from indexer.similarity import similar as find_similar
    from kb.cli.render.indicators import indicator_record, indicator_table
    from kb.db.read import indicator_rows, open_database, parse_id
    from kb.errors import UsageError

    conn = open_database(db_path)
    if what.strip().isdigit():
        indicator_id = parse_id(what)
        probe = None if indicator_id is None else probe_for_indicator(conn, indicator_id)
        if indicator_id is None or probe is None:
            raise UsageError(f"没有编号为 {what.strip()} 的指标 (unknown indicator id)")
        subject = indicator_rows(conn, [indicator_id])[indicator_id]
        context = f"{subject['project_name']}，{subject['project_year']}，{subject['target_raw']}"
        title = f"与 {probe.id}「{probe.level3}」（{context}）相似的指标"
    else:
        if read_query(what).empty:
            raise UsageError(f"{what!r} 只有停用词或标点，无法比较 (nothing to compare)")
        probe = probe_for_text(conn, what)
        subject = None
        title = f"与「{what.strip()}」相似的指标"
    matches = find_similar(conn, probe, limit)
    rows = indicator_rows(conn, (m.id for m in matches))
    if fmt == "json":
        echo_json(
            {
                "subject": indicator_record(subject) if subject else {"text": what},
                "similar": [
                    indicator_record(
                        rows[m.id], score=m.score, same_family=m.same_family, name_similarity=m.name_similarity
                    )
                    for m in matches
                ],
            }
        )
        return
    echo(title + f"：{len(matches)} 条（✓ 同一指标族）")
    if matches:
        scores = [f"{'✓ ' if m.same_family else ''}{m.score:.2f}" for m in matches]
        echo(indicator_table([rows[m.id] for m in matches], scores, "相似度"))


@click.command(
    epilog=(
        "\b\n示例 (examples)：\n"
        "  kb series                                   # 跨年度或跨文号重复出现的项目系列\n"
        "  kb series 就业补助资金                      # 这一系列逐年的指标\n"
        "  kb series 就业补助资金 --format json"
    )
)
@click.argument("which", metavar="[SERIES]", required=False)
@DB_OPTION
@FORMAT_OPTION
@reports_errors
def series(which: str | None, db_path: str, fmt: str) -> None:
    """逐年列出一个项目系列的指标（SERIES：系列编号或名称的一部分）。

    Show one project series' indicators year by year (SERIES: series id or part of a name).

    不给 SERIES 时，列出跨年度或跨文号重复出现的系列。退出状态：0 成功；2 系列不存在或知识库不存在。
    """
    from kb.cli.render.indicators import series_table
    from kb.cli.render.table import format_table
    from kb.db.read import open_database, series_detail, series_ids

    conn = open_database(db_path)
    if which is None:
        rows = [
            dict(r)
            for r in conn.execute(
                "SELECT id, name, project_count, years FROM project_series WHERE project_count > 1 "
                "ORDER BY project_count DESC, name"
            )
        ]
        if fmt == "json":
            echo_json(rows)
        else:
            echo(f"跨年度或跨文号重复出现的项目系列 {len(rows)} 个：")
            echo(
                format_table(
                    ["编号", "系列", "项目数", "年度"],
                    [[str(r["id"]), r["name"], str(r["project_count"]), r["years"]] for r in rows],
                )
            )
        return
    details = [series_detail(conn, sid) for sid in series_ids(conn, which)]
    if fmt == "json":
        echo_json(details)
    else:
        echo("\n\n".join(series_table(d) for d in details))
