"""The ``kb`` command.

Exit status: 0 success; 1 the work was done but something is wrong (parse
warnings in a build, lint errors); 2 nothing useful could be done (a missing
or unreadable file, an unknown id, an empty query).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from kb.errors import KbError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_PROBLEMS = 1
EXIT_UNUSABLE = 2


def reports_errors(func: F) -> F:
    """Turn a :class:`KbError` into a message on stderr and exit status 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KbError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(EXIT_UNUSABLE)

    return wrapper  # type: ignore[return-value]


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
@reports_errors
def build(paths: tuple[str, ...], db_path: str, workers: int | None) -> None:
    """Build the knowledge base from the documents in PATHS (files or folders; default data/).

    Exit status 1 when some document could not be parsed (the others are
    built and the failure is recorded), 2 when nothing could be built.
    """
    from kb.build import build_knowledge_base

    report = build_knowledge_base(paths or ("data",), db_path, workers=workers, progress=_progress_printer())
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
    from pathlib import Path

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


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
