"""What every generated document shares: its page header, title, and the truth's bookkeeping.

``truth.notes`` always has these keys, so consumers need no guards:

* ``lint_cases``: the planted inconsistencies (:mod:`.lint_cases`);
* ``cut_rows``: rows cut by a page break — owner (project name or goal table),
  indicator index in the truth, head page, the cut cells' head and tail texts,
  and ``overlap`` when the tail repeats the head's last character;
* ``expected_warnings``: what a parser must warn about (kind, project, detail);
* ``conventions``: how this template's truth reads what is printed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from bench.docgen.blocks import GeneratedDoc, Truth, TruthGoal, TruthProject
from bench.docgen.templates.pagination import DocBuilder
from bench.docgen.templates.vocab.orgs import Department

YEARS = (2023, 2024, 2025, 2026)


@dataclass
class DocContext:
    """A document being generated: its randomness, department, year, layout and notes."""

    template: str
    seed: int
    rng: random.Random
    dept: Department
    year: int
    builder: DocBuilder
    notes: dict[str, Any] = field(default_factory=dict)

    def warn(self, kind: str, project: str = "", **detail: Any) -> None:
        """Record a warning a correct parser must give."""
        self.notes["expected_warnings"].append({"kind": kind, "project": project, **detail})

    def convention(self, text: str) -> None:
        """Record how the truth reads something in this document (once, however many tables say so)."""
        if text not in self.notes["conventions"]:
            self.notes["conventions"].append(text)


def page_header(dept: Department, year: int) -> list[str]:
    """The lines each page starts with: department code and name, 预算年度, 单位."""
    return [f"{dept.code} {dept.name}", f"预算年度：{year}", "单位：万元"]


def start(template: str, seed: int, dept: Department | None = None, *, pick: Any = None) -> DocContext:
    """A new document context; ``pick(rng)`` chooses the department when none is given."""
    rng = random.Random(f"{template}:{seed}")
    chosen = dept or pick(rng)
    year = rng.choice(YEARS)
    builder = DocBuilder(rng, page_header(chosen, year), overlap=rng.random() < 0.5)
    notes: dict[str, Any] = {"lint_cases": [], "cut_rows": [], "expected_warnings": [], "conventions": []}
    ctx = DocContext(template, seed, rng, chosen, year, builder, notes)
    builder.heading(f"{chosen.name}{year}年部门预算信息公开", level=1)
    builder.paragraph(f"根据预算法和预算公开有关规定，现将{chosen.name}{year}年部门预算及项目支出绩效目标公开如下。")
    return ctx


def finish(
    ctx: DocContext,
    projects: list[TruthProject],
    goals: list[TruthGoal] | None = None,
    sheets: list[tuple[str, int]] | None = None,
) -> GeneratedDoc:
    """The generated document with its truth: project pages and the cut rows filled in from the layout."""
    for project in projects:
        project.pages = sorted(ctx.builder.pages.get(project.name, set()))
    ctx.notes["cut_rows"] = ctx.builder.cuts
    truth = Truth(
        template=ctx.template,
        dept_name=ctx.dept.name,
        budget_year=ctx.year,
        projects=projects,
        goals=goals or [],
        notes=ctx.notes,
    )
    return GeneratedDoc(
        name=f"{ctx.template}-{ctx.seed:05d}",
        blocks=ctx.builder.blocks,
        page_header=ctx.builder.page_header,
        sheets=sheets or [],
        truth=truth,
    )
