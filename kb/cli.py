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


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
