"""Consistency checks: every finding on the seed, no false alarms, each rule's positive and negative cases."""

from __future__ import annotations

import json
import random
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from kb.checks import FAMILIES, RULES, run_checks, select_rules
from kb.checks.store import anomaly_rows, write_anomalies
from kb.db.schema import ANOMALIES
from kb.errors import UsageError
from kb.models import Finding
from kb.web.queries import anomaly_queries as canned_queries
from tests.checkskit import (
    Proj,
    Row,
    indicator_id,
    make_kb,
    project_id,
    render_document,
)
from tests.seed_ids import seed_indicator, seed_project_of

ROOT = Path(__file__).resolve().parent.parent
RULES_DOC = ROOT / "docs" / "rules.md"


@pytest.fixture(scope="module")
def seed_findings(seed_db: Path) -> list[Finding]:
    with sqlite3.connect(seed_db) as conn:
        return run_checks(conn)


def _where_in(db: sqlite3.Connection | Path) -> Callable[[Finding], tuple[int, int | None]]:
    """(project seq, row position) of a finding of the knowledge base ``db``; row None for a project finding."""
    conn = sqlite3.connect(db) if isinstance(db, Path) else db
    seqs = dict(conn.execute("select id, seq from projects"))
    positions = dict(conn.execute("select id, position from indicators"))

    def where(finding: Finding) -> tuple[int, int | None]:
        assert finding.project_id is not None
        return seqs[finding.project_id], positions[finding.indicator_id] if finding.indicator_id is not None else None

    return where


def flagged(projects: list[Proj], rule: str) -> dict[tuple[int, int | None], Finding]:
    """The findings of one rule on a knowledge base made of ``projects``, keyed by (seq, row)."""
    conn = make_kb(projects)
    where = _where_in(conn)
    return {where(f): f for f in run_checks(conn, [rule])}


# ---------------------------------------------------------------- the seed

# (project seq, row or None for the project, rule, severity): every finding on the seed.
SEED_FINDINGS = [
    (1, 5, "cost.unit_product", "warning"),
    (5, None, "copy.related_table", "info"),
    (10, 1, "category.capped_output", "warning"),
    (11, None, "copy.related_table", "info"),
    (11, 4, "cost.above_budget", "error"),
    (11, 6, "direction.satisfaction", "error"),
    (13, None, "copy.related_table", "info"),
    (13, 8, "parse.unparsed", "info"),
    (14, None, "copy.related_table", "info"),
    (14, 8, "parse.unparsed", "info"),
    (20, 6, "measurable.restates", "warning"),
    (22, 1, "category.money", "warning"),
    (23, 2, "direction.positive", "warning"),
    (23, 5, "measurable.restates", "warning"),
    (23, 6, "measurable.restates", "warning"),
    (23, 7, "direction.satisfaction", "error"),
    (26, None, "copy.related_table", "info"),
    (26, 2, "measurable.missing_unit", "warning"),
    (27, None, "copy.related_table", "info"),
    (27, 2, "measurable.missing_unit", "warning"),
    (28, 4, "cost.unit_product", "warning"),
    (29, None, "measurable.placeholder_text", "info"),
    (30, 2, "measurable.restates", "warning"),
    (30, 3, "measurable.restates", "warning"),
    (30, 4, "measurable.restates", "warning"),
    (30, 5, "measurable.restates", "warning"),
    (35, None, "measurable.placeholder_text", "info"),
    (37, None, "measurable.placeholder_text", "info"),
    (38, 1, "category.capped_output", "warning"),
    (39, 4, "parse.unparsed", "info"),
    (40, 4, "cost.unit_product", "warning"),
    (42, 4, "cost.unit_product", "warning"),
    (43, None, "copy.table", "warning"),
    (43, None, "measurable.placeholder_goal", "warning"),
    (44, None, "copy.table", "warning"),
    (44, None, "measurable.placeholder_goal", "warning"),
    (44, 4, "category.money", "warning"),
    (44, 4, "measurable.no_number", "error"),
    (44, 4, "parse.unparsed", "info"),
]


def test_every_finding_on_the_seed(seed_db: Path, seed_findings: list[Finding]) -> None:
    def key(item: tuple) -> tuple:
        return item[0], item[1] or 0, item[2]

    where = _where_in(seed_db)
    found = [(*where(f), f.rule, f.severity) for f in seed_findings]
    assert sorted(found, key=key) == sorted(SEED_FINDINGS, key=key)


