"""The CLI's error path and its output: ids beyond SQLite, databases that are not knowledge bases, escape sequences
and control characters from documents kept off the terminal.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.checkskit import Proj, Row, render_document
from tests.faultkit import SPOILED, copy_kb, kb, one_error_line

HUGE = [str(2**63), str(10**30)]


@pytest.mark.parametrize("number", HUGE)
def test_ids_too_large_for_sqlite_are_unknown_ids(seed_db: Path, number: str) -> None:
    cases = [
        (["similar", number], f"没有编号为 {number} 的指标 (unknown indicator id)"),
        (["series", number], f"没有找到项目系列：'{number}' (no such series)"),
        (["search", "满意度", "--project", number], f"没有找到项目：'{number}' (no such project)"),
        (["lint", "--project", number], f"没有找到项目：'{number}' (no such project)"),
    ]
    for args, message in cases:
        result = kb(*args, "--db", seed_db)
        assert result.exit_code == 2
        assert one_error_line(result) == f"错误：{message}"


def test_the_largest_id_sqlite_holds_is_an_ordinary_unknown_id(seed_db: Path) -> None:
    result = kb("similar", str(2**63 - 1), "--db", seed_db)
    assert result.exit_code == 2
    assert one_error_line(result) == f"错误：没有编号为 {2**63 - 1} 的指标 (unknown indicator id)"


READ_COMMANDS = [["search", "满意度"], ["similar", "1"], ["similar", "受益对象满意度"], ["series"], ["lint"]]


@pytest.mark.parametrize("spoil", list(SPOILED))
def test_read_commands_name_a_corrupt_or_foreign_database(seed_db: Path, tmp_path: Path, spoil: str) -> None:
    db = copy_kb(seed_db, tmp_path)
    make, message = SPOILED[spoil]
    make(db)
    for command in READ_COMMANDS:
        result = kb(*command, "--db", db)
        assert result.exit_code == 2, (command, result.output)
        line = one_error_line(result)
        if spoil == "pages overwritten":
            # The cheap checks pass such a file; the first page SQLite cannot read names it.
            assert line.startswith(f"错误：{db}: 知识库文件已损坏"), (command, line)
        else:
            assert line.startswith(f"错误：{db}: {message}"), (command, line)


def test_a_foreign_sqlite_file_with_an_indicators_table_is_named_foreign(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    db.write_bytes(b"")
    SPOILED["foreign SQLite"][0](db)  # replaces the file with an SQLite database holding an indicators table
    for command in READ_COMMANDS:
        result = kb(*command, "--db", db)
        assert result.exit_code == 2
        assert "是 SQLite 数据库，但不是本工具构建的知识库" in one_error_line(result)


# ---------------------------------------------------------------- control characters

NAME = "\x1b[2J\x1b]0;pwned\x07就业\u202e补助\x9b31m资金"
LEVEL3 = "培训\x1b[31m人数\x07"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    rows = [Row("数量指标", LEVEL3, "≥100人"), Row("服务对象满意度指标", "受益对象满意度", "≤90%")]
    path = folder / "doc.txt"
    path.write_text(render_document([Proj(NAME, rows), Proj(NAME + "2023", rows, year=2023)]), encoding="utf-8")
    db = folder / "kb.db"
    result = kb("build", path, "--db", db)
    assert result.exit_code == 0, result.output
    return db


def _terminal_safe(text: str) -> None:
    assert "\x1b" not in text and not CONTROLS.search(text), repr(text)


def test_escape_sequences_never_reach_the_terminal(hostile_db: Path) -> None:
    outputs = {
        "parse": kb("parse", hostile_db.parent / "doc.txt"),
        "search": kb("search", "培训人数", "--db", hostile_db),
        "similar": kb("similar", "1", "--db", hostile_db),
        "series": kb("series", "--db", hostile_db),
        "series one": kb("series", "就业", "--db", hostile_db),
        "lint": kb("lint", "--db", hostile_db),
        "lint csv": kb("lint", "--db", hostile_db, "--format", "csv"),
        "error": kb("series", NAME, "--db", hostile_db.parent / "none.db"),
        "missing file": kb("parse", hostile_db.parent / "\x1b[31mnone.txt"),
    }
    for name, result in outputs.items():
        _terminal_safe(result.output)
        assert "Traceback" not in result.output, name
    assert "就业补助31m资金" not in outputs["search"].output  # the C1 CSI is removed with its parameters
    assert "就业补助资金" in outputs["search"].output
    assert "培训人数" in outputs["search"].output and "pwned" not in outputs["search"].output
    assert "就业补助资金" in outputs["parse"].output and "项目 1「就业补助资金」" in outputs["lint"].output


def test_json_keeps_the_text_and_escapes_the_controls(hostile_db: Path) -> None:
    search = kb("search", "培训人数", "--db", hostile_db, "--format", "json")
    _terminal_safe(search.stdout)
    hits = json.loads(search.stdout)
    assert {hit["project_name"] for hit in hits} == {NAME, NAME + "2023"}
    assert {hit["level3"] for hit in hits} == {LEVEL3}
    lint = kb("lint", "--db", hostile_db, "--format", "json")
    _terminal_safe(lint.stdout)
    assert NAME in {record["project_name"] for record in json.loads(lint.stdout)}
    parsed = kb("parse", hostile_db.parent / "doc.txt", "--format", "json")
    _terminal_safe(parsed.stdout)
    assert json.loads(parsed.stdout)["projects"][0]["name"] == NAME
