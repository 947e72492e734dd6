"""The fixed set of 50 Chinese queries every latency measurement uses.

What reviewers type: indicator names, parts of them, kinds of target and
funds, single words and two-word queries, common and rare.
"""

QUERIES: tuple[str, ...] = (
    "受益对象满意度", "满意度", "服务对象满意度", "使用人员满意度", "群众满意度",
    "办公用房", "租赁", "单位面积办公用房年度租赁费", "租赁面积", "租赁期限",
    "创业担保贷款", "贴息", "贷款贴息到位率", "普惠金融", "核算贷款利息精准率",
    "公益性岗位", "社会保险补贴", "就业补助资金", "高校毕业生", "失业人员就业创业人数",
    "培训合格率", "培训覆盖率", "党建活动", "党员学习手册", "考核通过率",
    "结案率", "仲裁", "劳动关系", "档案数字化", "人事档案",
    "返贫户数", "驻村帮扶", "医疗救助", "养老保险", "城乡居民",
    "资金拨付及时性", "预算成本控制数", "项目预算控制数", "成本", "及时",
    "验收合格率", "宣传", "政策知晓率", "人才绿卡", "房租补贴",
    "社会效益", "可持续影响", "年度工作计划", "违规基金追缴率", "群体性事件",
)

assert len(QUERIES) == 50 and len(set(QUERIES)) == 50
