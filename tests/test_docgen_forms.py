"""The document generators write every form well-formed and complete, checked by independent means.

The generators are the oracle for the readers, so they are checked here without
``kb``: the seed's own text, the stdlib HTML parser, openpyxl, python-docx,
poppler's ``pdftotext``/``pdfinfo``. The seed PDF is printed once per session.
PDF tests need Debian's chromium and poppler-utils: without them they are
skipped, except in CI (``CI`` set) where they fail.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bench.docgen.__main__ import main as docgen_main
from bench.docgen.blocks import Cell, GeneratedDoc, Heading, PageBreak, Paragraph, Table
from bench.docgen.render import render
from bench.docgen.render.codepoints import compat_map, fold, kangxi_map
from bench.docgen.render.grid import layout
from bench.docgen.render.md import to_md
from bench.docgen.render.txt import to_txt
from bench.docgen.seed import SEED_PATH

PROJECTS = 44
# The rows the seed shows cut by a page break: (project number, text in the head, text in the tail), each
# short enough to stay on one line of its cell in the PDF, so pdftotext's reading order keeps it whole.
CUT_ROWS = [
    (13, "社会保险补贴人均标准", "险费原则上不超过"),
    (14, "社会保险补贴人均标准", "险费原则上不超过"),
    (38, "完成档案数字化加工的时间", "人事档案信息化建设的通知"),
    (39, "吸引高校毕业生来到", "石家庄高新区就业"),
    (41, "档案资料完好率", "案资料的储存年限"),
]
CHROMIUM = "/usr/bin/chromium"


# --- fixtures and helpers --------------------------------------------------------------------------------------


def _need(*tools: str) -> None:
    """Skip (fail in CI) unless every tool is installed; Playwright counts as a tool."""
    missing = [tool for tool in tools if shutil.which(tool) is None and not Path(tool).exists()]
    if "playwright" in tools:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing.append("playwright")
        else:
            missing = [tool for tool in missing if tool != "playwright"]
    if missing:
        message = f"needs {', '.join(missing)} (Debian: apt-get install chromium poppler-utils fonts-noto-cjk)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


# The seed as blocks (``gdoc``), its forms (``rendered``, ``seed_pdf``), ``browser`` and ``out`` are session
# fixtures of tests/conftest.py, shared with the readers' tests so each form is rendered once per session.


@pytest.fixture(scope="session")
def pdf_pages(seed_pdf: Path) -> list[str]:
    """``pdftotext`` of the seed PDF, one string per page."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(seed_pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1]


def _squeeze(text: str) -> str:
    """Text without whitespace: wrapped cells and headings compare as one string."""
    return re.sub(r"\s+", "", text)


def _project_tables(doc: GeneratedDoc) -> list[Table]:
    return [block for block in doc.blocks if isinstance(block, Table) and block.rows[0][0].text == "项目编码"]


def _project_titles(doc: GeneratedDoc) -> list[str]:
    """The titles ``N、…绩效目标表`` of the 44 project tables."""
    texts = [block.text for block in doc.blocks if isinstance(block, Heading | Paragraph)]
    return [text for text in texts if re.match(r"\d+、.*绩效目标表$", text)]


def mini_doc() -> GeneratedDoc:
    """A small made-up document with everything a renderer must handle (not the seed)."""
    indicators = Table(
        rows=[
            [Cell("项目名称", bold=True), Cell("示例项目 | 一期", colspan=3)],
            [
                Cell("一级指标", bold=True),
                Cell("二级指标", bold=True),
                Cell("三级指标", bold=True),
                Cell("指标值", bold=True),
            ],
            [Cell("产出指标", rowspan=2), Cell("数量指标"), Cell("培训人数"), Cell("≥1100 人")],
            [Cell("质量指标"), Cell("合格率 <&>"), Cell("95%")],
            [Cell("满意度指标"), Cell("服务对象满意度指标"), Cell("满意度\n（第二行）"), Cell("≥90%")],
        ],
        header_rows=0,
    )
    budget = Table(
        rows=[[Cell("科目编码"), Cell("金额")], [Cell("2080101"), Cell("1219.05")], [Cell("合计")]], header_rows=1
    )
    return GeneratedDoc(
        name="mini",
        blocks=[
            Heading("一、示例部门预算", 1),
            Paragraph("说明第一行\n第二行"),
            budget,
            PageBreak(),
            Heading("二、项目绩效目标表", 2),
            indicators,
        ],
        page_header=["999 示例部门", "单位：万元"],
        sheets=[("预算", 0), ("绩效", 4)],
    )


# --- the seed as blocks ----------------------------------------------------------------------------------------


