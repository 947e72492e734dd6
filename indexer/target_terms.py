"""Targets as index terms: ``≤90%`` is found as ``≤90%``, not as the number 90.

A 指标值 is read with the project's own target parser
(:func:`kb.parse.targets.parse_target`) and indexed, beside its words, as a few
synthetic terms that say what it promises: the number, the number with its
unit, the operator with the number, and all three (``kbtle90upct`` is “≤ 90
%”). A deadline gives its month and year (``kbtdm12``, ``kbtdy2024m12``). A
query target read by the same parser (:func:`read_target`) asks for exactly
one of them, so

* ``≤90%`` finds the targets written ``≤90%`` (or 不高于90%), never ``≥90%``;
* ``90%`` finds every 90 % target whatever its operator, never 90 平方米;
* ``≥90`` finds every ``≥ 90`` whatever its unit;
* units fold as the parser folds them (万 is 万元, ％ is %).

The terms are ASCII letters, digits and the unit's own characters, one FTS5
``unicode61`` token each, and start with ``kbt``, which no disclosure writes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from indexer.tokenizer import index_text
from kb.parse.targets import parse_target

PREFIX = "kbt"
# The index column that holds a 指标值 (in the indicator, text and goal indexes alike).
TARGET_COLUMN = "target_raw"
_OPERATOR_CODES = {"≥": "ge", "≤": "le", "=": "eq", ">": "gt", "<": "lt"}
_NOT_TOKEN = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_YEAR = re.compile(r"(\d{4})年")
_MONTH = re.compile(r"(\d{1,2})月")
_YEAR_END = re.compile(r"年底|年末")
_SAME_DAY = re.compile(r"当日|当天|即时|即办")
_SPACES = re.compile(r"\s+")
_BARE_NUMBER = re.compile(r"[-+]?\d")
_SYMBOL = re.compile(r"[≥≤≧≦⩾⩽<>=]")
# A number with 年 is a year (2024年), not a target measured in years, from this year on.
_FIRST_YEAR = 1900


def _value_code(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace("-", "m").replace(".", "d")


def _unit_code(unit: str) -> str:
    return "pct" if unit == "%" else _NOT_TOKEN.sub("", unicodedata.normalize("NFKC", unit).lower())


@dataclass(frozen=True)
class TargetCondition:
    """What a query target asks of an indicator's target: read by the project's target parser.

    ``op`` and ``unit`` are None when the query did not write them (then any
    operator or unit will do); a deadline has ``month`` (and maybe ``year``)
    or is the same day.
    """

    raw: str
    kind: str  # "numeric" or "deadline"
    op: str | None = None
    value: float | None = None
    unit: str | None = None
    year: int | None = None
    month: int | None = None
    same_day: bool = False

    def term(self) -> str:
        """The one index term that holds exactly where an indicator's target meets this condition."""
        if self.kind == "deadline":
            if self.same_day:
                return f"{PREFIX}dsameday"
            if self.year is not None:
                return f"{PREFIX}dy{self.year}m{self.month}"
            return f"{PREFIX}dm{self.month}"
        assert self.value is not None
        op = _OPERATOR_CODES[self.op] if self.op else ""
        unit = f"u{_unit_code(self.unit)}" if self.unit else ""
        return f"{PREFIX}{op}{_value_code(self.value)}{unit}"

    def label(self) -> str:
        """The condition as a reader writes it (``≤90%``, ``12月前``)."""
        if self.kind == "deadline":
            if self.same_day:
                return "当日"
            return (f"{self.year}年" if self.year else "") + f"{self.month}月前"
        assert self.value is not None
        value = f"{self.value:.6f}".rstrip("0").rstrip(".")
        return f"{self.op or ''}{value}{self.unit or ''}"


def _deadline(text: str, raw: str) -> TargetCondition | None:
    year = _YEAR.search(text)
    month = _MONTH.search(text)
    if month:
        number = int(month.group(1))
        if 1 <= number <= 12:
            return TargetCondition(raw, "deadline", year=int(year.group(1)) if year else None, month=number)
        return None
    if _YEAR_END.search(text):
        return TargetCondition(raw, "deadline", year=int(year.group(1)) if year else None, month=12)
    if _SAME_DAY.search(text):
        return TargetCondition(raw, "deadline", same_day=True)
    return None