def test_findings_carry_ids_and_principles(seed_findings: list[Finding]) -> None:
    for finding in seed_findings:
        assert finding.document_id == 1
        assert finding.project_id is not None
        assert finding.indicator_id is None or seed_project_of(finding.indicator_id) == finding.project_id
        assert finding.principle == f"docs/rules.md#{finding.rule}"
        assert finding.severity == RULES[finding.rule].severity
        json.dumps(finding.evidence, ensure_ascii=False)


def test_satisfaction_caps_are_errors_naming_project_and_target(seed_findings: list[Finding]) -> None:
    capped = [f for f in seed_findings if f.rule == "direction.satisfaction"]
    assert [f.indicator_id for f in capped] == [seed_indicator(11, 6), seed_indicator(23, 7)]
    assert all(f.severity == "error" for f in capped)
    assert "省级就业补助资金" in capped[0].message and "受益对象满意度" in capped[0].message
    assert "≤90%" in capped[0].message and "≥90%" in capped[0].message
    assert capped[1].evidence == {
        "target_raw": "≤90%",
        "op": "≤",
        "value": 90.0,
        "unit": "%",
        "keyword": "满意度",
        "keyword_source": "name",
    }


def test_cost_cap_above_budget(seed_findings: list[Finding]) -> None:
    (finding,) = [f for f in seed_findings if f.rule == "cost.above_budget"]
    assert finding.indicator_id == seed_indicator(11, 4)
    assert finding.evidence == {"target_raw": "≤2281万", "cap_wan": 2281.0, "budget_wan": 1219.05, "ratio": 1.8711}
    assert "2,281.00 万元" in finding.message and "1,219.05 万元" in finding.message


def test_unitless_quality_targets(seed_findings: list[Finding]) -> None:
    missing = [f for f in seed_findings if f.rule == "measurable.missing_unit"]
    assert [f.indicator_id for f in missing] == [seed_indicator(26, 2), seed_indicator(27, 2)]
    assert missing[0].evidence["expected_unit"] == "%" and missing[0].evidence["peer_source"] == "level2"


def test_rent_rates_off_by_hundreds(seed_findings: list[Finding]) -> None:
    rent = {f.indicator_id: f.evidence for f in seed_findings if f.rule == "cost.unit_product"}
    assert sorted(rent) == [seed_indicator(1, 5), seed_indicator(28, 4), seed_indicator(40, 4), seed_indicator(42, 4)]
    first = rent[seed_indicator(1, 5)]
    assert (first["product_yuan"], first["budget_wan"], first["quantity_indicator_id"]) == (
        381.68,
        25.23,
        seed_indicator(1, 1),
    )
    assert all(e["period_hint"]["period"] == "天" and e["ratio"] < 0.003 for e in rent.values())


# Targets that are right, from the issue: 差错率 ≤10%, 返贫户数 0户, 事件数量 0 起, 违规数量 ≤55,
# a ≥95% satisfaction; caps equal to the budget; a unit cost × quantity equal to the budget.
CLEAN_ROWS = {
    seed_indicator(38, 2): "≤10%",
    seed_indicator(2, 2): "0户",
    seed_indicator(13, 13): "0 起",
    seed_indicator(23, 1): "≤55 人数及家数",
    seed_indicator(1, 7): "≥95%",
    seed_indicator(5, 4): "≤300万",
    seed_indicator(20, 4): "≤2556.8万元",
    seed_indicator(38, 4): "≤60元",
}


def test_no_false_alarms_on_targets_that_are_right(seed_db: Path, seed_findings: list[Finding]) -> None:
    with sqlite3.connect(seed_db) as conn:
        ids = ",".join(map(str, CLEAN_ROWS))
        targets = dict(conn.execute(f"select id, target_raw from indicators where id in ({ids})"))
    assert targets == CLEAN_ROWS
    assert [f for f in seed_findings if f.indicator_id in CLEAN_ROWS] == []