def test_seed_has_every_project_table_and_its_continuations(gdoc: GeneratedDoc) -> None:
    assert len(_project_tables(gdoc)) == PROJECTS
    assert len(_project_titles(gdoc)) == PROJECTS
    continuations = [
        block
        for block in gdoc.blocks
        if isinstance(block, Table) and [cell.text for cell in block.rows[0]][:2] == ["一级指标", "二级指标"]
    ]
    assert len(continuations) == 7  # projects 13, 14, 23, 31, 38, 39, 41
    assert all(not cell.bold for table in continuations for cell in table.rows[0])
    assert sum(isinstance(block, PageBreak) for block in gdoc.blocks) >= 60


def test_txt_reproduces_the_seed_rows(gdoc: GeneratedDoc) -> None:
    """Every table row comes back identical; prose differs only by the dropped ``**`` markers and blank lines."""
    original = SEED_PATH.read_text(encoding="utf-8").split("\n")
    produced = to_txt(gdoc).split("\n")
    assert [line for line in produced if "\t" in line] == [line for line in original if "\t" in line]
    assert [line for line in produced if line] == [line.replace("**", "") for line in original if line]


def test_indicator_levels_are_merged_within_a_page(gdoc: GeneratedDoc) -> None:
    first = _project_tables(gdoc)[0]
    level1 = {cell.text: cell.rowspan for row in first.rows for cell in row[:1]}
    assert level1["产出指标"] == 5 and level1["效益指标"] == 1
    # Project 13: 产出指标 spans the 8 rows down to the cut row, and the continuation page starts new spans.
    table13 = _project_tables(gdoc)[12]
    assert next(row[0] for row in table13.rows if row[0].text == "产出指标").rowspan == 8
    position = gdoc.blocks.index(table13)
    assert isinstance(gdoc.blocks[position + 1], PageBreak)
    tail = gdoc.blocks[position + 2]
    assert isinstance(tail, Table)
    assert [cell.text for cell in tail.rows[1]] == ["", "", "准", "", "险费原则上不超过社会保险费实际缴费额的 2/3", ""]
    assert tail.rows[1][0].rowspan == 2  # the empty 一级 cell of the tail continues under the next row


def test_spans_cover_only_empty_cells_and_fill_rectangles(gdoc: GeneratedDoc) -> None:
    for block in gdoc.blocks:
        if isinstance(block, Table):
            grid = layout(block)
            widths = {len(row) for row in grid.slots}
            assert len(widths) == 1, block.rows[0]
            assert all(slot is not None for row in grid.slots for slot in row)


def test_cut_rows_end_a_page_and_their_tails_start_the_next(gdoc: GeneratedDoc) -> None:
    tables = _project_tables(gdoc)
    for number, head, tail in CUT_ROWS:
        position = gdoc.blocks.index(tables[number - 1])
        chunk, page_break, continuation = gdoc.blocks[position : position + 3]
        assert isinstance(chunk, Table) and isinstance(page_break, PageBreak) and isinstance(continuation, Table)
        assert head in "".join(cell.text for cell in chunk.rows[-1])
        assert tail in "".join(cell.text for cell in continuation.rows[1])


# --- markdown ---------------------------------------------------------------------------------------------------


def _pipe_cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_md_pipe_tables(rendered: dict[str, Path]) -> None:
    text = rendered["md"].read_text(encoding="utf-8")
    rows = [line for line in text.split("\n") if line.startswith("|")]
    assert sum(line.startswith("| **项目编码** |") for line in rows) == PROJECTS
    # Each table: a header row, the separator, rows as wide as the header.
    for table in re.split(r"\n\n", text):
        lines = table.split("\n")
        if not lines[0].startswith("|"):
            continue
        assert re.fullmatch(r"\|( --- \|)+", lines[1])
        assert {len(_pipe_cells(line)) for line in lines} == {len(_pipe_cells(lines[1]))}
    assert "| 产出指标 | 数量指标 | 租赁面积 | 租赁办公用房面积 | 293.6 平方米 | 年度工作计划 |  |" in rows
    assert "<p>" not in text and "<br>" in text  # project 31's two-paragraph 绩效目标 cell


def test_md_variants_escape_and_repeat() -> None:
    text = to_md(mini_doc(), merged="repeat", page_separators=True)
    assert "示例项目 \\| 一期" in text
    assert "满意度<br>（第二行）" in text
    assert text.count("| 产出指标 |") == 2  # the merged cell repeated in the row it covers
    assert "{1}" + "-" * 48 in text
    assert text.count("999 示例部门") == 2  # the page header at the start and after the page break


