"""Making sure each text-target document shows every written form a parser must read.

The form picker already cycles through forms; a small document may still miss
some. This rewrites rows whose form occurs more than once (never a lint case)
until each required form is present, so every document is a full test of the
target reader on its own.
"""

from __future__ import annotations

import random
from collections import Counter

from bench.docgen.templates import targets as tg
from bench.docgen.templates.content import IndicatorDraft, ProjectDraft
from bench.docgen.templates.vocab.indicators import QUANTITY
from bench.docgen.templates.vocab.orgs import Department


def _forms(projects: list[ProjectDraft]) -> Counter[str]:
    return Counter(row.target.form for project in projects for row in project.all_indicators())


def ensure_text_forms(rng: random.Random, projects: list[ProjectDraft], dept: Department, year: int) -> None:
    """Rewrite spare rows so every form of :data:`targets.REQUIRED_TEXT_FORMS` occurs at least once."""
    for form in tg.REQUIRED_TEXT_FORMS:
        counts = _forms(projects)
        if counts[form]:
            continue
        if form == "labelled":
            _add_labelled(rng, projects, dept, year, counts)
            continue
        spare = [
            (project, row) for project in projects if not project.split for row in project.all_indicators()
            if _is_spare(row, counts) and form in tg.TEXT_FORMS[row.spec.measure.kind]
        ]
        if spare:
            project, row = rng.choice(spare)
            row.target = tg.text_target_in_form(rng, form, row.spec.measure, year, project.budget)


def _is_spare(row: IndicatorDraft, counts: Counter[str]) -> bool:
    return not row.pinned and (counts[row.target.form] > 1 or row.target.form not in tg.REQUIRED_TEXT_FORMS)


def _add_labelled(rng: random.Random, projects: list[ProjectDraft], dept: Department, year: int,
                  counts: Counter[str]) -> None:
    """Turn a spare 数量指标 row into the domain's quantity named inside its target (年用水总量≤3.2亿立方米)."""
    spec = QUANTITY[dept.domain][-1]
    spare = [
        (project, row) for project in projects if not project.split for row in project.indicators
        if row.level2 == "数量指标" and _is_spare(row, counts)
        and spec.name not in {other.level3 for other in project.indicators}
    ]
    if spare:
        project, row = rng.choice(spare)
        row.spec = spec
        row.target = tg.text_target_in_form(rng, "labelled", spec.measure, year, project.budget)
