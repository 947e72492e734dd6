"""``kb search``, ``kb similar`` and ``kb series``: finding and comparing indicators in a built knowledge base."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from kb.cli.common import DB_OPTION, FORMAT_OPTION, LIMIT_OPTION, echo_json, notify, reports_errors


@click.command()
@click.argument("query")
@DB_OPTION
@click.option("--level2", multiple=True, help="Only this 二级指标 (repeatable), e.g. 数量指标.")
@click.option("--year", "years", multiple=True, type=int, help="Only projects of this year (repeatable).")
@click.option(
    "--project",
    "projects",
    multiple=True,
    help="Only this project: id, sequence number, code or part of the name (repeatable).",
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
    """Search indicators for QUERY (Chinese, unsegmented): BM25F over name, description, target, source, project.

    The query is read like every search (docs/search.md): exact matches first, then other wordings
    (满意率 → 满意度), the indicator's family and its category; targets such as ≤90% are conditions.
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
    click.echo(f"{len(hits)} 条结果（Whoosh BM25F；查询词：{asked}" + (f"；{tiers}" if tiers else "") + "）")
    for note in the_plan.notes:
        click.echo(f"  相近写法：{note}")
    if hits:
        color = sys.stdout.isatty()
        click.echo(
            indicator_table(
                [rows[h.id] for h in hits],
                [f"{h.label} {h.score:.2f}" for h in hits],
                "匹配 得分",
                decorate=highlighter(terms, color),
            )
        )


@click.command()
@click.argument("what")
@DB_OPTION
@LIMIT_OPTION
@FORMAT_OPTION
@reports_errors
def similar(what: str, db_path: str, limit: int, fmt: str) -> None:
    """Indicators measuring the same or nearly the same thing as WHAT (an indicator id or a text).

    Members of the same indicator family come first, then the most alike by name and description,
    from every project and year, with their targets and sources side by side.
    """
    from indexer.planner import read_query
    from indexer.similarity import probe_for_indicator, probe_for_text
    from indexer.similarity import similar as find_similar
    from kb.cli.render.indicators import indicator_record, indicator_table
    from kb.db.read import indicator_rows, open_database
    from kb.errors import UsageError

    conn = open_database(db_path)
    if what.strip().isdigit():
        probe = probe_for_indicator(conn, int(what))
        if probe is None:
            raise UsageError(f"没有编号为 {what} 的指标 (unknown indicator id)")
        subject = indicator_rows(conn, [int(what)])[int(what)]
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
    click.echo(title + f"：{len(matches)} 条（✓ 同一指标族）")
    if matches:
        scores = [f"{'✓ ' if m.same_family else ''}{m.score:.2f}" for m in matches]
        click.echo(indicator_table([rows[m.id] for m in matches], scores, "相似度"))


@click.command()
@click.argument("which", required=False)
@DB_OPTION
@FORMAT_OPTION
@reports_errors
def series(which: str | None, db_path: str, fmt: str) -> None:
    """Show one project series' indicators year by year (WHICH: series id or part of a name).

    Without WHICH, list the series that recur across years or document numbers.
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
            click.echo(f"跨年度或跨文号重复出现的项目系列 {len(rows)} 个：")
            click.echo(
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
        click.echo("\n\n".join(series_table(d) for d in details))
