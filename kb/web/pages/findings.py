"""Findings as the 审核 pages show them: errors first, with the rule's Chinese title and principle.

One loader serves the findings page (filters by rule, severity, department
and year, paged), the findings of one project and those of one indicator.
Pages are cut severity by severity, each in id order, so a page of a long
list reads only the rows it shows (the ``severity`` index), not every finding.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from kb.checks.registry import FAMILIES, RULES, SEVERITIES
from kb.db.schema import ANOMALIES, DEPARTMENTS, DOCUMENTS, INDICATORS, PROJECTS
from kb.web.pages.evidence import Entry, Linker, readable
from kb.web.pages.site import Pager, Record, columns, records, severity_name

PAGE_SIZE = 50

_a, _d, _p, _i = ANOMALIES.c, DOCUMENTS.c, PROJECTS.c, INDICATORS.c
_SELECT = (
    f"SELECT {columns(ANOMALIES, 'a')}, p.{_p.name} AS project_name, p.{_p.year} AS project_year, "
    f"i.{_i.position} AS position, i.{_i.level3} AS level3, i.{_i.target_raw} AS target_raw, "
    f"d.{_d.dept_name} AS dept_name, d.{_d.budget_year} AS budget_year "
    f"FROM {ANOMALIES.name} a LEFT JOIN {PROJECTS.name} p ON p.{_p.id} = a.{_a.project_id} "
    f"LEFT JOIN {INDICATORS.name} i ON i.{_i.id} = a.{_a.indicator_id} "
    f"LEFT JOIN {DOCUMENTS.name} d ON d.{_d.id} = a.{_a.document_id}"
)


@dataclass(frozen=True)
class FindingView:
    """One finding as shown."""

    id: int
    rule: str
    rule_title: str
    family_title: str
    severity: str
    severity_name: str
    message: str
    principle: str
    evidence: list[Entry]
    project_id: int | None
    project_name: str | None
    project_year: int | None
    indicator_id: int | None
    position: int | None
    level3: str | None
    target_raw: str | None
    dept_name: str | None
    budget_year: int | None
    document_id: int | None


def rule_title(rule_id: str) -> str:
    """The Chinese title of a rule (its id when the registry does not know it)."""
    rule = RULES.get(rule_id)
    return rule.title if rule else rule_id


def principle(rule_id: str, stored: str | None = None) -> str:
    """The Chinese principle of a rule; what the finding stored when the registry does not know the rule."""
    rule = RULES.get(rule_id)
    return rule.principle_text if rule else (stored or "")


def _view(row: Record, link: Linker) -> FindingView:
    rule = row[_a.rule]
    return FindingView(
        id=row[_a.id],
        rule=rule,
        rule_title=rule_title(rule),
        family_title=FAMILIES.get(rule.split(".", 1)[0], (rule, ""))[0],
        severity=row[_a.severity],
        severity_name=severity_name(row[_a.severity]),
        message=row[_a.message],
        principle=principle(rule, row[_a.principle]),
        evidence=readable(row[_a.evidence], link),
        project_id=row[_a.project_id],
        project_name=row["project_name"],
        project_year=row["project_year"],
        indicator_id=row[_a.indicator_id],
        position=row["position"],
        level3=row["level3"],
        target_raw=row["target_raw"],
        dept_name=row["dept_name"],
        budget_year=row["budget_year"],
        document_id=row[_a.document_id],
    )


def _ordered(rows: list[Record]) -> list[Record]:
    rank = {severity: n for n, severity in enumerate(SEVERITIES)}
    return sorted(rows, key=lambda r: (rank.get(r[_a.severity], 9), r["position"] or 0, r[_a.id]))


def findings_of_indicator(conn: sqlite3.Connection, indicator_id: int, link: Linker) -> list[FindingView]:
    """The findings on one indicator, errors first."""
    rows = records(conn, f"{_SELECT} WHERE a.{_a.indicator_id} = ?", (indicator_id,))
    return [_view(row, link) for row in _ordered(rows)]


def findings_of_project(conn: sqlite3.Connection, project_id: int, link: Linker) -> list[FindingView]:
    """The findings on one project and its indicators, errors first, then in table order."""
    rows = records(conn, f"{_SELECT} WHERE a.{_a.project_id} = ?", (project_id,))
    return [_view(row, link) for row in _ordered(rows)]


@dataclass(frozen=True)
class Filters:
    """What the findings page is narrowed to (None: everything)."""

    rule: str | None = None
    severity: str | None = None
    department: int | None = None
    year: int | None = None
    project: int | None = None

    @classmethod
    def parse(cls, args: dict[str, str]) -> Filters:
        """The filters of a query string; values that cannot be right are ignored."""

        def integer(name: str) -> int | None:
            try:
                return int(args[name]) if args.get(name) else None
            except ValueError:
                return None

        rule = args.get("rule") or None
        if rule is not None and rule not in RULES and rule not in FAMILIES:
            rule = None
        severity = args.get("severity") if args.get("severity") in SEVERITIES else None
        return cls(rule, severity, integer("department"), integer("year"), integer("project"))

    def where(self, *, without: str = "") -> tuple[str, list[Any], bool]:
        """``(WHERE clause, parameters, needs the documents join)`` of every filter but ``without``."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.rule and without != "rule":
            clauses.append(f"a.{_a.rule} = ?" if "." in self.rule else f"a.{_a.rule_family} = ?")
            params.append(self.rule)
        if self.severity and without != "severity":
            clauses.append(f"a.{_a.severity} = ?")
            params.append(self.severity)
        if self.project is not None:
            clauses.append(f"a.{_a.project_id} = ?")
            params.append(self.project)
        if self.department is not None:
            clauses.append(f"d.{_d.department_id} = ?")
            params.append(self.department)
        if self.year is not None:
            clauses.append(f"d.{_d.budget_year} = ?")
            params.append(self.year)
        joined = self.department is not None or self.year is not None
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params, joined

    def query(self, **changes: Any) -> dict[str, Any]:
        """These filters as query parameters, with ``changes`` applied (None drops one)."""
        values = {
            "rule": self.rule,
            "severity": self.severity,
            "department": self.department,
            "year": self.year,
            "project": self.project,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value is not None}


