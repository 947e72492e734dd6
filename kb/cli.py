"""The ``kb`` command (exit statuses: see :mod:`kb.cli_support`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kb.checks.command import lint
from kb.cli_support import EXIT_PROBLEMS, reports_errors
from kb.errors import UsageError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb-performance-targets")
def cli() -> None:
    """绩效指标知识库：extract, search and check government performance targets."""


@cli.command()
@click.argument("file", type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(["json", "summary"]), default="summary", show_default=True,
              help="json: the whole document model; summary: counts per project and every warning.")
@reports_errors
def parse(file: str, fmt: str) -> None:
    """Parse one disclosure FILE and print what was extracted."""
    from kb.parser import parse_document
    from kb.summary import format_summary

    document = parse_document(file)
    if fmt == "json":
        click.echo(document.model_dump_json(indent=2))
    else:
        click.echo(format_summary(document))


def _progress_printer() -> Callable[[Any], None] | None:
    """A one-line progress display on an interactive terminal, nothing otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(p: Any) -> None:
        click.echo(f"\r文档 {p.done}/{p.total} · 指标 {p.indicators} · 警告 {p.warnings} · 失败 {p.failed}",
                   err=True, nl=p.done == p.total)

    return show


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--db", "db_path", default="kb.db", show_default=True, type=click.Path(dir_okay=False, path_type=str),
              help="The SQLite database to write (replaced only when the build is complete).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Parser processes (default: all cores).")
@click.option("--add", "add", is_flag=True,
              help="Add the documents in PATHS to the existing database instead of rebuilding it.")
@reports_errors
def build(paths: tuple[str, ...], db_path: str, workers: int | None, add: bool) -> None:
    """Build the knowledge base from the documents in PATHS (files or folders; default data/).

    Exit status 1 when some document could not be parsed (the others are
    built and the failure is recorded), 2 when nothing could be built.
    """
    from kb.build import add_to_knowledge_base, build_knowledge_base

    if add and not paths:
        raise UsageError("kb build --add 需要给出要加入的文档 (name the documents to add)")
    make = add_to_knowledge_base if add else build_knowledge_base
    report = make(paths or ("data",), db_path, workers=workers, progress=_progress_printer())
    for path, error in report.failed:
        click.echo(f"错误：{path}: {error}", err=True)
    click.echo(report.summary())
    if report.failed:
        sys.exit(EXIT_PROBLEMS)


@cli.command()
@click.option("--db", "db_path", default="kb.db", show_default=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--data", "data_paths", multiple=True, default=("data",), show_default=True,
              help="Documents the database is built from; rebuilt first when they are newer.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--metadata", "metadata_path", type=click.Path(exists=True, dir_okay=False, path_type=str),
              help="Datasette metadata file (default: generated for this database).")
@reports_errors
def serve(db_path: str, data_paths: tuple[str, ...], port: int, host: str, metadata_path: str | None) -> None:
    """Serve the knowledge base read-only with Datasette, building it first if missing or stale."""
    from kb.build import build_knowledge_base
    from kb.serve import datasette_args, is_stale, run_datasette, write_metadata

    db = Path(db_path)
    if is_stale(db, data_paths):
        click.echo(f"{db} 不存在或早于 {', '.join(data_paths)}，正在构建…", err=True)
        report = build_knowledge_base(data_paths, db, progress=_progress_printer())
        for path, error in report.failed:
            click.echo(f"错误：{path}: {error}", err=True)
        click.echo(report.summary(), err=True)
    metadata = Path(metadata_path) if metadata_path else write_metadata(db)
    click.echo(f"绩效指标知识库：http://{host}:{port}/{db.stem}", err=True)
    run_datasette(datasette_args(db, metadata, host, port))


def _echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _notify(message: str) -> None:
    click.echo(message, err=True)


DB_OPTION = click.option("--db", "db_path", default="kb.db", show_default=True,
                         type=click.Path(dir_okay=False, path_type=str), help="The knowledge base to read.")
FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
                             show_default=True)
LIMIT_OPTION = click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)


@cli.command()
@click.argument("query")
@DB_OPTION
@click.option("--level2", multiple=True, help="Only this 二级指标 (repeatable), e.g. 数量指标.")
@click.option("--year", "years", multiple=True, type=int, help="Only projects of this year (repeatable).")
@click.option("--project", "projects", multiple=True,
              help="Only this project: id, sequence number, code or part of the name (repeatable).")
