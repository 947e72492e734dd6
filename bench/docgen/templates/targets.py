"""Published 指标值 in their many written forms, each with the reading a correct parser gives.

The truth is known by construction: a form is an operator (symbol, word before
the number, or word after it), a number (ASCII, full-width, with thousands
separators) and a unit. Conventions follow the seed's parser (``kb.targets``),
which the generators must not import:

* a number without an operator is ``=``; word operators read as their symbol
  (不低于/不少于/大于等于/以上 → ``≥``, 不高于/不超过/以内/以下 → ``≤``, 达到 → ``=``);
* ``万`` alone is ``万元``, ``％`` is ``%``; full-width forms read as their ASCII
  twins (``＞＝`` is ``≥``), the raw text keeps them;
* deadlines and qualitative targets have no operator, number or unit;
* where the seed's parser gives up, the truth says what a reviewer reads:
  ``年用水总量≤3.2亿立方米`` is ``≤ 3.2 亿立方米`` (numeric).

When the operator, number and unit sit in their own columns (central template,
``指标性质``/``运算符`` columns), ``raw`` is the three read together (``≥99.5%``)
and ``cells`` holds them as printed; a ``定性`` row keeps the 指标值 text as raw.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from bench.docgen.templates.vocab.indicators import Measure

_FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")
_UNIT_ALIASES = {"万": "万元", "％": "%"}
_OP_FOLD = {"＞": ">", "＜": "<", "＝": "="}


@dataclass(frozen=True)
class Target:
    """A published target and its reading."""

    raw: str
    op: str | None
    value: float | None
    unit: str | None
    kind: str  # numeric | deadline | qualitative
    form: str  # which written form (coverage checks)
    cells: tuple[str, str, str] | None = None  # (指标性质, 指标值, 度量单位) when split over columns


@dataclass(frozen=True)
class _Form:
    prefix: str  # printed before the number
    op: str  # what it reads as
    suffix: str = ""  # printed after the unit (以上, 以内)
    space: bool = False  # a space between number and unit (``1100 张``)
    full_width: bool = False  # full-width digits and ％
    unit: str | None = None  # printed unit instead of the measure's (``万`` for 万元)


_FORMS = {
    "ge": _Form("≥", "≥"),
    "ge_space": _Form("≥", "≥", space=True),
    "ge_ascii": _Form(">=", "≥"),
    "ge_alt": _Form("≧", "≥"),
    "ge_fw_op": _Form("＞＝", "≥"),
    "ge_fw_digits": _Form("≥", "≥", full_width=True),
    "budiyu": _Form("不低于", "≥"),
    "bushaoyu": _Form("不少于", "≥"),
    "dayudengyu": _Form("大于等于", "≥"),
    "yishang": _Form("", "≥", "以上"),
    "dadao": _Form("达到", "="),
    "plain": _Form("", "="),
    "plain_space": _Form("", "=", space=True),
    "thousands": _Form("", "="),
    "le": _Form("≤", "≤"),
    "le_space": _Form("≤", "≤", space=True),
    "le_ascii": _Form("<=", "≤"),
    "le_wan": _Form("≤", "≤", unit="万"),
    "bugaoyu": _Form("不高于", "≤"),
    "buchaoguo": _Form("不超过", "≤"),
    "yinei": _Form("", "≤", "以内"),
    "yixia": _Form("", "≤", "以下"),
    "zero": _Form("", "="),
    "gt_fw": _Form("＞", ">"),
}

# The written forms each measure can take, in the order a cycle hands them out.
TEXT_FORMS: dict[str, tuple[str, ...]] = {
    "rate_pos": (
        "ge",
        "ge_space",
        "ge_ascii",
        "ge_alt",
        "ge_fw_op",
        "ge_fw_digits",
        "budiyu",
        "dayudengyu",
        "yishang",
        "dadao",
        "plain",
    ),
    "rate_neg": ("le", "le_ascii", "bugaoyu", "buchaoguo", "yinei", "yixia"),
    "count": (
        "plain",
        "plain_space",
        "ge",
        "bushaoyu",
        "yishang",
        "dayudengyu",
        "dadao",
        "thousands",
        "ge_fw_digits",
        "gt_fw",
    ),
    "count_neg": ("zero", "le", "buchaoguo"),
    "cost_total": ("le", "le_wan", "le_space", "buchaoguo", "yinei", "bugaoyu"),
    "unit_cost": ("le", "bugaoyu", "yinei", "buchaoguo"),
    "duration_neg": ("le", "yinei", "buchaoguo"),
    "duration_pos": ("ge", "budiyu", "yishang"),
    "labelled": ("labelled",),
    "deadline": ("dec", "full", "half", "year_month", "year_end", "day"),
    "qual": ("qual",),
}

# Forms every text-template document must show at least once (the parser's coverage).
REQUIRED_TEXT_FORMS = (
    "ge",
    "le",
    "plain",
    "budiyu",
    "bushaoyu",
    "dayudengyu",
    "yishang",
    "bugaoyu",
    "buchaoguo",
    "yinei",
    "dadao",
    "dec",
    "full",
    "qual",
    "labelled",
    "ge_fw_op",
    "ge_fw_digits",
)

_RATES_POS = (80, 85, 90, 92, 95, 96, 98, 99, 99.5, 100)
_RATES_NEG = (0.5, 1, 2, 3, 5)


def _fold_unit(unit: str) -> str | None:
    unit = unit.strip()
    return _UNIT_ALIASES.get(unit, unit) or None


def number_text(rng: random.Random, measure: Measure) -> str:
    """A number for the measure as printed (ASCII, no separators)."""
    if measure.kind == "rate_pos":
        choices = [v for v in _RATES_POS if measure.low <= v <= measure.high] or [measure.high]
        return _trim(rng.choice(choices))
    if measure.kind == "rate_neg":
        return _trim(rng.choice(_RATES_NEG))
    value = rng.uniform(measure.low, measure.high)
    if measure.decimals:
        return f"{value:.{measure.decimals}f}"
    return str(round(value))


def _trim(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _thousands(number: str) -> str:
    whole, dot, fraction = number.partition(".")
    return f"{int(whole):,}{dot}{fraction}"


def text_target(form: str, number: str, measure: Measure, year: int, words: str = "") -> Target:
    """Write one target in ``form`` with ``number`` (ignored by deadlines and qualitative forms)."""
    if measure.kind == "deadline":
        return Target(_deadline(form, year, number), None, None, None, "deadline", form)
    if measure.kind == "qual":
        return Target(words, None, None, None, "qualitative", form)
    if measure.kind == "labelled":
        raw = f"{measure.label}{measure.op}{number}{measure.unit}"
        return Target(raw, measure.op, float(number), _fold_unit(measure.unit), "numeric", form)
    spec = _FORMS[form]
    if form == "zero":
        number = "0"
    printed = number
    if form == "thousands":
        printed = _thousands(number)
    unit = measure.unit if spec.unit is None else spec.unit
    if spec.full_width:
        printed = printed.translate(_FULL_WIDTH)
        unit = unit.translate(_FULL_WIDTH)
    raw = f"{spec.prefix}{printed}{' ' if spec.space and unit else ''}{unit}{spec.suffix}"
    return Target(raw, spec.op, float(number), _fold_unit(unit), "numeric", form)


def _deadline(form: str, year: int, number: str) -> str:
    month = 10 + int(float(number or "0")) % 2  # 10 or 11: a month that is not the year's end
    return {
        "dec": "12月前",
        "full": f"{year}年12月底前完成",
        "half": "6月底前",
        "year_month": f"{year}年{month}月前",
        "year_end": "年底前",
        "day": f"{year}年6月30日前",
    }[form]


def split_target(rng: random.Random, measure: Measure, year: int, budget: float) -> Target:
    """A target over three columns (指标性质 | 指标值 | 度量单位), as the central template prints it."""
    if measure.kind in ("deadline", "qual"):
        if measure.kind == "deadline":
            text = rng.choice((f"{year}年12月底前完成", "12月前", f"{year}年6月30日前"))
            kind = "deadline"
        else:
            text = rng.choice(measure.words)
            kind = "qualitative"
        return Target(text, None, None, None, kind, "split_qual", ("定性", text, ""))
    number = cost_number(rng, budget) if measure.kind == "cost_total" else number_text(rng, measure)
    op_cell = {
        "rate_pos": rng.choice(("≥", "≥", "=")),
        "rate_neg": "≤",
        "count": rng.choice(("≥", "=", "＞")),
        "count_neg": rng.choice(("≤", "=")),
        "cost_total": "≤",
        "unit_cost": rng.choice(("≤", "＜")),
        "duration_neg": "≤",
        "duration_pos": "≥",
        "labelled": measure.op,
    }[measure.kind]
    if measure.kind == "count_neg" and op_cell == "=":
        number = "0"
    return split_from_cells(op_cell, number, measure.unit, thousands=rng.random() < 0.7)


def split_from_cells(op_cell: str, number: str, unit: str, thousands: bool = True) -> Target:
    """The reading of an (operator, number, unit) triple; ``thousands`` prints ``1,200`` for 1200."""
    printed = _thousands(number) if thousands and float(number) >= 1000 else number
    raw = f"{op_cell}{printed}{unit}"
    op = _OP_FOLD.get(op_cell, op_cell)
    return Target(raw, op, float(number), _fold_unit(unit), "numeric", "split", (op_cell, printed, unit))


def cost_number(rng: random.Random, budget: float) -> str:
    """A cost cap within the budget: the budget itself or a round number just under it."""
    if rng.random() < 0.6 or budget < 2:
        return _trim(round(budget, 2))
    return str(max(1, int(budget * rng.uniform(0.85, 1.0))))


class FormPicker:
    """Hands out written forms per measure kind in a shuffled cycle, so one document shows many."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._queues: dict[str, deque[str]] = {}

    def next(self, kind: str) -> str:
        """The next form for a measure of ``kind``."""
        queue = self._queues.get(kind)
        if not queue:
            forms = list(TEXT_FORMS[kind])
            self._rng.shuffle(forms)
            queue = self._queues[kind] = deque(forms)
        return queue.popleft()


def draw_text_target(rng: random.Random, picker: FormPicker, measure: Measure, year: int, budget: float) -> Target:
    """A target for ``measure`` in the next written form, costs tied to the budget."""
    form = picker.next(measure.kind)
    return text_target_in_form(rng, form, measure, year, budget)


def text_target_in_form(rng: random.Random, form: str, measure: Measure, year: int, budget: float) -> Target:
    """A target for ``measure`` written in ``form`` with a freshly drawn number."""
    if form == "thousands" and measure.high < 1000:
        form = "plain"  # separators need four digits; small quantities print plainly
    if measure.kind == "cost_total":
        number = cost_number(rng, budget)
    elif measure.kind == "deadline":
        number = str(rng.randint(0, 1))  # picks the month of the year_month form
    elif form == "thousands":
        number = str(rng.randint(max(1000, int(measure.low)), int(measure.high)))
    else:
        number = number_text(rng, measure)
    words = rng.choice(measure.words) if measure.words else ""
    return text_target(form, number, measure, year, words)
