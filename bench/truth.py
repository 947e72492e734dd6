"""Holding a parsed document against the truth of a generated one (:mod:`bench.docgen.templates`).

:func:`differences` lists every field where the parse and the truth disagree,
in words a failing test can print: an empty list is an exact parse. The
golden tests (``tests/test_parse_templates.py``) and the templates column of
the benchmark (:mod:`bench.templates`) both use it. The generators themselves
never import ``kb``; this module is where the two meet.
"""

from __future__ import annotations

from typing import Any

from bench.docgen.blocks import Truth, TruthIndicator
from kb.models import Document, GoalIndicator, Indicator

# The template a project of each generated document is read with (dept_overall: that of its project tables).
PROJECT_TEMPLATE = {
    "header_columns": "local",
    "sparse": "local",
    "central": "central",
    "dept_table": "dept_table",
    "bad_unknown_header": "local",
    "bad_no_indicator_table": "local",
    "bad_sheet_shuffled": "dept_table",
}
# The warning code a parse gives for each kind of warning the truth expects.
WARNING_CODE = {
    "unknown_table_header": "unknown_table_header",
    "no_indicator_table": "missing_indicator_header",
    "missing_column": "missing_column",
    "project_not_in_budget_table": "project_not_in_budget_table",
}
_PROJECT_FIELDS = ("name", "code", "budget", "fiscal_funds", "other_funds", "goal", "supervisor", "implementer")


def expected_template(truth: Truth) -> str:
    """The ``Project.template`` every project of the document should carry."""
    if truth.template == "dept_overall":
        return PROJECT_TEMPLATE[truth.notes["project_template"]]
    return PROJECT_TEMPLATE[truth.template]


def _indicator_fields(indicator: Indicator | GoalIndicator) -> dict[str, Any]:
    target = indicator.target
    common = {
        "level1": indicator.level1,
        "level2": indicator.level2,
        "target_raw": target.raw,
        "op": target.op,
        "value": target.value,
        "unit": target.unit,
        "kind": target.kind,
    }
    if isinstance(indicator, GoalIndicator):
        return {**common, "level3": indicator.name}
    return {
        **common,
        "level3": indicator.level3,
        "description": indicator.description,
        "basis": indicator.basis,
        "extra": indicator.extra,
        "period": indicator.period,
    }


def _truth_fields(truth: TruthIndicator, goal: bool) -> dict[str, Any]:
    fields = {
        "level1": truth.level1,
        "level2": truth.level2,
        "level3": truth.level3,
        "target_raw": truth.target_raw,
        "op": truth.op,
        "value": truth.value,
        "unit": truth.unit,
        "kind": truth.kind,
    }
    if goal:
        return fields
    return {
        **fields,
        "description": truth.description,
        "basis": truth.basis,
        "extra": truth.extra,
        "period": truth.period,
    }


def unkept_spaces(truth: Truth) -> dict[str, str]:
    """Targets as any form prints them where a page break cut a cell right after a space.

    The head of such a cell ends (or its tail starts) with a space no form
    keeps (text conversions trim their cells, a PDF drops the space where it
    wraps): ``≤321.7 `` + ``万元`` reads ``≤321.7万元``. This maps the truth's raw text to that reading
    (operator, number and unit are the same; docs/templates.md, known limits).
    """
    unkept: dict[str, str] = {}
    for cut in truth.notes["cut_rows"]:
        for cell in cut["cells"]:
            head, tail = cell["head"], cell["tail"]
            if head != head.rstrip() or tail != tail.lstrip():
                unkept[head + tail] = head.rstrip() + tail.lstrip()
    return unkept


def _rows(where: str, parsed: list, expected: list[TruthIndicator], goal: bool, unkept: dict[str, str]) -> list[str]:
    out = []
    if len(parsed) != len(expected):
        out.append(f"{where}: {len(parsed)} indicators, truth {len(expected)}")
    for position, (row, truth) in enumerate(zip(parsed, expected, strict=False), start=1):
        got, want = _indicator_fields(row), _truth_fields(truth, goal)
        if want["target_raw"] in unkept and got["target_raw"] == unkept[want["target_raw"]]:
            want["target_raw"] = got["target_raw"]
        for name, value in want.items():
            if got[name] != value:
                out.append(f"{where} row {position} {name}: {got[name]!r} != truth {value!r}")
    return out


def differences(doc: Document, truth: Truth, *, templates: bool = True) -> list[str]:
    """Every disagreement between ``doc`` and ``truth`` (projects, rows, cells, targets, goals, warnings)."""
    out: list[str] = []
    unkept = unkept_spaces(truth)
    if len(doc.projects) != len(truth.projects):
        names = [p.name for p in doc.projects]
        out.append(f"{len(doc.projects)} projects, truth {len(truth.projects)}: {names}")
    for project, expected in zip(doc.projects, truth.projects, strict=False):
        where = f"project {project.seq} {expected.name!r}"
        for name in _PROJECT_FIELDS:
            if getattr(project, name) != getattr(expected, name):
                out.append(f"{where} {name}: {getattr(project, name)!r} != truth {getattr(expected, name)!r}")
        if templates and project.template != expected_template(truth):
            out.append(f"{where} template {project.template!r} != {expected_template(truth)!r}")
        out += _rows(where, project.indicators, expected.indicators, goal=False, unkept=unkept)
    table_goals = [goal for goal in doc.dept_goals if any(i.level1 for i in goal.indicators)]
    if len(table_goals) != len(truth.goals):
        out.append(f"{len(table_goals)} goal tables, truth {len(truth.goals)}")
    for goal, expected_goal in zip(table_goals, truth.goals, strict=False):
        if goal.goal != expected_goal.goal:
            out.append(f"goal {goal.seq} text: {goal.goal!r} != truth {expected_goal.goal!r}")
        out += _rows(f"goal {goal.seq}", goal.indicators, expected_goal.indicators, goal=True, unkept=unkept)
    codes = {w.code for w in doc.warnings}
    for expected_warning in truth.notes["expected_warnings"]:
        code = WARNING_CODE[expected_warning["kind"]]
        if code not in codes:
            out.append(f"expected warning {code} ({expected_warning}) missing; got {sorted(codes)}")
        elif (
            expected_warning["project"]
            and not any(w.code == code and expected_warning["project"] in w.message for w in doc.warnings)
            and code != "missing_indicator_header"
        ):
            out.append(f"warning {code} does not name {expected_warning['project']!r}")
    return out
