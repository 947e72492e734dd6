"""Reading a 指标值 (target) into operator, number, unit and kind.

The raw text is kept untouched next to what is read from it. Word forms are
operators as much as symbols (不低于 is ``≥``, 不超过 is ``≤``), so the
consistency checks and the parser agree on what a target promises.
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
    return len(text) <= _MAX_UNIT_CHARS and not _ANY_DIGIT.search(text) and not _UNIT_STOP.search(text)


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
