"""Reading 指标值 into (operator, number, unit, kind), every published form."""

from __future__ import annotations

import pytest

from kb.parse.targets import parse_target


@pytest.mark.parametrize(
    ("raw", "op", "value", "unit", "kind"),
    [
        # The forms named in the issue.
        ("≥95%", "≥", 95, "%", "numeric"),
        ("≤1.3 元/平方米", "≤", 1.3, "元/平方米", "numeric"),
        ("小于等于 5 个工作日", "≤", 5, "个工作日", "numeric"),
        ("1124 人", "=", 1124, "人", "numeric"),
        ("≥90", "≥", 90, None, "numeric"),
        ("≤2281万", "≤", 2281, "万元", "numeric"),
        ("万元", None, None, "万元", "unparsed"),
        ("及时拨付", None, None, None, "qualitative"),
        ("2024 年 12 月前", None, None, None, "deadline"),
        # Other symbols and full-width forms.
        (">=90%", "≥", 90, "%", "numeric"),
        ("≧85%", "≥", 85, "%", "numeric"),
        ("＞＝95％", "≥", 95, "%", "numeric"),
        ("<=10%", "≤", 10, "%", "numeric"),
        ("＜5%", "<", 5, "%", "numeric"),
        (">0", ">", 0, None, "numeric"),
        ("=100%", "=", 100, "%", "numeric"),
        # Word operators, before and after the number.
        ("不低于90%", "≥", 90, "%", "numeric"),
        ("不少于 3 次", "≥", 3, "次", "numeric"),
        ("大于等于 98%", "≥", 98, "%", "numeric"),
        ("不高于85%", "≤", 85, "%", "numeric"),
        ("不超过 20 万元", "≤", 20, "万元", "numeric"),
        ("小于等于 3%", "≤", 3, "%", "numeric"),
        ("达到100%", "=", 100, "%", "numeric"),
        ("95%以上", "≥", 95, "%", "numeric"),
        ("5个工作日以内", "≤", 5, "个工作日", "numeric"),
        ("10%以下", "≤", 10, "%", "numeric"),
        # Quantities with units as published in the seed.
        ("0 起", "=", 0, "起", "numeric"),
        ("0户", "=", 0, "户", "numeric"),
        ("≥1100 张", "≥", 1100, "张", "numeric"),
        ("≤55 人数及家数", "≤", 55, "人数及家数", "numeric"),
        ("≤1.48 万元", "≤", 1.48, "万元", "numeric"),
        ("22.05 万元", "=", 22.05, "万元", "numeric"),
        ("293.6 平方米", "=", 293.6, "平方米", "numeric"),
        ("1,200人", "=", 1200, "人", "numeric"),
        # Deadlines.
        ("12 月前", None, None, None, "deadline"),
        ("2024年12月前完成", None, None, None, "deadline"),
        ("10 月前", None, None, None, "deadline"),
        ("受理当日", None, None, None, "deadline"),
        ("年底前", None, None, None, "deadline"),
        # Qualitative and unreadable targets.
        ("设施齐全，正常运转", None, None, None, "qualitative"),
        ("显著提升", None, None, None, "qualitative"),
        ("原则上不高于当地最低工资标准", None, None, None, "qualitative"),
        ("本科一批、硕士、中 职职称人员 1250/人 /季度，其他人员 500/人/季度", None, None, None, "unparsed"),
        ("单位应缴纳的社会保险费原则上不超过社会保险费实际缴费额的 2/3", None, None, None, "unparsed"),
        ("", None, None, None, "unparsed"),
        ("   ", None, None, None, "unparsed"),
        ("%", None, None, "%", "unparsed"),
        ("≥", "≥", None, None, "unparsed"),
    ],
)
def test_target_forms(raw: str, op, value, unit, kind) -> None:
    target = parse_target(raw)
    assert (target.op, target.value, target.unit, target.kind) == (op, value, unit, kind)
    assert target.raw == raw  # the published text is never rewritten


def test_word_and_symbol_operators_agree() -> None:
    assert parse_target("不高于85%").model_dump(exclude={"raw"}) == parse_target("≤85%").model_dump(exclude={"raw"})
    assert parse_target("不低于95%").model_dump(exclude={"raw"}) == parse_target("≥95%").model_dump(exclude={"raw"})


def test_digits_inside_quotes_are_names_not_numbers() -> None:
    assert parse_target("助力我市“4+4”现代产业发展").kind == "qualitative"
    assert parse_target("落实《石财规〔2018〕3号》要求").kind == "qualitative"
