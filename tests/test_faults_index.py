"""A damaged Whoosh index (``kb.whoosh/``): found, named, and rebuilt from the database.

A segment overwritten with random bytes, a damaged table of contents and a
deleted segment, in an index that records its files' checksums and in one
written before it did: ``kb search`` says what is wrong, rebuilds the index
and answers exactly as from a sound one; ``kb build --add`` rebuilds it too.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from indexer import whoosh_index
from tests.faultkit import copy_kb, kb, small_document


def _segment(index: Path) -> Path:
    return next(index.glob("*.seg"))


def _random_segment(index: Path) -> None:
    segment = _segment(index)
    segment.write_bytes(random.Random(7).randbytes(segment.stat().st_size))


def _bad_toc(index: Path) -> None:
    toc = next(index.glob("_MAIN_*.toc"))
    toc.write_bytes(b"\x80\x04garbage" + toc.read_bytes()[9:])


def _deleted_segment(index: Path) -> None:
    _segment(index).unlink()


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "random segment": (_random_segment, "的内容与写入时不符（校验和不同）"),
    "bad table of contents": (_bad_toc, "_MAIN_1.toc 的内容与写入时不符（校验和不同）"),
    "deleted segment": (_deleted_segment, ".seg 缺失"),
}


@pytest.fixture(scope="module")
def sound_answer(seed_db: Path) -> str:
    result = kb("search", "受益对象满意度", "--db", seed_db, "--format", "json", "--limit", "50")
    assert result.exit_code == 0 and result.stderr == ""
    return result.stdout


@pytest.mark.parametrize("checksums", [True, False], ids=["checksummed", "index-without-checksums"])
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_index_is_named_and_rebuilt(
    seed_db: Path, tmp_path: Path, sound_answer: str, damage: str, checksums: bool
) -> None:
    db = copy_kb(seed_db, tmp_path)
    index = db.with_suffix(".whoosh")
    spoil, what = DAMAGE[damage]
    if not checksums:
        (index / whoosh_index.CHECKSUMS_FILE).unlink()
    spoil(index)
    problem = whoosh_index.index_problem(index)
    assert problem is not None and problem.startswith("已损坏：")
    if checksums:
        assert what in problem
    result = kb("search", "受益对象满意度", "--db", db, "--format", "json", "--limit", "50")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Whoosh 索引{problem}，正在从 {db} 重建… (rebuilding the Whoosh index)\n"
    assert result.stdout == sound_answer
    assert whoosh_index.index_problem(index) is None
    again = kb("search", "受益对象满意度", "--db", db, "--format", "json", "--limit", "50")
    assert again.stderr == "" and again.stdout == sound_answer


def test_adding_to_a_knowledge_base_with_a_damaged_index_rebuilds_it(seed_db: Path, tmp_path: Path) -> None:
    db = copy_kb(seed_db, tmp_path / "kb")
    index = db.with_suffix(".whoosh")
    _random_segment(index)
    problem = whoosh_index.index_problem(index)
    document = tmp_path / "new.txt"
    document.write_text(small_document(), encoding="utf-8")
    result = kb("build", "--add", document, "--db", db)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"提示：{index}: Whoosh 索引{problem}，已从数据库重建 (the Whoosh index was rebuilt)\n"
    assert whoosh_index.index_problem(index) is None
    found = kb("search", "印刷数量", "--db", db, "--format", "json")
    assert found.exit_code == 0 and found.stderr == ""
    assert [hit["project_name"] for hit in json.loads(found.stdout)] == ["印刷经费"]


def test_a_sound_index_passes_and_records_every_file(seed_db: Path) -> None:
    index = seed_db.with_suffix(".whoosh")
    assert whoosh_index.index_problem(index) is None
    listed = sorted(line.split(" ", 2)[2] for line in (index / "CHECKSUMS").read_text().splitlines())
    assert listed == sorted(p.name for p in index.iterdir() if p.suffix in (".seg", ".toc"))
    assert whoosh_index.index_problem(seed_db.parent / "nothing.whoosh") == whoosh_index.MISSING
