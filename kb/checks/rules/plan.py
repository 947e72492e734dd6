"""Rules on the 资金支出计划: cumulative shares of the budget spent by March, June, October, December."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from kb.checks.context import CheckContext, Hit, ProjectRow

DATES = ("3月底", "6月底", "10月底", "12月底")
# Shares are published as whole or one-decimal percentages.
TOLERANCE = 0.01


def _stated(project: ProjectRow) -> list[tuple[str, float]]:
    """The (date, cumulative %) pairs the plan states, in date order."""
    return [(date, value) for date, value in zip(DATES, project.spend_plan, strict=True) if value is not None]


def _plan_text(stated: list[tuple[str, float]]) -> str:
    return "、".join(f"{date} {value:g}%" for date, value in stated)


def _evidence(project: ProjectRow) -> dict:
    return {"spend_plan": dict(zip(DATES, project.spend_plan, strict=True))}


def decreasing(ctx: CheckContext) -> Iterator[Hit]:
    """A cumulative spending share that falls from one date to the next: money spent cannot be unspent."""
    for project in ctx.projects.values():
        stated = _stated(project)
        drops = [(a, b) for a, b in pairwise(stated) if b[1] < a[1] - TOLERANCE]
        if drops:
            (date_a, value_a), (date_b, value_b) = drops[0]
            yield Hit(
                f"{project.label()}的资金支出计划是累计进度，却从{date_a} {value_a:g}% 降到{date_b} {value_b:g}%"
                f"（{_plan_text(stated)}）",
                _evidence(project),
                project=project,
            )


def not_complete(ctx: CheckContext) -> Iterator[Hit]:
    """A spending plan that does not end at 100% by the end of December (or states no December share)."""
    for project in ctx.projects.values():
        stated = _stated(project)
        if not stated:
            continue
        december = project.spend_plan[-1]
        if december is not None and abs(december - 100) <= TOLERANCE:
            continue
        end = "未列出 12月底的累计进度" if december is None else f"12月底累计进度为 {december:g}%"
        yield Hit(
            f"{project.label()}的资金支出计划{end}，年度预算应在年底支出 100%（{_plan_text(stated)}）",
            _evidence(project),
            project=project,
        )