# --- HTML -------------------------------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """The tables of an HTML text: rows of (text, rowspan, colspan), with where bold text was seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self._cell: dict[str, Any] | None = None
        self.bold_texts: list[str] = []
        self._bold = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            values = dict(attrs)
            self._cell = {
                "text": "",
                "rowspan": int(values.get("rowspan") or 1),
                "colspan": int(values.get("colspan") or 1),
            }
        elif tag == "br" and self._cell is not None:
            self._cell["text"] += "\n"
        elif tag == "b":
            self._bold += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append((self._cell["text"], self._cell["rowspan"], self._cell["colspan"]))
            self._cell = None
        elif tag == "b":
            self._bold -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
            if self._bold:
                self.bold_texts.append(data)


def _parse_tables(text: str) -> _Tables:
    parser = _Tables()
    parser.feed(text)
    parser.close()
    return parser


def _check_grid(table: list[list[tuple[str, int, int]]]) -> int:
    """Lay the parsed cells out as a browser does; every position covered exactly once. Returns the width."""
    taken: set[tuple[int, int]] = set()
    for r, row in enumerate(table):
        c = 0
        for _, rowspan, colspan in row:
            while (r, c) in taken:
                c += 1
            for rr in range(r, r + rowspan):
                for cc in range(c, c + colspan):
                    assert (rr, cc) not in taken
                    taken.add((rr, cc))
            c += colspan
    width = max(c for _, c in taken) + 1
    assert taken == {(r, c) for r in range(len(table)) for c in range(width)}
    return width


def test_html_tables_parse_into_full_grids(rendered: dict[str, Path], gdoc: GeneratedDoc) -> None:
    parsed = _parse_tables(rendered["html"].read_text(encoding="utf-8"))
    assert len(parsed.tables) == sum(isinstance(block, Table) for block in gdoc.blocks)
    for table in parsed.tables:
        _check_grid(table)
    projects = [table for table in parsed.tables if table[0][0][0] == "项目编码"]
    assert len(projects) == PROJECTS
    assert ("产出指标", 5, 1) in projects[0][7]
    assert "项目编码" in parsed.bold_texts


def test_html_variants(gdoc: GeneratedDoc, out: Path) -> None:
    doc = mini_doc()
    plain = render(doc, "html", out / "mini.html").read_text(encoding="utf-8")
    assert "合格率 &lt;&amp;&gt;" in plain and "<thead>" not in plain
    variant = render(
        doc, "html", out / "mini-variant.html", thead=True, entities=True, nested_bold=True, one_line=True
    ).read_text(encoding="utf-8")
    assert "<thead><tr><th>科目编码</th><th>金额</th></tr></thead>" in variant
    assert "&ge;1100&nbsp;人" in variant and "<p><b><span>项目名称</span></b></p>" in variant
    assert all("\n" not in table for table in re.findall(r"<table>.*?</table>", variant, re.DOTALL))
    parsed = _parse_tables(variant)
    assert parsed.tables[1][2][3][0] == "≥1100\xa0人"  # entities decode to the text (nbsp kept)
    for table in parsed.tables:
        _check_grid(table)


def test_md_html_embeds_one_line_tables(rendered: dict[str, Path]) -> None:
    text = rendered["md-html"].read_text(encoding="utf-8")
    tables = [line for line in text.split("\n") if line.startswith("<table>")]
    assert len(tables) == 101 and all(line.endswith("</table>") for line in tables)
    assert sum("<td><b>项目编码</b></td>" in line for line in tables) == PROJECTS
    assert "## 七、部门项目预算安排情况及绩效目标" in text


# --- XLSX and DOCX ----------------------------------------------------------------------------------------------


def test_xlsx_merged_ranges_and_numbers(rendered: dict[str, Path]) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped,unused-ignore]

    sheet = load_workbook(rendered["xlsx"]).active
    assert sheet is not None
    cells = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row if cell.value is not None}
    codes = [cell for cell in cells.values() if cell.value == "项目编码"]
    assert len(codes) == PROJECTS
    top = codes[0].row
    assert sheet.cell(top, 2).value == "13019024P0042TD10003H"
    assert sheet.cell(top + 1, 3).value == 25.23 and sheet.cell(top + 1, 3).number_format == "0.00"
    assert sheet.cell(top + 4, 2).value == 0.25 and sheet.cell(top + 4, 2).number_format == "0%"
    merged = {str(area) for area in sheet.merged_cells.ranges}
    assert f"A{top + 7}:A{top + 11}" in merged  # 产出指标 over 5 rows
    assert f"B{top}:C{top}" in merged  # the project code over two columns
    assert any(cell.value == "2080101" for cell in cells.values())  # codes stay text
    assert len(sheet.row_breaks.brk) == 63


