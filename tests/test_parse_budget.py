"""The budget tables of the real seed document, their repairs, and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.checks.engine import reconcile
from kb.db.budget_rows import budget_rows_for
from kb.db.schema import BUDGET_TABLE_SPECS
from kb.models import ParseWarning
from kb.models.budget import TABLE_TITLES, BudgetTable, BudgetTables
from kb.parse.budget import parse_budget_tables, read_amount, table_kind
from kb.parse.notes import ParseNotes
from kb.parse.source import read_source
from tests.conftest import FIXTURES, SEED
from tests.strategies import mangled_lines

GOLDEN = Path(__file__).parent / "golden"
SEED_LINES = read_source(SEED).lines
# Part one (the nine tables) of the seed, 0-based: document lines 35–712.
BUDGET_PART = SEED_LINES[34:712]


def parse(lines: list[str]) -> tuple[BudgetTables, list[ParseWarning]]:
    notes = ParseNotes("test.txt")
    return parse_budget_tables(lines, notes), notes.warnings


@pytest.fixture(scope="module")
def seed() -> BudgetTables:
    tables, warnings = parse(SEED_LINES)
    assert warnings == []
    return tables


def table(tables: BudgetTables, kind: str) -> BudgetTable:
    found = tables.table(kind)
    assert found is not None, kind
    return found


def by_code(t: BudgetTable) -> dict[str | None, dict]:
    return {row.code: row.model_dump() for row in t.rows}


# ---------------------------------------------------------------- the seed


def test_every_table_is_found_in_order(seed: BudgetTables) -> None:
    spans = [(t.kind, t.first_line, t.last_line, len(t.rows)) for t in seed.tables]
    assert spans == [
        ("summary", 37, 118, 42),
        ("income", 120, 280, 37),
        ("expense", 282, 388, 37),
        ("fiscal_summary", 392, 518, 43),
        ("general_expense", 520, 603, 34),
        ("basic_expense", 605, 655, 26),
        ("fund_expense", 657, 671, 0),
        ("state_capital_expense", 673, 689, 4),
        ("three_public", 691, 709, 7),
    ]
    assert seed.procurement is not None and (seed.procurement.first_line, seed.procurement.last_line) == (1888, 1960)
    assert seed.assets is not None and (seed.assets.first_line, seed.assets.last_line) == (1966, 1978)


@pytest.mark.parametrize(
    ("kind", "golden"), [("expense", "budget_expense_table.json"), ("income", "budget_income_table.json")]
)
def test_golden_rows(seed: BudgetTables, kind: str, golden: str) -> None:
    expected = json.loads((GOLDEN / golden).read_text(encoding="utf-8"))
    t = table(seed, kind)
    assert (t.title, t.first_line, t.last_line, t.columns) == (
        expected["title"],
        expected["first_line"],
        expected["last_line"],
        expected["columns"],
    )
    assert [row.model_dump() for row in t.rows] == expected["rows"]


def test_expense_table(seed: BudgetTables) -> None:
    t = table(seed, "expense")
    assert [row.seq for row in t.rows] == list(range(1, 38))
    assert sum(row.role == "account" for row in t.rows) == 36
    assert t.rows[0].name == "合计" and t.rows[0].amounts["total"] == 11189.71
    rows = by_code(t)
    assert rows["2080101"]["seq"] == 4 and rows["2080101"]["name"] == "行政运行"
    assert rows["2080101"]["amounts"]["total"] == 1245.57
    other = rows["2080199"]
    assert (other["seq"], other["name"]) == (10, "其他人力资源和社会保障管理事务支出")
    assert (other["amounts"]["total"], other["amounts"]["basic"], other["amounts"]["project"]) == (
        2259.25,
        477.02,
        1782.23,
    )
    assert [(r.code, r.level, r.parent_code) for r in t.rows[1:4]] == [
        ("208", "类", None),
        ("20801", "款", "208"),
        ("2080101", "项", "20801"),
    ]


def test_income_table_has_the_same_rows_and_the_carryover(seed: BudgetTables) -> None:
    income, expense = table(seed, "income"), table(seed, "expense")
    assert [(r.seq, r.code, r.name) for r in income.rows] == [(r.seq, r.code, r.name) for r in expense.rows]
    carried = {r.code: r.amounts["carryover"] for r in income.rows if r.amounts["carryover"] is not None}
    assert carried == {
        None: 1222.95,
        "208": 1219.05,
        "20807": 1219.05,
        "2080799": 1219.05,
        "213": 3.9,
        "21308": 3.9,
        "2130804": 3.9,
    }


def test_basic_expense_table_economic_classification(seed: BudgetTables) -> None:
    t = table(seed, "basic_expense")
    assert t.classification == "economic"
    assert t.rows[0].role == "total" and sum(r.role == "account" for r in t.rows) == 25
    classes = [r for r in t.rows if r.level == "类"]
    assert [r.code for r in classes] == ["301", "302", "303"]
    assert round(sum(r.amounts["total"] for r in classes), 2) == 4161.72
    assert t.rows[0].amounts == {"total": 4161.72, "personnel": 4043.59, "public_funds": 118.13}
    assert by_code(t)["30217"]["amounts"]["total"] == 9.9


@pytest.mark.parametrize(
    ("kind", "code", "name", "amounts", "lines"),
    [
        # 1118 9.71 / 9966 .76 / 1222 .95: numbers split by spaces.
        ("income", None, "合计", {"total": 11189.71, "current_income": 9966.76, "carryover": 1222.95}, (132, 132)),
        # 2080 1: a code split by a space; 人力 资源 和社 …: a name broken inside its cell.
        ("income", "20801", "人力资源和社会保障管理事务", {"total": 5443.1}, (134, 134)),
        # 2080 + 101, 行政 + 运行, 1245 + .57 across a page break.
        ("income", "2080101", "行政运行", {"total": 1245.57, "fiscal_appropriation": 1245.57}, (135, 148)),
        # 11.9 + 5: the cut falls after the first decimal.
        ("income", "2080150", "事业运行", {"total": 11.95}, (153, 164)),
        # 2249 + .05, 1030 + .00, 1219 + .05.
        (
            "income",
            "2080799",
            "其他就业补助支出",
            {"total": 2249.05, "current_income": 1030.0, "carryover": 1219.05},
            (182, 193),
        ),
        # 2130 804 / 15.5 4.
        ("income", "2130804", "创业担保贷款贴息及奖补", {"total": 15.54, "carryover": 3.9}, (250, 250)),
        # Only the name continues on the next page.
        ("expense", "2080110", "劳动关系和维权", {"total": 274.37, "basic": 222.48}, (301, 313)),
        ("expense", "2230105", "国有企业退休人员社会化管理补助支出", {"total": 71.92, "project": 71.92}, (376, 388)),
        ("expense", "208", "社会保障和就业支出", {"total": 10610.52, "basic": 3793.99}, (295, 295)),
    ],
)
def test_repairs(
    seed: BudgetTables, kind: str, code: str | None, name: str, amounts: dict, lines: tuple[int, int]
) -> None:
    row = by_code(table(seed, kind))[code]
    assert row["name"] == name
    assert {key: row["amounts"][key] for key in amounts} == amounts
    assert (row["first_line"], row["last_line"]) == lines
    assert row["raw"] is None


def test_two_sided_summary(seed: BudgetTables) -> None:
    t = table(seed, "summary")
    income = [r for r in t.rows if r.side == "income"]
    expense = [r for r in t.rows if r.side == "expense"]
    assert [r.seq for r in income] == [1, 2, 3, 4, 5, 32, 33, 34]
    assert [r.seq for r in expense] == list(range(1, 35))
    cut = next(r for r in expense if r.seq == 11)
    assert (cut.name, cut.first_line, cut.last_line) == ("十一、节能环保支出", 59, 72)
    assert [(r.name, r.role, r.amounts["amount"]) for r in income[-3:]] == [
        ("本年收入合计", "total", 9966.76),
        ("上年结转结余", "item", 1222.95),
        ("收入总计", "grand_total", 11189.71),
    ]
    assert expense[-1].name == "支出总计" and expense[-1].amounts["amount"] == 11189.71


def test_fiscal_summary(seed: BudgetTables) -> None:
    t = table(seed, "fiscal_summary")
    grand = [r for r in t.rows if r.role == "grand_total"]
    assert [r.amounts for r in grand] == [
        {"amount": 11189.71},
        {"total": 11189.71, "general_budget": 11117.79, "fund_budget": None, "state_capital_budget": 71.92},
    ]
    fund = next(r for r in t.rows if r.seq == 35)
    assert (fund.name, fund.first_line, fund.last_line) == ("二、政府性基金预算拨款", 503, 516)


def test_empty_table_is_recorded_as_empty(seed: BudgetTables) -> None:
    t = table(seed, "fund_expense")
    assert t.empty and t.rows == []
    assert t.empty_note == "注：无政府基金预算财政拨款预算，空表列示。"
    assert t.columns == ["total", "basic", "project"]


def test_three_public(seed: BudgetTables) -> None:
    t = table(seed, "three_public")
    assert [(r.name, r.role, r.amounts["total"]) for r in t.rows] == [
        ("合计", "total", 9.9),
        ("“三公”经费小计", "subtotal", 9.9),
        ("一、因公出国(境)费", "item", None),
        ("二、公务用车购置及运维费", "item", None),
        ("其中：公务用车购置费", "item", None),
        ("公务用车运行维护费", "item", None),
        ("三、公务接待费", "item", 9.9),
    ]


def test_procurement(seed: BudgetTables) -> None:
    p = seed.procurement
    assert p is not None and not p.empty
    assert [item.role for item in p.items].count("item") == 19
    subtotals = [(i.unit, i.amounts["total"], i.first_line) for i in p.items if i.role == "subtotal"]
    assert subtotals == [
        ("中共石家庄高新技术产业开发区工委组织部本级", 34.2, 1897),
        ("石家庄高新技术产业开发区社会保险中心", 18.7, 1920),
        ("石家庄高新技术产业开发区就业服务中心", 7.5, 1930),
        ("石家庄高新技术产业开发区人才资源开发交流中心", 12.0, 1942),
        ("石家庄高新技术产业开发区劳动人事争议仲裁院", 13.5, 1956),
    ]
    total = p.items[0]
    assert (total.role, total.amounts["total"], total.amounts["general_budget"], total.amounts["sme_reserved"]) == (
        "total",
        85.9,
        85.9,
        72.24,
    )
    office = next(i for i in p.items if i.first_line == 1906)
    assert office.model_dump(exclude={"amounts", "position"}) == {
        "role": "item",
        "unit": "中共石家庄高新技术产业开发区工委组织部本级",
        "project_name": "公用类项目（三保）",
        "project_budget": 34.42,
        "item_name": "其他办公用品",
        "catalog_code": "A05049900",
        "measure_unit": "批",
        "quantity": 1.0,
        "unit_price": 19.9,
        "raw": None,
        "first_line": 1906,
        "last_line": 1906,
    }
    # The SME share is 60 % of this item: the last column is 预留中小微企业份额.
    assert office.amounts["sme_reserved"] == 11.94 and office.amounts["carryover"] is None
    assert p.note and p.note.startswith("注：同一采购目录序号的物品")


def test_fixed_assets(seed: BudgetTables) -> None:
    a = seed.assets
    assert a is not None and a.as_of == "2023-12-31"
    assert [(r.name, r.role, r.quantity_unit, r.quantity, r.value) for r in a.rows] == [
        ("资产总额", "total", None, None, 928.46),
        ("1、房屋(平方米)", "category", "平方米", None, 0.0),
        ("其中:办公用房(平方米)", "of_which", "平方米", None, 0.0),
        ("2、车辆(台、辆)", "category", "台、辆", 3.0, 44.14),
        ("3、单价在20万元以上的设备", "category", None, 3.0, 95.03),
        ("4、其他固定资产", "category", None, None, 789.29),
    ]


# ---------------------------------------------------------------- layout does not matter


def _without_markup(line: str) -> str:
    return re.sub(r"^#+\s*", "", line.replace("<b>", "").replace("</b>", ""))


def test_lost_bold_tags_and_heading_markers_change_nothing(seed: BudgetTables) -> None:
    stripped, warnings = parse([_without_markup(line) for line in SEED_LINES])
    assert warnings == []
    assert stripped.model_dump() == seed.model_dump()
    deeper, _ = parse([("### " + line[3:]) if line.startswith("## ") else line for line in SEED_LINES])
    assert deeper.model_dump() == seed.model_dump()


def test_gbk_with_crlf_reads_the_same(tmp_path: Path, seed: BudgetTables) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("\r\n".join(SEED_LINES).encode("gb18030"))
    source = read_source(path)
    assert source.encoding == "gb18030"
    assert parse(source.lines)[0].model_dump() == seed.model_dump()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1118 9.71", (11189.71, True)),
        ("264. 98", (264.98, True)),
        (".57", (0.57, True)),
        ("1,234.50", (1234.5, True)),
        ("", (None, True)),
        ("—", (None, True)),
        ("6O.00", (None, False)),
        ("1.2.3", (None, False)),
    ],
)
def test_read_amount(text: str, expected: tuple[float | None, bool]) -> None:
    assert read_amount(text) == expected


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("## 部门预算收支总表", "summary"),
        ("部门预算财政拨款收支总表", "fiscal_summary"),
        ("### 部门预算一般公共预算财政拨款基本支出表", "basic_expense"),
        ("部门预算财政拨款“三公”经费支出表", "three_public"),
        ("部门预算收支总表.....\t2", None),
        ("## 八、政府采购预算情况", None),
        ("收支预算总表支出栏、基本支出表、项目支出表按经济分类编制。", None),
    ],
)
def test_table_titles(line: str, kind: str | None) -> None:
    assert table_kind(line) == kind


# ---------------------------------------------------------------- bad input


def test_unrepairable_amount_keeps_raw_text_and_spares_the_other_tables() -> None:
    lines = read_source(FIXTURES / "budget_bad_amount.txt").lines
    tables, warnings = parse(lines)
    bad = [w for w in warnings if w.code == "budget_bad_amount"]
    assert [(w.line, "6O.00" in w.message) for w in bad] == [(16, True)]
    row = by_code(table(tables, "expense"))["20801"]
    assert row["amounts"] == {"total": 100.0, "basic": None, "project": 40.0}
    assert row["raw"] == lines[15]
    assert all(r.raw is None for r in table(tables, "expense").rows if r.code != "20801")
    # The 基本支出表 reads exactly as it does on its own (blank lines keep the numbering).
    alone, alone_warnings = parse([""] * 18 + lines[18:])
    assert table(tables, "basic_expense") == table(alone, "basic_expense")
    assert {w.code for w in alone_warnings} == {"budget_missing_table"}
    assert {w.code for w in warnings} == {"budget_bad_amount", "budget_missing_table"}


def test_handmade_page_breaks_empty_tables_and_a_lost_header() -> None:
    tables, warnings = parse(read_source(FIXTURES / "budget_page_breaks.txt").lines)
    expense = table(tables, "expense")
    assert [
        (r.code, r.name, r.amounts["total"], r.amounts["basic"], r.first_line, r.last_line) for r in expense.rows
    ] == [
        (None, "合计", 1234.56, 1000.0, 10, 10),
        ("210", "卫生健康支出", 1234.56, 1000.0, 11, 11),
        ("21011", "行政事业单位医疗", 1234.56, 1000.0, 12, 12),
        ("2101101", "行政单位医疗", 1234.56, 1000.0, 13, 22),
    ]
    fund = table(tables, "fund_expense")
    assert fund.empty and fund.empty_note == "注：无政府性基金预算财政拨款预算，空表列示。"
    three = table(tables, "three_public")
    assert three.empty and three.empty_note is None
    capital = table(tables, "state_capital_expense")
    assert [(r.code, r.level, r.amounts["project"]) for r in capital.rows] == [
        (None, None, 7.0),
        ("223", "类", 7.0),
        ("22301", "款", 7.0),
        ("2230105", "项", 7.0),
    ]
    codes = sorted((w.code, w.line) for w in warnings if w.code != "budget_missing_table")
    assert codes == [("budget_empty_table", 32), ("budget_missing_header", 38)]
    missing = {w.message for w in warnings if w.code == "budget_missing_table"}
    assert missing == {
        "未找到部门预算收支总表",
        "未找到部门预算收入总表",
        "未找到部门预算财政拨款收支总表",
        "未找到部门预算一般公共预算财政拨款支出表",
        "未找到部门预算一般公共预算财政拨款基本支出表",
    }


def test_a_broken_code_is_kept_with_a_warning() -> None:
    lines = list(BUDGET_PART)
    index = next(i for i, line in enumerate(lines) if line.startswith("4\t2080101\t"))
    lines[index] = lines[index].replace("2080101", "20801O1")
    tables, warnings = parse(lines)
    assert [(w.code, w.line) for w in warnings] == [("budget_bad_code", index + 1)]
    row = next(r for r in table(tables, "expense").rows if r.seq == 4)
    assert (row.code, row.level, row.raw) == ("20801O1", None, lines[index])


def test_a_lost_row_is_a_sequence_gap() -> None:
    lines = [line for line in SEED_LINES if not line.startswith("5\t2080102\t一般行政 管理事务")]
    tables, warnings = parse(lines)
    assert [(w.code, w.line, w.message) for w in warnings] == [
        ("budget_seq_gap", 298, "部门预算支出总表序号从 4 跳到 6")
    ]
    assert [r.seq for r in table(tables, "expense").rows][3:5] == [4, 6]


def test_a_lost_header_row_falls_back_to_the_template(seed: BudgetTables) -> None:
    lines = list(SEED_LINES)
    lines[290] = ""  # line 291, the first header row of the 支出总表 (序号 … 合计 基本支出 …)
    tables, warnings = parse(lines)
    assert [(w.code, w.line) for w in warnings] == [("budget_bad_header", 293)]
    assert table(tables, "expense").rows == table(seed, "expense").rows


def test_a_document_without_budget_tables_is_silent() -> None:
    tables, warnings = parse(SEED_LINES[740:1880])
    assert tables == BudgetTables() and warnings == []


# ---------------------------------------------------------------- the SQLite rows


def test_budget_rows_for_the_seed(seed: BudgetTables) -> None:
    rows = budget_rows_for(7, seed)
    assert {name: len(value) for name, value in rows.items()} == {
        "budget_tables": 11,
        "budget_rows": 230,
        "procurement_items": 25,
        "asset_rows": 6,
    }
    columns = {spec.name: {c.name for c in spec.columns} for spec in BUDGET_TABLE_SPECS}
    for name, dicts in rows.items():
        assert all(set(d) <= columns[name] for d in dicts), name
        assert len({d["id"] for d in dicts}) == len(dicts)
    # Ids are local to the document (the writer numbers them on in document order).
    assert [d["id"] for d in rows["budget_tables"]][:2] == [1, 2]
    by_id = {d["id"]: d for d in rows["budget_rows"]}
    run = next(d for d in rows["budget_rows"] if d["table_kind"] == "expense" and d["code"] == "2080101")
    assert (run["id"], run["total"], run["basic"], run["level"]) == (83, 1245.57, 1245.57, "项")
    assert by_id[run["parent_id"]]["code"] == "20801"
    assert by_id[by_id[run["parent_id"]]["parent_id"]]["code"] == "208"
    assert budget_rows_for(7, seed) == rows  # rebuilds give the same ids
    descriptions = [c.description for spec in BUDGET_TABLE_SPECS for c in spec.columns]
    assert all(re.search(r"[\u4e00-\u9fff]", d) for d in descriptions)


# ---------------------------------------------------------------- fuzz

FRAGMENTS = [
    "\t",
    "<b>",
    "序号",
    "栏次",
    "合计",
    "小计",
    "2080",
    " ",
    ".5",
    "x",
    "科目编码",
    "—",
    "## ",
    "。",
    "注：无，空表列示。",
    "部门预算支出总表",
    "一、",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mangled_lines(BUDGET_PART, 20, st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=6).map("".join))
)
def test_mangled_tables_only_ever_warn(lines: list[str]) -> None:
    tables, warnings = parse(lines)
    assert all(isinstance(w, ParseWarning) for w in warnings)
    assert BudgetTables.model_validate(tables.model_dump()) == tables
    reconcile(tables, [1.0])
    budget_rows_for(1, tables)


# A lost title: the table after it is found by its header, not read as rows of the table above.
_TITLE_LINES = {
    "income": ("部门预算收支总表", 129),
    "expense": ("部门预算收入总表", 291),
    "fiscal_summary": ("部门预算支出总表", 402),
    "general_expense": ("部门预算财政拨款收支总表", 529),
    "basic_expense": ("部门预算一般公共预算财政拨款支出表", 615),
    "fund_expense": ("部门预算一般公共预算财政拨款基本支出表", 667),
    "three_public": ("部门预算国有资本经营预算财政拨款支出表", 700),
}


def _rows(tables: BudgetTables) -> dict[str, list[dict]]:
    """Each table's rows, and its notes (注：… 空表列示 belongs to the table it is printed under)."""
    return {
        table.kind: [table.empty_note, table.note, *(row.model_dump() for row in table.rows)] for table in tables.tables
    }