def test_registry_is_documented() -> None:
    text = RULES_DOC.read_text(encoding="utf-8")
    anchors = re.findall(r'<a id="([^"]+)"></a>\n### `([^`]+)` — (\w+)', text)
    assert [(a, h) for a, h, _ in anchors] == [(a, a) for a, _, _ in anchors]
    assert {a: s for a, _, s in anchors} == {rule.id: rule.severity for rule in RULES.values()}
    assert {rule.family for rule in RULES.values()} | {"budget"} == set(FAMILIES)
    for rule in RULES.values():
        assert (rule.check or rule.document_check).__doc__, rule.id


def test_every_rule_has_its_principle_in_chinese() -> None:
    from kb.checks.registry import PRINCIPLES

    assert set(PRINCIPLES) == set(RULES)
    for rule in RULES.values():
        text = rule.principle_text
        assert re.search(r"[\u4e00-\u9fff]", text) and len(text) >= 20, rule.id
        assert not re.search(r"\b(the|is|and|of)\b", text), rule.id  # Chinese, not English
    assert "写成上限" in RULES["direction.satisfaction"].principle_text
    assert "0.01 万元" in RULES["budget.parent_sum"].principle_text


def test_rule_selection_by_id_and_prefix() -> None:
    assert [r.id for r in select_rules(["direction"])] == [
        "direction.satisfaction",
        "direction.positive",
        "direction.negative",
    ]
    assert [r.id for r in select_rules(["plan.decreasing", "cost"])] == [
        "cost.above_budget",
        "cost.unit_product",
        "plan.decreasing",
    ]
    assert len(select_rules(None)) == len(RULES)
    with pytest.raises(UsageError, match="nope"):
        select_rules(["nope"])
    with pytest.raises(UsageError):
        select_rules(["dir"])  # a prefix names whole id parts, not letters


# ---------------------------------------------------------------- direction

SAT = "服务对象满意度指标"


def test_satisfaction_cap_word_form_flagged_like_symbol() -> None:
    found = flagged(
        [
            Proj("甲经费", [Row(SAT, "受益对象满意度", "≤85%")]),
            Proj("乙经费", [Row(SAT, "受益对象满意度", "不高于85%")]),
        ],
        "direction.satisfaction",
    )
    assert sorted(found) == [(1, 1), (2, 1)]
    symbol, words = found[(1, 1)].evidence, found[(2, 1)].evidence
    assert symbol.pop("target_raw") == "≤85%" and words.pop("target_raw") == "不高于85%"
    assert symbol == words and symbol["op"] == "≤" and symbol["value"] == 85.0 and symbol["unit"] == "%"


def test_satisfaction_rule_cases() -> None:
    found = flagged(
        [
            Proj(
                "甲经费",
                [
                    Row(SAT, "受益对象满意度", "≥95%"),
                    Row(SAT, "对服务满意的人数占比", "<80%"),  # no direction word: the 满意度 category decides
                    Row(SAT, "满意度", "≤5%", "调查对象的不满意率"),  # the description measures dissatisfaction
                    Row(SAT, "服务对象满意度", "100%"),
                    Row(SAT, "服务对象满意度", "较满意"),
                ],
            )
        ],
        "direction.satisfaction",
    )
    assert sorted(found) == [(1, 2)]


def test_positive_rate_capped() -> None:
    found = flagged(
        [
            Proj(
                "甲经费",
                [
                    Row("质量指标", "培训合格率", "≤90%"),
                    Row("质量指标", "违规基金追缴率", "不超过90%"),
                    Row("质量指标", "验收合格率", "≥95%"),
                    Row("质量指标", "档案完好率、归档合格率", "≤10%", "保证原始数据抄录差错率"),
                    Row(SAT, "受益对象满意度", "≤90%"),  # the satisfaction rule's, not this one's
                ],
            )
        ],
        "direction.positive",
    )
    assert sorted(found) == [(1, 1), (1, 2)]
    assert found[(1, 2)].evidence["keyword"] == "追缴率"


def test_negative_measure_floored() -> None:
    found = flagged(
        [
            Proj(
                "甲经费",
                [
                    Row("质量指标", "投诉率", "≥5%"),
                    Row("质量指标", "数据差错率", "高于1%"),
                    Row("数量指标", "违规数量", "≤55 人"),
                    Row("质量指标", "返贫户数", "0户"),
                    Row("社会效益指标", "因就业问题发生重大群体性事件数量", "0 起"),
                    Row("质量指标", "违规基金追缴率", "≥90%"),
                ],
            )
        ],
        "direction.negative",
    )
    assert sorted(found) == [(1, 1), (1, 2)]


