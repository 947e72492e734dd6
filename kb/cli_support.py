"""What every ``kb`` command shares: exit statuses and turning the tool's errors into messages.

Exit status: 0 success; 1 the work was done but something is wrong (a
document that could not be parsed, lint errors); 2 nothing useful could be
done (a missing or unreadable file, an unknown id, an empty query).
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