@pytest.mark.parametrize("kind", list(_TITLE_LINES))
def test_a_table_whose_title_was_lost_is_found_by_its_header(seed: BudgetTables, kind: str) -> None:
    """Before, a lost 部门预算支出总表 title made its 37 rows income rows, with only 'missing table' to say so."""
    title = f"## {TABLE_TITLES[kind]}"
    lines = ["" if line == title else line for line in SEED_LINES]
    assert lines != SEED_LINES
    tables, warnings = parse(lines)
    above, first = _TITLE_LINES[kind]
    assert [(w.code, w.line, w.message) for w in warnings] == [
        (
            "budget_untitled_table",
            first,
            f"{above}第 {first} 行起的表头与前面的不同，是另一张没有标题的表，按表头认作{TABLE_TITLES[kind]}",
        )
    ]
    assert _rows(tables) == _rows(seed)
    found = tables.table(kind)
    assert found is not None and found.title == f"{TABLE_TITLES[kind]}（标题缺失）" and found.first_line == first


def test_the_first_table_whose_title_was_lost_is_found_by_its_header(seed: BudgetTables) -> None:
    """Rows under no title at all (the 部门预算收支总表 comes first) are a table when their header names one the
    document lacks; before, they were skipped and the table was missing."""
    lines = ["" if line == "## 部门预算收支总表" else line for line in SEED_LINES]
    tables, warnings = parse(lines)
    assert [(w.code, w.line, w.message) for w in warnings] == [
        ("budget_untitled_table", 46, "第 46 行起的表格没有标题，按表头认作部门预算收支总表")
    ]
    assert _rows(tables) == _rows(seed)
    assert tables.tables[0].title == "部门预算收支总表（标题缺失）"


