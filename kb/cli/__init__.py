"""The ``kb`` command: one module per group of subcommands, terminal rendering in ``render``.

Exit statuses and error messages: :mod:`kb.cli.common`.
"""

from __future__ import annotations

import click

from kb.cli.build import build, serve
from kb.cli.explore import search, series, similar
from kb.cli.lint import lint
from kb.cli.parse import parse


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb-performance-targets")
def cli() -> None:
    """绩效指标知识库：extract, search and check government performance targets."""


for command in (parse, build, serve, search, similar, series, lint):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    cli()