def _counts(conn: sqlite3.Connection, filters: Filters, column: str, without: str) -> dict[str, int]:
    where, params, joined = filters.where(without=without)
    join = f" JOIN {DOCUMENTS.name} d ON d.{_d.id} = a.{_a.document_id}" if joined else ""
    return {
        row["value"]: row["n"]
        for row in records(
            conn, f"SELECT a.[{column}] AS value, count(*) AS n FROM {ANOMALIES.name} a{join}{where} GROUP BY 1", params
        )
    }


@dataclass
class FindingsPage:
    """The findings page: the findings shown, the counts the filters offer, the choices, the pager."""

    filters: Filters
    findings: list[FindingView]
    pager: Pager
    by_severity: dict[str, int]
    by_rule: dict[str, int]
    departments: list[Record] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    project_name: str | None = None


def load_findings_page(
    conn: sqlite3.Connection, filters: Filters, page: str | None, link: Linker, size: int = PAGE_SIZE
) -> FindingsPage:
    """One page of the findings matching ``filters``: errors first, then warnings, then hints, each by id."""
    by_severity = _counts(conn, filters, _a.severity, "severity")
    by_rule = _counts(conn, filters, _a.rule, "rule")
    shown = {s: n for s, n in by_severity.items() if filters.severity in (None, s)}
    pager = Pager.of(page, size, sum(shown.values()))
    where, params, _ = filters.where(without="severity")
    rows: list[Record] = []
    skip, wanted = pager.offset, pager.size
    for severity in SEVERITIES:
        count = shown.get(severity, 0)
        if wanted <= 0 or count == 0:
            continue
        if skip >= count:
            skip -= count
            continue
        clause = f"{where} AND a.{_a.severity} = ?" if where else f" WHERE a.{_a.severity} = ?"
        rows += records(
            conn, f"{_SELECT}{clause} ORDER BY a.{_a.id} LIMIT ? OFFSET ?", [*params, severity, wanted, skip]
        )
        wanted = pager.size - len(rows)
        skip = 0
    dep = DEPARTMENTS.c
    project_name = None
    if filters.project is not None:
        found = records(conn, f"SELECT {_p.name} FROM {PROJECTS.name} WHERE {_p.id} = ?", (filters.project,))
        project_name = found[0][_p.name] if found else None
    return FindingsPage(
        filters=filters,
        findings=[_view(row, link) for row in rows],
        pager=pager,
        by_severity={s: by_severity[s] for s in SEVERITIES if s in by_severity},
        by_rule={rule: by_rule[rule] for rule in [*RULES, *sorted(set(by_rule) - set(RULES))] if rule in by_rule},
        departments=records(
            conn, f"SELECT {dep.id} AS id, {dep.name} AS name FROM {DEPARTMENTS.name} ORDER BY {dep.name}, {dep.id}"
        ),
        years=[
            row["year"]
            for row in records(
                conn,
                f"SELECT DISTINCT {_d.budget_year} AS year FROM {DOCUMENTS.name} "
                f"WHERE {_d.budget_year} IS NOT NULL ORDER BY 1 DESC",
            )
        ],
        project_name=project_name,
    )


@dataclass(frozen=True)
class RuleView:
    """A rule as the rules page lists it."""

    id: str
    title: str
    severity: str
    severity_name: str
    family: str
    family_title: str
    principle: str
    findings: int


def load_rules(conn: sqlite3.Connection) -> list[RuleView]:
    """Every rule of the registry, in report order, with its principle and how many findings it has here."""
    counts = {
        row["rule"]: row["n"]
        for row in records(conn, f"SELECT {_a.rule} AS rule, count(*) AS n FROM {ANOMALIES.name} GROUP BY 1")
    }
    return rule_views(counts)


def rule_views(counts: dict[str, int]) -> list[RuleView]:
    """Every rule of the registry, in report order, with its principle and ``counts[rule]`` findings."""
    return [
        RuleView(
            id=rule.id,
            title=rule.title,
            severity=rule.severity,
            severity_name=severity_name(rule.severity),
            family=rule.family,
            family_title=FAMILIES[rule.family][0],
            principle=rule.principle_text,
            findings=counts.get(rule.id, 0),
        )
        for rule in RULES.values()
    ]
