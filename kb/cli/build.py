"""``kb build`` and ``kb serve``: make the knowledge base, publish it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.cli.common import EXIT_PROBLEMS, progress_printer, reports_errors
from kb.errors import UsageError


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--db",
    "db_path",
    default="kb.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="The SQLite database to write (replaced only when the build is complete).",
)
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Parser processes (default: all cores).")
@click.option(
    "--add", "add", is_flag=True, help="Add the documents in PATHS to the existing database instead of rebuilding it."
)
@reports_errors
def build(paths: tuple[str, ...], db_path: str, workers: int | None, add: bool) -> None:
    """Build the knowledge base from the documents in PATHS (files or folders; default data/).

    Exit status 1 when some document could not be parsed (the others are
    built and the failure is recorded), 2 when nothing could be built.
    """
    from kb.db.build import add_to_knowledge_base, build_knowledge_base

    if add and not paths:
        raise UsageError("kb build --add 需要给出要加入的文档 (name the documents to add)")
    make = add_to_knowledge_base if add else build_knowledge_base
    report = make(paths or ("data",), db_path, workers=workers, progress=progress_printer())
    for path, error in report.failed:
        click.echo(f"错误：{path}: {error}", err=True)
    click.echo(report.summary())
    if report.failed:
        sys.exit(EXIT_PROBLEMS)


@click.command()
@click.option("--db", "db_path", default="kb.db", show_default=True, type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--data",
    "data_paths",
    multiple=True,
    default=("data",),
    show_default=True,
    help="Documents the database is built from; rebuilt first when they are newer.",
)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--metadata",
    "metadata_path",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="Datasette metadata file (default: generated for this database).",
)
@reports_errors
def serve(db_path: str, data_paths: tuple[str, ...], port: int, host: str, metadata_path: str | None) -> None:
    """Serve the knowledge base read-only with Datasette, building it first if missing or stale.

    Exit status 2 when the database is not a complete knowledge base (truncated,
    corrupt, another program's SQLite file). A --host other than a loopback
    address is served with a warning: the site is then open to the network.
    """
    from kb.db.build import build_knowledge_base
    from kb.web.serve import check_database, datasette_args, exposure_warning, is_stale, run_datasette, write_metadata

    db = Path(db_path)
    if is_stale(db, data_paths):
        click.echo(f"{db} 不存在或早于 {', '.join(data_paths)}，正在构建…", err=True)
        report = build_knowledge_base(data_paths, db, progress=progress_printer())
        for path, error in report.failed:
            click.echo(f"错误：{path}: {error}", err=True)
        click.echo(report.summary(), err=True)
    check_database(db)
    warning = exposure_warning(host)
    if warning:
        click.echo(warning, err=True)
    metadata = Path(metadata_path) if metadata_path else write_metadata(db)
    click.echo(f"绩效指标知识库：http://{host}:{port}/{db.stem}", err=True)
    run_datasette(datasette_args(db, metadata, host, port))
