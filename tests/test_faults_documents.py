"""Bad documents: amounts that are no budget, valid JSON whatever the numbers, the same content under two names,
a project code used twice, documents that cannot be read.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from kb.db.build import build_knowledge_base
from kb.parse.document import parse_bytes
from tests.checkskit import Proj, Row, render_document
from tests.conftest import SEED
from tests.faultkit import drop_privileges, fork_kb, kb, world_writable_folder


def strict_json(text: str) -> Any:
    """Parse JSON as every parser but Python's would: ``Infinity`` and ``NaN`` are errors."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def _with_budget(text: str) -> tuple[str, int]:
    """A one-project document whose 预算数 cell reads ``text``, and the line of that cell."""
    document = render_document([Proj("印刷经费", [Row("数量指标", "印刷数量", "≥100 份")], budget=10.0)])
    document = document.replace("<b>预算数</b>\t10.00\t", f"<b>预算数</b>\t{text}\t")
    line = next(n for n, line in enumerate(document.splitlines(), start=1) if "<b>预算数</b>" in line)
    return document, line


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("inf", "amount_out_of_range"),
        ("-inf", "amount_out_of_range"),
        ("Infinity", "amount_out_of_range"),
        ("NaN", "amount_out_of_range"),
        ("1e308", "amount_out_of_range"),
        ("2e10", "amount_out_of_range"),
        ("-5", "negative_amount"),
        ("-0.01", "negative_amount"),
    ],
)
def test_amounts_that_are_no_budget_are_warned_and_left_empty(text: str, code: str) -> None:
    document, line = _with_budget(text)
    parsed = parse_bytes(document.encode(), "budget.txt")
    project = parsed.projects[0]
    assert (project.budget, project.fiscal_funds) == (None, 10.0)
    assert [(w.file, w.line, w.code) for w in parsed.warnings] == [("budget.txt", line, code)]
    assert repr(text) in parsed.warnings[0].message and "预算数" in parsed.warnings[0].message


def test_plausible_amounts_are_kept() -> None:
    for text, value in (("0", 0.0), ("1,234.5", 1234.5), ("9999999999", 9999999999.0)):
        parsed = parse_bytes(_with_budget(text)[0].encode(), "budget.txt")
        assert parsed.projects[0].budget == value and parsed.warnings == []


def test_spend_plan_percentages_that_are_not_finite_are_unreadable() -> None:
    document = render_document([Proj("印刷经费", [Row("数量指标", "印刷数量", "≥100 份")])])
    document = document.replace("\t25%\t\t50%\t", "\tinf%\t\t50%\t")
    parsed = parse_bytes(document.encode(), "plan.txt")
    assert parsed.projects[0].spend_plan.by_march is None
    assert [w.code for w in parsed.warnings] == ["bad_spend_plan"]


def test_every_json_the_tool_writes_is_valid(tmp_path: Path) -> None:
    # A target too long for a float (inf) and a cost cap that dwarfs the budget: numbers the checks compare.
    huge = "9" * 400
    rows = [
        Row("数量指标", "印刷数量", f"≥{huge}份"),
        Row("成本指标", "印刷成本", f"≤{huge}万元"),
        Row("服务对象满意度指标", "受益对象满意度", "≥95%"),
    ]
    document = render_document([Proj("印刷经费", rows), Proj("宣传经费", rows)])
    document = document.replace("<b>预算数</b>\t10.00\t", "<b>预算数</b>\t-inf\t", 1)
    path = tmp_path / "doc.txt"
    path.write_text(document, encoding="utf-8")
    parsed = kb("parse", path, "--format", "json")
    assert parsed.exit_code == 0
    assert strict_json(parsed.stdout)["projects"][0]["budget"] is None
    db = tmp_path / "kb.db"
    assert kb("build", path, "--db", db).exit_code == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from indicators where target_value > 1e308").fetchone() == (4,)
        evidence = [row[0] for row in conn.execute("select evidence from anomalies")]
        spreads = [row[0] for row in conn.execute("select target_spread from indicator_families")]
    assert evidence and all(isinstance(strict_json(text), dict) for text in evidence)
    assert all(isinstance(strict_json(text), dict) for text in spreads)
    lint = kb("lint", "--db", db, "--format", "json")
    assert lint.exit_code == 1
    findings = strict_json(lint.stdout)
    assert any(f["rule"].startswith("cost.") for f in findings)
    search = kb("search", "印刷数量", "--db", db, "--format", "json")
    assert search.exit_code == 0
    assert {hit["target"]["value"] for hit in strict_json(search.stdout)} == {None}
    similar = kb("similar", "印刷成本", "--db", db, "--format", "json")
    assert similar.exit_code == 0 and strict_json(similar.stdout)["similar"]


