"""Bad input: clear messages, non-zero exits, and nothing parseable lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.errors import DocumentError
from kb.models import Document
from kb.parse.document import parse_bytes, parse_document
from tests.conftest import FIXTURES

BROKEN = FIXTURES / "broken_tables.txt"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def content(doc: Document) -> dict:
    """What a document says, without what identifies the file it came from."""
    data = doc.model_dump(exclude={"source_path", "sha256", "encoding"})
    for warning in data["warnings"]:
        warning.pop("file")
    return data


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.txt", "文件不存在"),
        # kb parse reads each document of a folder; a folder without any is nothing to parse.
        (lambda tmp: tmp, "没有可解析的文档"),
        (lambda tmp: _write(tmp / "empty.txt", b""), "文件为空"),
        (lambda tmp: _write(tmp / "blank.txt", b"\n \r\n\t\n"), "文件为空"),
        (lambda tmp: _write(tmp / "scan.pdf", b"%PDF-1.7\n\x00\x01\x02binary"), "不是文本文件"),
        (lambda tmp: _write(tmp / "novel.txt", "第一章\n从前有座山。\n".encode()), "未找到任何项目绩效目标表"),
    ],
    ids=["missing", "empty-directory", "empty", "whitespace-only", "binary", "no-targets"],
)
def test_unusable_input_is_a_clear_message_and_exit_2(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path)
    result = run("parse", str(path))
    assert result.exit_code == 2
    assert message in result.output
    assert str(path) in result.output
    assert "Traceback" not in result.output
    with pytest.raises(DocumentError):
        parse_document(path)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("gbk", errors="strict"),
        lambda text: text.encode("gb18030"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.replace("\n", "\r\n").encode("utf-8"),
        lambda text: ("\ufeff" + text.replace("\n", "\r\n")).encode("gb18030"),
    ],
    ids=["gbk", "gb18030", "utf8-bom", "crlf", "gb18030-crlf"],
)
def test_encodings_and_line_endings_parse_the_same(seed_doc: Document, seed_bytes: bytes, encode) -> None:
    data = encode(seed_bytes.decode("utf-8"))  # every character of the seed exists in GBK
    assert data != seed_bytes
    assert content(parse_bytes(data, "copy.txt")) == content(seed_doc)


def test_lost_bold_tags_change_nothing(seed_doc: Document, seed_bytes: bytes) -> None:
    text = seed_bytes.decode("utf-8")
    stripped = text.replace("<b>", "").replace("</b>", "")
    assert stripped != text
    assert content(parse_bytes(stripped.encode(), "no-bold.txt")) == content(seed_doc)


@pytest.mark.parametrize("marker", ["", "# ", "#### "], ids=["none", "single", "four"])
def test_heading_markers_change_nothing(seed_doc: Document, seed_bytes: bytes, marker: str) -> None:
    text = seed_bytes.decode("utf-8")
    rewritten = re.sub(r"(?m)^#+\s*", marker, text)
    assert content(parse_bytes(rewritten.encode(), "headings.txt")) == content(seed_doc)


def test_broken_tables_keep_the_rest_and_warn_with_file_and_line() -> None:
    doc = parse_document(BROKEN)
    assert [(p.seq, p.name, len(p.indicators)) for p in doc.projects] == [
        (1, "组织人社运转保障工作经费", 7),
        (2, "“乡村振兴”驻村帮扶工作组经费", 4),
        (3, "党建工作培训经费", 0),
    ]
    # The row after the stray line and the garbage row is still read whole.
    last = doc.projects[1].indicators[-1]
    assert (last.level1, last.level2, last.level3, last.target.raw) == ("产出指标", "质量指标", "返贫户数", "0户")
    # The garbage row is kept, its extra cells folded into the basis, not dropped.
    garbage = doc.projects[1].indicators[2]
    assert garbage.level2 == "无法理解的行" and garbage.basis == "多余 多余"
    assert [(w.line, w.code) for w in doc.warnings] == [
        (39, "stray_text"),
        (40, "extra_cells"),
        (40, "incomplete_row"),
        (43, "missing_indicator_header"),
        (43, "no_indicators"),
    ]
    assert all(w.file == str(BROKEN) for w in doc.warnings)


def test_lost_indicator_headers_are_read_with_the_documents_first_header(seed_doc: Document, seed_bytes: bytes) -> None:
    """A converter that lost a project's header line (一级指标 | 二级指标 …) does not lose its indicators: rows
    starting with a 一级指标 are read with the header of the document's earlier tables, and the project is named."""
    lines = seed_bytes.decode("utf-8").split("\n")
    # Each project's header, right under its 绩效目标 row (not the headers repeated after a page break).
    headers = [n for n, line in enumerate(lines) if line.startswith("<b>一级指标") and "绩效目标" in lines[n - 1]]
    assert len(headers) == 44
    for n in headers[2:]:  # two tables show the document's layout
        lines[n] = ""  # blanked, not deleted: the other lines keep their numbers
    doc = parse_bytes("\n".join(lines).encode(), "lost-headers.txt")
    assert {**content(doc), "warnings": []} == content(seed_doc)
    lost = {w.line for w in doc.warnings if w.code == "missing_indicator_header"}
    assert {w.code for w in doc.warnings} == {"missing_indicator_header"}
    assert lost == {p.first_line for p in doc.projects[2:]}