# ---------------------------------------------------------------- measurable


def test_no_number() -> None:
    found = flagged(
        [
            Proj(
                "甲经费",
                [
                    Row("时效指标", "项目支出数额", "万元"),
                    Row("质量指标", "合格率", "≥"),
                    Row("质量指标", "验收合格率", "≥90%"),
                    Row("时效指标", "及时性", "及时"),
                ],
            )
        ],
        "measurable.no_number",
    )
    assert sorted(found) == [(1, 1), (1, 2)]


def test_missing_unit_against_level2_peers_and_family() -> None:
    found = flagged(
        [
            Proj(
                "甲经费",
                [
                    Row("质量指标", "验收合格率", "≥95%"),
                    Row("质量指标", "发放准确率", "≥90%"),
                    Row("质量指标", "工作完成率", "≥98%"),
                    Row("质量指标", "为群众提供优质服务", "≥90"),
                    Row("社会效益指标", "带动就业", "≥3"),
                ],
            ),
            Proj("乙经费", [Row("数量指标", "培训人数", "≥100 人")]),
            Proj("丙经费", [Row("数量指标", "培训人数", "≥120 人")]),
            Proj("丁经费", [Row("数量指标", "培训人数", "=80 人")]),
            Proj("戊经费", [Row("数量指标", "培训人数", "≥100")]),
        ],
        "measurable.missing_unit",
    )
    assert sorted(found) == [(1, 4), (5, 1)]
    assert found[(1, 4)].evidence["peer_source"] == "level2" and found[(1, 4)].evidence["expected_unit"] == "%"
    assert found[(5, 1)].evidence["peer_source"] == "family" and found[(5, 1)].evidence["expected_unit"] == "人"


def test_restated_targets() -> None:
    found = flagged(
        [
            Proj(
                "甲经费",
                [
                    Row("社会效益指标", "促进社会和谐稳定", "促进社会和谐稳定"),
                    Row("社会效益指标", "加强基金管理", "提高社保基金管理工作", "是否能够提高社保基金管理工作"),
                    Row("社会效益指标", "受训学员业务应用情况", "显著提升", "培训内容对受训学员实际工作上的提升效果"),
                    Row("社会效益指标", "档案材料真实性", "真实有效", "确保干部档案材料真实有效"),
                    Row("质量指标", "免费服务", "100%", "免费率达到100%"),
                ],
            )
        ],
        "measurable.restates",
    )
    assert sorted(found) == [(1, 1), (1, 2)]


def test_placeholder_goal_and_text() -> None:
    projects = [
        Proj("甲经费", [Row("数量指标", "印刷数量", "≥10 份")], goal="1.目标内容 1"),
        Proj("乙经费", [Row("数量指标", "印刷数量", "≥10 份")], goal="1.目标内容 1 根据文件规定按时贴息。"),
        Proj("丙经费", [Row("数量指标", "目标内容 2", "≥10 份")]),
        Proj("丁经费", [Row("数量指标", "印刷数量", "≥10 份")], goal="1.完成目标内容的宣传。"),
    ]
    assert sorted(flagged(projects, "measurable.placeholder_goal")) == [(1, None)]
    assert sorted(flagged(projects, "measurable.placeholder_text")) == [(2, None), (3, 1)]


# ---------------------------------------------------------------- cost


def test_cost_above_budget_in_wan() -> None:
    found = flagged(
        [
            Proj("甲经费", [Row("成本指标", "项目预算控制数", "≤20万元")], budget=10),
            Proj("乙经费", [Row("成本指标", "项目预算控制数", "≤150000元")], budget=10),
            Proj("丙经费", [Row("成本指标", "项目预算控制数", "≤100000元")], budget=10),
            Proj("丁经费", [Row("成本指标", "项目预算控制数", "≤10.004万")], budget=10),
            Proj("戊经费", [Row("成本指标", "项目预算控制数", "≤20万元")], budget=None),
            Proj("己经费", [Row("成本指标", "培训标准", "≤500 元/人")], budget=0.01),
            Proj("庚经费", [Row("数量指标", "采购金额", "20 万元")], budget=10),
        ],
        "cost.above_budget",
    )
    assert sorted(found) == [(1, 1), (2, 1)]
    assert found[(2, 1)].evidence["cap_wan"] == 15.0


