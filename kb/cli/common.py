"""What every ``kb`` command shares: exit statuses, errors turned into messages, options, progress, JSON.

Exit status: 0 success; 1 the work was done but something is wrong (a
document that could not be parsed, lint errors); 2 nothing useful could be
done (a missing or unreadable file, an unknown id, an empty query).
"""

from __future__ import annotations

import json
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


DB_OPTION = click.option(
    "--db",
    "db_path",
    default="kb.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="要读取的知识库 (the knowledge base to read)。",
)
FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table 终端表格；json 每条一条记录 (JSON records)。",
)
LIMIT_OPTION = click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="最多列出多少条 (at most this many)。"
)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON, Chinese left readable."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def notify(message: str) -> None:
    """A message for the user on stderr."""
    click.echo(message, err=True)


def progress_printer() -> Callable[[Any], None] | None:
    """A one-line progress display on an interactive terminal, nothing otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(p: Any) -> None:
        click.echo(
            f"\r文档 {p.done}/{p.total} · 指标 {p.indicators} · 警告 {p.warnings} · 失败 {p.failed}",
            err=True,
            nl=p.done == p.total,
        )

    return show
