"""The label/value cells above an indicator table: 项目名称, 主管部门, 预算数, 绩效目标 and their synonyms.

The Hebei, local and central templates print a project's facts as labelled
cells (a label, then its value in the next filled cell), in rows that differ
from template to template; this reads any such row by its labels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from kb.parse.columns import normalise_label

Field = Literal[
    "code",
    "name",
    "supervisor",
    "implementer",
    "budget",
    "fiscal_funds",
    "other_funds",
    "goal",
    "long_term_goal",
    "group",  # a label over other labels (项目资金（万元）), holding no value itself
]

INFO_LABELS: dict[str, Field] = {
    "项目编码": "code",
    "项目代码": "code",
    "项目名称": "name",
    "主管部门": "supervisor",
    "主管部门及代码": "supervisor",
    "主管单位": "supervisor",
    "实施单位": "implementer",
    "项目实施单位": "implementer",
    "预算数": "budget",
    "预算数（万元）": "budget",
    "年度资金总额": "budget",
    "资金总额": "budget",
    "项目总金额": "budget",
    "其中：财政资金": "fiscal_funds",
    "财政资金": "fiscal_funds",
    "其中：财政拨款": "fiscal_funds",
    "财政拨款": "fiscal_funds",
    "其他资金": "other_funds",
    "其中：其他资金": "other_funds",
    "绩效目标": "goal",
    "年度绩效目标": "goal",
    "年度总体目标": "goal",
    "年度目标": "goal",
    "总体目标": "goal",
    "长期绩效目标": "long_term_goal",
    "中长期绩效目标": "long_term_goal",
    "长期目标": "long_term_goal",
    "中长期目标": "long_term_goal",
    "项目资金（万元）": "group",
    "项目资金": "group",
}
# Labels only the central template (财预〔2021〕101号) prints.
CENTRAL_LABELS = frozenset({"主管部门及代码", "年度资金总额", "项目资金（万元）", "项目资金", "年度总体目标"})
# Fields whose value runs over every filled cell after the label (a goal printed in several cells).
_RUNNING: frozenset[Field] = frozenset({"goal", "long_term_goal"})
# A department's code around its name: [126]水利部, 水利部（126）, 126-水利部.
_CODE_AROUND = re.compile(
    r"^\s*[\[［【(（]\s*\d+\s*[\]］】)）]\s*|\s*[\[［【(（]\s*\d+\s*[\]］】)）]\s*$|^\s*\d{2,9}\s*[-－—]\s*"
)


def info_field(text: str) -> Field | None:
    """The field a label cell names, or None."""
    return INFO_LABELS.get(normalise_label(text))


def info_pairs(cells: Sequence[str]) -> list[tuple[Field, str, str]]:
    """``(field, label, value)`` for each label in a row; a value is the next filled cell that is no label."""
    pairs: list[tuple[Field, str, str]] = []
    for index, cell in enumerate(cells):
        field = info_field(cell) if cell else None
        if field is None or field == "group":
            continue
        values: list[str] = []
        for after in cells[index + 1 :]:
            if not after:
                continue
            if info_field(after) is not None:
                break
            if not values or values[-1] != after:  # a merged cell's text repeated in every position counts once
                values.append(after)
            if field not in _RUNNING:
                break
        pairs.append((field, normalise_label(cell), " ".join(values)))
    return pairs


def joined(cells: Sequence[str]) -> str:
    """The texts of a row's cells after its label, once each where a merged cell repeats its text."""
    texts: list[str] = []
    for cell in cells:
        if cell and (not texts or texts[-1] != cell):
            texts.append(cell)
    return " ".join(texts)


def without_code(name: str) -> str:
    """A department or unit name without the code printed around it (``[125]农业农村部`` → ``农业农村部``)."""
    return _CODE_AROUND.sub("", name).strip()
