"""The header labels the layout reader recognises, to find a table's header line among printed lines.

The text forms mark a table by its cells; ``pdftotext -layout`` text has only
printed lines, so a line is a table's header when its words are column labels.
The parsers map labels to fields (:mod:`kb.parse.columns`); the reader only has
to know a label when it sees one, and which columns' cells may be merged over
several rows (一级/二级指标, a project's name or goal in a table of many
projects), whose text is printed once at the middle of the merged rows.
``tests/test_read_layout.py`` checks this list against the parsers'.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LEVEL1 = "一级指标"
LEVEL2 = "二级指标"
LEAD = "绩效指标"
# 三级指标 and 指标值 columns: every indicator row fills them.
LEVEL3_LABELS = frozenset({"三级指标", "指标名称", "绩效指标", "指标内容", "三级指标名称"})
TARGET_LABELS = frozenset(
    {"指标值", "目标值", "年度指标值", "绩效指标值", "中长期指标值", "长期指标值", "年度目标值", "指标性质", "运算符"}
)
OTHER_INDICATOR_LABELS = frozenset(
    {
        "绩效指标描述",
        "指标解释",
        "指标说明",
        "指标描述",
        "度量单位",
        "计量单位",
        "单位",
        "指标值确定依据",
        "指标值设定依据",
        "设定依据及数据来源",
        "指标值设定依据及数据来源",
        "指标值确定依据及数据来源",
        "备注",
        "权重",
        "分值",
        "权重（%）",
        "分值（分）",
    }
)
# Columns of tables listing many projects: the project's name and goal are merged over its rows.
PROJECT_SPAN_LABELS = frozenset(
    {"单位名称（项目名称）", "单位（项目）名称", "项目名称", "项目目标", "年度绩效目标", "绩效目标"}
)
PROJECT_OTHER_LABELS = frozenset(
    {"项目编码", "项目代码", "预算数（万元）", "预算数", "项目预算（万元）", "年度资金总额（万元）"}
)
# Labels of the label/value cells above a project's indicator table (项目名称, 主管部门, 预算数, 绩效目标 …): a line
# at the left margin starting with one starts a project's head.
HEAD_LABELS = frozenset(
    {
        "项目编码",
        "项目代码",
        "项目名称",
        "主管部门",
        "主管部门及代码",
        "主管单位",
        "实施单位",
        "项目实施单位",
        "预算数",
        "预算数（万元）",
        "年度资金总额",
        "资金总额",
        "项目总金额",
        "其中：财政资金",
        "财政资金",
        "其中：财政拨款",
        "财政拨款",
        "其他资金",
        "其中：其他资金",
        "绩效目标",
        "年度绩效目标",
        "年度总体目标",
        "年度目标",
        "总体目标",
        "长期绩效目标",
        "中长期绩效目标",
        "长期目标",
        "中长期目标",
        "项目资金（万元）",
        "项目资金",
    }
)
INDICATOR_LABELS = frozenset({LEVEL1, LEVEL2, *LEVEL3_LABELS, *TARGET_LABELS, *OTHER_INDICATOR_LABELS})
ALL_LABELS = INDICATOR_LABELS | PROJECT_SPAN_LABELS | PROJECT_OTHER_LABELS
# 二级指标 → 一级指标 (财预〔2021〕101号 and the provincial templates).
LEVEL1_OF: dict[str, str] = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "成本指标": "产出指标",
    "经济效益指标": "效益指标",
    "社会效益指标": "效益指标",
    "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标",
    "服务对象满意度指标": "满意度指标",
    "经济成本指标": "成本指标",
    "社会成本指标": "成本指标",
    "生态环境成本指标": "成本指标",
}
# The texts 一级/二级指标 cells hold: a wrapped one is joined only into one of these.
LEVEL_NAMES = frozenset({*LEVEL1_OF, *LEVEL1_OF.values()})

_FULL = str.maketrans({"(": "（", ")": "）", ":": "："})


@lru_cache(maxsize=16384)
def label_key(text: str) -> str:
    """A label as compared: no whitespace, full-width letters folded, parentheses and colons full-width."""
    folded = unicodedata.normalize("NFKC", "".join(text.split())).translate(_FULL)
    return re.sub(r"[：]$", "", folded)


def is_label(text: str) -> bool:
    """Whether ``text`` is a column label of an indicator or project table."""
    return label_key(text) in ALL_LABELS


@lru_cache(maxsize=16384)
def is_label_start(text: str) -> bool:
    """Whether ``text`` begins a label (a label wrapped over two printed lines)."""
    key = label_key(text)
    return bool(key) and any(label.startswith(key) for label in ALL_LABELS)


def is_indicator_header(labels: list[str]) -> bool:
    """Whether column labels are an indicator table's: 一级指标, or a 三级指标-like and a 指标值-like label."""
    keys = {label_key(label) for label in labels}
    return LEVEL1 in keys or (bool(keys & LEVEL3_LABELS) and bool(keys & TARGET_LABELS))
