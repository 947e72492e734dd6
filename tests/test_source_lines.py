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