# A 指标值 is short and recurs; longer text (a server is sent anything) is read each time, never kept.
CACHED_TARGET_CHARS = 64


def index_target_terms(raw: str) -> tuple[str, ...]:
    """The synthetic terms an index stores for the target ``raw`` (empty when it promises no number or date)."""
    if len(raw or "") <= CACHED_TARGET_CHARS:
        return _cached_target_terms(raw or "")
    return _target_terms(raw or "")


def _target_terms(raw: str) -> tuple[str, ...]:
    target = parse_target(raw or "")
    if target.kind == "deadline":
        condition = _deadline(_SPACES.sub("", unicodedata.normalize("NFKC", raw)), raw)
        if condition is None:
            return ()
        if condition.same_day:
            return (condition.term(),)
        terms = [TargetCondition(raw, "deadline", month=condition.month).term()]
        if condition.year is not None:
            terms.append(condition.term())
        return tuple(terms)
    if target.kind != "numeric" or target.value is None:
        return ()
    out = []
    for op in (None, target.op):
        for unit in (None, target.unit) if target.unit else (None,):
            out.append(TargetCondition(raw, "numeric", op=op, value=target.value, unit=unit).term())
    return tuple(dict.fromkeys(out))


_cached_target_terms = lru_cache(maxsize=100_000)(_target_terms)


def read_target(text: str) -> TargetCondition | None:
    """The target condition ``text`` (one whitespace-free piece of a query) writes, or None.

    A number counts as a target when it has an operator (``≥90``, 不低于95%) or a
    unit (``100%``, ``5000本``); a bare number (``1.1``, ``2024``) and a year
    (``2024年``) stay words. Deadlines (``12月前``, ``2024年12月前完成``) count.
    """
    if not text:
        return None
    target = parse_target(text)
    if target.kind == "deadline":
        return _deadline(_SPACES.sub("", unicodedata.normalize("NFKC", text)), text)
    if target.kind != "numeric" or target.value is None:
        return None
    explicit_op = not _BARE_NUMBER.match(text) or target.op != "="
    if not explicit_op and target.unit is None:
        return None
    if target.unit == "年" and not explicit_op and target.value >= _FIRST_YEAR:
        return None
    return TargetCondition(text, "numeric", op=target.op if explicit_op else None, value=target.value, unit=target.unit)


def split_target(piece: str) -> tuple[str, TargetCondition | None]:
    """``piece`` as (words before a target, the target): ``满意度≤90%`` is (满意度, ≤90%).

    The target is the longest tail of the piece the target parser reads as one;
    a piece without one is all words.
    """
    piece = unicodedata.normalize("NFKC", piece)
    for start in range(len(piece)):
        if start and not _could_start_target(piece, start):
            continue
        tail = piece[start:]
        if _SYMBOL.search(tail, 1) and not _SYMBOL.match(tail):
            # The parser reads 名称≤数值 as a target naming its quantity; in a query the name is words.
            continue
        condition = read_target(tail)
        if condition is not None:
            return piece[:start], condition
    return piece, None


def _could_start_target(piece: str, start: int) -> bool:
    # A tail starts at an operator, a digit or a word (不低于…); never inside a number.
    return not (piece[start].isdigit() and piece[start - 1].isdigit()) and piece[start - 1] not in ".,"


def index_column_text(column: str, text: str) -> str:
    """What an index stores for ``text`` in ``column``: its terms, and a target's synthetic terms after them.

    The segmenting is memoised by :mod:`indexer.tokenizer` (bounded when serving); nothing more is kept here.
    """
    terms = index_text(text or "")
    if column != TARGET_COLUMN:
        return terms
    extra = " ".join(index_target_terms(text or ""))
    return f"{terms} {extra}" if terms and extra else terms or extra
