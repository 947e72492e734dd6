"""The template generators' documents agree with their own truth.

These are structural checks of the oracle, made from the blocks alone (the
grid is rebuilt here, not taken from the generators' helpers): spans tile every
table, every truth indicator can be found in a table row once the rows cut by
page breaks are joined again, the cuts really straddle a page break, each
template's lint cases and written forms are present, and generation is
deterministic. Nothing here imports ``kb``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import permutations
from pathlib import Path

import pytest

from bench.docgen.blocks import GeneratedDoc, Heading, PageBreak, Table, TruthIndicator, TruthProject
from bench.docgen.templates import BAD_CASES, TEMPLATES, Size, generate, mixed_corpus

ALL = [*TEMPLATES, *BAD_CASES]
SEEDS = (0, 1, 2, 3)
PAGED = [name for name in ALL if name != "bad_sheet_shuffled"]
TEXT_TARGET_TEMPLATES = ("header_columns", "dept_table", "sparse")


@pytest.fixture(scope="module")
def docs() -> dict[tuple[str, int], GeneratedDoc]:
    return {(name, seed): generate(name, seed) for name in ALL for seed in SEEDS}


def _each(docs: dict[tuple[str, int], GeneratedDoc], names: list[str] | tuple[str, ...]) -> list[GeneratedDoc]:
    return [doc for (name, _), doc in docs.items() if name in names]


def _truth_projects(doc: GeneratedDoc) -> list[TruthProject]:
    assert doc.truth is not None
    return doc.truth.projects


# -- an independent grid ------------------------------------------------------------------------------------------


def _grid(table: Table) -> list[list[str]]:
    """Each row's texts with spanned positions filled from their cell; asserts the spans tile a rectangle."""
    filled: dict[tuple[int, int], str] = {}
    width = None
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in filled:
                c += 1
            assert cell.rowspan >= 1 and cell.colspan >= 1
            assert r + cell.rowspan <= len(table.rows), f"rowspan of {cell.text!r} runs past the table"
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    assert (r + dr, c + dc) not in filled, f"{cell.text!r} overlaps another cell"
                    filled[(r + dr, c + dc)] = cell.text
            c += cell.colspan
        while (r, c) in filled:
            c += 1
        assert width is None or c == width, f"row {r} is {c} wide, the table {width}"
        width = c
    assert width is not None
    return [[filled[(r, c)] for c in range(width)] for r in range(len(table.rows))]


def _cell_texts(table: Table, row: int) -> list[str]:
    return [cell.text for cell in table.rows[row]]


def _logical_tables(doc: GeneratedDoc) -> list[list[list[str]]]:
    """Tables with their page-break continuations merged, cut rows joined, empty cells filled downwards."""
    assert doc.truth is not None
    cuts = {cut["page"]: cut for cut in doc.truth.notes["cut_rows"]}
    tables: list[list[list[str]]] = []
    page = 1
    previous: Table | None = None
    after_break = False
    for block in doc.blocks:
        if isinstance(block, PageBreak):
            page += 1
            after_break = previous is not None
            continue
        if not isinstance(block, Table):
            previous, after_break = None, False
            continue
        rows = _grid(block)
        header = rows[: block.header_rows]
        continues = after_break and tables and block.header_rows and all(h in tables[-1] for h in header)
        if continues:
            body = rows[block.header_rows :]
            cut = cuts.get(page - 1)
            if cut is not None:
                tail = body.pop(0)
                tables[-1][-1] = _join(tables[-1][-1], tail, cut)
            tables[-1].extend(body)
        else:
            tables.append(rows)
        previous, after_break = block, False
    for rows in tables:
        for r in range(1, len(rows)):
            rows[r] = [text or rows[r - 1][c] for c, text in enumerate(rows[r])]
    return tables


def _join(head: list[str], tail: list[str], cut: dict[str, object]) -> list[str]:
    overlap = cut["overlap"]
    joined = []
    for head_text, tail_text in zip(head, tail, strict=True):
        repeated = isinstance(overlap, dict) and tail_text == overlap["repeated"] and head_text.endswith(tail_text)
        joined.append(head_text if repeated else head_text + tail_text)
    return joined


def _target_in_row(indicator: TruthIndicator, row: list[str]) -> bool:
    if indicator.target_raw in row:
        return True
    cells = [text for text in row if text]
    for size in (2, 3):
        for combo in permutations(cells, size):
            if "".join(combo) == indicator.target_raw:
                return True
    return False


def _row_has(indicator: TruthIndicator, row: list[str]) -> bool:
    needed = [
        indicator.level1,
        indicator.level2,
        indicator.level3,
        indicator.description,
        indicator.basis,
        *indicator.extra.values(),
    ]
    return all(text in row for text in needed if text) and _target_in_row(indicator, row)


