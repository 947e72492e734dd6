"""Rules on indicators filed under the wrong 二级指标."""

from __future__ import annotations

from collections.abc import Iterator

from kb.checks.context import CheckContext, Hit, direction_keyword
from kb.checks.words import is_count_unit, is_money, op_direction

# 二级指标 that measure output, quality and timeliness: none of them is an amount of money.
NOT_MONEY = ("数量指标", "质量指标", "时效指标")


def money_misfiled(ctx: CheckContext) -> Iterator[Hit]:
    """An amount of money (万元, 元) filed as a 数量/质量/时效指标 instead of a 成本指标."""
    for indicator in ctx.indicators:
        if indicator.level2 not in NOT_MONEY or not is_money(indicator.target_unit):
            continue
        yield Hit(
            f"{ctx.where(indicator)}的指标值「{indicator.target_raw}」是金额，却列为{indicator.level2}；"
            f"金额应作为成本指标",
            {"target_raw": indicator.target_raw, "unit": indicator.target_unit, "level2": indicator.level2},
            indicator=indicator,
        )


def capped_output(ctx: CheckContext) -> Iterator[Hit]:
    """An output count (数量指标) with an upper bound: doing less would meet it, doing nothing too.

    Counts of what should not happen (违规数量, 事件数) are rightly capped and are left alone.
    """
    for indicator in ctx.indicators:
        if indicator.level2 != "数量指标" or not indicator.is_numeric or op_direction(indicator.target_op) != "down":
            continue
        if not is_count_unit(indicator.target_unit):
            continue
        found = direction_keyword(indicator)
        if found is not None and found[0].direction == "down":
            continue
        yield Hit(
            f"{ctx.where(indicator)}是产出数量，指标值「{indicator.target_raw}」却只设上限，"
            f"完成得越少越“达标”；数量指标应为下限或确数"
            f"（如「≥{indicator.target_value:g}{indicator.target_unit or ''}」）",
            {
                "target_raw": indicator.target_raw,
                "op": indicator.target_op,
                "value": indicator.target_value,
                "unit": indicator.target_unit,
            },
            indicator=indicator,
        )