def test_rows_under_no_title_that_name_no_missing_table_are_still_no_table(seed: BudgetTables) -> None:
    """With every title there, a header under none (here the 收支总表's, printed again before its title) names no
    table the document lacks: nothing changes."""
    start = SEED_LINES.index("## 部门预算收支总表")
    header = next(n for n in range(start, len(SEED_LINES)) if SEED_LINES[n].startswith("序号"))
    end = next(n for n in range(header, len(SEED_LINES)) if SEED_LINES[n].startswith("栏次"))
    lines = SEED_LINES[:start] + SEED_LINES[header : end + 1] + SEED_LINES[start:]
    tables, warnings = parse(lines)
    assert warnings == []  # the inserted lines move every row below: compare what the rows say
    assert [(t.kind, [(r.seq, r.name, r.amounts) for r in t.rows]) for t in tables.tables] == [
        (t.kind, [(r.seq, r.name, r.amounts) for r in t.rows]) for t in seed.tables
    ]


def test_a_header_printed_again_differently_is_still_the_same_table(seed: BudgetTables) -> None:
    """A header printed again on a new page and read with a label lost (as ``pdftotext -layout`` may read it)
    still belongs to the table above when it matches that table's template better than an untitled one's: here
    部门预算支出总表's header without 经营支出 (line 310) comes close to the 一般公共预算财政拨款支出表's, whose
    title is lost, but closer to its own."""
    lines = ["" if line == "## 部门预算一般公共预算财政拨款支出表" else line for line in SEED_LINES]
    assert lines[309].startswith("序号") and "\t经营支出\t" in lines[309]
    lines[309] = lines[309].replace("\t经营支出\t", "\t\t")
    tables, warnings = parse(lines)
    assert [(w.code, w.line) for w in warnings] == [("budget_untitled_table", 529)]
    assert _rows(tables) == _rows(seed)


def test_a_lost_title_in_generated_documents_is_found_too(tmp_path: Path) -> None:
    """Generated disclosures of other departments and years (bench/corpus.py, which frames the seed's budget
    tables with their own department headers and years; no generator writes another budget layout): each of the
    eight titles the header finds, removed in turn, leaves every table's rows and notes as the whole document has
    them."""
    from tests.conftest import write_generated

    for path in write_generated(tmp_path, [(3, 2023), (11, 2025)]):
        lines = read_source(path).lines
        whole, warnings = parse(lines)
        assert warnings == [] and len(whole.tables) == 9
        for kind in ("summary", *_TITLE_LINES):
            title = f"## {TABLE_TITLES[kind]}"
            assert title in lines, (path.name, title)
            tables, warnings = parse(["" if line == title else line for line in lines])
            assert [w.code for w in warnings] == ["budget_untitled_table"], (path.name, kind)
            assert _rows(tables) == _rows(whole), (path.name, kind)
