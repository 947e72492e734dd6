"""A deterministic corpus of disclosure documents derived from the seed.

Each generated document is the seed's layout with another department, another
budget year (2021–2026) and its own project set: projects drawn from the seed's
44 with new codes, document numbers, budgets, reworded indicator names, changed
targets (now and then in the wrong direction) and page breaks that cut rows in
two, with the tail after a repeated header exactly as the PDF extraction does.
The parts outside section 七 (budget tables, goals, units) are the seed's, with
the department and the years replaced, so the parser walks the same paths as on
the real document.

The generator also returns what each document holds, so a benchmark can check
that the parser read every project and indicator back.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kb.models import Indicator, Project
from kb.parse.document import parse_document

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "shijiazhuang-gaoxin-zuzhibu-2024-budget.txt"
SEED_DEPARTMENT = "中共石家庄高新技术产业开发区工委组织部"
SEED_YEAR = 2024
YEARS = tuple(range(2021, 2027))
PROJECTS_PER_DOCUMENT = 44

REGIONS = (
    "石家庄高新区",
    "长安区",
    "桥西区",
    "新华区",
    "裕华区",
    "藁城区",
    "鹿泉区",
    "栾城区",
    "正定县",
    "行唐县",
    "灵寿县",
    "高邑县",
    "深泽县",
    "赞皇县",
    "无极县",
    "平山县",
    "元氏县",
    "赵县",
    "辛集市",
    "晋州市",
    "新乐市",
    "井陉县",
    "保定市竞秀区",
    "唐山市路北区",
    "邯郸市丛台区",
    "邢台市襄都区",
    "沧州市运河区",
    "廊坊市广阳区",
    "衡水市桃城区",
    "承德市双桥区",
)
BUREAUS = (
    "组织部",
    "人力资源和社会保障局",
    "财政局",
    "教育局",
    "卫生健康局",
    "民政局",
    "住房和城乡建设局",
    "农业农村局",
    "司法局",
    "退役军人事务局",
    "医疗保障局",
    "市场监督管理局",
)
BENEFICIARY_WORDS = ("受益对象", "受益群体", "服务对象", "受益人员")
PERCENT_TARGETS = (85.0, 90.0, 95.0, 98.0, 100.0)
LEVEL_FIELDS = ("level3", "description", "basis")
INDICATOR_HEADER = "一级指标\t二级指标\t三级指标\t绩效指标描述\t指标值\t指标值确定依据"
_DOC_NUMBER = re.compile(r"(石财[\u4e00-\u9fff])〔(\d{4})〕(\d+)号提前下达(中央)?(\d{4})年")
_SEED_YEARS = re.compile(r"20(2[2-4])")


@dataclass(frozen=True)
class Department:
    """Who publishes a document: a page-header code and a name."""

    code: str
    name: str
    region_code: str


@dataclass(frozen=True)
class GeneratedDocument:
    """One generated file and what a correct parse of it must find."""

    path: Path
    department: Department
    year: int
    projects: int
    indicators: int


def department(index: int) -> Department:
    """The ``index``-th department: region × bureau, with a stable code."""
    region = REGIONS[index % len(REGIONS)]
    bureau = BUREAUS[(index // len(REGIONS)) % len(BUREAUS)]
    series = index // (len(REGIONS) * len(BUREAUS))
    name = f"{region}{bureau}" + (f"第{series + 1}分局" if series else "")
    return Department(code=str(100 + index), name=name, region_code=f"13{(index % 90) + 10:02d}{index % 97:02d}")


def plan(count: int) -> list[tuple[Department, int]]:
    """Which department and year each of ``count`` documents is: departments publish every year."""
    return [(department(i // len(YEARS)), YEARS[(i + 3) % len(YEARS)]) for i in range(count)]


class _SeedParts:
    """The seed cut into what comes before section 七's tables, the tables, and what follows."""

    def __init__(self) -> None:
        self.lines = SEED.read_text(encoding="utf-8").split("\n")
        self.document = parse_document(SEED)
        first_project = self.document.projects[0].first_line - 1
        last_project = self.document.projects[-1].last_line
        self.before = self.lines[:first_project]
        self.after = self.lines[last_project:]


def _shift_years(text: str, year: int) -> str:
    return _SEED_YEARS.sub(lambda m: str(year - (SEED_YEAR - 2000 - int(m.group(1)))), text)


