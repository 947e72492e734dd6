"""Indicator names, descriptions and what kind of target each takes, by 二级指标.

A :class:`Measure` says how an indicator is measured (a positive rate, a count
with a unit, a cost cap …); :mod:`bench.docgen.templates.targets` turns it into
a published 指标值 in one of its many written forms, with its truth.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """How an indicator is measured.

    ``kind`` is one of: ``rate_pos`` (higher is better, %), ``rate_neg`` (lower
    is better, %), ``count`` (a quantity to reach), ``count_neg`` (events to
    avoid), ``cost_total`` (a cap in 万元 tied to the budget), ``unit_cost``,
    ``duration_neg``, ``duration_pos``, ``labelled`` (the quantity is named
    inside the target: ``年用水总量≤3.2亿立方米``), ``deadline``, ``qual``.
    """

    kind: str
    unit: str = ""
    low: float = 0.0
    high: float = 0.0
    decimals: int = 0
    label: str = ""  # labelled: the quantity's name printed before the operator
    op: str = ""  # labelled: the operator printed
    words: tuple[str, ...] = ()  # qual: the phrases to choose from


@dataclass(frozen=True)
class IndicatorSpec:
    """A 三级指标 with its description and measure."""

    name: str
    description: str
    measure: Measure


def _rate(low: float = 90, high: float = 100) -> Measure:
    return Measure("rate_pos", "%", low, high)


def _count(unit: str, low: float, high: float, decimals: int = 0) -> Measure:
    return Measure("count", unit, low, high, decimals)


def _qual(*words: str) -> Measure:
    return Measure("qual", words=words)


RATE_NEG = Measure("rate_neg", "%", 0.5, 5, 1)
DEADLINE = Measure("deadline")
COST_TOTAL = Measure("cost_total", "万元")
TIMELY = _qual("及时拨付", "及时完成", "及时办理", "按时完成")
EFFECT = _qual("显著提升", "有效提升", "明显改善", "逐步完善", "有所提高")

# 数量指标 by domain; the last one of each names its quantity inside the target.
QUANTITY = {
    "water": (
        IndicatorSpec("农村供水工程建设处数", "新建或改造农村集中供水工程数量", _count("处", 5, 60)),
        IndicatorSpec("治理河道长度", "完成中小河流综合治理的河道长度", _count("公里", 5, 80, 1)),
        IndicatorSpec("水土流失治理面积", "当年完成水土流失综合治理面积", _count("平方公里", 10, 300)),
        IndicatorSpec("水文监测站点运行数量", "正常运行的水文监测站点数量", _count("个", 20, 400)),
        IndicatorSpec(
            "年用水总量控制",
            "区域年度用水总量控制目标",
            Measure("labelled", "亿立方米", 1, 9, 1, label="年用水总量", op="≤"),
        ),
    ),
    "agriculture": (
        IndicatorSpec("建设高标准农田面积", "当年新建和改造提升高标准农田面积", _count("万亩", 1, 30, 1)),
        IndicatorSpec("技术培训农民人次", "开展农业实用技术培训的人次", _count("人次", 500, 20000)),
        IndicatorSpec("病虫害统防统治面积", "实施统防统治的农作物面积", _count("万亩", 5, 80)),
        IndicatorSpec("补贴发放农户数", "享受补贴的农户数量", _count("户", 1000, 90000)),
        IndicatorSpec(
            "粮食总产量", "区域粮食总产量目标", Measure("labelled", "万吨", 50, 400, 0, label="粮食总产量", op="≥")
        ),
    ),
    "education": (
        IndicatorSpec("资助学生人数", "享受资助的家庭经济困难学生人数", _count("人", 300, 30000)),
        IndicatorSpec("培训教师人次", "参加各级各类培训的教师人次", _count("人次", 200, 8000)),
        IndicatorSpec("维修改造校舍面积", "完成维修改造的校舍面积", _count("平方米", 1000, 60000)),
        IndicatorSpec("新增学位数", "新建改扩建学校新增学位数", _count("个", 200, 9000)),
        IndicatorSpec(
            "义务教育巩固率目标", "九年义务教育巩固率", Measure("labelled", "%", 95, 99, 1, label="巩固率", op="≥")
        ),
    ),
    "employment": (
        IndicatorSpec("职业技能培训人数", "组织开展职业技能培训的人数", _count("人", 200, 12000)),
        IndicatorSpec("享受社会保险补贴人次", "享受社会保险补贴的人次", _count("人次", 100, 5000)),
        IndicatorSpec("开发公益性岗位数量", "开发并安置就业困难人员的公益性岗位", _count("个", 10, 800)),
        IndicatorSpec("扶持创业人数", "通过创业担保贷款等扶持创业的人数", _count("人", 20, 2000)),
        IndicatorSpec(
            "城镇新增就业人数",
            "年度城镇新增就业目标",
            Measure("labelled", "万人", 1, 25, 1, label="城镇新增就业", op="≥"),
        ),
    ),
    "health": (
        IndicatorSpec("建立电子健康档案人数", "为常住居民建立电子健康档案人数", _count("万人", 5, 300, 1)),
        IndicatorSpec("家庭医生签约人数", "签约家庭医生服务的居民人数", _count("人", 1000, 90000)),
        IndicatorSpec("开展健康教育讲座次数", "面向群众开展健康教育讲座的次数", _count("次", 10, 400)),
        IndicatorSpec("储备应急物资品种", "储备的卫生应急物资品种数", _count("种", 10, 120)),
        IndicatorSpec(
            "人均预期寿命目标",
            "居民人均预期寿命目标",
            Measure("labelled", "岁", 78, 82, 1, label="人均预期寿命", op="≥"),
        ),
    ),
    "civil": (
        IndicatorSpec("保障低保对象人数", "纳入城乡低保保障的人数", _count("人", 1000, 60000)),
        IndicatorSpec("新增养老床位数", "新建养老机构和社区养老服务设施床位", _count("张", 50, 3000)),
        IndicatorSpec("临时救助困难群众人次", "实施临时救助的人次", _count("人次", 100, 9000)),
        IndicatorSpec("补贴发放户数", "享受补贴的家庭户数", _count("户", 200, 20000)),
        IndicatorSpec(
            "养老机构护理型床位占比目标",
            "护理型床位占养老机构床位比例",
            Measure("labelled", "%", 55, 70, 0, label="护理型床位占比", op="≥"),
        ),
    ),
    "culture": (
        IndicatorSpec("开展惠民演出场次", "组织文化惠民演出的场次", _count("场", 20, 600)),
        IndicatorSpec("修缮文物保护单位数量", "完成保护修缮的文物保护单位数量", _count("处", 2, 40)),
        IndicatorSpec("图书馆年接待读者人次", "公共图书馆年接待读者人次", _count("万人次", 10, 300, 1)),
        IndicatorSpec("举办展览次数", "举办各类展览的次数", _count("次", 5, 80)),
        IndicatorSpec(
            "接待游客总量",
            "年度接待游客总量目标",
            Measure("labelled", "万人次", 100, 9000, 0, label="年接待游客", op="≥"),
        ),
    ),
    "transport": (
        IndicatorSpec("养护农村公路里程", "完成日常养护的农村公路里程", _count("公里", 100, 8000)),
        IndicatorSpec("改造危桥数量", "完成改造的危旧桥梁数量", _count("座", 2, 60)),
        IndicatorSpec("更新公交车辆数", "更新新能源公交车辆数", _count("辆", 10, 600)),
        IndicatorSpec("实施安全防护工程里程", "实施公路安全生命防护工程里程", _count("公里", 10, 900)),
        IndicatorSpec(
            "港口货物吞吐量",
            "港口年度货物吞吐量目标",
            Measure("labelled", "万吨", 100, 5000, 0, label="年货物吞吐量", op="≥"),
        ),
    ),
    "ecology": (
        IndicatorSpec("空气质量监测站点数量", "运行维护的空气质量自动监测站点", _count("个", 5, 120)),
        IndicatorSpec("治理污染地块面积", "完成风险管控和修复的污染地块面积", _count("亩", 20, 2000)),
        IndicatorSpec("执法检查企业数", "开展生态环境执法检查的企业数量", _count("家", 50, 3000)),
        IndicatorSpec("农村生活污水治理村庄数", "完成生活污水治理的行政村数量", _count("个", 10, 400)),
        IndicatorSpec(
            "细颗粒物浓度控制",
            "细颗粒物（PM2.5）年均浓度控制目标",
            Measure("labelled", "微克/立方米", 25, 45, 0, label="细颗粒物年均浓度", op="≤"),
        ),
    ),
    "admin": (
        IndicatorSpec("租赁办公用房面积", "租赁办公用房面积", _count("平方米", 100, 3000, 1)),
        IndicatorSpec("运维信息系统数量", "运行维护的信息系统数量", _count("个", 2, 30)),
        IndicatorSpec("业务培训人次", "组织业务培训的人次", _count("人次", 50, 2000)),
        IndicatorSpec("开展党建活动次数", "组织开展主题党建活动的次数", _count("次", 4, 40)),
        IndicatorSpec(
            "年度公共机构能耗控制",
            "公共机构单位建筑面积能耗控制目标",
            Measure("labelled", "千克标准煤/平方米", 8, 20, 1, label="单位面积能耗", op="≤"),
        ),
    ),
}

BY_LEVEL2: dict[str, tuple[IndicatorSpec, ...]] = {
    "质量指标": (
        IndicatorSpec("验收合格率", "项目完工后验收合格的比例", _rate(90, 100)),
        IndicatorSpec("资金使用合规率", "资金使用符合相关规定的比例", _rate(95, 100)),
        IndicatorSpec("补助发放准确率", "补助资金足额准确发放到位的比例", _rate(95, 100)),
        IndicatorSpec("服务覆盖率", "服务对象覆盖的比例", _rate(85, 100)),
        IndicatorSpec("设备完好率", "设施设备正常运行的比例", _rate(90, 99)),
        IndicatorSpec("业务办理差错率", "业务办理中出现差错的比例", RATE_NEG),
        IndicatorSpec("有效投诉率", "服务对象有效投诉占服务总量的比例", RATE_NEG),
        IndicatorSpec(
            "项目实施质量",
            "项目实施质量符合相关标准和规范",
            _qual("符合相关标准", "设施齐全，正常运转", "达到验收标准"),
        ),
    ),
    "时效指标": (
        IndicatorSpec("资金拨付及时率", "资金按规定时限拨付到位的比例", _rate(90, 100)),
        IndicatorSpec("项目完成时间", "项目按计划完成的时间", DEADLINE),
        IndicatorSpec("补助资金发放时间", "补助资金发放到位的时间", DEADLINE),
        IndicatorSpec("资金拨付及时性", "资金是否及时拨付到位", TIMELY),
        IndicatorSpec("业务办结时限", "业务受理后办结的时间", Measure("duration_neg", "个工作日", 3, 20)),
    ),
    "成本指标": (
        IndicatorSpec("项目预算控制数", "项目支出控制在批复预算额度内", COST_TOTAL),
        IndicatorSpec("人均补助标准", "每人享受的补助标准", Measure("unit_cost", "元/人", 100, 3000)),
        IndicatorSpec("单位面积改造成本", "每平方米维修改造成本", Measure("unit_cost", "元/平方米", 50, 900)),
        IndicatorSpec("培训人均成本", "每人次培训成本", Measure("unit_cost", "元/人次", 100, 600)),
    ),
    "经济效益指标": (
        IndicatorSpec("带动就业人数", "项目实施带动就业的人数", _count("人", 10, 3000)),
        IndicatorSpec("受益群众人均增收", "受益群众人均年增收", _count("元", 200, 3000)),
        IndicatorSpec("节约财政资金情况", "通过规范管理节约财政资金", _qual("有效节约", "明显减少支出")),
    ),
    "社会效益指标": (
        IndicatorSpec("政策知晓率", "群众对相关政策的知晓程度", _rate(80, 98)),
        IndicatorSpec("群众办事便利度", "群众办事的便利程度", EFFECT),
        IndicatorSpec(
            "重大安全责任事故发生次数", "项目实施中发生重大安全责任事故的次数", Measure("count_neg", "起", 0, 2)
        ),
        IndicatorSpec("社会公众认可度", "社会公众对项目实施效果的认可程度", EFFECT),
        IndicatorSpec("受益人口覆盖率", "受益人口占应覆盖人口的比例", _rate(85, 100)),
    ),
    "生态效益指标": (
        IndicatorSpec("生态环境改善情况", "项目实施对区域生态环境的改善", _qual("有效改善", "明显改善", "持续向好")),
        IndicatorSpec("污染物排放达标率", "污染物排放符合标准的比例", _rate(90, 100)),
        IndicatorSpec("节约用水量", "通过项目实施年节约用水量", _count("万立方米", 10, 900)),
    ),
    "可持续影响指标": (
        IndicatorSpec("长效管护机制", "建立项目长效运行管护机制", _qual("建立健全", "长期有效", "持续完善")),
        IndicatorSpec("设施使用年限", "建成设施的设计使用年限", Measure("duration_pos", "年", 5, 30)),
        IndicatorSpec("项目持续发挥效益", "项目建成后持续发挥效益的情况", _qual("长期发挥效益", "持续发挥作用")),
    ),
    "服务对象满意度指标": (
        IndicatorSpec("受益群众满意度", "调查中满意和较满意的受益群众占比", _rate(85, 98)),
        IndicatorSpec("服务对象满意度", "服务对象对项目实施的满意程度", _rate(85, 98)),
        IndicatorSpec("受益对象满意度", "满意和较满意的受益对象占全部调查对象的比例", _rate(85, 98)),
        IndicatorSpec("参训人员满意度", "参训人员对培训的满意程度", _rate(85, 98)),
        IndicatorSpec("社会公众满意度", "社会公众对项目实施效果的满意程度", _rate(85, 98)),
    ),
    # The newer central template's 成本指标 (财预〔2021〕101号).
    "经济成本指标": (
        IndicatorSpec("项目总成本", "项目实施的全部经济成本", COST_TOTAL),
        IndicatorSpec("单位运维成本", "每个站点年均运行维护成本", Measure("unit_cost", "万元/个", 1, 20, 1)),
    ),
    "社会成本指标": (
        IndicatorSpec("对社会发展的负面影响", "项目实施对社会发展可能造成的负面影响", _qual("无", "无明显负面影响")),
        IndicatorSpec("征地拆迁户数", "项目实施涉及的征地拆迁户数", Measure("count_neg", "户", 0, 5)),
    ),
    "生态环境成本指标": (
        IndicatorSpec("对生态环境的负面影响", "项目实施对生态环境可能造成的负面影响", _qual("无", "无明显影响")),
        IndicatorSpec("新增碳排放量", "项目实施新增的二氧化碳排放量", Measure("count_neg", "吨", 0, 50)),
    ),
}

# 部门整体支出绩效目标: department-level indicators (they are goals, never projects).
DEPARTMENT_LEVEL: dict[str, tuple[IndicatorSpec, ...]] = {
    "数量指标": (
        IndicatorSpec("年度重点工作任务数", "部门年度重点工作任务数量", _count("项", 5, 30)),
        IndicatorSpec("开展监督检查次数", "全年开展监督检查的次数", _count("次", 4, 50)),
    ),
    "质量指标": (
        IndicatorSpec("重点工作任务完成率", "年度重点工作任务完成的比例", _rate(95, 100)),
        IndicatorSpec("政府采购执行率", "政府采购预算执行的比例", _rate(90, 100)),
    ),
    "时效指标": (
        IndicatorSpec("部门决算编报时间", "部门决算按时编报", DEADLINE),
        IndicatorSpec("预算执行率", "年度预算执行的比例", _rate(90, 100)),
    ),
    "成本指标": (
        IndicatorSpec("“三公”经费控制数", "“三公”经费支出控制在预算额度内", Measure("cost_total", "万元", 5, 80, 2)),
    ),
    "社会效益指标": (
        IndicatorSpec("服务群众能力", "部门履职服务群众的能力", EFFECT),
        IndicatorSpec("政务公开率", "应公开事项的公开比例", _rate(98, 100)),
    ),
    "可持续影响指标": (IndicatorSpec("制度建设完善程度", "内部管理制度建设情况", _qual("持续完善", "建立健全")),),
    "服务对象满意度指标": (IndicatorSpec("社会公众满意度", "社会公众对部门履职的满意程度", _rate(85, 98)),),
}

LEVEL1_OF = {
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

SATISFACTION_LEVEL2 = "服务对象满意度指标"
