"""Rules that hold cost targets against the project's 预算数 (all amounts compared in 万元)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from kb.checks.context import CheckContext, Hit, IndicatorRow, ProjectRow
from kb.checks.words import MONEY_UNITS, is_count_unit, is_money, per_unit_money, to_wan

# Budgets are published in 万元 to the cent: a cap may exceed the budget by rounding, no more.
ROUNDING_WAN = 0.005
# A unit cost × quantity may exceed the budget by rounding (1%), and must pay for a real share of it:
# under a tenth of the budget, one of the two figures is on the wrong scale (per day, 元 for 万元).
PRODUCT_ABOVE = 1.01
PRODUCT_BELOW = 0.1
# Periods a unit price may silently be quoted for; an annual figure that lands near the budget hints at one.
PERIODS = (("天", 365), ("月", 12))
PERIOD_NEAR = (0.5, 2.0)


def _is_cost(indicator: IndicatorRow) -> bool:
    """A 成本指标 row (产出指标/成本指标, or 成本指标/经济成本指标 … in the newer template)."""
    return "成本" in indicator.level2 or "成本" in indicator.level1


def _money(value: float) -> str:
    return f"{value:,.2f}"


def above_budget(ctx: CheckContext) -> Iterator[Hit]:
    """A 成本指标 amount of money above the project's whole budget."""
    for indicator in ctx.indicators:
        if not (is_money(indicator.target_unit) and indicator.is_numeric and _is_cost(indicator)):
            continue
        if indicator.target_op not in ("≤", "<", "="):
            continue
        project = ctx.project_of(indicator)
        if project is None or project.budget is None:
            continue
        if indicator.target_value is None or indicator.target_unit is None:
            continue
        cap = to_wan(indicator.target_value, indicator.target_unit)
        if cap <= project.budget + ROUNDING_WAN:
            continue
        ratio = cap / project.budget if project.budget > 0 else None
        times = f"，是预算的 {ratio:.2f} 倍" if ratio else ""
        yield Hit(
            f"{ctx.where(indicator)}的成本上限「{indicator.target_raw}」即 {_money(cap)} 万元，"
            f"超过项目预算数 {_money(project.budget)} 万元{times}",
            {
                "target_raw": indicator.target_raw,
                "cap_wan": round(cap, 4),
                "budget_wan": project.budget,
                "ratio": round(ratio, 4) if ratio else None,
            },
            indicator=indicator,
        )


@dataclass(frozen=True)
class UnitCost:
    """A cost per unit and the quantity it multiplies, from one project's table."""

    cost: IndicatorRow
    money_unit: str
    quantity: IndicatorRow

    def product_wan(self) -> float:
        """Unit cost × quantity in 万元."""
        assert self.cost.target_value is not None and self.quantity.target_value is not None
        return to_wan(self.cost.target_value * self.quantity.target_value, self.money_unit)


def _quantities(rows: list[IndicatorRow]) -> list[IndicatorRow]:
    """The project's 数量指标 counts with a unit (平方米, 本 …)."""
    return [
        r
        for r in rows
        if r.level2 == "数量指标"
        and r.is_numeric
        and r.target_unit
        and is_count_unit(r.target_unit)
        and r.target_value is not None
        and r.target_value > 0
    ]


def _matching_quantity(cost: IndicatorRow, quantities: list[IndicatorRow]) -> tuple[str, IndicatorRow] | None:
    """The one quantity a unit cost is per: ``元/平方米`` × 平方米, or ``元`` named 单本/每本 × 本."""
    per_unit = per_unit_money(cost.target_unit)
    if per_unit is not None:
        money, denominator = per_unit
        matches = [q for q in quantities if q.target_unit == denominator]
    elif cost.target_unit is not None and is_money(cost.target_unit):
        money = cost.target_unit
        text = cost.level3 + cost.description
        matches = [q for q in quantities if f"单{q.target_unit}" in text or f"每{q.target_unit}" in text]
    else:
        return None
    # Two quantities in the same unit: which one the cost is per cannot be told, so none is assumed.
    return (money, matches[0]) if len(matches) == 1 else None


def unit_costs(ctx: CheckContext, rows: list[IndicatorRow]) -> list[UnitCost]:
    """The unit costs of one project's table that name the quantity they multiply."""
    quantities = _quantities(rows)
    found = []
    for cost in rows:
        if _is_cost(cost) and cost.is_numeric and cost.target_value is not None and cost.target_value > 0:
            match = _matching_quantity(cost, quantities)
            if match is not None:
                found.append(UnitCost(cost, match[0], match[1]))
    return found


def _period_hint(product: float, budget: float) -> dict[str, str | float] | None:
    """The period (per day, per month) that would bring the product near the budget."""
    for period, count in PERIODS:
        annual = product * count
        if PERIOD_NEAR[0] <= annual / budget <= PERIOD_NEAR[1]:
            return {"period": period, "periods_per_year": count, "annual_wan": round(annual, 4)}
    return None


def _product_message(ctx: CheckContext, item: UnitCost, project: ProjectRow, product: float, hint: dict | None) -> str:
    assert project.budget is not None
    ratio = product / project.budget
    yuan = product / MONEY_UNITS["元"]
    text = (
        f"{ctx.where(item.cost)}「{item.cost.target_raw}」×「{item.quantity.level3}」"
        f"「{item.quantity.target_raw}」= {_money(yuan)} 元（{_money(product)} 万元），"
    )
    if ratio > 1:
        text += f"超过项目预算数 {_money(project.budget)} 万元（{ratio:.2f} 倍）"
    else:
        text += f"只有项目预算数 {_money(project.budget)} 万元的 {ratio:.2%}（相差约 {1 / ratio:.0f} 倍）"
    if hint:
        text += (
            f"；若按每{hint['period']}计，×{hint['periods_per_year']} 为 {_money(hint['annual_wan'])} 万元，"
            f"与预算相近，疑为按{hint['period']}计价而未注明"
        )
    return text


def unit_cost_product(ctx: CheckContext) -> Iterator[Hit]:
    """A unit cost times the quantity in the same table that lands far from the budget."""
    for project_id, rows in ctx.indicators_by_project.items():
        project = ctx.projects.get(project_id)
        if project is None or not project.budget or project.budget <= 0:
            continue
        for item in unit_costs(ctx, rows):
            product = item.product_wan()
            ratio = product / project.budget
            if PRODUCT_BELOW <= ratio <= PRODUCT_ABOVE:
                continue
            hint = _period_hint(product, project.budget) if ratio < 1 else None
            yield Hit(
                _product_message(ctx, item, project, product, hint),
                {
                    "unit_cost": item.cost.target_raw,
                    "unit_cost_value": item.cost.target_value,
                    "unit_cost_unit": item.cost.target_unit,
                    "quantity": item.quantity.target_raw,
                    "quantity_value": item.quantity.target_value,
                    "quantity_unit": item.quantity.target_unit,
                    "quantity_indicator_id": item.quantity.id,
                    "product_yuan": round(product * 1e4, 2),
                    "product_wan": round(product, 4),
                    "budget_wan": project.budget,
                    "ratio": round(ratio, 6),
                    "period_hint": hint,
                },
                indicator=item.cost,
            )