def test_the_same_content_under_two_names_is_built_once(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder / "a.txt")
    shutil.copy(SEED, folder / "b-copy.txt")
    (folder / "c.txt").write_text(render_document([Proj("印刷经费", [Row("数量指标", "印刷数量", "≥100 份")])]))
    db = tmp_path / "kb.db"
    result = kb("build", folder, "--db", db)
    assert result.exit_code == 0
    duplicate, kept = folder / "b-copy.txt", folder / "a.txt"
    assert result.stderr == f"警告：{duplicate}: 与 {kept} 内容完全相同，只构建一次 (identical content, built once)\n"
    assert "2 份文档" in result.stdout and "内容重复 1 份（只构建一次）" in result.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("select id, source_path, warning_count from documents order by id").fetchall() == [
            (1, str(folder / "a.txt"), 1),
            (2, str(folder / "c.txt"), 0),
        ]
        assert conn.execute("select document_id, file, line, code from parse_warnings").fetchall() == [
            (1, str(folder / "b-copy.txt"), None, "duplicate_document")
        ]
        assert conn.execute("select count(*) from projects").fetchone() == (45,)
    # Adding a file the knowledge base holds under another name adds nothing, and says so.
    shutil.copy(SEED, tmp_path / "again.txt")
    result = kb("build", "--add", tmp_path / "again.txt", "--db", db)
    assert result.exit_code == 0 and "0 份文档" in result.stdout
    assert result.stderr == f"提示：{tmp_path / 'again.txt'}: 已在知识库中，跳过 (already in the knowledge base)\n"


def test_a_project_code_used_twice_in_a_document_is_warned() -> None:
    document = render_document(
        [
            Proj("印刷经费", [Row("数量指标", "印刷数量", "≥100 份")]),
            Proj("宣传经费", [Row("数量指标", "宣传次数", "≥4 次")]),
            Proj("培训经费", [Row("数量指标", "培训人次", "≥50 人次")]),
        ]
    )
    first, third = "13019024P0042TD10001H", "13019024P0042TD10003H"
    assert first in document and third in document
    document = document.replace(third, first)
    parsed = parse_bytes(document.encode(), "codes.txt")
    assert [p.code for p in parsed.projects] == [first, "13019024P0042TD10002H", first]
    lines = document.splitlines()
    first_line = next(n for n, line in enumerate(lines, start=1) if line.startswith("### 1、"))
    third_line = next(n for n, line in enumerate(lines, start=1) if line.startswith("### 3、"))
    assert [(w.line, w.code, w.message) for w in parsed.warnings] == [
        (third_line, "duplicate_project_code", f"项目 3 的项目编码 {first} 与项目 1（第 {first_line} 行）重复")
    ]


def test_the_seed_has_no_repeated_codes_nor_bad_amounts(seed_doc) -> None:  # type: ignore[no-untyped-def]
    assert seed_doc.warnings == []


def test_documents_that_cannot_be_read() -> None:
    """A folder nobody may list and a file inside a folder nobody may enter: named, the rest built (exit 1)."""
    from indexer.tokenizer import index_terms

    index_terms("预热")  # the forked command shares the loaded dictionary
    with world_writable_folder() as base:
        docs = base / "docs"
        (docs / "open").mkdir(parents=True)
        (docs / "locked").mkdir()
        (docs / "open" / "a.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
        (docs / "locked" / "b.txt").write_text(render_document([Proj("印刷经费", [Row("数量指标", "数", "1")])]))
        for path in (docs, docs / "open"):
            path.chmod(0o755)
        (docs / "open" / "a.txt").chmod(0o644)
        (docs / "locked").chmod(0o700 if os.geteuid() == 0 else 0o000)
        prepare = drop_privileges if os.geteuid() == 0 else None
        try:
            folder = fork_kb(["build", docs, "--db", base / "kb.db", "--workers", "1"], base / "run1", prepare)
            assert folder.wait() == 1
            assert folder.stderr == f"错误：{docs / 'locked'}: 没有读写权限 (permission denied)\n"
            assert "1 份文档" in folder.stdout and "无法读取的文件夹 1 个" in folder.stdout
            named = fork_kb(
                ["build", docs / "locked" / "b.txt", docs / "open" / "a.txt", "--db", base / "kb.db"],
                base / "run2",
                prepare,
            )
            assert named.wait() == 1
            assert named.stderr == f"错误：{docs / 'locked' / 'b.txt'}: 无法读取：没有读写权限 (permission denied)\n"
            with sqlite3.connect(base / "kb.db") as conn:
                assert conn.execute("select source_path, status from documents order by id").fetchall() == [
                    (str(docs / "locked" / "b.txt"), "failed"),
                    (str(docs / "open" / "a.txt"), "ok"),
                ]
            alone = fork_kb(["build", docs / "locked" / "b.txt", "--db", base / "kb.db"], base / "run3", prepare)
            assert alone.wait() == 2
            assert alone.stderr == (
                "错误：没有任何文档可以解析，知识库未更新 (no document could be parsed): "
                f"{docs / 'locked' / 'b.txt'}: 无法读取：没有读写权限 (permission denied)\n"
            )
        finally:
            (docs / "locked").chmod(0o755)


def test_a_knowledge_base_of_many_copies_builds_each_once(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("x.txt", "y.txt", "z.txt"):
        shutil.copy(SEED, folder / name)
    report = build_knowledge_base([folder], tmp_path / "kb.db")
    assert report.documents == 1
    assert report.duplicates == [
        (str(folder / "y.txt"), str(folder / "x.txt")),
        (str(folder / "z.txt"), str(folder / "x.txt")),
    ]
