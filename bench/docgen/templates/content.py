"""Made-up projects and their indicators, before any template lays them out.

A draft holds what is printed (names, amounts as text, targets with their
reading); each template decides which columns it prints and builds the truth
from the draft with :meth:`IndicatorDraft.truth`, so what is printed and what
is expected cannot drift apart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bench.docgen.blocks import TruthIndicator, TruthProject
from bench.docgen.templates import targets as tg
from bench.docgen.templates.vocab import indicators as iv
from bench.docgen.templates.vocab import projects as pv
from bench.docgen.templates.vocab.orgs import Department


@dataclass(frozen=True)
class Size:
    """How big a generated document is: projects and indicators per project (inclusive range)."""

    projects: int = 6
    indicators: tuple[int, int] = (7, 11)

    def __post_init__(self) -> None:
        # Three rows is the least that holds a cost cap, a satisfaction rate and a rate for the lint cases.
        low, high = self.indicators
        if self.projects < 1 or low < 3 or high < low:
            raise ValueError(f"need at least 1 project and 3 ≤ low ≤ high indicators, got {self}")


@dataclass
class IndicatorDraft:
    """One indicator row as printed: levels, name, description, target and basis."""

    level1: str
    level2: str
    spec: iv.IndicatorSpec
    target: tg.Target
    basis: str
    extra: dict[str, str] = field(default_factory=dict)
    period: str | None = None
    pinned: str = ""  # the lint case this row carries; coverage patches leave it alone
    wording: str = ""  # printed instead of the spec's name (sparse tables word 指标内容 as a phrase)

    @property
    def level3(self) -> str:
        """The 三级指标 (or 指标内容) text."""
        return self.wording or self.spec.name

    def truth(self, *, description: bool = True, basis: bool = True) -> TruthIndicator:
        """The reading of this row in a table that prints (or lacks) the description and basis columns."""
        kind = self.target.kind
        return TruthIndicator(
            level1=self.level1,
            level2=self.level2,
            level3=self.level3,
            description=self.spec.description if description else "",
            target_raw=self.target.raw,
            op=self.target.op,
            value=self.target.value,
            unit=self.target.unit,
            kind="numeric" if kind == "numeric" else "deadline" if kind == "deadline" else "qualitative",
            basis=self.basis if basis else "",
            extra=dict(self.extra),
            period="annual" if self.period == "annual" else "long_term" if self.period == "long_term" else None,
        )


@dataclass
class ProjectDraft:
    """One project as printed."""

    name: str
    code: str
    budget_text: str
    fiscal_text: str
    other_text: str
    goal: str
    supervisor: str
    implementer: str
    indicators: list[IndicatorDraft] = field(default_factory=list)
    long_term: list[IndicatorDraft] = field(default_factory=list)
    long_goal: str = ""
    split: bool = False  # targets printed over 指标性质 | 指标值 | 度量单位 columns

    @property
    def budget(self) -> float:
        """The 预算数 in 万元."""
        return pv.amount_value(self.budget_text) or 0.0

    def all_indicators(self) -> list[IndicatorDraft]:
        """Annual rows first, then long-term ones: the order of the truth."""
        return [*self.indicators, *self.long_term]

    def truth(self, indicators: list[TruthIndicator], *, code: bool = True, amounts: bool = True) -> TruthProject:
        """The project's truth with ``indicators`` as the template prints them."""
        return TruthProject(
            name=self.name,
            code=self.code if code else "",
            budget=pv.amount_value(self.budget_text) if amounts else None,
            fiscal_funds=pv.amount_value(self.fiscal_text) if amounts else None,
            other_funds=pv.amount_value(self.other_text) if amounts else None,
            goal=self.goal,
            supervisor=self.supervisor,
            implementer=self.implementer,
            indicators=indicators,
        )


