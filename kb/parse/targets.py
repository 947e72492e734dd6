"""Reading a 指标值 (target) into operator, number, unit and kind.

The raw text is kept untouched next to what is read from it. Word forms are
operators as much as symbols (不低于 is ``≥``, 不超过 is ``≤``), so the
consistency checks and the parser agree on what a target promises. A target
may name its quantity before the operator (``年用水总量≤8.9亿立方米``): the
name is what the indicator already says, the promise is ``≤ 8.9 亿立方米``.
Templates that print the operator, number and unit in cells of their own
are read with :func:`target_from_cells`.
"""

from __future__ import annotations

import re
import unicodedata

from kb.models import Operator, Target

# Longest first, so 大于等于 wins over 大于 and 小于等于 over 小于.
_PREFIX_OPERATORS: list[tuple[str, Operator]] = sorted(
    [
        ("≥", "≥"),
        (">=", "≥"),
        ("≧", "≥"),
        ("⩾", "≥"),
        ("=>", "≥"),
        ("≤", "≤"),
        ("<=", "≤"),
        ("≦", "≤"),
        ("⩽", "≤"),
        ("=<", "≤"),
        ("不低于", "≥"),
        ("不少于", "≥"),
        ("大于等于", "≥"),
        ("大于或等于", "≥"),
        ("不小于", "≥"),
        ("至少", "≥"),
        ("高于等于", "≥"),
        ("不高于", "≤"),
        ("不超过", "≤"),
        ("小于等于", "≤"),
        ("小于或等于", "≤"),
        ("不大于", "≤"),
        ("不多于", "≤"),
        ("最多", "≤"),
        ("低于等于", "≤"),
        ("控制在", "≤"),
        ("达到", "="),
        ("等于", "="),
        ("为", "="),
        ("=", "="),
        ("大于", ">"),
        ("高于", ">"),
        ("超过", ">"),
        ("多于", ">"),
        (">", ">"),
        ("小于", "<"),
        ("低于", "<"),
        ("少于", "<"),
        ("<", "<"),
    ],
    key=lambda pair: -len(pair[0]),
)

# Words after the number that carry the operator: 95%以上 is ≥95%.
_SUFFIX_OPERATORS: list[tuple[str, Operator]] = [
    ("及以上", "≥"),
    ("以上", "≥"),
    ("及以下", "≤"),
    ("以下", "≤"),
    ("以内", "≤"),
    ("之内", "≤"),
    ("内", "≤"),
]

_NUMBER = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?")
_ANY_DIGIT = re.compile(r"\d")
_SPACES = re.compile(r"\s+")
# Digits inside quotes, titles or document numbers name something (“4+4”产业, 〔2023〕), they measure nothing.
_QUOTED = re.compile(r"“[^”]*”|《[^》]*》|〔[^〕]*〕|\[[^\]]*\]|\"[^\"]*\"")

_DEADLINE = re.compile(
    r"""^(?:\d{4}年)?(?:\d{1,2}月(?:\d{1,2}日)?(?:底|末|份)?|年底|年末|年内|年中|上半年|下半年|季度末)
        (?:前|以前|之前|内|止|底)?(?:完成|完工|办结|到位|前完成)?$""",
    re.VERBOSE,
)
_SAME_DAY = re.compile(r"^(?:受理|申请|办理)?(?:当日|当天|即时|即办|次日)(?:办结|完成|内)?$")

# Units that are nothing but a scale of 元: 万 alone means 万元 in these tables.
_UNIT_ALIASES = {"万": "万元", "亿": "亿元", "千": "千元", "%": "%", "％": "%"}
_MAX_UNIT_CHARS = 12
# A unit names something: a character, a letter or a sign (a lone "." left by a cut number is none).
_UNIT_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z%‰℃°㎡]")
_UNIT_STOP = re.compile(r"[，,。；;：:！？!?“”\"'（）()【】\[\]]")


def _normalise(raw: str) -> str:
    """Fold full-width forms and drop spaces; the raw text is kept elsewhere."""
    text = unicodedata.normalize("NFKC", raw)
    return _SPACES.sub("", text)


_PREFIX = re.compile("|".join(re.escape(word) for word, _ in _PREFIX_OPERATORS))
_PREFIX_OP = dict(_PREFIX_OPERATORS)


def _take_prefix_operator(text: str) -> tuple[Operator | None, str]:
    # The alternation lists longer words first, so 大于等于 wins over 大于.
    match = _PREFIX.match(text)
    if match is None:
        return None, text
    return _PREFIX_OP[match.group()], text[match.end() :]


def _take_suffix_operator(text: str) -> tuple[Operator | None, str]:
    for word, op in _SUFFIX_OPERATORS:
        if text.endswith(word):
            return op, text[: -len(word)]
    return None, text


def _normalise_unit(unit: str) -> str | None:
    unit = unit.strip()
    if not unit:
        return None
    return _UNIT_ALIASES.get(unit, unit)


def _is_unit(text: str) -> bool:
    return (
        len(text) <= _MAX_UNIT_CHARS
        and not _ANY_DIGIT.search(text)
        and not _UNIT_STOP.search(text)
        and bool(_UNIT_CHARS.search(text))
    )


# A quantity named before a symbolic operator: 年用水总量≤8.9亿立方米, 巩固率≥95.6% (after NFKC folding).
_SYMBOLS = ("≥", "≤", ">=", "<=", "≧", "≦", "⩾", "⩽", "=<", "=>", ">", "<", "=")
_LABELLED = re.compile(
    r"^(?P<label>[^\d≥≤≧≦⩾⩽<>=“”《》〔〕\[\]\"'（）()]{2,24}?)(?P<rest>(?:"
    + "|".join(re.escape(s) for s in _SYMBOLS)
    + r").*)$"
)


