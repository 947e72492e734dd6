"""``kb parse``: one document, what was extracted from it."""

from __future__ import annotations

import click

from kb.cli.common import echo, echo_json_text, reports_errors


@click.command()
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "summary"]),
    default="summary",
    show_default=True,
    help="json: the whole document model; summary: counts per project and every warning.",
)
@reports_errors
def parse(file: str, fmt: str) -> None:
    """Parse one disclosure FILE and print what was extracted."""
    from kb.cli.render.summary import format_summary
    from kb.parse.document import parse_document

    document = parse_document(file)
    if fmt == "json":
        # pydantic writes numbers that are not finite as null.
        echo_json_text(document.model_dump_json(indent=2))
    else:
        echo(format_summary(document))
