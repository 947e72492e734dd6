"""Rules that hold a target against its indicator family (the same measure in other projects).

They read the family statistics ``kb build`` precomputed (``indicator_families``:
operators seen, min/median/max per unit), so each indicator costs one lookup.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from kb.checks.context import (
    CheckContext,
    FamilyStats,
    Hit,
    direction_keyword,
    is_satisfaction,
)
from kb.checks.words import PERCENT, Direction, op_direction

# Fewer directed peers than this set no norm; this share of them must agree to make one.
MIN_OPERATOR_PEERS = 3
OPERATOR_AGREEMENT = 0.75
# Percent targets: at least this many family members (this one included) and this gap to their median.
MIN_VALUE_PEERS = 5
VALUE_GAP_POINTS = 20.0

_OPPOSITE: dict[Direction, Direction] = {"up": "down", "down": "up"}
_WORD: dict[Direction, str] = {"up": "下限（≥）", "down": "上限（≤）"}


@cache
def _count_directions(operators: tuple[tuple[str, int], ...]) -> dict[Direction, int]:
    counts: dict[Direction, int] = {"up": 0, "down": 0}
    for op, n in operators:
        direction = op_direction(op)
        if direction is not None:
            counts[direction] += n
    return counts


def _directed(family: FamilyStats) -> dict[Direction, int]:
    """How many of the family's targets are floors (up) and caps (down)."""
    return _count_directions(tuple(sorted(family.operators.items())))


def _dominant(family: FamilyStats) -> Direction | None:
    counts = _directed(family)
    total = counts["up"] + counts["down"]
    for direction, n in counts.items():
        if total and n >= MIN_OPERATOR_PEERS and n >= OPERATOR_AGREEMENT * total:
            return direction
    return None


def _departs(counts: dict[Direction, int], direction: Direction) -> bool:
    """Whether a target of ``direction`` goes against the family's other members (itself left out)."""
    same, opposite = counts[direction] - 1, counts[_OPPOSITE[direction]]
    return opposite >= MIN_OPERATOR_PEERS and opposite >= OPERATOR_AGREEMENT * (same + opposite)


def family_norm(family: FamilyStats | None) -> tuple:
    """Everything about a family the peer rules' verdicts and messages depend on.

    Two states of a family with the same norm give every member the same
    findings: adding members that leave it unchanged needs no re-check.
    """
    if family is None:
        return ()
    counts = _directed(family)
    spread = family.spread.get(PERCENT) or {}
    compares_values = spread.get("n", 0) >= MIN_VALUE_PEERS and spread.get("median") is not None
    return (
        family.name,
        _departs(counts, "up"),
        _departs(counts, "down"),
        _dominant(family),
        spread.get("median") if compares_values else None,
    )


def operator_departs(ctx: CheckContext) -> Iterator[Hit]:
    """A floor where the family's other members set caps, or the reverse.

    Only for indicators whose own words carry no direction: where they do, the
    direction rules judge, and the words win over the peers (差错率 ≤10% stays
    right among 合格率 ≥95%).
    """
    for indicator in ctx.indicators:
        direction = op_direction(indicator.target_op)
        if direction is None or not indicator.is_numeric:
            continue
        family = ctx.family_of(indicator)
        if family is None:
            continue
        if direction_keyword(indicator) is not None or is_satisfaction(indicator):
            continue
        if not _departs(_directed(family), direction):
            continue
        # The message states the family's norm, not its counts: they change with every document added.
        yield Hit(
            f"{ctx.where(indicator)}的指标值「{indicator.target_raw}」是{_WORD[direction]}，"
            f"而同一指标族「{family.name}」中有比较符的其他指标绝大多数（至少 {OPERATOR_AGREEMENT:.0%}）是"
            f"{_WORD[_OPPOSITE[direction]]}",
            {
                "target_raw": indicator.target_raw,
                "family_id": family.id,
                "family_name": family.name,
                "family_direction": _OPPOSITE[direction],
            },
            indicator=indicator,
        )


def value_departs(ctx: CheckContext) -> Iterator[Hit]:
    """A percent target far from what the family's members set (values in other units are not comparable)."""
    for indicator in ctx.indicators:
        if indicator.target_unit != PERCENT or not indicator.is_numeric:
            continue
        family = ctx.family_of(indicator)
        if family is None:
            continue
        spread = family.spread.get(PERCENT) or {}
        if spread.get("n", 0) < MIN_VALUE_PEERS or spread.get("median") is None:
            continue
        dominant = _dominant(family)
        if dominant is not None and op_direction(indicator.target_op) == _OPPOSITE[dominant]:
            continue
        if indicator.target_value is None:
            continue
        gap = indicator.target_value - spread["median"]
        if abs(gap) < VALUE_GAP_POINTS:
            continue
        side = "高" if gap > 0 else "低"
        yield Hit(
            f"{ctx.where(indicator)}的指标值「{indicator.target_raw}」比同一指标族「{family.name}」"
            f"百分比指标的中位数 {spread['median']:g}% {side} {abs(gap):g} 个百分点",
            {
                "target_raw": indicator.target_raw,
                "value": indicator.target_value,
                "family_id": family.id,
                "family_name": family.name,
                "family_median": spread["median"],
                "gap_points": gap,
            },
            indicator=indicator,
        )