def _frame(lines: list[str], dept: Department, year: int, rng: random.Random) -> list[str]:
    """The seed's lines outside section 七 for another department and year.

    Page headers (``316 中共…``) are rewritten; some wrap onto a second line
    as they do in the seed, so the parser's header joining is exercised.
    """
    out: list[str] = []
    skip_continuation = False
    for line in lines:
        if skip_continuation:
            skip_continuation = False
            if line.strip() and "预算年度" not in line and not line.startswith("单位"):
                continue
        if line.startswith("316 ") or line.startswith("## 316 "):
            prefix = "## " if line.startswith("## ") else ""
            skip_continuation = True
            if rng.random() < 0.3 and len(dept.name) > 6:
                cut = rng.randrange(3, len(dept.name) - 2)
                out.extend([f"{prefix}{dept.code} {dept.name[:cut]}  ", dept.name[cut:]])
            else:
                out.append(f"{prefix}{dept.code} {dept.name}")
            continue
        out.append(_shift_years(line.replace(SEED_DEPARTMENT, dept.name), year))
    return out


def _project_name(name: str, year: int, rng: random.Random) -> str:
    match = _DOC_NUMBER.search(name)
    if not match:
        return name
    prefix, _, _, central, _ = match.groups()
    number = f"{prefix}〔{year - 1}〕{rng.randrange(5, 200)}号提前下达{central or ''}{year}年"
    return name[: match.start()] + number + name[match.end() :]


def _code(dept: Department, year: int, rng: random.Random) -> str:
    tail = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(12))
    return f"{dept.region_code}{year % 100:02d}P{tail}"


def _reword(text: str, rng: random.Random) -> str:
    for word in BENEFICIARY_WORDS:
        if word in text:
            return text.replace(word, rng.choice(BENEFICIARY_WORDS))
    return text


def _target(indicator: Indicator, seed_budget: float | None, budget: float, rng: random.Random) -> str:
    target = indicator.target
    raw = target.raw
    if target.kind != "numeric" or target.value is None:
        return raw
    if target.unit == "%" and rng.random() < 0.3:
        value = rng.choice(PERCENT_TARGETS)
        raw = raw.replace(_number_text(target.value, raw), f"{value:g}", 1)
    elif target.unit == "万元" and seed_budget and abs(target.value - seed_budget) < 0.005:
        raw = raw.replace(_number_text(target.value, raw), f"{budget:g}", 1)
    if indicator.level1 == "满意度指标" and raw.startswith("≥") and rng.random() < 0.02:
        raw = "≤" + raw[1:]  # the kind of slip the consistency checks exist for
    return raw


def _number_text(value: float, raw: str) -> str:
    match = re.search(r"\d+(?:\.\d+)?", raw)
    return match.group(0) if match else f"{value:g}"


def _rows(
    project: Project, seed_budget: float | None, budget: float, rng: random.Random
) -> tuple[list[list[str]], list[tuple[str, ...]]]:
    """The rows as printed (merged 一级/二级 cells left empty) and as a parser must read them."""
    printed: list[list[str]] = []
    expected: list[tuple[str, ...]] = []
    previous = ("", "")
    for indicator in project.indicators:
        level1 = "" if indicator.level1 == previous[0] else indicator.level1
        same_level2 = indicator.level2 == previous[1] and not level1
        level2 = "" if same_level2 and rng.random() < 0.2 else indicator.level2
        previous = (indicator.level1, indicator.level2)
        cells = [
            _reword(indicator.level3, rng),
            indicator.description,
            _target(indicator, seed_budget, budget, rng),
            indicator.basis,
        ]
        printed.append([level1, level2, *cells])
        expected.append((indicator.level1, indicator.level2, *cells))
    return printed, expected


def _page_break(rows: list[list[str]], rng: random.Random) -> list[str]:
    """Rows as lines, with one page break: a repeated header and, often, a row cut in two."""
    lines = ["\t".join(row) for row in rows]
    if len(rows) < 3 or rng.random() >= 0.35:
        return lines
    at = rng.randrange(1, len(rows) - 1)
    row = list(rows[at])
    tail = ["", "", "", "", "", ""]
    if rng.random() < 0.6:
        for column in rng.sample(range(2, 6), rng.randint(1, 2)):
            text = row[column]
            if len(text) < 4:
                continue
            if rng.random() < 0.3:
                tail[column] = text[-1]  # the cut repeats the last character already printed
                continue
            split = rng.randrange(1, len(text) - 1)
            head, rest = text[:split], text[split:]
            # A cell's edges carry no spaces once extracted; nor may the tail look like a repeat.
            if head.endswith(rest) or head[-1].isspace() or rest[0].isspace():
                continue
            row[column], tail[column] = head, rest
    page = ["\t".join(row), "", "", INDICATOR_HEADER]
    if any(tail):
        page.append("\t".join(tail))
    return lines[:at] + page + lines[at + 1 :]


