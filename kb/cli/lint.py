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

import sqlite3
import sys
from collections.abc import Callable

import click

from kb.checks.context import CheckContext, load_context
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
from kb.db.schema import DOCUMENTS
from kb.models import Finding

_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def _filter(findings: list[Finding], severities: tuple[str, ...]) -> list[Finding]:
    return [f for f in findings if not severities or f.severity in severities]


def _in_scope(
    conn: sqlite3.Connection, ctx: CheckContext, projects: tuple[str, ...], years: tuple[int, ...]
) -> Callable[[Finding], bool]:
    """Whether a finding concerns one of ``projects`` (ids, codes or name parts) and one of ``years``.

    A finding about a project has the project's year; one about a whole document (the budget
    reconciliation) has the document's budget year, and no project.
    """
    from kb.db.read import project_ids

    wanted = {pid for spec in projects for pid in project_ids(conn, spec)}
    d = DOCUMENTS.c
    budget_years = dict(conn.execute(f"SELECT {d.id}, {d.budget_year} FROM {DOCUMENTS.name}").fetchall())

    def year_of(finding: Finding) -> int | None:
        if finding.project_id is not None:
            project = ctx.projects.get(finding.project_id)
            return project.year if project else None
        return budget_years.get(finding.document_id)

    def keep(finding: Finding) -> bool:
        if projects and finding.project_id not in wanted:
            return False
        return not years or year_of(finding) in years

    return keep


def _painter(enabled: bool) -> Callable[[str, str], str]:
    """Colour a severity label on a terminal; leave it plain otherwise."""
    if not enabled:
        return lambda text, _severity: text
    return lambda text, severity: click.style(text, fg=_COLOURS.get(severity), bold=severity == "error")


@click.command(
    epilog=(
        "\b\n示例 (examples)：\n"
        "  kb lint                                   # 全部发现，按项目分组\n"
        "  kb lint --severity error                  # 只看错误\n"
        "  kb lint --rule direction --rule cost      # 指标方向和成本两类规则\n"
        "  kb lint --project 就业补助 --year 2024     # 名称含“就业补助”的 2024 年项目\n"
        "  kb lint --project 13019024P0042TD10003H --format json   # 一个项目（编码），JSON 记录\n"
        "  kb lint --format csv > 发现.csv            # CSV，可再导入表格"
    )
)
@click.option(
    "--db",
    "db_path",
    default="kb.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="要检查的知识库 (the knowledge base to check)。",
)
@click.option(
    "--severity",
    "severities",
    multiple=True,
    type=click.Choice(SEVERITIES),
    help="只看这一严重程度：error 错误 / warning 警告 / info 提示；可重复 (repeatable)。",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="RULE",
    help="只看这条规则：规则编号 (direction.satisfaction) 或类别 (direction)；可重复。",
)
@click.option(
    "--project",
    "projects",
    multiple=True,
    metavar="PROJECT",
    help="只看这个项目：项目编号、序号、项目编码或名称的一部分；可重复 (project id, seq, code or part of the name)。",
)
@click.option(
    "--year",
    "years",
    multiple=True,
    type=int,
    metavar="YEAR",
    help="只看这一年度：项目的年度；不属于项目的发现（预算表勾稽）按文档的预算年度；可重复。",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table 按项目分组的报告；json 每条发现一条记录；csv 同 json 的表格。",
)
@reports_errors
def lint(
    db_path: str,
    severities: tuple[str, ...],
    rules: tuple[str, ...],
    projects: tuple[str, ...],
    years: tuple[int, ...],
    fmt: str,
) -> None:
    """检查知识库中不可能成立的指标值（规则及其原则见 docs/rules.md）。

    Check the knowledge base for targets that cannot be right.

    退出状态 (exit status)：报告中有错误 (error) 时为 1，否则为 0；规则、项目不存在或知识库缺失时为 2。
    """
    from kb.db.read import open_database

    selected = select_rules(rules)
    conn = open_database(db_path, full_text=False)
    ctx = load_context(conn)
    in_scope = _in_scope(conn, ctx, projects, years)
    # Rules on single documents (the budget reconciliation) need the parsed tables, so kb build ran them;
    # their findings are read back.
    per_document = stored_findings(conn, [rule.id for rule in selected if rule.per_document])
    findings = _filter(
        sorted(
            (f for f in [*check_context(ctx, [rule.id for rule in selected]), *per_document] if in_scope(f)),
            key=finding_order,
        ),
        severities,
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