def test_a_lost_header_is_not_guessed_from_one_table_or_from_tables_that_differ(seed_bytes: bytes) -> None:
    """One earlier table is no evidence of the document's layout; tables with different headers mean the lost
    one may be like none of them: the rows are then left out with a warning, never read into the wrong columns."""
    lines = seed_bytes.decode("utf-8").split("\n")
    headers = [n for n, line in enumerate(lines) if line.startswith("<b>一级指标") and "绩效目标" in lines[n - 1]]
    second = list(lines)
    second[headers[1]] = ""
    doc = parse_bytes("\n".join(second).encode(), "second-header-lost.txt")
    assert not doc.projects[1].indicators and sum(len(p.indicators) for p in doc.projects) > 280
    differing = list(lines)
    differing[headers[0]] = differing[headers[0]].replace("<b>指标值确定依据</b>", "<b>备注</b>")
    differing[headers[2]] = ""
    doc = parse_bytes("\n".join(differing).encode(), "differing.txt")
    assert not doc.projects[2].indicators and len(doc.projects[0].indicators) == 7


def test_without_an_earlier_header_a_headerless_table_is_still_not_guessed(seed_bytes: bytes) -> None:
    lines = seed_bytes.decode("utf-8").split("\n")
    first = next(n for n, line in enumerate(lines) if line.startswith("<b>一级指标"))
    lines[first] = ""
    doc = parse_bytes("\n".join(lines).encode(), "first-header-lost.txt")
    assert not doc.projects[0].indicators
    assert sum(len(p.indicators) for p in doc.projects) == 289 - len(
        parse_bytes(seed_bytes, "seed.txt").projects[0].indicators
    )


def test_a_page_break_that_did_not_print_the_header_again_changes_nothing(
    seed_doc: Document, seed_bytes: bytes
) -> None:
    """The seed prints a project's indicator header again after 7 of its page breaks; many PDFs do not. Without
    them the rows cut by those breaks are still joined (3 projects had a row split in two)."""
    lines = seed_bytes.decode("utf-8").split("\n")
    repeated = [n for n, line in enumerate(lines) if line.startswith("一级指标\t二级指标")]
    assert len(repeated) == 7
    for n in repeated:
        lines[n] = ""
    assert content(parse_bytes("\n".join(lines).encode(), "no-repeated-headers.txt")) == content(seed_doc)


def test_summary_lists_every_warning_with_file_and_line() -> None:
    result = run("parse", str(BROKEN), "--format", "summary")
    assert result.exit_code == 0
    assert "解析警告 5 条" in result.output
    assert f"{BROKEN}:39 [stray_text]" in result.output
    assert f"{BROKEN}:43 [no_indicators] 项目 3 没有任何绩效指标行" in result.output


def test_document_cut_in_the_middle_of_a_table(seed_bytes: bytes) -> None:
    lines = seed_bytes.decode("utf-8").split("\n")
    cut = "\n".join(lines[:1278])  # ends inside project 13, after the 成本指标 tail
    doc = parse_bytes(cut.encode(), "cut.txt")
    assert len(doc.projects) == 13
    assert len(doc.projects[-1].indicators) == 8
    assert doc.projects[-1].indicators[-1].target.raw == "单位应缴纳的社会保险费原则上不超过社会保险费实际缴费额的 2/3"
    assert sum(len(p.indicators) for p in doc.projects[:12]) == 75


def _without_projects(seed_bytes: bytes, first: str, upto: str) -> str:
    lines = seed_bytes.decode("utf-8").split("\n")
    start = next(n for n, line in enumerate(lines) if line.startswith(first))
    end = next(n for n, line in enumerate(lines) if line.startswith(upto))
    return "\n".join(lines[:start] + lines[end:])


def test_project_tables_missing_from_the_middle_are_one_warning_naming_them(
    seed_doc: Document, seed_bytes: bytes
) -> None:
    """A page or two missing (projects 6 and 7 gone) is said once, where the numbers jump, naming the missing
    numbers; the projects after it are numbered in document order and read as before (it was one
    seq_mismatch for each of the 37 projects after the gap)."""
    doc = parse_bytes(_without_projects(seed_bytes, "## 6、", "## 8、").encode(), "pages-missing.txt")
    assert [(w.code, w.message) for w in doc.warnings] == [
        ("seq_mismatch", "标题序号从 5 跳到 8：第 6–7 号项目表不在文档中（文档可能缺页或不完整）")
    ]
    assert [p.name for p in doc.projects] == [p.name for p in seed_doc.projects[:5] + seed_doc.projects[7:]]
    assert [p.seq for p in doc.projects] == list(range(1, 43))


def test_a_missing_first_project_and_a_number_repeated_are_said_as_such(seed_bytes: bytes) -> None:
    """Project 1 missing, 18 printed as 17 (a typo: 19 follows it), and the numbering starting again at 1 for
    the projects from 31 on (as documents that number each unit's projects do): one warning each."""
    text = _without_projects(seed_bytes, "### 1、", "## 2、")
    text = text.replace("## 18、医疗服务和保障能力提升资金", "## 17、医疗服务和保障能力提升资金")
    for n in range(31, 45):
        text = re.sub(rf"^(#*\s*){n}、", rf"\g<1>{n - 30}、", text, flags=re.MULTILINE)
    doc = parse_bytes(text.encode(), "numbers.txt")
    assert [w.message for w in doc.warnings if w.code == "seq_mismatch"] == [
        "标题序号从 2 开始：第 1 号项目表不在文档中（文档可能缺页或不完整）",
        "标题序号 17 与上一个标题的相同",
        "标题序号从 30 退回 1",
    ]
    assert len(doc.projects) == 43
