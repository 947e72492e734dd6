"""The inconsistencies every template's document carries, for the consistency checks.

Each document gets exactly one of each, recorded in ``truth.notes["lint_cases"]``:

* ``satisfaction_le``: a 满意度 target written ``≤90%`` (promises at most 90% satisfied);
* ``cost_over_budget``: a cost cap (成本指标 / 经济成本指标, 万元) above the project's 预算数;
* ``rate_without_percent``: a rate (三级指标 ending in 率) with a number and no ``%`` (``≥95``).

Nothing else in a generated document triggers these: natural satisfaction
targets are ``≥``/``=``, natural cost caps are within the budget and natural
rates carry ``%``.
"""

from __future__ import annotations

import random
from typing import Any

from bench.docgen.templates import targets as tg
from bench.docgen.templates.content import IndicatorDraft, ProjectDraft
from bench.docgen.templates.vocab.indicators import BY_LEVEL2, COST_TOTAL, SATISFACTION_LEVEL2, Measure

_RATE = Measure("rate_pos", "%", 90, 100)
_BARE_RATE = Measure("rate_pos", "", 90, 100)


def _candidates(projects: list[ProjectDraft], test: Any) -> list[tuple[ProjectDraft, IndicatorDraft]]:
    return [(project, row) for project in projects for row in project.indicators if not row.pinned and test(row)]


def _is_satisfaction(row: IndicatorDraft) -> bool:
    return row.level2 == SATISFACTION_LEVEL2 and row.spec.measure.kind == "rate_pos"


def _is_cost_cap(row: IndicatorDraft) -> bool:
    return row.spec.measure.kind == "cost_total"


def _is_plain_rate(row: IndicatorDraft) -> bool:
    return row.spec.measure.kind == "rate_pos" and row.level3.endswith("率") and row.level2 != SATISFACTION_LEVEL2


def inject(rng: random.Random, projects: list[ProjectDraft], year: int) -> list[dict[str, Any]]:
    """Rewrite three rows into the lint cases (in each project's own target style); returns their notes."""
    notes: list[dict[str, Any]] = []
    chosen: set[int] = set()

    def pick(test: Any) -> tuple[ProjectDraft, IndicatorDraft] | None:
        found = _candidates(projects, test)
        # Spread the cases over projects when there is a choice.
        fresh = [pair for pair in found if id(pair[0]) not in chosen] or found
        if not fresh:
            return None
        project, row = rng.choice(fresh)
        chosen.add(id(project))
        return project, row

    satisfied = pick(_is_satisfaction)
    if satisfied:
        project, row = satisfied
        row.target = tg.split_from_cells("≤", "90", "%") if project.split else tg.text_target("le", "90", _RATE, year)
        row.pinned = "satisfaction_le"
        notes.append(_note(row, project))
    capped = pick(_is_cost_cap)
    if capped:
        project, row = capped
        number = f"{project.budget * rng.uniform(1.2, 2.0):.2f}"
        row.target = (
            tg.split_from_cells("≤", number, "万元")
            if project.split
            else tg.text_target("le", number, COST_TOTAL, year)
        )
        row.pinned = "cost_over_budget"
        notes.append({**_note(row, project), "budget": project.budget})
    rate = pick(_is_plain_rate) or pick(lambda row: not _is_satisfaction(row) and not _is_cost_cap(row))
    if rate:
        project, row = rate
        if not _is_plain_rate(row):
            # No rate drawn anywhere (tiny documents): make this row one (验收合格率).
            row.level1, row.level2, row.spec = "产出指标", "质量指标", BY_LEVEL2["质量指标"][0]
        row.target = (
            tg.split_from_cells("≥", "95", "") if project.split else tg.text_target("ge", "95", _BARE_RATE, year)
        )
        row.pinned = "rate_without_percent"
        notes.append(_note(row, project))
    return notes


def _note(row: IndicatorDraft, project: ProjectDraft) -> dict[str, Any]:
    return {
        "rule": row.pinned,
        "project": project.name,
        "level3": row.level3,
        "target_raw": row.target.raw,
        "op": row.target.op,
        "value": row.target.value,
        "unit": row.target.unit,
    }
