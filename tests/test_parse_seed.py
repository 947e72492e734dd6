"""Golden tests: what the parser must extract from the real seed document."""

from __future__ import annotations

import json
from pathlib import Path

from kb.models import Document
from tests.conftest import project

GOLDEN = Path(__file__).parent / "golden" / "seed_indicators.json"


def test_document_header(seed_doc: Document) -> None:
    assert seed_doc.dept_code == "316"
    assert seed_doc.dept_name == "中共石家庄高新技术产业开发区工委组织部"
    assert seed_doc.budget_year == 2024
    assert seed_doc.encoding == "utf-8"
    assert len(seed_doc.sha256) == 64


def test_counts(seed_doc: Document) -> None:
    assert len(seed_doc.projects) == 44
    assert sum(len(p.indicators) for p in seed_doc.projects) == 289
    assert len(seed_doc.dept_goals) == 21
    assert sum(len(g.indicators) for g in seed_doc.dept_goals) == 64
    assert len(seed_doc.units) == 7
    assert seed_doc.warnings == []


def test_projects_are_numbered_in_order(seed_doc: Document) -> None:
    assert [p.seq for p in seed_doc.projects] == list(range(1, 45))
    assert len({p.code for p in seed_doc.projects}) == 44


def test_budgets_add_up_to_project_spending(seed_doc: Document) -> None:
    # 7027.99 is the 项目支出 total of the 支出总表 and of the 情况说明.
    assert all(isinstance(p.budget, float) for p in seed_doc.projects)
    assert round(sum(p.budget for p in seed_doc.projects), 2) == 7027.99
    assert all(p.fiscal_funds == p.budget and p.other_funds is None for p in seed_doc.projects)


def test_project_years_come_from_the_code(seed_doc: Document) -> None:
    eleven = project(seed_doc, 11)
    assert eleven.code == "13019023P00G4P410338A"
    assert eleven.year == 2023
    assert project(seed_doc, 1).year == 2024
    years = {p.seq for p in seed_doc.projects if p.year == 2023}
    assert years == {11, 16, 17, 28, 30, 32, 33, 34, 42}


def test_first_project_whole(seed_doc: Document) -> None:
    first = project(seed_doc, 1)
    assert first.name == "组织人社运转保障工作经费"
    assert first.code == "13019024P0042TD10003H"
    assert first.budget == 25.23
    assert first.usage == "用于房租和网络租赁费支出。"
    assert first.spend_plan.model_dump() == {
        "by_march": 25.0,
        "by_june": 50.0,
        "by_october": 75.0,
        "by_december": 100.0,
    }
    assert first.goal == "1.保障组织人社工作正常开展。"
    assert (first.first_line, first.last_line) == (1034, 1051)
    rent = first.indicators[4]
    assert rent.model_dump() == {
        "position": 5,
        "level1": "产出指标",
        "level2": "成本指标",
        "level3": "单位面积办公用房年度租赁费",
        "description": "每平方米办公用房年度租赁费",
        "target": {"raw": "≤1.3 元/平方米", "op": "≤", "value": 1.3, "unit": "元/平方米", "kind": "numeric"},
        "basis": "年度工作计划",
        "first_line": 1049,
        "last_line": 1049,
    }


def test_spend_plan_missing_quarters_are_null(seed_doc: Document) -> None:
    assert project(seed_doc, 3).spend_plan.by_march is None
    plan = project(seed_doc, 12).spend_plan
    assert (plan.by_march, plan.by_june, plan.by_october, plan.by_december) == (None, None, None, 100.0)


def test_empty_level_cells_are_filled_from_the_row_above(seed_doc: Document) -> None:
    for p in seed_doc.projects:
        for indicator in p.indicators:
            assert indicator.level1 in {"产出指标", "效益指标", "满意度指标"}, (p.seq, indicator.position)
            assert indicator.level2, (p.seq, indicator.position)
    benefits = [i for i in project(seed_doc, 20).indicators if i.level1 == "效益指标"]
    assert [i.level2 for i in benefits] == ["可持续影响指标", "社会效益指标"]


def test_page_break_tail_joined_without_repeat(seed_doc: Document) -> None:
    for seq in (13, 14):
        cost = project(seed_doc, seq).indicators[7]
        assert cost.level2 == "成本指标"
        assert cost.level3 == "社会保险补贴人均标准"
        assert cost.target.raw == "单位应缴纳的社会保险费原则上不超过社会保险费实际缴费额的 2/3"
        assert cost.basis == "年度工作计划"
        assert cost.last_line - cost.first_line == 3


