"""The words the checks read: which way an indicator points, money units, template text.

An indicator's direction comes from the head of its name. A Chinese compound
ends with its head: 违规基金追缴率 is a 追缴率 (higher is better) about
违规基金, 违规数量 is a 数量 of 违规 (lower is better). So the direction word
that occurs *last* in the name decides. Word lists are domain knowledge (see
``docs/rules.md``); extend them, keep them free of words that carry no
direction on their own (数量, 比例, 金额 …).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Direction = Literal["up", "down"]

# Higher is better. Satisfaction words are kept apart: their direction is certain.
SATISFACTION_WORDS: tuple[str, ...] = ("满意度", "满意率", "满意程度", "好评率")
POSITIVE_WORDS: tuple[str, ...] = (
    "合格率",
    "完成率",
    "覆盖率",
    "到位率",
    "准确率",
    "精准率",
    "正确率",
    "及时率",
    "知晓率",
    "参保率",
    "结案率",
    "办结率",
    "追缴率",
    "回收率",
    "达标率",
    "通过率",
    "签订率",
    "就业率",
    "帮扶率",
    "带动率",
    "运行率",
    "完好率",
    "受益率",
    "执行率",
    "拨付率",
    "兑现率",
    "发放率",
    "参与率",
    "普及率",
    "利用率",
    "使用率",
    "救助率",
    "处理率",
    "办理率",
    "受理率",
    "处置率",
    "解决率",
    "归档率",
    "完整率",
    "规范率",
    "合规率",
    "入库率",
    "上线率",
    "在线率",
    "达成率",
    "节约",
    "节省",
    "节支",
)
# Lower is better.
NEGATIVE_WORDS: tuple[str, ...] = (
    "差错率",
    "错误率",
    "出错率",
    "误差",
    "投诉率",
    "投诉",
    "事件",
    "事故",
    "违规",
    "违纪",
    "违法",
    "返贫",
    "失业率",
    "发生率",
    "流失率",
    "死亡率",
    "发病率",
    "故障率",
    "退回率",
    "返工率",
    "不合格",
    "不合格率",
    "不满意",
    "不满意率",
    "不满意度",
    "超支",
    "逾期",
    "积压",
    "损失",
    "上访",
    "成本",
    "费用",
    "单价",
)

_DIRECTION_OF: dict[str, Direction] = {
    **dict.fromkeys((*SATISFACTION_WORDS, *POSITIVE_WORDS), "up"),
    **dict.fromkeys(NEGATIVE_WORDS, "down"),
}
# Longest first, so 投诉率 wins over 投诉. A negated word is listed with its head (不满意率) so that
# a description *ending* with it is not read as ending with 满意率.
_WORDS = re.compile("|".join(re.escape(w) for w in sorted(_DIRECTION_OF, key=len, reverse=True)))
_HEAD = re.compile(f"(?:{_WORDS.pattern})$")

# Unit notes such as （%） say nothing about the direction.
_UNIT_NOTE = re.compile(r"[(（][^()（）]{0,6}[)）]")
_TRAILING = re.compile(r"[\s，,。．.；;：:！!？?、]+$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Keyword:
    """A direction word found in an indicator's text."""

    word: str
    direction: Direction
    satisfaction: bool


