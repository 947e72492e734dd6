"""Project names, goals, bases (指标值确定依据), codes and amounts.

Amounts are drawn as strings first and read back, so the truth is exactly the
number printed (no float formatting drift between the table and the truth).
"""

from __future__ import annotations

import random

from bench.docgen.templates.vocab.orgs import Department

TOPICS = {
    "water": (
        "农村饮水安全巩固提升工程",
        "中小河流治理",
        "水土保持综合治理",
        "水文监测站网运行维护",
        "河湖长制工作经费",
        "山洪灾害防治非工程措施",
        "灌区续建配套与节水改造",
        "水资源管理与节约保护",
    ),
    "agriculture": (
        "高标准农田建设",
        "耕地地力保护补贴",
        "农作物病虫害统防统治",
        "农业技术推广服务",
        "动物疫病防控经费",
        "农村人居环境整治",
        "种业振兴行动",
        "农民合作社发展扶持",
    ),
    "education": (
        "学生资助补助经费",
        "义务教育薄弱环节改善",
        "教师培训经费",
        "校舍维修改造",
        "学前教育发展资金",
        "职业教育质量提升",
        "中小学课后服务补助",
        "教育信息化建设",
    ),
    "employment": (
        "就业专项资金",
        "职业技能培训补贴",
        "创业担保贷款贴息",
        "公益性岗位补贴",
        "劳动保障监察经费",
        "人才引进专项经费",
        "社会保险经办运转经费",
        "高校毕业生就业见习补贴",
    ),
    "health": (
        "基本公共卫生服务",
        "重大传染病防控",
        "医疗机构能力建设",
        "妇幼健康服务",
        "家庭医生签约服务",
        "卫生应急物资储备",
        "健康教育与促进",
        "计划生育家庭奖励扶助",
    ),
    "civil": (
        "城乡低保资金",
        "特困人员救助供养",
        "养老服务体系建设",
        "残疾人两项补贴",
        "困难群众临时救助",
        "社区服务设施运营",
        "婚姻登记服务经费",
        "殡葬改革补助",
    ),
    "culture": (
        "公共文化服务体系建设",
        "文物保护修缮",
        "非物质文化遗产保护",
        "图书馆免费开放",
        "文化惠民演出",
        "旅游宣传推广",
        "博物馆运行维护",
        "乡村文化振兴",
    ),
    "transport": (
        "农村公路养护",
        "国省干线公路大中修",
        "公路安全生命防护工程",
        "城乡客运补贴",
        "交通运输执法经费",
        "危桥改造",
        "公交车辆更新补助",
        "港航设施维护",
    ),
    "ecology": (
        "大气污染防治",
        "水污染防治",
        "土壤污染防治",
        "生态环境监测运行",
        "环境执法能力建设",
        "农村生活污水治理",
        "固体废物管理",
        "自然保护地监管",
    ),
    "admin": (
        "机关运转保障经费",
        "信息化系统运维",
        "党建工作经费",
        "档案数字化",
        "办公用房租赁",
        "法律顾问服务",
        "业务培训经费",
        "安全生产宣传",
    ),
}

# What a project achieves, by domain: the second half of a 绩效目标 sentence.
_EFFECTS = {
    "water": ("保障城乡居民饮水安全", "提升防洪减灾能力", "改善河湖生态环境", "提高水资源利用效率"),
    "agriculture": ("稳定粮食生产", "促进农民持续增收", "提升农业综合生产能力", "改善农村人居环境"),
    "education": ("保障家庭经济困难学生顺利完成学业", "改善办学条件", "提升教师队伍整体素质", "促进教育公平"),
    "employment": ("稳定和扩大就业", "提升劳动者就业创业能力", "维护劳动者合法权益", "保障社会保险经办服务正常运转"),
    "health": ("提升基本公共卫生服务均等化水平", "有效防控重大传染病", "提高妇幼健康水平", "增强卫生应急保障能力"),
    "civil": ("保障困难群众基本生活", "提升养老服务水平", "兜牢民生底线", "提升基本社会服务能力"),
    "culture": ("丰富群众精神文化生活", "加强文化遗产保护传承", "推动文旅融合发展", "提升公共文化服务效能"),
    "transport": ("保障公路安全畅通", "提升农村公路服务水平", "改善群众出行条件", "提高交通运输执法效能"),
    "ecology": ("持续改善环境质量", "防范化解生态环境风险", "提升生态环境监测能力", "推进污染防治攻坚"),
    "admin": ("保障机关正常运转", "提升机关管理服务水平", "提高办公效率", "推进机关信息化建设"),
}