@LIMIT_OPTION
@FORMAT_OPTION
@reports_errors
def search(query: str, db_path: str, level2: tuple[str, ...], years: tuple[int, ...], projects: tuple[str, ...],
           limit: int, fmt: str) -> None:
    """Search indicators for QUERY (Chinese, unsegmented): BM25F over name, description, target, source, project."""
    from indexer.tokenizer import query_terms
    from indexer.whoosh_index import search as whoosh_search
    from kb.errors import UsageError
    from kb.present import highlighter, indicator_record, indicator_table
    from kb.queries import (
        fresh_whoosh_index,
        indicator_rows,
        open_database,
        project_ids,
    )

    terms = query_terms(query)
    if not terms:
        raise UsageError(f"查询 {query!r} 只有停用词或标点，没有可检索的词 (the query has no searchable words)")
    conn = open_database(db_path)
    directory = fresh_whoosh_index(Path(db_path), conn, _notify)
    wanted_projects = [pid for spec in projects for pid in project_ids(conn, spec)]
    hits = whoosh_search(directory, conn, query, level2=level2, years=years, project_ids=wanted_projects,
                         limit=limit)
    rows = indicator_rows(conn, (h.id for h in hits))
    if fmt == "json":
        _echo_json([indicator_record(rows[h.id], score=h.score, matched_terms=h.matched) for h in hits])
        return
    click.echo(f"{len(hits)} 条结果（Whoosh BM25F；查询词：{' '.join(terms)}）")
    if hits:
        color = sys.stdout.isatty()
        click.echo(indicator_table([rows[h.id] for h in hits], [f"{h.score:.2f}" for h in hits], "得分",
                                   decorate=highlighter(terms, color)))


@cli.command()
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
    from indexer.similarity import probe_for_indicator, probe_for_text
    from indexer.similarity import similar as find_similar
    from indexer.tokenizer import query_terms
    from kb.errors import UsageError
    from kb.present import indicator_record, indicator_table
    from kb.queries import indicator_rows, open_database

    conn = open_database(db_path)
    if what.strip().isdigit():
        probe = probe_for_indicator(conn, int(what))
        if probe is None:
            raise UsageError(f"没有编号为 {what} 的指标 (unknown indicator id)")
        subject = indicator_rows(conn, [probe.id])[probe.id]
        title = f"与 {probe.id}「{probe.level3}」（{subject['project_name']}，{subject['project_year']}，{subject['target_raw']}）相似的指标"
    else:
        if not query_terms(what):
            raise UsageError(f"{what!r} 只有停用词或标点，无法比较 (nothing to compare)")
        probe = probe_for_text(conn, what)
        subject = None
        title = f"与「{what.strip()}」相似的指标"
    matches = find_similar(conn, probe, limit)
    rows = indicator_rows(conn, (m.id for m in matches))
    if fmt == "json":
        _echo_json({
            "subject": indicator_record(subject) if subject else {"text": what},
            "similar": [indicator_record(rows[m.id], score=m.score, same_family=m.same_family,
                                         name_similarity=m.name_similarity) for m in matches],
        })
        return
    click.echo(title + f"：{len(matches)} 条（✓ 同一指标族）")
    if matches:
        scores = [f"{'✓ ' if m.same_family else ''}{m.score:.2f}" for m in matches]
        click.echo(indicator_table([rows[m.id] for m in matches], scores, "相似度"))


@cli.command()
@click.argument("which", required=False)
@DB_OPTION
@FORMAT_OPTION
@reports_errors
def series(which: str | None, db_path: str, fmt: str) -> None:
    """Show one project series' indicators year by year (WHICH: series id or part of a name).

    Without WHICH, list the series that recur across years or document numbers.
    """
    from kb.present import series_table
    from kb.queries import open_database, series_detail, series_ids
    from kb.termfmt import format_table

    conn = open_database(db_path)
    if which is None:
        rows = [dict(r) for r in conn.execute(
            "SELECT id, name, project_count, years FROM project_series WHERE project_count > 1 "
            "ORDER BY project_count DESC, name")]
        if fmt == "json":
            _echo_json(rows)
        else:
            click.echo(f"跨年度或跨文号重复出现的项目系列 {len(rows)} 个：")
            click.echo(format_table(["编号", "系列", "项目数", "年度"],
                                    [[str(r["id"]), r["name"], str(r["project_count"]), r["years"]] for r in rows]))
        return
    details = [series_detail(conn, sid) for sid in series_ids(conn, which)]
    if fmt == "json":
        _echo_json(details)
    else:
        click.echo("\n\n".join(series_table(d) for d in details))


cli.add_command(lint)


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