def test_unit_cost_times_quantity() -> None:
    found = flagged(
        [
            Proj(
                "甲租赁费",
                [Row("数量指标", "租赁面积", "200 平方米"), Row("成本指标", "单位面积年度租赁费", "≤1.2 元/平方米")],
                budget=10,
            ),
            Proj(
                "乙数字化费",
                [
                    Row("数量指标", "加工数量", "≤2000 本"),
                    Row("成本指标", "单位成本", "≤50元", "单本档案预算成本控制金额"),
                ],
                budget=10,
            ),
            Proj(
                "丙印刷费",
                [Row("数量指标", "印刷数量", "2000 本"), Row("成本指标", "单位成本", "≤100 元/本")],
                budget=10,
            ),
            Proj(
                "丁租赁费",
                [
                    Row("数量指标", "办公面积", "200 平方米"),
                    Row("数量指标", "仓库面积", "300 平方米"),
                    Row("成本指标", "单位面积租赁费", "≤1.2 元/平方米"),
                ],
                budget=10,
            ),
            Proj(
                "戊培训费", [Row("数量指标", "培训场次", "5 场"), Row("成本指标", "培训标准", "≤350 元/人")], budget=10
            ),
        ],
        "cost.unit_product",
    )
    assert sorted(found) == [(1, 2), (3, 2)]
    low, high = found[(1, 2)].evidence, found[(3, 2)].evidence
    assert (low["product_yuan"], low["ratio"], low["period_hint"]["period"]) == (240.0, 0.0024, "天")
    assert "疑为按天计价" in found[(1, 2)].message
    assert (high["product_wan"], high["ratio"], high["period_hint"]) == (20.0, 2.0, None)


# ---------------------------------------------------------------- category


def test_money_misfiled() -> None:
    found = flagged(
        [
            Proj(
                "甲经费",
                [
                    Row("数量指标", "采购金额", "22.05 万元"),
                    Row("时效指标", "项目支出数额", "万元"),
                    Row("成本指标", "项目支出金额", "≤26万元"),
                    Row("经济效益指标", "带动增收", "≥5万元"),
                    Row("成本指标", "单位面积租赁费", "≤1.2 元/平方米"),
                ],
            )
        ],
        "category.money",
    )
    assert sorted(found) == [(1, 1), (1, 2)]


def test_capped_output_counts() -> None:
    found = flagged(
        [
            Proj(
                "甲经费",
                [
                    Row("数量指标", "薪酬制度改革合同数量", "≤5000份"),
                    Row("数量指标", "质量总检数量", "不超过2783 本"),
                    Row("数量指标", "违规数量", "≤55 人"),
                    Row("数量指标", "印制手册数量", "≥5000本"),
                    Row("数量指标", "办结时限", "≤5 个工作日"),
                    Row("数量指标", "补贴覆盖人数比例", "≤95%"),
                    Row("质量指标", "抽检数量", "≤10 份"),
                ],
            )
        ],
        "category.capped_output",
    )
    assert sorted(found) == [(1, 1), (1, 2)]


# ---------------------------------------------------------------- copy


def _table(*names: str) -> list[Row]:
    return [Row("数量指标", name, "≥1 次") for name in names]


