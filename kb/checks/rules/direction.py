"""Rules on which way a target points: a floor for what should be high, a cap for what should be low."""

from __future__ import annotations

from collections.abc import Iterator

from kb.checks.context import (
    CheckContext,
    Hit,
    IndicatorRow,
    direction_keyword,
    is_satisfaction,
)
from kb.checks.words import op_direction

_SOURCE_NAMES = {"name": "指标名称", "description": "指标描述", "level": "指标类别"}


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _flipped(indicator: IndicatorRow, op: str) -> str:
    """The target as it should read with the operator turned round."""
    return f"{op}{_fmt(indicator.target_value)}{indicator.target_unit or ''}"


def _evidence(ctx: CheckContext, indicator: IndicatorRow, word: str, source: str) -> dict:
    # Only what the indicator itself says: the verdict rests on its words, and evidence from the
    # family (what peers set) is the peer rules' to give.
    return {
        "target_raw": indicator.target_raw,
        "op": indicator.target_op,
        "value": indicator.target_value,
        "unit": indicator.target_unit,
        "keyword": word,
        "keyword_source": source,
    }


def satisfaction_capped(ctx: CheckContext) -> Iterator[Hit]:
    """A satisfaction target written as a cap (≤90%): it promises that at most so many will be satisfied."""
    for indicator in ctx.indicators:
        if not indicator.is_numeric or op_direction(indicator.target_op) != "down" or not is_satisfaction(indicator):
            continue
        found = direction_keyword(indicator)
        word, source = (found[0].word, found[1]) if found else ("满意", "level")
        yield Hit(
            f"{ctx.where(indicator)}是满意度，越高越好，指标值「{indicator.target_raw}」却是上限，"
            f"承诺的是“至多 {_fmt(indicator.target_value)}{indicator.target_unit or ''} 满意”；"
            f"应为「{_flipped(indicator, '≥')}」",
            _evidence(ctx, indicator, word, source),
            indicator=indicator,
        )


def positive_capped(ctx: CheckContext) -> Iterator[Hit]:
    """A higher-is-better rate (合格率, 追缴率 …) written as a cap."""
    for indicator in ctx.indicators:
        if not indicator.is_numeric or op_direction(indicator.target_op) != "down":
            continue
        found = direction_keyword(indicator)
        if found is None or found[0].direction != "up" or found[0].satisfaction:
            continue
        word, source = found
        yield Hit(
            f"{ctx.where(indicator)}按{_SOURCE_NAMES[source]}的中心词「{word.word}」越高越好，"
            f"指标值「{indicator.target_raw}」却是上限；应为「{_flipped(indicator, '≥')}」",
            _evidence(ctx, indicator, word.word, source),
            indicator=indicator,
        )


def negative_floored(ctx: CheckContext) -> Iterator[Hit]:
    """A lower-is-better measure (差错率, 投诉, 事件数 …) written as a floor."""
    for indicator in ctx.indicators:
        if not indicator.is_numeric or op_direction(indicator.target_op) != "up":
            continue
        found = direction_keyword(indicator)
        if found is None or found[0].direction != "down":
            continue
        word, source = found
        yield Hit(
            f"{ctx.where(indicator)}按{_SOURCE_NAMES[source]}的中心词「{word.word}」越低越好，"
            f"指标值「{indicator.target_raw}」却是下限；应为「{_flipped(indicator, '≤')}」",
            _evidence(ctx, indicator, word.word, source),
            indicator=indicator,
        )
