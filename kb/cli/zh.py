"""Click's own words in the ``kb`` command's help, in Chinese.

Click takes the words it prints around a command's help (``Usage:``,
``Options``, ``Show this message and exit.`` …) through gettext but ships no
Chinese catalogue, so every ``--help`` would frame Chinese text with English.
:func:`install` gives Click's modules a catalogue of those words; any other
message Click prints is left as Click writes it.
"""

from __future__ import annotations

import click.core
import click.decorators
import click.formatting

HELP_WORDS: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示帮助并退出 (show this message and exit)。",
    "Show the version and exit.": "显示版本并退出 (show the version and exit)。",
    "default: {default}": "默认：{default}",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
}


def _chinese(message: str) -> str:
    return HELP_WORDS.get(message, message)


def install() -> None:
    """Have Click's help use :data:`HELP_WORDS` (the modules look ``_`` up each time they print)."""
    for module in (click.core, click.decorators, click.formatting):
        module._ = _chinese  # type: ignore[attr-defined]