# The 二级 of a local (Hebei-style) table and of the central template, in print order.
_LOCAL_CORE = ("数量指标", "数量指标", "质量指标", "时效指标", "成本指标", "社会效益指标", "服务对象满意度指标")
_LOCAL_MORE = (
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济效益指标",
    "生态效益指标",
    "可持续影响指标",
    "社会效益指标",
    "质量指标",
)
_CENTRAL_CORE = ("数量指标", "数量指标", "质量指标", "时效指标", "经济成本指标", "社会效益指标", "服务对象满意度指标")
_CENTRAL_MORE = (
    "数量指标",
    "质量指标",
    "社会成本指标",
    "生态环境成本指标",
    "经济效益指标",
    "可持续影响指标",
    "生态效益指标",
    "时效指标",
)
_ORDER = (
    "数量指标",
    "质量指标",
    "时效指标",
    "成本指标",
    "经济成本指标",
    "社会成本指标",
    "生态环境成本指标",
    "经济效益指标",
    "社会效益指标",
    "生态效益指标",
    "可持续影响指标",
    "服务对象满意度指标",
)


def _level2_plan(rng: random.Random, count: int, central: bool) -> list[str]:
    core = list(_CENTRAL_CORE if central else _LOCAL_CORE)
    more = list(_CENTRAL_MORE if central else _LOCAL_MORE)
    rng.shuffle(more)
    plan = core + more[: max(0, count - len(core))]
    plan = plan[:count] if count < len(core) else plan
    if "服务对象满意度指标" not in plan:
        plan[-1] = "服务对象满意度指标"
    cost = "经济成本指标" if central else "成本指标"
    if cost not in plan:
        plan[0] = cost
    return sorted(plan, key=_ORDER.index)


def _pool(dept: Department, level2: str) -> list[iv.IndicatorSpec]:
    if level2 == "数量指标":
        return list(iv.QUANTITY[dept.domain])
    return list(iv.BY_LEVEL2[level2])


def draft_indicators(
    rng: random.Random,
    picker: tg.FormPicker,
    dept: Department,
    year: int,
    budget: float,
    count: int,
    *,
    central: bool = False,
    split: bool = False,
) -> list[IndicatorDraft]:
    """``count`` indicators for one project, grouped by 一级/二级 in print order.

    Every project gets a cost cap equal to or under its budget (成本指标 /
    经济成本指标) and a satisfaction rate, so the lint cases can be placed on
    any project. ``split`` writes targets over three columns (central style).
    """
    drafts: list[IndicatorDraft] = []
    used: set[str] = set()
    for level2 in _level2_plan(rng, count, central):
        pool = [spec for spec in _pool(dept, level2) if spec.name not in used]
        if level2 in ("成本指标", "经济成本指标") and level2 not in {d.level2 for d in drafts}:
            pool = [spec for spec in pool if spec.measure.kind == "cost_total"]  # the cap comes first
        if not pool:
            continue
        spec = rng.choice(pool)
        used.add(spec.name)
        if split:
            target = tg.split_target(rng, spec.measure, year, budget)
        else:
            target = tg.draw_text_target(rng, picker, spec.measure, year, budget)
        level1 = iv.LEVEL1_OF[level2]
        drafts.append(IndicatorDraft(level1, level2, spec, target, pv.basis_text(rng, dept, year)))
    return drafts


def draft_projects(
    rng: random.Random,
    dept: Department,
    year: int,
    size: Size,
    *,
    central: bool = False,
    split: bool = False,
    picker: tg.FormPicker | None = None,
    supervisor: str = "",
    implementers: list[str] | None = None,
) -> list[ProjectDraft]:
    """``size.projects`` projects of the department with their indicators.

    Central ministries' projects are larger (thousands of 万元) and print
    amounts with separators; local ones range from a few to a few hundred 万元.
    """
    picker = picker or tg.FormPicker(rng)
    projects: list[ProjectDraft] = []
    for name in pv.project_names(rng, dept, year, size.projects):
        low, high = (800.0, 60000.0) if central else (3.0, 900.0)
        budget = pv.money(rng, low, high)
        other = pv.money(rng, 0, float(budget) * 0.3) if rng.random() < 0.25 else ""
        fiscal = f"{float(budget) - float(other or 0):.2f}"
        count = rng.randint(*size.indicators)
        project = ProjectDraft(
            name=name,
            code=pv.project_code(rng, dept, year),
            budget_text=budget,
            fiscal_text=fiscal,
            other_text=other,
            goal=pv.goal_text(rng, dept, name),
            supervisor=supervisor,
            implementer=rng.choice(implementers) if implementers else "",
            split=split,
        )
        project.indicators = draft_indicators(
            rng, picker, dept, year, project.budget, count, central=central, split=split
        )
        projects.append(project)
    return projects
