"""Making sure each text-target document shows every written form a parser must read.

The form picker already cycles through forms; a small document may still miss
some. This rewrites spare rows (whose form occurs more than once, never a lint
case, never a row printed over operator/unit columns) until each required form
is present, so every document is a full test of the target reader on its own.
When no spare row measures the right thing, a spare row takes another
indicator of its own 二级 that does (a 时效指标 row becomes a deadline).
"""

from __future__ import annotations

import random
from collections import Counter

from bench.docgen.templates import targets as tg
from bench.docgen.templates.content import IndicatorDraft, ProjectDraft
from bench.docgen.templates.vocab.indicators import BY_LEVEL2, QUANTITY, IndicatorSpec
from bench.docgen.templates.vocab.orgs import Department


def _forms(projects: list[ProjectDraft]) -> Counter[str]:
    return Counter(row.target.form for project in projects for row in project.all_indicators())


def _is_spare(row: IndicatorDraft, counts: Counter[str]) -> bool:
    return not row.pinned and (counts[row.target.form] > 1 or row.target.form not in tg.REQUIRED_TEXT_FORMS)


def _specs_for(dept: Department, row: IndicatorDraft, form: str, taken: set[str]) -> list[IndicatorSpec]:
    """Indicators of the row's own 二级 whose measure can be written in ``form``."""
    pool = QUANTITY[dept.domain] if row.level2 == "数量指标" else BY_LEVEL2.get(row.level2, ())
    return [spec for spec in pool if form in tg.TEXT_FORMS[spec.measure.kind] and spec.name not in taken]


def ensure_text_forms(rng: random.Random, projects: list[ProjectDraft], dept: Department, year: int) -> None:
    """Rewrite spare rows so every form of :data:`targets.REQUIRED_TEXT_FORMS` occurs at least once."""
    for form in tg.REQUIRED_TEXT_FORMS:
        counts = _forms(projects)
        if counts[form]:
            continue
        spare = [
            (project, row)
            for project in projects
            if not project.split
            for row in project.all_indicators()
            if _is_spare(row, counts)
        ]
        # Rows that already measure the right thing keep their indicator; others take a fitting one.
        direct = [(p, row) for p, row in spare if form in tg.TEXT_FORMS[row.spec.measure.kind]]
        if direct:
            project, row = rng.choice(direct)
        else:
            swaps = [(p, row) for p, row in spare if _specs_for(dept, row, form, _names(p))]
            if not swaps:
                continue
            project, row = rng.choice(swaps)
            row.spec = rng.choice(_specs_for(dept, row, form, _names(project)))
        row.target = tg.text_target_in_form(rng, form, row.spec.measure, year, project.budget)


def _names(project: ProjectDraft) -> set[str]:
    return {row.spec.name for row in project.all_indicators()}
