"""The document's text in the knowledge base (``source_lines``): what the pages show as 原文."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kb.db.rows import source_text_rows
from kb.db.schema import SOURCE_LINES
from kb.models import Document
from kb.parse.source import read_source
from tests.conftest import SEED
from tests.seed_ids import seed_indicator


def test_every_non_empty_line_of_the_seed_is_kept_with_its_number(seed_db: Path) -> None:
    lines = read_source(SEED).lines
    with sqlite3.connect(seed_db) as conn:
        stored = conn.execute(
            "select line, page, text from source_lines where document_id = 1 order by line"
        ).fetchall()
    assert len(stored) == 1474 == sum(1 for line in lines if line.strip())
    assert all(text == lines[number - 1] and page is None for number, page, text in stored)


def test_an_indicator_rows_lines_are_its_source(seed_db: Path) -> None:
    with sqlite3.connect(seed_db) as conn:
        first, last, document = conn.execute(
            "select first_line, last_line, document_id from indicators where id = ?", (seed_indicator(11, 6),)
        ).fetchone()
        texts = [
            row[0]
            for row in conn.execute(
                "select text from source_lines where document_id = ? and line between ? and ? order by line",
                (document, first, last),
            )
        ]
        missing = conn.execute(
            "select count(*) from indicators i where not exists (select 1 from source_lines s "
            "where s.document_id = i.document_id and s.line = i.first_line)"
        ).fetchone()[0]
    assert (first, last) == (1233, 1233)
    assert texts == [
        "满意度指标\t服务对象满意度指标\t受益对象满意度\t受益对象对就业资金政策拨付的满意度\t≤90%\t年度工作计划\t"
    ]
    assert missing == 0


def test_lines_are_read_from_the_parsed_bytes_only(tmp_path: Path, seed_doc: Document) -> None:
    rows = source_text_rows(7, seed_doc)
    assert len(rows) == 1474
    assert SOURCE_LINES.value(rows[0], "document_id") == 7 and SOURCE_LINES.value(rows[0], "id") == 1
    changed = tmp_path / "changed.txt"
    changed.write_bytes(SEED.read_bytes() + "\n追加的一行\n".encode())
    # A file changed since it was parsed is left out rather than shown wrongly; a missing one too.
    assert source_text_rows(7, seed_doc.model_copy(update={"source_path": str(changed)})) == []
    assert source_text_rows(7, seed_doc.model_copy(update={"source_path": str(tmp_path / "gone.txt")})) == []


def test_a_pdf_keeps_its_text_by_page_and_every_indicator_points_into_it(seed_pdf_db: Path) -> None:
    with sqlite3.connect(seed_pdf_db) as conn:
        pages = conn.execute("select min(page), max(page), count(*) from source_lines").fetchone()
        # The indicator of project 13 whose target a page break cut: its rows span two pages, and the lines
        # between its first and last line hold the head and the tail of the cut cell.
        first, last, page, last_page, target = conn.execute(
            "select i.first_line, i.last_line, i.page, i.last_page, i.target_raw from indicators i "
            "join projects p on p.id = i.project_id where p.seq = 13 and i.target_raw like '%2/3%'"
        ).fetchone()
        lines = conn.execute(
            "select page, text from source_lines where line between ? and ? order by line", (first, last)
        ).fetchall()
        unanchored = conn.execute(
            "select count(*) from indicators i where not exists (select 1 from source_lines s "
            "where s.document_id = i.document_id and s.line = i.first_line and s.page = i.page)"
        ).fetchone()[0]
    assert pages[0] == 1 and pages[1] >= 80 and pages[2] > 1000
    assert last_page == page + 1 and {p for p, _ in lines} == {page, last_page}
    assert "".join(text for _, text in lines).replace("\t", "").replace(" ", "").count("社会保险") >= 1
    assert "2/3" in target
    assert unanchored == 0