# -- structure ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_spans_tile_every_table(docs: dict[tuple[str, int], GeneratedDoc], name: str) -> None:
    for doc in _each(docs, [name]):
        tables = [block for block in doc.blocks if isinstance(block, Table)]
        assert tables
        for table in tables:
            _grid(table)
            assert 0 <= table.header_rows <= len(table.rows)
            if table.widths is not None:
                assert len(table.widths) == len(_grid(table)[0])


@pytest.mark.parametrize("name", ALL)
def test_every_truth_indicator_is_in_a_row(docs: dict[tuple[str, int], GeneratedDoc], name: str) -> None:
    for doc in _each(docs, [name]):
        rows = [row for table in _logical_tables(doc) for row in table]
        assert doc.truth is not None
        indicators = [i for p in doc.truth.projects for i in p.indicators]
        indicators += [i for goal in doc.truth.goals for i in goal.indicators]
        for indicator in indicators:
            assert any(_row_has(indicator, row) for row in rows), (doc.name, indicator)


@pytest.mark.parametrize("name", PAGED)
def test_cut_rows_straddle_a_page_break(docs: dict[tuple[str, int], GeneratedDoc], name: str) -> None:
    for doc in _each(docs, [name]):
        assert doc.truth is not None
        cuts = doc.truth.notes["cut_rows"]
        assert cuts, f"{doc.name} has no row cut by a page break"
        breaks = [index for index, block in enumerate(doc.blocks) if isinstance(block, PageBreak)]
        for cut in cuts:
            at = breaks[cut["page"] - 1]  # the break that ends the head's page
            before, after = doc.blocks[at - 1], doc.blocks[at + 1]
            assert isinstance(before, Table) and isinstance(after, Table)
            head_row = _cell_texts(before, len(before.rows) - 1)
            tail_row = _cell_texts(after, after.header_rows)
            assert cut["cells"], cut
            for cell in cut["cells"]:
                assert cell["head"] in head_row and cell["tail"] in tail_row, (doc.name, cell)
            whole = _cut_indicator(doc, cut)
            fields = {
                whole.level1,
                whole.level2,
                whole.level3,
                whole.description,
                whole.target_raw,
                whole.basis,
                *whole.extra.values(),
            }
            for cell in cut["cells"]:
                text = cell["head"] + cell["tail"]
                assert text in fields or text in whole.target_raw, (doc.name, text, whole)


def _cut_indicator(doc: GeneratedDoc, cut: dict[str, object]) -> TruthIndicator:
    assert doc.truth is not None and isinstance(cut["indicator"], int)
    if cut["kind"] == "goal":
        return doc.truth.goals[0].indicators[cut["indicator"]]
    project = next(p for p in doc.truth.projects if p.name == cut["owner"])
    return project.indicators[cut["indicator"]]


@pytest.mark.parametrize("name", PAGED)
def test_pages_and_page_header(docs: dict[tuple[str, int], GeneratedDoc], name: str) -> None:
    for doc in _each(docs, [name]):
        assert len(doc.page_header) == 3 and doc.page_header[1].startswith("预算年度")
        pages = 1 + sum(isinstance(block, PageBreak) for block in doc.blocks)
        for project in _truth_projects(doc):
            assert project.pages and all(1 <= page <= pages for page in project.pages), project.name


@pytest.mark.parametrize("name", ALL)
def test_deterministic_per_seed(name: str) -> None:
    assert generate(name, 11) == generate(name, 11)
    assert generate(name, 11) != generate(name, 12)


def test_sizes_are_parameterised() -> None:
    for name in ALL:
        doc = generate(name, 5, Size(projects=12, indicators=(9, 12)))
        assert len(_truth_projects(doc)) == 12
        assert all(len(p.indicators) >= 9 or not p.indicators for p in _truth_projects(doc))


def test_mixed_corpus_cycles_through_the_templates() -> None:
    corpus = list(mixed_corpus(len(TEMPLATES) + 2, seed=3))
    templates = [doc.truth.template for doc in corpus if doc.truth is not None]
    assert templates == [*TEMPLATES, *list(TEMPLATES)[:2]]
    assert len({doc.name for doc in corpus}) == len(corpus)
    assert [doc.name for doc in mixed_corpus(3, seed=3)] == [doc.name for doc in corpus[:3]]
    with_bad = [doc.truth.template for doc in mixed_corpus(len(ALL), seed=3, include_bad=True) if doc.truth]
    assert with_bad == ALL


def test_generators_do_not_import_kb() -> None:
    root = Path(__file__).resolve().parent.parent / "bench" / "docgen" / "templates"
    for path in root.rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+kb\b", path.read_text(encoding="utf-8"), re.MULTILINE), path


# -- lint cases and written forms ----------------------------------------------------------------------------------