def test_copied_tables_and_related_funds() -> None:
    projects = [
        Proj(
            "设备维修费",
            _table("设备检修次数", "故障处理次数", "巡检次数", "满意度"),
            usage="用于设备维修。",
            goal="1.保障设备运行。",
        ),
        Proj(
            "宣传印刷费",
            _table("设备检修次数", "故障处理次数", "巡检次数", "满意度"),
            usage="用于印刷宣传品。",
            goal="1.做好宣传。",
        ),
        Proj("中央就业补助资金", _table("补贴人数", "补贴种类", "培训人数"), usage="用于落实就业政策相关支出。"),
        Proj("区级就业专项资金", _table("补贴人数", "补贴种类", "培训人数"), usage="用于落实就业政策相关支出"),
        # Three funds sharing a table: the document's template, not a copy.
        Proj("甲中心房租", _table("租赁面积", "合同签订", "租赁期限"), usage="甲"),
        Proj("乙中心房租", _table("租赁面积", "合同签订", "租赁期限"), usage="乙"),
        Proj("丙院房租", _table("租赁面积", "合同签订", "租赁期限"), usage="丙"),
        # One fund in two years (one series): expected to repeat.
        Proj("2023年档案管理资金", _table("档案整理数量", "档案查询次数", "档案录入数量"), year=2023),
        Proj("2024年档案管理资金", _table("档案整理数量", "档案查询次数", "档案录入数量")),
        # Sharing two of four rows is not a copy.
        Proj("会议费", _table("会议次数", "参会人数", "会议纪要份数", "简报份数"), usage="会议"),
        Proj("接待费", _table("会议次数", "参会人数", "接待批次", "接待人数"), usage="接待"),
    ]
    copied = flagged(projects, "copy.table")
    related = flagged(projects, "copy.related_table")
    assert sorted(copied) == [(1, None), (2, None)]
    assert sorted(related) == [(3, None), (4, None)]
    partner = copied[(1, None)].evidence["partners"][0]
    assert (partner["project_id"], partner["shared_rows"], partner["related"]) == (project_id(2), 4, None)
    assert related[(3, None)].evidence["partners"][0]["related"] == "资金用途相同"


def test_copy_messages_say_exactly_what_is_shared(seed_db: Path, seed_findings: list[Finding]) -> None:
    where = _where_in(seed_db)
    copies = {where(f)[0]: f for f in seed_findings if f.rule.startswith("copy.") and f.rule.endswith("table")}
    # 5 and 11 share six names, but three of the six targets differ: the message says which.
    assert copies[5].message.startswith(
        "项目「就业专项区级配套资金」（2024年）的 6 行指标中有 6 行与项目「石财社〔2022〕99号提前下达2023年"
        "省级就业补助资金」（2023年）名称相同，其中 3 行指标值也相同、3 行指标值不同（资金拨付情况："
        "精准核算／按政策审批拨付；预算成本控制数：≤300万／≤2281万；受益对象满意度：≥90%／≤90%）。"
    )
    partner = copies[5].evidence["partners"][0]
    assert partner["same_targets"] == ["就业补贴种类", "资金拨付及时性", "就业政策落实"]
    assert [d["level3"] for d in partner["different_targets"]] == ["资金拨付情况", "预算成本控制数", "受益对象满意度"]
    # 13 and 14: names and targets alike.
    assert (
        "15 行指标中有 15 行与项目「石财社〔2023〕143号提前下达2024年省级就业补助资金」（2024年）名称和指标值都相同。"
        in (copies[13].message)
    )
    # 26 and 27: one measure worded otherwise, one target differs.
    assert "是同一指标（1 行措辞不同：服务群体满意度／服务对象满意度），其中 5 行指标值也相同、1 行指标值不同" in (
        copies[26].message
    )
    assert copies[43].rule == "copy.table" and "共同的指标：案件结案率(%)、仲裁结案率" in copies[43].message


def test_copy_message_of_names_without_targets() -> None:
    names = ("设备检修次数", "故障处理次数", "巡检次数")
    found = flagged(
        [
            Proj(
                "设备维修费",
                [Row("数量指标", n, f"≥{i} 次") for i, n in enumerate(names, 1)],
                usage="维修",
                goal="1.保障设备运行。",
            ),
            Proj(
                "宣传印刷费",
                [Row("数量指标", n, f"≥{i * 10} 次") for i, n in enumerate(names, 1)],
                usage="印刷",
                goal="1.做好宣传。",
            ),
        ],
        "copy.table",
    )
    assert "3 行与项目「宣传印刷费」（2024年）只有名称相同，指标值都不同（设备检修次数：≥1 次／≥10 次；" in (
        found[(1, None)].message
    )


def test_duplicate_rows() -> None:
    found = flagged(
        [
            Proj(
                "甲经费",
                [
                    Row("数量指标", "印刷数量", "≥10 份"),
                    Row("质量指标", "验收合格率", "≥95%"),
                    Row("数量指标", "印刷数量", "≥12 份"),
                ],
            ),
            Proj("乙经费", [Row("数量指标", "印刷数量", "≥10 份")]),
        ],
        "copy.duplicate_row",
    )
    assert sorted(found) == [(1, 3)]
    assert found[(1, 3)].evidence["first_indicator_id"] == indicator_id(1, 1)


# ---------------------------------------------------------------- peer


