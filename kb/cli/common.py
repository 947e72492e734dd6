"""What every ``kb`` command shares: exit statuses, errors turned into messages, options, progress, output.

Exit status: 0 success; 1 the work was done but something is wrong (a
document that could not be parsed, lint errors); 2 nothing useful could be
done (a missing or unreadable file, an unknown id, an empty query, a full
disk, a corrupt or foreign database, another build of the same database
running); 128 + the signal when interrupted (130 for Ctrl-C, 143 for SIGTERM).
Every error is one line on stderr naming the file, never a traceback.

Everything printed goes through :func:`echo`, which strips terminal escape
sequences and control characters that documents may carry; JSON goes through
:func:`echo_json`, which never writes ``Infinity`` or ``NaN``.
"""

from __future__ import annotations

import signal
import sqlite3
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from kb.cli.render.text import json_printable, printable
from kb.errors import KbError
from kb.jsonsafe import dumps

F = TypeVar("F", bound=Callable[..., Any])

EXIT_PROBLEMS = 1
EXIT_UNUSABLE = 2
# An interrupted command exits with 128 + the signal number, as a shell reports a process killed by it.
EXIT_SIGNAL_BASE = 128


def echo(text: str = "", *, err: bool = False, nl: bool = True, styled: bool = False) -> None:
    """Print ``text`` with escape sequences and control characters removed.

    ``styled`` text carries the CLI's own colours and has had its document
    parts cleaned already (:func:`kb.cli.render.text.printable`).
    """
    click.echo(text if styled else printable(text), err=err, nl=nl)


def fail(message: str, status: int = EXIT_UNUSABLE) -> NoReturn:
    """One line ``错误：…`` on stderr, then exit with ``status``."""
    echo(f"错误：{message}", err=True)
    sys.exit(status)


def _file_error(exc: BaseException, db_path: str | None) -> str | None:
    """The one-line message for a file-system or database-file failure no command named itself, else None."""
    from kb.db.files import ERRNO_MESSAGES, describe_os_error, sqlite_error

    if isinstance(exc, sqlite3.Error):
        translated = sqlite_error(exc, Path(db_path or "kb.db"))
        return str(translated) if translated else None
    if isinstance(exc, OSError) and exc.errno in ERRNO_MESSAGES:
        where = exc.filename if exc.filename is not None else (db_path or "")
        return f"{where}: {describe_os_error(exc)}" if where else describe_os_error(exc)
    return None


def reports_errors(func: F) -> F:
    """Turn what a command refuses into one line on stderr and the documented exit status.

    A :class:`KbError` exits 2; Ctrl-C and SIGTERM exit 128 + the signal;
    a disk or permission failure and a damaged database file that escaped the
    command are named too (exit 2). Anything else is a bug and keeps its traceback.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KbError as exc:
            fail(str(exc))
        except KeyboardInterrupt as exc:
            signum = int(getattr(exc, "signum", signal.SIGINT))
            echo(f"已中断（{signal.Signals(signum).name}），未完成的工作已清理 (interrupted)", err=True)
            sys.exit(EXIT_SIGNAL_BASE + signum)
        except (OSError, sqlite3.Error) as exc:
            message = _file_error(exc, kwargs.get("db_path"))
            if message is None:
                raise
            fail(message)

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
    """Print ``data`` as indented JSON, Chinese left readable; numbers that are not finite as ``null``."""
    echo_json_text(dumps(data, ensure_ascii=False, indent=2))


def echo_json_text(text: str) -> None:
    """Print JSON text, the control characters JSON leaves raw written as ``\\uXXXX`` escapes."""
    click.echo(json_printable(text))


def notify(message: str) -> None:
    """A message for the user on stderr."""
    echo(message, err=True)


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