_MEASURES = (
    "按时完成年度建设任务",
    "规范资金管理和使用",
    "做好项目组织实施和绩效监控",
    "加强工作督导检查",
    "落实各项政策措施",
    "完善长效管护机制",
)

BASES = (
    "年度工作计划",
    "根据历史情况制订",
    "部门职责",
    "行业标准",
    "上年度完成情况",
    "项目实施方案",
    "国家相关标准",
    "历史数据",
    "计划标准",
    "根据部门工作职责",
)
BASIS_DOCS = ("{abbr}财规〔{y}〕3号", "{abbr}政办发〔{y}〕12号", "{abbr}财社〔{y}〕99号", "{abbr}发改投资〔{y}〕45号")
CENTRAL_BASIS_DOCS = ("国办发〔{y}〕12号", "财预〔{y}〕101号", "财农〔{y}〕45号", "发改投资〔{y}〕230号")

TASK_VERBS = ("组织实施", "统筹推进", "持续开展", "全面落实")


def project_names(rng: random.Random, dept: Department, year: int, count: int) -> list[str]:
    """``count`` distinct project names for the department's domain.

    A few carry the year or a document number, as recurring funds do
    (``川财社〔2023〕143号提前下达2024年省级就业补助资金``).
    """
    topics = list(TOPICS[dept.domain])
    rng.shuffle(topics)
    names: list[str] = []
    for index in range(count):
        topic = topics[index % len(topics)]
        if index >= len(topics):
            topic = f"{topic}（{'二三四五六'[index // len(topics) - 1]}期）"
        style = rng.random()
        if style < 0.12:
            names.append(f"{year}年{topic}")
        elif style < 0.2 and dept.code_style != "central":
            names.append(f"{dept.province_abbr}财〔{year - 1}〕{rng.randint(10, 199)}号提前下达{year}年{topic}")
        elif style < 0.45 and not topic.endswith(("经费", "资金", "补贴", "补助")):
            names.append(f"{topic}项目")
        else:
            names.append(topic)
    return names


def goal_text(rng: random.Random, dept: Department, name: str) -> str:
    """A 绩效目标: one or two numbered sentences naming what the money achieves."""
    effects = rng.sample(_EFFECTS[dept.domain], 2)
    first = f"通过实施{name}，{rng.choice(_MEASURES)}，{effects[0]}。"
    if rng.random() < 0.5:
        return first
    return f"1.{first}\n2.{rng.choice(_MEASURES)}，{effects[1]}。"


def basis_text(rng: random.Random, dept: Department, year: int) -> str:
    """A 指标值确定依据: a plan, a standard, or a document number in 《》."""
    if rng.random() < 0.3:
        docs = CENTRAL_BASIS_DOCS if dept.code_style == "central" else BASIS_DOCS
        doc = rng.choice(docs).format(abbr=dept.province_abbr, y=rng.randint(year - 5, year - 1))
        return f"《{doc}》"
    return rng.choice(BASES)


def project_code(rng: random.Random, dept: Department, year: int) -> str:
    """A project code in the department's province style; the two digits after the region code are the set-up year."""
    set_up = year - rng.choice((0, 0, 0, 1, 2))
    yy = f"{set_up % 100:02d}"
    alnum = "0123456789ABCDEFGHJKLMNPQRTUVWXY"
    if dept.code_style == "hebei":
        tail = "".join(rng.choice(alnum) for _ in range(8))
        return f"{dept.region_code}{yy}P{rng.randint(0, 9999):04d}{tail}"
    if dept.code_style == "sichuan":
        return f"{dept.region_code}{yy}{rng.choice('TRY')}{rng.randint(0, 10**12 - 1):012d}"
    return f"{dept.region_code}{yy}{rng.randint(0, 10**10 - 1):010d}"


def money(rng: random.Random, low: float, high: float) -> str:
    """An amount in 万元 as printed: two decimals, sometimes a round number."""
    value = rng.uniform(low, high)
    if rng.random() < 0.3:
        return f"{round(value):d}.00"
    return f"{value:.2f}"


def with_thousands(amount: str) -> str:
    """``1234.56`` → ``1,234.56`` (the central template prints separators)."""
    whole, _, fraction = amount.partition(".")
    grouped = f"{int(whole):,}"
    return f"{grouped}.{fraction}" if fraction else grouped


def amount_value(text: str) -> float | None:
    """The number an amount cell holds, None when blank."""
    cleaned = text.replace(",", "").strip()
    return float(cleaned) if cleaned else None
