"""Rules on targets that cannot be measured: no number, no unit, a restated name, template text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from kb.checks.context import CheckContext, Hit, IndicatorRow
from kb.checks.words import clauses, placeholders, without_placeholders

# Fewer peers than this say nothing about which unit a target should carry.
MIN_UNIT_PEERS = 3
# The peers' unit must be the unit of at least this share of them (unitless peers included).
MIN_UNIT_SHARE = 0.5


def no_number(ctx: CheckContext) -> Iterator[Hit]:
    """A target with a unit or an operator but no number (``万元``, ``≥``): it promises nothing."""
    for indicator in ctx.indicators:
        if indicator.target_value is not None or not (indicator.target_unit or indicator.target_op):
            continue
        what = f"单位「{indicator.target_unit}」" if indicator.target_unit else f"比较符「{indicator.target_op}」"
        yield Hit(
            f"{ctx.where(indicator)}的指标值「{indicator.target_raw}」只有{what}，没有数值，无法衡量",
            {"target_raw": indicator.target_raw, "op": indicator.target_op, "unit": indicator.target_unit},
            indicator=indicator,
        )


def _level2_units(ctx: CheckContext) -> dict[tuple[str, str | None], Counter[str]]:
    """Units of the numeric targets under each (二级指标, operator), unitless counted as ``""``."""
    if ctx.level2_units is not None:
        return ctx.level2_units

    def compute() -> dict[tuple[str, str | None], Counter[str]]:
        units: dict[tuple[str, str | None], Counter[str]] = {}
        for indicator in ctx.indicators:
            if indicator.is_numeric:
                units.setdefault((indicator.level2, indicator.target_op), Counter())[indicator.target_unit or ""] += 1
        return units

    return ctx.memo("level2_units", compute)


def _expected_unit(units: Counter[str]) -> tuple[str, int, int] | None:
    """(unit, peers with it, all peers) when most peers carry one unit; None otherwise."""
    with_unit = Counter({u: n for u, n in units.items() if u})
    if not with_unit:
        return None
    unit, count = max(with_unit.items(), key=lambda item: (item[1], item[0] == "%", item[0]))
    total = sum(units.values())
    if count < MIN_UNIT_PEERS or count < MIN_UNIT_SHARE * total:
        return None
    return unit, count, total


def _peer_units(ctx: CheckContext, indicator: IndicatorRow) -> tuple[Counter[str], str]:
    """The units of the indicator's peers: its family's when the family uses units, else its 二级指标's."""
    family = ctx.family_of(indicator)
    if family is not None:
        units = Counter({u: int(s.get("n", 0)) for u, s in family.spread.items()})
        if any(n for u, n in units.items() if u):
            return units, "family"
    return _level2_units(ctx).get((indicator.level2, indicator.target_op), Counter()), "level2"


def missing_unit(ctx: CheckContext) -> Iterator[Hit]:
    """A number with no unit where the indicator's peers carry one (``≥90`` among ``≥90%``)."""
    for indicator in ctx.indicators:
        if not indicator.is_numeric or indicator.target_unit:
            continue
        units, source = _peer_units(ctx, indicator)
        expected = _expected_unit(units)
        if expected is None:
            continue
        unit = expected[0]
        level2 = indicator.level2 or "（无二级指标）"
        peers = "同一指标族" if source == "family" else f"同为{level2}、比较符为「{indicator.target_op}」"
        # The message states the peers' unit, not their counts: those change with every document added.
        yield Hit(
            f"{ctx.where(indicator)}的指标值「{indicator.target_raw}」没有单位；{peers}的数值型指标大多以"
            f"「{unit}」为单位，应写明单位（如「{indicator.target_raw}{unit}」）",
            {"target_raw": indicator.target_raw, "expected_unit": unit, "peer_source": source},
            indicator=indicator,
        )


def restates(ctx: CheckContext) -> Iterator[Hit]:
    """A qualitative target made only of clauses of the indicator's own name or description."""
    for indicator in ctx.indicators:
        if indicator.target_kind != "qualitative":
            continue
        target = clauses(indicator.target_raw)
        if not target:
            continue
        own = set(clauses(indicator.level3)) | set(clauses(indicator.description))
        if not all(part in own for part in target):
            continue
        source = "指标名称" if all(part in clauses(indicator.level3) for part in target) else "指标描述"
        yield Hit(
            f"{ctx.where(indicator)}的指标值「{indicator.target_raw}」只是重复了{source}，没有给出可衡量的目标",
            {"target_raw": indicator.target_raw, "level3": indicator.level3, "description": indicator.description},
            indicator=indicator,
        )


def placeholder_goal(ctx: CheckContext) -> Iterator[Hit]:
    """A project whose whole 绩效目标 is the form's placeholder (``1.目标内容 1``)."""
    for project in ctx.projects.values():
        found = placeholders(project.goal)
        if found and not without_placeholders(project.goal):
            yield Hit(
                f"{project.label()}的绩效目标只有模板占位文字「{project.goal.strip()}」，没有填写实际目标",
                {"goal": project.goal, "placeholders": found},
                project=project,
            )


def _indicator_placeholders(indicator: IndicatorRow) -> dict[str, list[str]]:
    fields = {"level3": indicator.level3, "description": indicator.description, "target_raw": indicator.target_raw}
    return {name: found for name, text in fields.items() if (found := placeholders(text))}


def placeholder_text(ctx: CheckContext) -> Iterator[Hit]:
    """Template placeholder text left beside the department's own words (goal or indicator row)."""
    for project in ctx.projects.values():
        found = placeholders(project.goal)
        if found and without_placeholders(project.goal):
            yield Hit(
                f"{project.label()}的绩效目标残留模板占位文字「{'、'.join(found)}」",
                {"goal": project.goal, "placeholders": found},
                project=project,
            )
    for indicator in ctx.indicators:
        fields = (
            _indicator_placeholders(indicator)
            if placeholders(indicator.level3 + indicator.description + indicator.target_raw)
            else {}
        )
        if fields:
            words = "、".join(w for found in fields.values() for w in found)
            yield Hit(
                f"{ctx.where(indicator)}残留模板占位文字「{words}」", {"placeholders": fields}, indicator=indicator
            )