def test_xlsx_sheets(out: Path) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped,unused-ignore]

    book = load_workbook(render(mini_doc(), "xlsx", out / "mini.xlsx"))
    assert book.sheetnames == ["预算", "绩效"]
    assert [book["预算"].cell(6, c).value for c in (1, 2)] == ["2080101", 1219.05]
    assert sorted(str(area) for area in book["绩效"].merged_cells.ranges) == ["A5:A6", "B3:D3"]
    assert book["绩效"].oddHeader.center.text == "999 示例部门  单位：万元"


def test_docx_tables_merges_and_page_breaks(rendered: dict[str, Path], gdoc: GeneratedDoc) -> None:
    import docx

    document = docx.Document(str(rendered["docx"]))
    assert len(document.tables) == sum(isinstance(block, Table) for block in gdoc.blocks)
    projects = [table for table in document.tables if table.cell(0, 0).text == "项目编码"]
    assert len(projects) == PROJECTS
    first = projects[0]
    assert first.cell(0, 1)._tc is first.cell(0, 2)._tc  # the code spans two columns
    assert first.cell(7, 0).text == "产出指标" and first.cell(11, 0)._tc is first.cell(7, 0)._tc
    assert any(run.bold for run in first.cell(0, 0).paragraphs[0].runs)
    with zipfile.ZipFile(rendered["docx"]) as archive:
        body = archive.read("word/document.xml").decode()
    assert body.count('w:type="page"') == sum(isinstance(block, PageBreak) for block in gdoc.blocks)


# --- PDF and pdftotext -layout ----------------------------------------------------------------------------------


def test_pdf_holds_every_project(pdf_pages: list[str], gdoc: GeneratedDoc) -> None:
    whole = _squeeze("".join(pdf_pages))
    for title in _project_titles(gdoc):
        assert _squeeze(title) in whole
    assert len(pdf_pages) >= 70


def test_pdf_cuts_rows_where_the_seed_does(pdf_pages: list[str]) -> None:
    """The head of each cut row ends one page; the repeated header and the tail start the next."""
    pages = [_squeeze(page) for page in pdf_pages]
    for number, head, tail in CUT_ROWS:
        tail_pages = [index for index, page in enumerate(pages) if _squeeze(tail) in page]
        assert tail_pages, f"project {number}: tail not found"
        index = next(i for i in tail_pages if _squeeze(head) in pages[i - 1])
        assert pages[index].startswith("一级指标二级指标三级指标"), f"project {number}: page {index + 1}"


def test_layout_form_aligns_columns(seed_pdf: Path, out: Path) -> None:
    from bench.docgen.render.layout import pdf_to_layout

    start = time.perf_counter()
    pdf_to_layout(seed_pdf, out / "seed-layout.txt")
    elapsed = time.perf_counter() - start
    text = (out / "seed-layout.txt").read_text(encoding="utf-8")
    assert re.search(r"一级指标 +二级指标 +三级指标 +绩效指标描述 +指标值 +指标值确定依据", text)
    assert text.count("\f") >= 70 and elapsed < 10


def test_pdf_page_header_kangxi_and_compat(out: Path, browser: Any) -> None:
    _need("pdftotext")
    doc = mini_doc()
    plain = render(doc, "pdf", out / "mini.pdf", browser=browser)
    variant = render(doc, "pdf", out / "mini-kangxi.pdf", kangxi=True, compat="率", browser=browser)
    plain_text = subprocess.run(["pdftotext", str(plain), "-"], check=False, capture_output=True, text=True).stdout
    plain_pages = plain_text.split("\f")
    variant_text = subprocess.run(["pdftotext", str(variant), "-"], check=False, capture_output=True, text=True).stdout
    assert len(plain_pages) == 3  # two pages and the final form feed
    assert all(page.lstrip().startswith("999 示例部门") for page in plain_pages[:2])
    assert not any(char in plain_text for char in kangxi_map().values())
    assert "⼀级指标" in variant_text and compat_map()["率"] in variant_text  # ⼀ U+2F00, 率 U+F961
    assert fold(variant_text) == plain_text


# --- bad input --------------------------------------------------------------------------------------------------


def test_encrypted_pdf_needs_its_password(out: Path, gdoc: GeneratedDoc) -> None:
    _need("pdftotext", "pdfinfo")
    path = render(gdoc, "encrypted-pdf", out / "encrypted.pdf")
    assert subprocess.run(["pdftotext", str(path), "-"], check=False, capture_output=True).returncode != 0
    opened = subprocess.run(
        ["pdftotext", "-upw", "secret", str(path), "-"], check=False, capture_output=True, text=True
    )
    assert opened.returncode == 0 and "Performance targets" in opened.stdout


