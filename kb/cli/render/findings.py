"""Rendering findings for ``kb lint``: a report grouped by project, JSON records or CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import groupby
from typing import Any

from kb.checks.context import CheckContext, IndicatorRow
from kb.checks.registry import PRINCIPLES_DOC, RULES, SEVERITIES, SEVERITY_NAMES
from kb.cli.render.text import printable
from kb.jsonsafe import dumps
from kb.models import Finding

CSV_COLUMNS = (
    "severity",
    "rule",
    "rule_family",
    "document_id",
    "project_id",
    "project_name",
    "project_year",
    "indicator_id",
    "position",
    "level2",
    "level3",
    "target_raw",
    "message",
    "principle",
    "evidence",
)


def _indicator(ctx: CheckContext, indicator_id: int | None) -> IndicatorRow | None:
    # An id index built once per context, not a scan per finding.
    if indicator_id is None:
        return None
    index = ctx.memo("indicator_index", lambda: {i.id: i for i in ctx.indicators})
    return index.get(indicator_id)


def _detail(ctx: CheckContext, finding: Finding, indicator: IndicatorRow | None) -> str:
    """The message without the project and row it starts by naming (the report's headings show them)."""
    project = ctx.projects.get(finding.project_id) if finding.project_id is not None else None
    prefix = ctx.where(indicator) if indicator else (project.label() if project else "")
    if prefix and finding.message.startswith(prefix):
        return finding.message[len(prefix) :].removeprefix("的").lstrip()
    return finding.message


def finding_record(ctx: CheckContext, finding: Finding) -> dict[str, Any]:
    """One finding as a flat record: the finding, its rule family and title, its project and indicator."""
    project = ctx.projects.get(finding.project_id) if finding.project_id is not None else None
    indicator = _indicator(ctx, finding.indicator_id)
    rule = RULES.get(finding.rule)
    return {
        **finding.model_dump(),
        "rule_family": finding.rule.split(".", 1)[0],
        "rule_title": rule.title if rule else "",
        "project_name": project.name if project else None,
        "project_year": project.year if project else None,
        "position": indicator.position if indicator else None,
        "level2": indicator.level2 if indicator else None,
        "level3": indicator.level3 if indicator else None,
        "target_raw": indicator.target_raw if indicator else None,
        "detail": _detail(ctx, finding, indicator),
    }


def summary_line(findings: Sequence[Finding], rule_count: int) -> str:
    """Counts per severity and the number of projects concerned."""
    if not findings:
        return f"kb lint：没有发现问题（检查了 {rule_count} 条规则）"
    counts = Counter(f.severity for f in findings)
    parts = "，".join(f"{SEVERITY_NAMES[s]} {counts[s]}" for s in SEVERITIES)
    projects = len({f.project_id for f in findings if f.project_id is not None})
    return (
        f"kb lint：{len(findings)} 条发现（{parts}），涉及 {projects} 个项目；"
        f"检查了 {rule_count} 条规则，规则说明见 {PRINCIPLES_DOC}"
    )


def _project_heading(record: dict[str, Any]) -> str:
    if record["project_id"] is None and record["rule_family"] == "budget":
        return f"文档 {record['document_id']} 的部门预算公开表"
    if record["project_id"] is None:
        return "（不属于任何项目）"
    year = f"{record['project_year']}年" if record["project_year"] is not None else "年度不详"
    return f"项目 {record['project_id']}「{record['project_name'] or '（未知项目）'}」（{year}）"


def _finding_line(record: dict[str, Any], paint: Callable[[str, str], str]) -> str:
    severity = paint(SEVERITY_NAMES[record["severity"]], record["severity"])
    where = ""
    if record["indicator_id"] is not None:
        where = f"  第 {record['position']} 行「{record['level3']}」{record['target_raw']}"
    return f"  {severity}  {record['rule']}{where}\n        {record['detail']}"


def format_report(
    records: Sequence[dict[str, Any]], summary: str, paint: Callable[[str, str], str] = lambda text, _severity: text
) -> str:
    """The findings grouped by project (in project order), each group headed by the project's name and year.

    The documents' texts are cleaned of control characters here, before ``paint`` adds colours.
    """
    records = [{key: printable(v) if isinstance(v, str) else v for key, v in r.items()} for r in records]
    blocks = []
    for _, group in groupby(records, key=lambda r: r["project_id"]):
        members = list(group)
        blocks.append("\n".join([_project_heading(members[0]), *(_finding_line(r, paint) for r in members)]))
    return "\n\n".join([*blocks, summary])


def format_json(records: Sequence[dict[str, Any]]) -> str:
    """The records as a JSON array."""
    return dumps(list(records), ensure_ascii=False, indent=2)


def format_csv(records: Sequence[dict[str, Any]]) -> str:
    """The records as CSV with a header row; evidence as JSON text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({**record, "evidence": dumps(record["evidence"], ensure_ascii=False, sort_keys=True)})
    return out.getvalue()