def _is_cost(indicator: TruthIndicator) -> bool:
    return indicator.level2 in ("成本指标", "经济成本指标") and indicator.unit == "万元"


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_each_lint_case_is_planted_once(docs: dict[tuple[str, int], GeneratedDoc], name: str) -> None:
    for doc in _each(docs, [name]):
        assert doc.truth is not None
        notes = {case["rule"]: case for case in doc.truth.notes["lint_cases"]}
        assert set(notes) == {"satisfaction_le", "cost_over_budget", "rate_without_percent"}
        pairs = [(p, i) for p in doc.truth.projects for i in p.indicators]
        satisfied = [(p, i) for p, i in pairs if "满意" in i.level3 and i.op in ("≤", "<")]
        over = [(p, i) for p, i in pairs if _is_cost(i) and p.budget is not None and (i.value or 0) > p.budget]
        bare = [(p, i) for p, i in pairs if i.level3.endswith("率") and i.kind == "numeric" and i.unit is None]
        for rule, found in (("satisfaction_le", satisfied), ("cost_over_budget", over), ("rate_without_percent", bare)):
            assert len(found) == 1, (doc.name, rule, found)
            project, indicator = found[0]
            assert (project.name, indicator.level3, indicator.target_raw) == (
                notes[rule]["project"],
                notes[rule]["level3"],
                notes[rule]["target_raw"],
            )
        assert "%" not in bare[0][1].target_raw and "％" not in bare[0][1].target_raw


_FORM_CHECKS: dict[str, Callable[[str], bool]] = {
    "≥": lambda raw: raw.startswith("≥"),
    "≤": lambda raw: raw.startswith("≤"),
    "=": lambda raw: bool(re.fullmatch(r"[\d.,]+\s*\S*", raw)),
    "不低于": lambda raw: raw.startswith("不低于"),
    "不少于": lambda raw: raw.startswith("不少于"),
    "大于等于": lambda raw: raw.startswith("大于等于"),
    "以上": lambda raw: raw.endswith("以上"),
    "不高于": lambda raw: raw.startswith("不高于"),
    "不超过": lambda raw: raw.startswith("不超过"),
    "以内": lambda raw: raw.endswith("以内"),
    "达到": lambda raw: raw.startswith("达到"),
    "12月前": lambda raw: raw == "12月前",
    "年12月底前完成": lambda raw: bool(re.fullmatch(r"\d{4}年12月底前完成", raw)),
    "operator inside the text": lambda raw: bool(re.match(r"^[\u4e00-\u9fff]+[≥≤]\d", raw)),
    "＞＝": lambda raw: raw.startswith("＞＝"),
    "full-width digits": lambda raw: bool(re.search(r"[０-９]", raw)),
}


@pytest.mark.parametrize("name", TEXT_TARGET_TEMPLATES)
def test_every_written_form_occurs(docs: dict[tuple[str, int], GeneratedDoc], name: str) -> None:
    for doc in _each(docs, [name]):
        targets = [i for p in _truth_projects(doc) for i in p.indicators]
        for form, check in _FORM_CHECKS.items():
            assert any(check(i.target_raw) for i in targets), (doc.name, form)
        assert any(i.kind == "qualitative" for i in targets)
        assert any(i.kind == "deadline" for i in targets)


def test_target_readings_follow_the_conventions(docs: dict[tuple[str, int], GeneratedDoc]) -> None:
    for doc in docs.values():
        for project in _truth_projects(doc):
            for i in project.indicators:
                if i.kind in ("deadline", "qualitative"):
                    assert (i.op, i.value, i.unit) == (None, None, None), i
                    continue
                assert i.op in ("≥", "≤", "=", ">", "<") and i.value is not None, i
                assert i.unit not in ("万", "％"), i  # 万 reads as 万元, ％ as %
                if i.target_raw.startswith(
                    ("不低于", "不少于", "大于等于", "＞＝", ">=", "≧")
                ) or i.target_raw.endswith("以上"):
                    assert i.op == "≥", i
                if i.target_raw.startswith(("不高于", "不超过")) or i.target_raw.endswith(("以内", "以下")):
                    assert i.op == "≤", i


# -- template specifics --------------------------------------------------------------------------------------------


def test_header_columns_cycles_through_every_variant(docs: dict[tuple[str, int], GeneratedDoc]) -> None:
    for doc in _each(docs, ["header_columns"]):
        assert doc.truth is not None
        variants = doc.truth.notes["variants"]
        assert set(variants.values()) == {
            "standard",
            "shuffled",
            "no_desc_basis",
            "extras",
            "merged_lead",
            "split_op",
            "two_row",
            "basis_as_remark",
        }
        by_name = {p.name: p for p in doc.truth.projects}
        for project_name, variant in variants.items():
            indicators = by_name[project_name].indicators
            if variant == "no_desc_basis":
                assert all(i.description == "" and i.basis == "" for i in indicators)
            if variant == "extras":
                assert all({"权重", "备注"} <= set(i.extra) for i in indicators)
            if variant == "basis_as_remark":
                assert all(i.basis and not i.extra for i in indicators)
        assert any(t.header_rows == 2 for t in doc.blocks if isinstance(t, Table))