def test_scanned_pdf_has_no_text(seed_pdf: Path, out: Path, browser: Any) -> None:
    from bench.docgen.render.bad import write_scanned_pdf

    path = out / "scanned.pdf"
    write_scanned_pdf(seed_pdf, path, first=50, last=51, browser=browser)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+2\b", info)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert text.strip("\f\n ") == ""
    if shutil.which("pdfimages"):
        images = subprocess.run(["pdfimages", "-list", str(path)], check=False, capture_output=True, text=True).stdout
        assert len(images.strip().split("\n")) - 2 >= 2  # a header of two lines, then one line per image


def test_truncated_and_corrupt_pdfs(seed_pdf: Path, out: Path, gdoc: GeneratedDoc) -> None:
    from bench.docgen.render.bad import write_truncated_pdf

    truncated = out / "truncated.pdf"
    write_truncated_pdf(seed_pdf, truncated, keep=0.5)
    data = truncated.read_bytes()
    assert data.startswith(b"%PDF") and b"%%EOF" not in data[-1024:] and len(data) < seed_pdf.stat().st_size
    corrupt = render(gdoc, "corrupt-pdf", out / "corrupt.pdf")
    assert subprocess.run(["pdfinfo", str(corrupt)], check=False, capture_output=True).returncode != 0


def test_xlsx_without_indicators(gdoc: GeneratedDoc, out: Path) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped,unused-ignore]

    path = render(gdoc, "xlsx-no-indicators", out / "no-indicators.xlsx")
    sheet = load_workbook(path).active
    assert sheet is not None
    texts = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert texts and not any("绩效" in text or "指标" in text for text in texts)
    assert sheet.merged_cells.ranges and any(isinstance(cell.value, float) for row in sheet.iter_rows() for cell in row)


def test_truncated_html_stops_inside_a_row(gdoc: GeneratedDoc, out: Path) -> None:
    text = render(gdoc, "truncated-html", out / "truncated.html").read_text(encoding="utf-8")
    assert text.endswith("</td>") and text.count("<table") == text.count("</table>") + 1
    parsed = _parse_tables(text)
    assert parsed.tables[-1][-2][0][0] == "一级指标"  # the header row is whole, the next row started


# --- any document, the dispatcher and the command line ---------------------------------------------------------


def test_every_text_form_renders_a_made_up_document(out: Path) -> None:
    doc = mini_doc()
    txt = render(doc, "txt", out / "mini.txt").read_text(encoding="utf-8")
    assert txt.startswith("999 示例部门\n\n单位：万元\n\n# 一、示例部门预算")
    assert "\n\n\n\n999 示例部门" in txt  # the page break, then the header again
    assert "产出指标\t数量指标\t培训人数\t≥1100 人\n\t质量指标" in txt
    assert "<p>满意度</p> <p>（第二行）</p>" in txt
    assert "2080101\t1219.05\n合计" in txt  # a short row stays short
    html_text = render(doc, "md-html", out / "mini-md-html.md").read_text(encoding="utf-8")
    assert '<td rowspan="2">产出指标</td>' in html_text and "<td>合计</td><td></td>" in html_text
    render(doc, "docx", out / "mini.docx")
    with pytest.raises(TypeError, match="takes no option"):
        render(doc, "txt", out / "never.txt", thead=True)


def test_command_line(out: Path, gdoc: GeneratedDoc, capsys: pytest.CaptureFixture[str]) -> None:
    path = out / "cli.md"
    assert docgen_main(["md", "seed", "--out", str(path), "-o", "merged=repeat"]) == 0
    assert path.read_text(encoding="utf-8") == to_md(gdoc, merged="repeat")
    assert docgen_main(["txt", "seed", "--out", str(out / "cli.txt"), "-o", "kangxi"]) == 2
    assert "takes no option kangxi" in capsys.readouterr().err
    assert docgen_main(["--list"]) == 0
    assert "md-html" in capsys.readouterr().out


def test_entities_round_trip_through_html_unescape() -> None:
    from bench.docgen.render.html import HtmlStyle, table_html

    table = Table(rows=[[Cell("≤2281万 & <少于>")]])
    written = table_html(table, HtmlStyle(entities=True))
    assert html.unescape(re.sub(r"</?t[dr]>|</?table>|\n", "", written)).replace("\xa0", " ") == "≤2281万 & <少于>"