def test_operator_departs_from_family() -> None:
    scores = [
        Proj(f"{n}经费", [Row("质量指标", "服务质量评分", op + "90分")])
        for n, op in zip("甲乙丙丁", ("≥", "≥", "不低于", "≤"), strict=True)
    ]
    assert sorted(flagged(scores, "peer.operator")) == [(4, 1)]
    # Where the words carry a direction they judge, not the peers.
    errors = [
        Proj(f"{n}经费", [Row("质量指标", "数据差错率", op + "5%")])
        for n, op in zip("甲乙丙丁", ("≥", "≥", "≥", "≤"), strict=True)
    ]
    assert flagged(errors, "peer.operator") == {}
    # Three peers are the fewest that set a norm.
    assert flagged(scores[1:], "peer.operator") == {}


def test_percent_value_departs_from_family() -> None:
    rates = [
        Proj(f"{n}经费", [Row("质量指标", "资料归档率", f"≥{v}%")])
        for n, v in zip("甲乙丙丁戊己庚", (95, 95, 95, 95, 95, 50, 85), strict=True)
    ]
    found = flagged(rates, "peer.value")
    assert sorted(found) == [(6, 1)]
    assert found[(6, 1)].evidence["gap_points"] == -45.0
    assert sorted(flagged(rates[1:6], "peer.value")) == [(5, 1)]  # five members: the fewest to compare with
    assert flagged(rates[2:6], "peer.value") == {}  # four members are too few to compare with


# ---------------------------------------------------------------- plan


def test_spending_plans() -> None:
    row = [Row("数量指标", "印刷数量", "≥10 份")]
    projects = [
        Proj("甲经费", row, plan=(25, 50, 40, 100)),
        Proj("乙经费", row, plan=(25, 50, 75, 90)),
        Proj("丙经费", row, plan=(25, 50, 75, None)),
        Proj("丁经费", row, plan=(25, 50, 50, 100)),
        Proj("戊经费", row, plan=(None, None, None, 100)),
        Proj("己经费", row, plan=(None, None, None, None)),
        Proj("庚经费", row, plan=(100, 100, 100, 100)),
    ]
    assert sorted(flagged(projects, "plan.decreasing")) == [(1, None)]
    assert sorted(flagged(projects, "plan.not_complete")) == [(2, None), (3, None)]


# ---------------------------------------------------------------- bad input


def test_unparsed_target_is_an_info_finding() -> None:
    found = flagged(
        [
            Proj(
                "甲经费",
                [Row("成本指标", "房租补贴", "本科 1250/人/季度，其他 500/人/季度"), Row("时效指标", "及时性", "及时")],
            )
        ],
        "parse.unparsed",
    )
    assert sorted(found) == [(1, 1)] and found[(1, 1)].severity == "info"


def test_no_rule_crashes_on_null_values() -> None:
    conn = make_kb(
        [
            Proj("甲经费", [Row("服务对象满意度指标", "满意度", "≤90%"), Row("成本指标", "成本", "≤20万元")]),
            Proj("乙经费", []),
        ]
    )
    conn.execute(
        "UPDATE indicators SET level1 = NULL, level2 = NULL, description = NULL, target_op = NULL, "
        "target_unit = NULL, target_kind = NULL, family_id = NULL, position = NULL WHERE position = 1"
    )
    conn.execute("UPDATE indicators SET level3 = NULL, target_raw = NULL, target_value = NULL WHERE position = 2")
    conn.execute(
        "UPDATE projects SET name = NULL, budget = NULL, usage = NULL, goal = NULL, year = NULL, "
        "series_id = NULL, spend_plan_by_march = NULL, spend_plan_by_june = NULL, "
        "spend_plan_by_october = NULL, spend_plan_by_december = NULL"
    )
    conn.execute("INSERT INTO indicators (id, project_id, document_id, target_raw) VALUES (99999001, 99999, 1, '≤')")
    conn.execute("DROP TABLE indicator_families")
    findings = run_checks(conn)
    unparsed = sorted(f.indicator_id for f in findings if f.rule == "parse.unparsed")
    assert unparsed == [indicator_id(1, 1), 99999001]  # NULL kind counts as unparsed, never skipped
    assert all(f.message for f in findings)


