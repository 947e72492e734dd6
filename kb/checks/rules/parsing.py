"""Targets the parser could not read: reported, never skipped silently."""

from __future__ import annotations

from collections.abc import Iterator

from kb.checks.context import CheckContext, Hit


def unparsed(ctx: CheckContext) -> Iterator[Hit]:
    """A target the target parser could not read into operator, number and unit.

    The other rules only judge what was read, so without this finding such a
    target would escape every check.
    """
    for indicator in ctx.indicators:
        if indicator.target_kind != "unparsed":
            continue
        raw = indicator.target_raw.strip()
        shown = f"「{raw}」" if raw else "（空）"
        yield Hit(
            f"{ctx.where(indicator)}的指标值{shown}无法解析为比较符、数值和单位，其余规则未能检查它",
            {
                "target_raw": indicator.target_raw,
                "op": indicator.target_op,
                "value": indicator.target_value,
                "unit": indicator.target_unit,
            },
            indicator=indicator,
        )
