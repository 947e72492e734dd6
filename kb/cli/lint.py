"""``kb lint``: find targets that cannot be right.

The command runs the rules on the database it is given rather than reading
the ``anomalies`` table ``kb build`` stored: the rules take well under a
second on a document and a few seconds on a province, and running them means
the report always matches the rules installed (and works on a database built
before the table existed). The stored table is for Datasette.

Register with ``cli.add_command(lint)``; import this module after
:func:`kb.cli.reports_errors` is defined (it imports it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from kb.checks.context import load_context
from kb.checks.engine import check_context, finding_order
from kb.checks.registry import SEVERITIES, select_rules
from kb.checks.store import stored_findings
from kb.cli.common import EXIT_PROBLEMS, echo, echo_json_text, reports_errors
from kb.cli.render.findings import (
    finding_record,
    format_csv,
    format_json,
    format_report,
    summary_line,
)
from kb.models import Finding

_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def _filter(findings: list[Finding], severities: tuple[str, ...]) -> list[Finding]:
    return [f for f in findings if not severities or f.severity in severities]


def _painter(enabled: bool) -> Callable[[str, str], str]:
    """Colour a severity label on a terminal; leave it plain otherwise."""
    if not enabled:
        return lambda text, _severity: text
    return lambda text, severity: click.style(text, fg=_COLOURS.get(severity), bold=severity == "error")


@click.command()
@click.option(
    "--db",
    "db_path",
    default="kb.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="The knowledge base to check.",
)
@click.option(
    "--severity",
    "severities",
    multiple=True,
    type=click.Choice(SEVERITIES),
    help="Only findings of this severity (repeatable).",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="ID",
    help="Only this rule: an id (direction.satisfaction) or a prefix (direction) (repeatable).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table: a report grouped by project; json: one record per finding; csv: the same as a table.",
)
@reports_errors
def lint(db_path: str, severities: tuple[str, ...], rules: tuple[str, ...], fmt: str) -> None:
    """Check the knowledge base for targets that cannot be right (rules: docs/rules.md).

    Exit status 1 when a reported finding is an error, 0 otherwise; 2 for an
    unknown rule or a missing database.
    """
    from kb.db.read import open_database

    selected = select_rules(rules)
    conn = open_database(db_path, full_text=False)
    ctx = load_context(conn)
    # Rules on single documents (the budget reconciliation) need the parsed tables, so kb build ran them;
    # their findings are read back.
    per_document = stored_findings(conn, [rule.id for rule in selected if rule.per_document])
    findings = _filter(
        sorted([*check_context(ctx, [rule.id for rule in selected]), *per_document], key=finding_order), severities
    )
    records = [finding_record(ctx, f) for f in findings]
    if fmt == "json":
        echo_json_text(format_json(records))
    elif fmt == "csv":
        echo(format_csv(records), nl=False)
    else:
        summary = summary_line(findings, len(selected))
        # The report cleans the documents' texts before the severity labels are coloured.
        echo(format_report(records, summary, _painter(sys.stdout.isatty())), styled=True)
    if any(f.severity == "error" for f in findings):
        sys.exit(EXIT_PROBLEMS)