def test_page_break_cut_in_three_cells(seed_doc: Document) -> None:
    last_benefit = [i for i in project(seed_doc, 39).indicators if i.level1 == "效益指标"][-1]
    assert last_benefit.level3 == "吸引高校毕业生来到石家庄高新区就业"
    assert last_benefit.description == "吸引高校毕业生来到石家庄高新区就业的人数"
    assert last_benefit.basis == "根据年度工作计划制定"
    assert last_benefit.target.raw == "≥1100 人"
    assert (last_benefit.first_line, last_benefit.last_line) == (1783, 1786)


def test_page_break_between_two_rows(seed_doc: Document) -> None:
    rows = project(seed_doc, 23).indicators
    assert len(rows) == 7
    assert [(i.level2, i.level3) for i in rows[4:6]] == [
        ("社会效益指标", "加强基金管理工作"),
        ("社会效益指标", "防范基金风险"),
    ]
    assert rows[5].level1 == "效益指标"
    assert rows[6].target.raw == "≤90%"


def test_page_break_tails_of_description_and_basis(seed_doc: Document) -> None:
    archive = project(seed_doc, 41).indicators[4]
    assert archive.description == "通过对现有档案资料进行维护保养，提高档案资料的储存年限，保障档案资料的完好率。"
    deadline = project(seed_doc, 38).indicators[2]
    assert (
        deadline.basis
        == "《河北省人力资源和社会保障厅关于进一步加快推进流动人员人事档案信息化建设的通知》(冀人社字〔2020〕321号)"
    )
    assert deadline.target.kind == "deadline"


def test_satisfaction_targets_written_at_most(seed_doc: Document) -> None:
    at_most = [
        (p.seq, i.level3)
        for p in seed_doc.projects
        for i in p.indicators
        if i.level1 == "满意度指标" and i.target.op == "≤"
    ]
    assert at_most == [(11, "受益对象满意度"), (23, "受益对象满意度")]


def test_multi_paragraph_goal(seed_doc: Document) -> None:
    goal = project(seed_doc, 31).goal
    assert goal.split("\n")[0].startswith("1.为营造大众创业")
    assert goal.split("\n")[1].startswith("2.为更好的将就业创业优惠政策")
    assert "<p>" not in goal


def test_department_goals(seed_doc: Document) -> None:
    first = seed_doc.dept_goals[0]
    assert first.goal.startswith("按照市局要求规划并落实好高校毕业生就业补贴")
    assert [(i.name, i.target.raw, i.target.value) for i in first.indicators] == [
        ("高校毕业生就业补贴到位率", "100%", 100.0),
        ("公益性岗位补贴到位率", "100%", 100.0),
        ("相关业务政策制定完成率", "90%", 90.0),
    ]
    sentence = seed_doc.dept_goals[2].indicators[0]
    assert (sentence.name, sentence.target.raw, sentence.target.unit) == ("计划完成职业技能培训", "4000人", "人")
    assert sentence.text == "计划完成职业技能培训4000人；"
    fair = seed_doc.dept_goals[1].indicators[2]
    assert fair.name == "搭建供需平台，助力企业发展，积极带动就业，计划全年举办线上招聘会"
    assert fair.target.raw == "10次"
    assert len(seed_doc.dept_goals[14].indicators) == 4
    assert seed_doc.dept_goals[11].indicators[2].name == "职称申报通过人员证书发放比率"
    assert seed_doc.overall_goal.startswith("2024 年组织人社工作总体思路")


def test_units(seed_doc: Document) -> None:
    assert [u.name for u in seed_doc.units][:2] == [
        "中共石家庄高新技术产业开发区工委组织部本级",
        "石家庄高新技术产业开发区社会保险中心",
    ]
    assert seed_doc.units[0].model_dump() == {
        "seq": 1,
        "name": "中共石家庄高新技术产业开发区工委组织部本级",
        "nature": "行政",
        "rank": "副处(县)级",
        "funding": "财政拨款",
        "line": 748,
    }
    assert seed_doc.units[-1].name == "石家庄循环化工园区劳动和社会保障服务中心"


def _snapshot(doc: Document) -> list[dict]:
    return [{"project": p.seq, **i.model_dump()} for p in doc.projects for i in p.indicators]


def test_every_indicator_matches_the_reviewed_snapshot(seed_doc: Document) -> None:
    """All 289 rows, reviewed once by hand against the document; a change shows up here."""
    assert _snapshot(seed_doc) == json.loads(GOLDEN.read_text(encoding="utf-8"))
