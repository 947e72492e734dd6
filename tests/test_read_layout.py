"""The ``pdftotext -layout`` reader's parts on printed lines as pdftotext writes them (the whole seed is checked in
``test_read_forms.py``): the header labels it knows, column starts that move within a page, lines pdftotext
merged."""

from __future__ import annotations

from kb.parse.columns import INDICATOR_LABELS, PROJECT_LABELS
from kb.parse.templates.info import INFO_LABELS
from kb.read.layout_grid import GridColumn, LineReader, cut_at_columns
from kb.read.layout_labels import (
    ALL_LABELS,
    HEAD_LABELS,
    LEVEL3_LABELS,
    PROJECT_SPAN_LABELS,
    TARGET_LABELS,
)
from kb.read.layout_table import read_header, segment_starts
from kb.read.layout_text import Printed, line_pieces

HEADER = "一级指标    二级指标         三级指标     绩效指标描述           指标值        指标值确定依据"


def test_the_reader_knows_every_label_the_parsers_know() -> None:
    assert set(INDICATOR_LABELS) | set(PROJECT_LABELS) == ALL_LABELS
    assert {label for label, role in INDICATOR_LABELS.items() if role == "level3"} == LEVEL3_LABELS
    assert {label for label, role in INDICATOR_LABELS.items() if role in ("target", "op")} == TARGET_LABELS
    assert {label for label, role in PROJECT_LABELS.items() if role in ("project", "goal")} == PROJECT_SPAN_LABELS
    assert set(INFO_LABELS) == HEAD_LABELS


def _printed(lines: list[str]) -> list[Printed]:
    return [Printed(text, number, 1) for number, text in enumerate(lines, start=1)]


def test_column_starts_follow_the_lines_that_fill_most_columns() -> None:
    """pdftotext prints 绩效指标描述 at column 25 on most lines of this page (the label at 30): a text at 25 alone
    on its line is a description, not a 三级指标 (whose label, at 21, is nearer)."""
    printed = _printed(
        [
            HEADER,
            "        时效指标   评估报告时效性   第三方评估资质有效期为一年         第三方评估资质有效 根据历史标准",
            "      成本指标   第三方评估机构评估成本 根据合同签订标准支付房屋评估",
            "                         费，评估费用不超合同签订标准",
            "      标      引导孵化基地可持续发展 贴标准，规范孵化基地管理，引        引导孵化基地可持续 根据历史标准",
            "                         导孵化基地可持续发展。           发展",
        ]
    )
    header = read_header(printed, 0)
    assert header is not None
    starts = segment_starts(header, printed[1:], 6)
    assert starts[2] < 25 and starts[3] == 25


def test_a_second_line_glued_ahead_of_its_first_is_put_back() -> None:
    """pdftotext merged a 2-line description into the line of its row, its second line first:
    ``保障机关单位的正常运转 障能力。 有序开展人社工作，提高服务保``."""
    columns = [
        GridColumn("一级指标", "span"),
        GridColumn("二级指标", "span"),
        GridColumn("三级指标", core=True),
        GridColumn("绩效指标描述"),
        GridColumn("指标值", core=True),
        GridColumn("指标值确定依据"),
    ]
    # The columns' starts and widths the reader finds on that page of the seed.
    starts, caps = [0, 6, 19, 29, 44, 54], [5.0, 6.0, 11.0, 14.27, 9.0, 14.0]
    line = (
        "效益指标 社会效益指标 保障机关单位的正常运转 障能力。 有序开展人社工作，提高服务保 进一步保障     年度工作计划"
    )
    cells = LineReader(starts, caps, columns, measured=True).read(line_pieces(line))
    assert cells == {
        0: "效益指标",
        1: "社会效益指标",
        2: "保障机关单位的正常运转",
        3: "有序开展人社工作，提高服务保障能力。",
        4: "进一步保障",
        5: "年度工作计划",
    }
    # Guessed widths are not trusted with that reading: the texts stay in the order printed.
    guessed = LineReader(starts, caps, columns).read(line_pieces(line))
    assert guessed[3] != cells[3]


def test_labels_and_cells_printed_as_one_word_are_cut_where_a_column_starts() -> None:
    """With cells aligned at the top, pdftotext prints ``三级指标绩效指标描述`` and ``租赁面积租赁办公用房面积``: a
    label fills its column and the next one follows without a space."""
    printed = _printed(
        [
            "一级指标    二级指标         三级指标绩效指标描述             指标值       指标值确定依据",
            "产出指标    数量指标         租赁面积租赁办公用房面积           293.6 平方米 年度工作计划",
        ]
    )
    header = read_header(printed, 0)
    assert header is not None
    assert [label.text for label in header.columns()][2:4] == ["三级指标", "绩效指标描述"]
    assert [piece.text for piece in cut_at_columns(printed[1].pieces(), [21, 25])][2:4] == [
        "租赁面积",
        "租赁办公用房面积",
    ]