def test_central_layout(docs: dict[tuple[str, int], GeneratedDoc]) -> None:
    for doc in _each(docs, ["central"]):
        # Each project's table is titled alone, without number or code (the section heading may say more).
        titles = [b.text for b in doc.blocks if isinstance(b, Heading) and b.level > 1 and "（" not in b.text]
        assert len([title for title in titles if title == "项目支出绩效目标表"]) == len(_truth_projects(doc))
        projects = _truth_projects(doc)
        assert all(p.code == "" and p.supervisor and p.implementer for p in projects)
        assert all(i.level1 != "成本指标" or i.level2.endswith("成本指标") for p in projects for i in p.indicators)
        assert any(i.level1 == "成本指标" for p in projects for i in p.indicators)
        cells = {c.text for t in doc.blocks if isinstance(t, Table) for row in t.rows for c in row}
        assert any(re.fullmatch(r"\d{1,3}(,\d{3})+\.\d\d", text) for text in cells)
        assert {"指标性质", "度量单位", "项目资金（万元）", "其中：财政拨款"} <= cells


def test_dept_table_joins_the_budget_table(docs: dict[tuple[str, int], GeneratedDoc]) -> None:
    for doc in _each(docs, ["dept_table"]):
        assert doc.truth is not None
        # The budget table is every table before the indicator table's heading (it may run over pages).
        ends = next(i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.text == "项目支出绩效目标表")
        budget_rows = [row for b in doc.blocks[:ends] if isinstance(b, Table) for row in b.rows[b.header_rows :]]
        listed = {row[1].text: row[0].text for row in budget_rows if row[0].text}
        missing = [
            w["project"] for w in doc.truth.notes["expected_warnings"] if w["kind"] == "project_not_in_budget_table"
        ]
        assert len(missing) == 1
        for project in doc.truth.projects:
            assert not re.match(r"^\d{6}-", project.name)  # unit rows are not projects
            if project.name in missing:
                assert project.name not in listed and project.code == "" and project.budget is None
            else:
                assert listed[project.name] == project.code and project.budget is not None


def test_dept_overall_goals_are_not_projects(docs: dict[tuple[str, int], GeneratedDoc]) -> None:
    for doc in _each(docs, ["dept_overall"]):
        assert doc.truth is not None and len(doc.truth.goals) == 1
        goal = doc.truth.goals[0]
        assert goal.goal and goal.indicators
        names = {p.name for p in doc.truth.projects}
        assert "部门整体支出绩效目标表" not in names and doc.truth.projects
        assert doc.truth.notes["project_template"] in ("header_columns", "central")


def test_sparse_keeps_annual_and_long_term(docs: dict[tuple[str, int], GeneratedDoc]) -> None:
    for doc in _each(docs, ["sparse"]):
        projects = _truth_projects(doc)
        assert all(i.period in ("annual", "long_term") for p in projects for i in p.indicators)
        both = [p for p in projects if {i.period for i in p.indicators} == {"annual", "long_term"}]
        assert both
        for project in both:
            periods = [i.period for i in project.indicators]
            assert periods == sorted(periods, key=("annual", "long_term").index)  # annual first
        cells = {c.text for t in doc.blocks if isinstance(t, Table) for row in t.rows for c in row}
        assert "指标内容" in cells and "三级指标" not in cells


def test_bad_cases_name_their_warnings(docs: dict[tuple[str, int], GeneratedDoc]) -> None:
    expected = {
        "bad_unknown_header": "unknown_table_header",
        "bad_no_indicator_table": "no_indicator_table",
        "bad_sheet_shuffled": "missing_column",
    }
    for (name, _), doc in docs.items():
        if name not in expected:
            continue
        assert doc.truth is not None
        assert [w["kind"] for w in doc.truth.notes["expected_warnings"]] == [expected[name]]
        if name != "bad_sheet_shuffled":
            assert sum(not p.indicators for p in doc.truth.projects) == 1
    for doc in _each(docs, ["bad_sheet_shuffled"]):
        assert doc.truth is not None and not any(isinstance(b, PageBreak) for b in doc.blocks)
        (_, first_block), (_, start) = doc.sheets
        table = doc.blocks[start]
        assert first_block == 0 and isinstance(table, Table)
        header = [c.text for c in table.rows[0]]
        missing = doc.truth.notes["expected_warnings"][0]["column"]
        assert missing not in header and len(header) == 8