def normalise(text: str | None) -> str:
    """NFKC-folded text without spaces; None is empty."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or ""))


def _keyword(word: str) -> Keyword:
    return Keyword(word, _DIRECTION_OF[word], word in SATISFACTION_WORDS)


@lru_cache(maxsize=200_000)
def name_keyword(name: str | None) -> Keyword | None:
    """The direction word of an indicator name: the one occurring last (the head of the compound)."""
    text = _UNIT_NOTE.sub("", normalise(name))
    last = None
    for match in _WORDS.finditer(text):
        last = match.group()
    return _keyword(last) if last else None


@lru_cache(maxsize=200_000)
def description_keyword(description: str | None) -> Keyword | None:
    """The direction word a description *ends* with, if any.

    A description names what is measured in its last words (…保证原始数据抄录差错率);
    a direction word earlier in it (追回违规基金金额) only qualifies the head.
    """
    text = _TRAILING.sub("", _UNIT_NOTE.sub("", normalise(description)))
    match = _HEAD.search(text)
    return _keyword(match.group()) if match else None


def op_direction(op: str | None) -> Direction | None:
    """``up`` for a floor (≥ >), ``down`` for a cap (≤ <), None for = or nothing."""
    if op in ("≥", ">"):
        return "up"
    if op in ("≤", "<"):
        return "down"
    return None


# ---------------------------------------------------------------- units

# 万元 per unit of each money unit.
MONEY_UNITS: dict[str, float] = {"元": 1e-4, "千元": 0.1, "万元": 1.0, "亿元": 1e4}
TIME_UNITS = frozenset({"天", "日", "年", "月", "个月", "小时", "分钟", "工作日", "个工作日", "周", "季度"})
PERCENT = "%"


def is_money(unit: str | None) -> bool:
    """A plain amount of money (元, 万元 …), not a rate such as 元/平方米."""
    return unit in MONEY_UNITS


def to_wan(value: float, unit: str) -> float:
    """``value`` in ``unit`` (a key of :data:`MONEY_UNITS`) expressed in 万元."""
    return value * MONEY_UNITS[unit]


def per_unit_money(unit: str | None) -> tuple[str, str] | None:
    """(money unit, denominator) of a unit cost such as ``元/平方米``; None otherwise."""
    if not unit or "/" not in unit:
        return None
    money, _, denominator = unit.partition("/")
    denominator = denominator.removeprefix("每").strip()
    if money in MONEY_UNITS and denominator and "/" not in denominator:
        return money, denominator
    return None


def is_count_unit(unit: str | None) -> bool:
    """A unit that counts things (份, 本, 人 …): not %, money, a rate or a duration."""
    return unit is None or not (unit == PERCENT or is_money(unit) or "/" in unit or unit in TIME_UNITS)


# ---------------------------------------------------------------- template text

# Placeholder text of the budget system's form, left where the department's own words belong.
PLACEHOLDER = re.compile(r"目标内容\s*[0-9０-９一二三四五六七八九十]+|指标内容\s*[0-9０-９]+|请(?:填写|输入|录入)")
_NUMBERING = re.compile(r"(?:^|(?<=[。；;\s]))\s*[0-9０-９一二三四五六七八九十]+\s*[.．、,，)）]")
_NOT_WORD = re.compile(r"[^\w]+")


def placeholders(text: str | None) -> list[str]:
    """The template placeholders left in ``text`` (目标内容 1 …)."""
    # A cheap test first: most texts hold neither word, and this runs on every field of every row.
    if not text or ("内容" not in text and "请" not in text):
        return []
    return [m.group() for m in PLACEHOLDER.finditer(text)]


def without_placeholders(text: str | None) -> str:
    """``text`` with placeholders, item numbers and punctuation removed: what the author wrote."""
    text = PLACEHOLDER.sub("", text or "")
    text = _NUMBERING.sub("", text)
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text))


# ---------------------------------------------------------------- clauses

_CLAUSE_SPLIT = re.compile(r"[，,。．；;：:、！!？?\s]+")
# Words that frame a description as a question or an aim; they add nothing to what is measured.
_FRAMING = re.compile(r"^(?:是否能够|是否能|是否|能否|能够|确保|保证|反映|围绕)")


@lru_cache(maxsize=200_000)
def clauses(text: str | None) -> tuple[str, ...]:
    """The clauses of ``text``, each without framing words (是否, 确保 …) and punctuation."""
    out = []
    for part in _CLAUSE_SPLIT.split(unicodedata.normalize("NFKC", text or "")):
        part = _NOT_WORD.sub("", _FRAMING.sub("", part))
        if part:
            out.append(part)
    return tuple(out)