def _project_table(
    seq: int, project: Project, dept: Department, year: int, rng: random.Random
) -> tuple[list[str], list[tuple[str, ...]]]:
    carried = rng.random() < 0.2
    project_year = year - 1 if carried else year
    name = _project_name(project.name, project_year, rng)
    budget = round((project.budget or 1.0) * rng.uniform(0.5, 2.0), 2)
    plan = project.spend_plan
    cells = ["" if v is None else f"{v:g}%" for v in (plan.by_march, plan.by_june, plan.by_october, plan.by_december)]
    heading = rng.choice(["", "## ", "### ", "#### "])
    lines = [
        f"{heading}{seq}、{name}绩效目标表",
        "",
        "单位：万元",
        "",
        f"<b>项目编码</b>\t{_code(dept, project_year, rng)}\t\t<b>项目名称</b>\t{name}\t\t",
        f"<b>预算规模及资金用途</b>\t<b>预算数</b>\t{budget:.2f}\t<b>其中：财政资金</b>\t{budget:.2f}\t<b>其他资金</b>\t",
        f"\t{project.usage}\t\t\t\t\t",
        "<b>资金支出计划（%）</b>\t<b>3月底</b>\t\t<b>6月底</b>\t<b>10月底</b>\t<b>12月底</b>\t",
        f"\t{cells[0]}\t\t{cells[1]}\t{cells[2]}\t{cells[3]}\t",
        f"<b>绩效目标</b>\t{project.goal.replace(chr(10), ' ')}\t\t\t\t\t",
        "<b>一级指标</b>\t<b>二级指标</b>\t<b>三级指标</b>\t<b>绩效指标描述</b>\t<b>指标值</b>\t<b>指标值确定依据</b>\t",
    ]
    printed, expected = _rows(project, project.budget, budget, rng)
    lines += _page_break(printed, rng)
    lines.append("")
    return lines, expected


@dataclass(frozen=True)
class Rendered:
    """One generated document: its text, and every indicator row as the parser must read it back."""

    text: str
    projects: int
    rows: tuple[tuple[str, ...], ...]  # (一级, 二级, 三级, 描述, 指标值, 依据) in document order

    @property
    def indicators(self) -> int:
        return len(self.rows)


def render(dept: Department, year: int, seed: int, parts: _SeedParts | None = None) -> Rendered:
    """One document of ``dept`` for ``year``, the same for the same ``seed``."""
    parts = parts or _SeedParts()
    rng = random.Random(f"{seed}:{dept.code}:{year}")
    portfolio = random.Random(f"{seed}:{dept.code}").choices(parts.document.projects, k=PROJECTS_PER_DOCUMENT)
    lines = _frame(parts.before, dept, year, rng)
    rows: list[tuple[str, ...]] = []
    for seq, project in enumerate(portfolio, start=1):
        table, expected = _project_table(seq, project, dept, year, rng)
        lines += table
        rows += expected
    lines += _frame(parts.after, dept, year, rng)
    return Rendered(text="\n".join(lines), projects=len(portfolio), rows=tuple(rows))


def generate(count: int, out: Path, seed: int = 2024) -> Iterator[GeneratedDocument]:
    """Write ``count`` documents into the existing folder ``out``; yields what each holds."""
    if count <= 0:
        raise ValueError(f"the number of documents must be positive, not {count}")
    if not out.is_dir():
        raise FileNotFoundError(f"output folder {out} does not exist")
    parts = _SeedParts()
    for index, (dept, year) in enumerate(plan(count)):
        rendered = render(dept, year, seed, parts)
        path = out / f"{index:05d}-{dept.code}-{year}.txt"
        path.write_text(rendered.text, encoding="utf-8")
        yield GeneratedDocument(
            path=path, department=dept, year=year, projects=rendered.projects, indicators=rendered.indicators
        )