def parse_target(raw: str) -> Target:
    """Read one 指标值.

    >>> parse_target("≥95%").model_dump()
    {'raw': '≥95%', 'op': '≥', 'value': 95.0, 'unit': '%', 'kind': 'numeric'}
    >>> parse_target("≤2281万").unit
    '万元'
    >>> parse_target("及时拨付").kind
    'qualitative'
    """
    text = _normalise(raw)
    if not text:
        return Target(raw=raw, kind="unparsed")
    if _DEADLINE.match(text) or _SAME_DAY.match(text):
        return Target(raw=raw, kind="deadline")

    op, rest = _take_prefix_operator(text)
    number = _NUMBER.match(rest)
    if number is None:
        labelled = _labelled(raw, text)
        if labelled is not None:
            return labelled
    if number is None:
        if not _ANY_DIGIT.search(_QUOTED.sub("", text)):
            # A bare unit (万元, %) or a bare operator promises nothing measurable.
            if op is not None and op != "=" and rest == "":
                return Target(raw=raw, op=op, kind="unparsed")
            if _normalise_unit(text) in _UNIT_ALIASES.values() or text in _KNOWN_UNITS:
                return Target(raw=raw, unit=_normalise_unit(text), kind="unparsed")
            return Target(raw=raw, kind="qualitative")
        return Target(raw=raw, kind="unparsed")

    value = float(number.group().replace(",", ""))
    tail = rest[number.end() :]
    suffix_op, tail = _take_suffix_operator(tail)
    if suffix_op is not None and op is None:
        op = suffix_op
    if tail and not _is_unit(tail):
        return Target(raw=raw, kind="unparsed")
    return Target(raw=raw, op=op or "=", value=value, unit=_normalise_unit(tail), kind="numeric")


def _labelled(raw: str, text: str) -> Target | None:
    """The target of ``名称≤数值单位``, or None when ``text`` is not of that form."""
    match = _LABELLED.match(text)
    if match is None:
        return None
    inner = parse_target(match.group("rest"))
    if inner.kind != "numeric":
        return None
    return inner.model_copy(update={"raw": raw})


def target_from_cells(op_cell: str, value_cell: str, unit_cell: str) -> Target:
    """A target printed over 指标性质 | 指标值 | 度量单位 cells.

    The raw target is the three read together in that order (``≥`` ``99.5`` ``%``
    → ``≥99.5%``); a 定性 row (or any operator cell that is no operator) keeps
    the 指标值 text alone; a value column without a unit column keeps its unit.
    """
    op_text = op_cell.strip()
    op, rest = _take_prefix_operator(_normalise(op_text)) if op_text else (None, "")
    if op is None or rest:
        # 定性, 定量, an empty cell: the value (and its unit) is the whole target.
        return parse_target(value_cell + unit_cell if op_text != "定性" else value_cell)
    raw = op_text + value_cell + unit_cell
    number = _normalise(value_cell).replace(",", "")
    unit = _normalise(unit_cell)
    if _NUMBER.fullmatch(number) and (not unit or _is_unit(unit)):
        return Target(raw=raw, op=op, value=float(number), unit=_normalise_unit(unit), kind="numeric")
    return parse_target(raw)


# Words that are units on their own: a target of just 万元 or 人 has no number.
_KNOWN_UNITS = frozenset(
    [
        "元",
        "万元",
        "亿元",
        "千元",
        "%",
        "人",
        "人次",
        "个",
        "家",
        "次",
        "场",
        "户",
        "本",
        "张",
        "份",
        "条",
        "件",
        "项",
        "套",
        "台",
        "辆",
        "天",
        "日",
        "年",
        "月",
        "个工作日",
        "工作日",
        "平方米",
        "元/平方米",
        "元/人",
        "小时",
        "分钟",
        "起",
        "种",
        "批",
        "所",
        "处",
        "名",
    ]
)


# The base units targets are counted or measured in; with a scale (万, 亿 …) and ``/`` they make every unit
# a reader takes for one (万人次, 元/平方米, 千克标准煤/平方米), and no phrase (有所提高, 持续完善).
_BASE_UNITS = frozenset(
    [
        *("元", "人", "人次", "次", "个", "家", "户", "场", "本", "张", "份", "条", "件", "项", "套", "台", "辆"),
        *("天", "日", "年", "月", "个月", "工作日", "个工作日", "小时", "分钟", "周", "季度", "起", "种", "批"),
        *("所", "处", "名", "岁", "吨", "千克", "公斤", "克", "毫克", "微克", "斤", "升", "毫升"),
        *("米", "平方米", "立方米", "公里", "平方公里", "千米", "亩", "公顷", "标准煤", "千克标准煤"),
        *("床", "床位", "座", "栋", "间", "篇", "册", "部", "期", "班", "校", "站", "点", "个点", "位", "单"),
        *("头", "只", "株", "棵", "台套", "宗", "笔", "例", "剂", "支", "瓶", "盒", "箱", "袋", "块", "片", "道"),
        *("户次", "人天", "人月", "课时", "学时", "分", "度", "千瓦时", "辆次", "架次", "场次", "批次", "家次"),
        *("条次", "件次", "所次", "首", "幅", "门"),
    ]
)
_SCALE = re.compile(r"^[万亿千百十]")


def is_unit_word(unit: str | None) -> bool:
    """Whether ``unit`` is a unit as units are written (%, 万元, 个工作日, 元/平方米), not a phrase."""
    if not unit:
        return False
    if unit in ("%", "‰", "℃"):
        return True
    return all(part in _BASE_UNITS or _SCALE.sub("", part) in _BASE_UNITS for part in unit.split("/"))
