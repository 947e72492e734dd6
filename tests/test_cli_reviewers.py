"""The CLI where reviewers use it: lint by project and year, sources in search tables, folders, Chinese help."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kb.cli import cli
from tests.conftest import SEED
from tests.seed_ids import seed_indicator, seed_project

CJK = re.compile(r"[\u4e00-\u9fff]")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


# ---------------------------------------------------------------- kb lint --project / --year


def _lint(seed_db: Path, *args: str) -> tuple[int, list[dict]]:
    result = run("lint", "--db", str(seed_db), "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def test_lint_by_project_name_part_and_year(seed_db: Path) -> None:
    status, records = _lint(seed_db, "--project", "就业补助", "--year", "2024")
    assert status == 0
    assert {r["project_id"] for r in records} == {seed_project(13), seed_project(14)}
    assert sorted(r["rule"] for r in records) == ["copy.related_table"] * 2 + ["parse.unparsed"] * 2
    assert {r["project_year"] for r in records} == {2024}


def test_lint_by_project_id(seed_db: Path) -> None:
    status, records = _lint(seed_db, "--project", str(seed_project(11)))
    assert status == 1  # the project has errors
    assert sorted(r["rule"] for r in records) == ["copy.related_table", "cost.above_budget", "direction.satisfaction"]
    by_year = _lint(seed_db, "--project", str(seed_project(11)), "--year", "2024")[1]
    assert by_year == []  # project 11 is a 2023 project


def test_lint_year_of_document_findings_is_the_budget_year(seed_db: Path) -> None:
    assert len(_lint(seed_db, "--rule", "budget", "--year", "2024")[1]) == 3  # one 提示 per table
    assert _lint(seed_db, "--rule", "budget", "--year", "2023")[1] == []
    # 2023 projects of the 2024 budget: 54 indicators in 9 projects.
    records = _lint(seed_db, "--year", "2023")[1]
    assert records and {r["project_year"] for r in records} == {2023}


def test_lint_unknown_project_is_exit_2(seed_db: Path) -> None:
    result = run("lint", "--db", str(seed_db), "--project", "没有这个项目")
    assert result.exit_code == 2
    assert "没有找到项目" in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------- sources in search and similar tables


def _source_cell(record: dict) -> str:
    path, lines = record["source"].rsplit(":", 1)
    return f"{Path(path).name}:{lines}"


def test_search_table_shows_the_source(seed_db: Path) -> None:
    table = run("search", "受益对象满意度", "--db", str(seed_db))
    records = json.loads(run("search", "受益对象满意度", "--db", str(seed_db), "--format", "json").stdout)
    assert table.exit_code == 0
    assert "来源（文件:行）" in table.stdout.splitlines()[1]
    wanted = next(r for r in records if r["id"] == seed_indicator(11, 6))
    line = next(line for line in table.stdout.splitlines() if line.startswith(f"{seed_indicator(11, 6)} "))
    assert line.rstrip().endswith(_source_cell(wanted)) and "≤90%" in line


def test_similar_table_shows_the_source(seed_db: Path) -> None:
    indicator = str(seed_indicator(11, 6))
    table = run("similar", indicator, "--db", str(seed_db), "--limit", "5")
    data = json.loads(run("similar", indicator, "--db", str(seed_db), "--limit", "5", "--format", "json").stdout)
    assert table.exit_code == 0
    rows = table.stdout.splitlines()[3:]
    assert len(rows) == len(data["similar"]) == 5
    for row, record in zip(rows, data["similar"], strict=True):
        assert row.startswith(f"{record['id']} ") and row.rstrip().endswith(_source_cell(record))


# ---------------------------------------------------------------- kb parse FOLDER


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    shutil.copyfile(SEED, tmp_path / "docs" / SEED.name)
    (tmp_path / "docs" / "sub" / "scan.txt").write_bytes(b"%PDF-1.7\n\x00\x01\x02binary")
    (tmp_path / "docs" / "notes.csv").write_text("not a document\n")
    return tmp_path / "docs"


def test_parse_folder_summarises_each_document(folder: Path) -> None:
    result = run("parse", str(folder))
    assert result.exit_code == 1  # one document could not be parsed; the other is printed
    assert "项目 44 个（指标 289 条）" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1] == f"kb parse：{folder} 中 2 份文档，解析成功 1 份，失败 1 份"
    assert f"{folder / 'sub' / 'scan.txt'}" in result.stderr and "不是文本文件" in result.stderr


def test_parse_folder_json_is_an_array(folder: Path) -> None:
    result = run("parse", str(folder), "--format", "json")
    documents = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [len(d["projects"]) for d in documents] == [44]


def test_parse_folder_exit_statuses(folder: Path) -> None:
    (folder / "sub" / "scan.txt").unlink()
    assert run("parse", str(folder)).exit_code == 0
    (folder / SEED.name).write_bytes(b"")
    result = run("parse", str(folder))
    assert result.exit_code == 2 and "文件为空" in result.stderr


# ---------------------------------------------------------------- help in Chinese, with examples

COMMANDS = [[], ["parse"], ["build"], ["serve"], ["search"], ["similar"], ["series"], ["lint"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "kb")
def test_help_is_chinese_with_examples(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    lines = [line.strip() for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("用法：")
    assert CJK.search(lines[1]), lines[1]  # the description starts in Chinese
    assert "示例" in result.output or "常用流程" in result.output
    assert re.search(r"^\s+kb (\w+ )?\S", result.output, flags=re.MULTILINE)  # an example command line
    for english in ("Usage:", "Options:", "Commands:", "[default:"):
        assert english not in result.output
    options = result.output.split("选项:", 1)[1].split("\n\n", 1)[0]
    for line in options.splitlines():
        if line.strip().startswith("-") and "  " in line.strip():
            assert CJK.search(line), line  # every option is explained in Chinese