def test_built_document_word_forms_and_unparsed(tmp_path: Path) -> None:
    """The whole path: a disclosure text → kb build → rules, with a word-form operator and bad targets."""
    from kb.db.build import build_knowledge_base

    source = tmp_path / "doc.txt"
    source.write_text(
        render_document(
            [
                Proj(
                    "甲经费",
                    [
                        Row(SAT, "受益对象满意度", "不高于85%"),
                        Row("成本指标", "房租补贴", "本科 1250/人/季度，其他 500/人/季度"),
                    ],
                ),
                Proj("乙经费", [Row(SAT, "受益对象满意度", "≤85%"), Row("时效指标", "项目支出数额", "万元")]),
            ]
        ),
        encoding="utf-8",
    )
    db = tmp_path / "kb.db"
    build_knowledge_base([source], db, workers=1)
    with sqlite3.connect(db) as conn:
        where = _where_in(conn)
        found = sorted((*where(f), f.rule) for f in run_checks(conn))
    assert found == [
        (1, 1, "direction.satisfaction"),
        (1, 2, "parse.unparsed"),
        (2, 1, "direction.satisfaction"),
        (2, 2, "category.money"),
        (2, 2, "measurable.no_number"),
        (2, 2, "parse.unparsed"),
    ]


# ---------------------------------------------------------------- the anomalies table


def test_anomalies_table_spec() -> None:
    names = [c.name for c in ANOMALIES.columns]
    assert names == [
        "id",
        "rule_family",
        "rule",
        "severity",
        "message",
        "principle",
        "document_id",
        "project_id",
        "indicator_id",
        "evidence",
    ]
    assert all(c.description for c in ANOMALIES.columns)
    assert dict(ANOMALIES.foreign_keys) == {
        "document_id": "documents",
        "project_id": "projects",
        "indicator_id": "indicators",
    }
    # (rule, severity) serves lookups by rule too (its leading column).
    assert {("rule", "severity"), ("severity",), ("project_id",)} <= set(ANOMALIES.indexes)


def test_anomaly_rows_are_deterministic(seed_findings: list[Finding]) -> None:
    shuffled = list(seed_findings)
    random.Random(4).shuffle(shuffled)
    rows = anomaly_rows(shuffled)
    assert rows == anomaly_rows(seed_findings)
    assert [r["id"] for r in rows] == list(range(1, len(seed_findings) + 1))
    keys = [(r["project_id"], r["indicator_id"] or 0, r["rule"]) for r in rows]
    assert keys == sorted(keys)
    first = rows[0]
    assert (first["rule_family"], first["rule"], json.loads(first["evidence"])["budget_wan"]) == (
        "cost",
        "cost.unit_product",
        25.23,
    )


def test_anomalies_stored_and_queried(seed_db: Path, tmp_path: Path) -> None:
    import shutil

    import sqlite_utils

    db = tmp_path / "kb.db"
    shutil.copy(seed_db, db)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE IF EXISTS anomalies")
        sqlite_utils.Database(conn)[ANOMALIES.name].create(
            {c.name: {"INTEGER": int, "REAL": float, "TEXT": str}[c.type] for c in ANOMALIES.columns},
            pk="id",
            foreign_keys=[(column, other, "id") for column, other in ANOMALIES.foreign_keys],
        )
        assert write_anomalies(conn) == len(SEED_FINDINGS)
        queries = canned_queries()
        assert set(queries) == {f"anomalies_{family}" for family in FAMILIES} | {"anomalies_by_rule"}
        results = {name: conn.execute(q["sql"]).fetchall() for name, q in queries.items()}
    direction = results["anomalies_direction"]
    assert [(r[1], r[2], r[4], r[12]) for r in direction] == [
        ("error", "direction.satisfaction", "石财社〔2022〕99号提前下达2023年省级就业补助资金", "≤90%"),
        ("error", "direction.satisfaction", "社会保险经办工作经费", "≤90%"),
        ("warning", "direction.positive", "社会保险经办工作经费", "≤90%"),
    ]
    assert sum(len(rows) for name, rows in results.items() if name != "anomalies_by_rule") == len(SEED_FINDINGS)
    by_rule = {r[1]: r[3] for r in results["anomalies_by_rule"]}
    assert by_rule["measurable.restates"] == 7 and sum(by_rule.values()) == len(SEED_FINDINGS)
    assert all(q["title"].startswith("一致性检查") and q["description"] for q in canned_queries().values())
