"""Several knowledge bases served together (one per region and year) and searched across at /-/kb/search."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.db.build import build_knowledge_base
from kb.web.pages.across import DEFAULT_LIMIT, load_hits
from kb.web.serve import datasette_args
from tests.conftest import write_generated
from tests.kbtest import DatasetteClient
from tests.test_pages import text_of

QUERY = "满意度 ≤90%"


@pytest.fixture(scope="module")
def other_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second knowledge base: two generated documents of other departments and a later year."""
    folder = tmp_path_factory.mktemp("other-docs")
    write_generated(folder, ((7, 2025), (11, 2025)))
    db = tmp_path_factory.mktemp("other") / "kb-2025.db"
    build_knowledge_base([folder], db, workers=1)
    return db


@pytest.fixture(scope="module")
def both(seed_db: Path, other_db: Path) -> Iterator[DatasetteClient]:
    client = DatasetteClient([seed_db, other_db], immutable=True)
    yield client
    client.close()


def _ids_where(db: Path, where: str) -> set[int]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute(f"SELECT id FROM indicators i WHERE {where}")}


def _alone(db: Path, query: str, limit: int = DEFAULT_LIMIT) -> list[int]:
    with sqlite3.connect(db) as conn:
        return [row["id"] for row in load_hits(conn, query, limit)]


def test_each_database_answers_as_its_own_search_and_the_hits_are_merged_best_first(
    both: DatasetteClient, seed_db: Path, other_db: Path
) -> None:
    answer = both.json(f"/-/kb/search.json?q={quote(QUERY)}")
    planted = _ids_where(other_db, "i.target_raw = '≤90%' AND i.level1 = '满意度指标'")
    assert len(planted) >= 2  # the generated documents hold some, so both databases answer
    by_database = {part["database"]: part["hits"] for part in answer["databases"]}
    assert by_database == {"kb": 2, "kb-2025": len(planted)}
    rows = answer["rows"]
    seed_rows = [r["id"] for r in rows if r["database"] == "kb"]
    other_rows = [r["id"] for r in rows if r["database"] == "kb-2025"]
    assert set(seed_rows) == _ids_where(seed_db, "i.target_raw = '≤90%' AND i.level1 = '满意度指标'")
    assert set(other_rows) == planted
    # Each database's hits keep its own order, and the merge puts better tiers and scores first.
    assert seed_rows == _alone(seed_db, QUERY) and other_rows == _alone(other_db, QUERY)
    keys = [(r["tier"], -r["score"]) for r in rows]
    assert keys == sorted(keys)
    assert all(r["target_raw"] == "≤90%" and r["match"] == "精确匹配" for r in rows)
    # Both carry the knowledge base's title, so each is shown under its file name.
    assert {(r["database"], r["title"]) for r in rows} == {("kb", "kb"), ("kb-2025", "kb-2025")}


def test_limit_caps_each_database_and_the_merged_list(both: DatasetteClient, seed_db: Path, other_db: Path) -> None:
    answer = both.json(f"/-/kb/search.json?q={quote('满意度')}&limit=3")
    assert answer["limit"] == 3 and len(answer["rows"]) == 3
    assert [part["hits"] for part in answer["databases"]] == [3, 3]
    assert both.json(f"/-/kb/search.json?q={quote('满意度')}&limit=abc")["limit"] == DEFAULT_LIMIT
    assert both.json(f"/-/kb/search.json?q={quote('满意度')}&limit=100000")["limit"] == 200


def test_the_page_links_each_hit_to_its_own_database(both: DatasetteClient, other_db: Path) -> None:
    response = both.get(f"/-/kb/search?q={quote(QUERY)}")
    assert response.status_code == 200
    page = response.text
    shown = text_of(page)
    assert "检索全部知识库" in shown and "2 个知识库" in shown and "匹配方式" in shown and "精确匹配" in shown
    first_other = _alone(other_db, QUERY)[0]
    link = f"/kb-2025/indicators/{first_other}"
    assert f'href="{link}"' in page
    card = both.get(link)
    assert card.status_code == 200 and "≤90%" in text_of(card.text)


def test_without_a_query_the_page_is_the_search_box(both: DatasetteClient) -> None:
    page = both.get("/-/kb/search").text
    assert 'name="q"' in page and "没有找到" not in page
    assert both.json("/-/kb/search.json")["rows"] == []
    nothing = text_of(both.get(f"/-/kb/search?q={quote('并不存在的词语组合')}").text)
    assert "没有找到符合的指标" in nothing


def test_a_query_without_words_says_so_in_chinese(both: DatasetteClient) -> None:
    stop_words = quote("的 和")
    shown = text_of(both.get(f"/-/kb/search?q={stop_words}").text)
    assert "只有停用词或标点，没有可检索的词" in shown and "没有找到符合的指标" not in shown
    answer = both.json(f"/-/kb/search.json?q={stop_words}")
    assert answer["rows"] == [] and "只有停用词或标点" in answer["message"]
    assert both.json(f"/-/kb/search.json?q={quote('满意度')}")["message"] is None


def test_the_home_page_searches_across_only_when_several_are_served(
    both: DatasetteClient, datasette: DatasetteClient
) -> None:
    home = both.get("/").text
    assert 'action="/-/kb/search"' in home
    assert '<link rel="stylesheet" href="/-/kb-pages/static/pages.css">' in home
    assert 'action="/-/kb/search"' not in datasette.get("/").text


def test_kb_serve_takes_several_databases(seed_db: Path, other_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert datasette_args([seed_db, other_db], None, "127.0.0.1", 8001)[:5] == [
        "serve",
        "-i",
        str(seed_db),
        "-i",
        str(other_db),
    ]
    served: list[list[str]] = []
    monkeypatch.setattr("kb.web.serve.run_datasette", served.append)
    result = CliRunner().invoke(cli, ["serve", "--db", str(seed_db), "--db", str(other_db)])
    assert result.exit_code == 0, result.output
    assert served and served[0].count("-i") == 2
    assert "/-/kb/search" in result.output


def test_kb_serve_names_a_bad_database_among_several(seed_db: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database at all" * 10)
    result = CliRunner().invoke(cli, ["serve", "--db", str(seed_db), "--db", str(broken)])
    assert result.exit_code == 2
    assert str(broken) in result.output and "不是 SQLite 数据库" in result.output


def test_kb_serve_builds_only_a_single_database(seed_db: Path, other_db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(seed_db), "--db", str(other_db), "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "--data 只能与一个 --db 一起用" in result.output
