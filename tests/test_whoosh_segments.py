"""A Whoosh index written in parts (one segment per cluster worker) and joined searches as one index written whole."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import index

from indexer import whoosh_index
from indexer.texts import IndexedText
from kb.db.build import build_knowledge_base
from tests.conftest import SEED, ranked_hits, segment_count, write_generated

QUERIES = ("满意度", "满意度 ≤90%", "培训", "资金", "完成率", "办公 面积", "群众", "覆盖率 100%", "及时", "党员 教育")


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sqlite3.Connection, list[IndexedText]]]:
    """The seed and three generated documents, built locally; its distinct texts as the index holds them."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(SEED, folder / "a-seed.txt")
    write_generated(folder, ((3, 2023), (4, 2024), (5, 2025)))
    db = tmp_path_factory.mktemp("kb") / "kb.db"
    build_knowledge_base([folder], db, workers=1)
    conn = sqlite3.connect(db)
    yield conn, whoosh_index.texts_from_database(conn)
    conn.close()


def test_parts_are_consecutive_and_neither_too_small_nor_too_many() -> None:
    texts = [IndexedText(id=n, key=str(n), level2="", segmented=()) for n in range(1, 1201)]
    parts = whoosh_index.segment_parts(texts, 2)
    assert [len(p) for p in parts] == [600, 600]
    assert [t for part in parts for t in part] == texts
    # No part under MIN_SEGMENT_TEXTS: 1,200 texts make two parts, however many workers.
    assert [len(p) for p in whoosh_index.segment_parts(texts, 8)] == [600, 600]
    assert [len(p) for p in whoosh_index.segment_parts(texts[:999], 4)] == [999]
    assert whoosh_index.segment_parts([], 4) == []
    many = texts * 10
    assert len(whoosh_index.segment_parts(many, 64)) == whoosh_index.MAX_SEGMENTS
    assert [t for part in whoosh_index.segment_parts(many, 64) for t in part] == many
    assert [len(p) for p in whoosh_index.segment_parts(texts[:1001], 3)] == [501, 500]


@pytest.fixture
def whole(
    corpus_db: tuple[sqlite3.Connection, list[IndexedText]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The corpus's index written whole (build id ``build-1``); parts of 100 texts or more from here on, so the
    small corpus is cut into several."""
    monkeypatch.setattr(whoosh_index, "MIN_SEGMENT_TEXTS", 100)
    whoosh_index.write_index(tmp_path / "whole.whoosh", corpus_db[1], "build-1")
    return tmp_path / "whole.whoosh"


def test_joined_segments_search_like_the_index_written_whole(
    corpus_db: tuple[sqlite3.Connection, list[IndexedText]], whole: Path, tmp_path: Path
) -> None:
    conn, texts = corpus_db
    joined = tmp_path / "joined.whoosh"
    parts = whoosh_index.segment_parts(texts, 3)
    assert len(parts) == 3 and len(texts) >= 3 * whoosh_index.MIN_SEGMENT_TEXTS
    written = [whoosh_index.write_segments(part) for part in parts]
    assert all(part.seconds > 0 and len(part.segments) == 1 for part in written)
    whoosh_index.join_segments(joined, written, "build-1")
    assert whoosh_index.index_problem(joined) is None
    assert whoosh_index.index_build_id(joined) == "build-1"
    assert (segment_count(whole), segment_count(joined)) == (1, 3)
    with index.open_dir(str(joined)).searcher() as searcher:
        assert searcher.doc_count() == len(texts)
    # Only the joined segments and one table of contents: nothing left of the empty index it started as.
    assert sorted(p.suffix for p in joined.iterdir() if p.name.startswith(("MAIN", "_MAIN"))) == [".seg"] * 3 + [".toc"]
    found = 0
    for query in QUERIES:
        expected = ranked_hits(whole, conn, query)
        # Same indicators in the same order, ties too, with the same BM25F scores (corpus-wide statistics).
        assert ranked_hits(joined, conn, query) == expected, query
        found += len(expected)
    assert found > 900
    years = [2024, 2025]
    assert ranked_hits(joined, conn, "满意度", years=years) == ranked_hits(whole, conn, "满意度", years=years)
    level2 = ["经济效益指标"]
    assert ranked_hits(joined, conn, "资金", level2=level2) == ranked_hits(whole, conn, "资金", level2=level2)


def test_a_joined_index_takes_added_texts(
    corpus_db: tuple[sqlite3.Connection, list[IndexedText]], whole: Path, tmp_path: Path
) -> None:
    """``kb build --add`` updates the index a cluster build wrote like the one a local build wrote."""
    conn, texts = corpus_db
    joined = tmp_path / "joined.whoosh"
    earlier, added = texts[:-40], texts[-40:]
    parts = whoosh_index.segment_parts(earlier, 2)
    assert len(parts) == 2
    whoosh_index.join_segments(joined, [whoosh_index.write_segments(p) for p in parts], "build-1")
    assert whoosh_index.add_texts(joined, added, "build-2", "build-1")
    assert whoosh_index.index_problem(joined) is None and whoosh_index.index_build_id(joined) == "build-2"
    for query in QUERIES:
        assert ranked_hits(joined, conn, query) == ranked_hits(whole, conn, query), query
