"""The kb_ SQL functions under hostile input: bounded input, bounded time per statement, bounded caches."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
import tracemalloc
from pathlib import Path
from urllib.parse import quote

import pytest

from indexer import tokenizer
from indexer.fts import match_expression
from kb.web.guard import MAX_QUERY_CHARS, MAX_TEXT_CHARS, TOO_BIG_ZH
from kb.web.plugin import prepare_connection
from tests.kbtest import DatasetteClient

HALF = MAX_TEXT_CHARS // 2


def sql(datasette: DatasetteClient, query: str, suffix: str = ".json", **params: str):
    extra = "".join(f"&{key}={quote(value)}" for key, value in params.items())
    return datasette.get(f"/kb{suffix}?sql={quote(query)}{extra}&_shape=array")


@pytest.fixture()
def connection() -> sqlite3.Connection:
    """A bare connection with the plugin's functions, as Datasette prepares each of its own."""
    conn = sqlite3.connect(":memory:")
    prepare_connection(conn, None)
    return conn


def test_inputs_at_the_bound_are_answered(datasette: DatasetteClient, seed_db: Path) -> None:
    query, text = "满" * MAX_QUERY_CHARS, "满意度" * (MAX_TEXT_CHARS // 3)
    rows = sql(
        datasette,
        "select length(kb_fts_match(:q)) as m, length(kb_terms(:t)) > 0 as t, kb_covers(:q, :t) as c",
        q=query[:200],  # the URL stays under the guard's bound; the SQL below builds the longest inputs
        t=text[:500],
    ).json()
    # kb_fts_match plans the query against the knowledge base it is asked in (issue 14).
    with sqlite3.connect(seed_db) as conn:
        expected = len(match_expression(query[:200], conn))
    assert rows == [{"m": expected, "t": 1, "c": 0}]
    built = sql(
        datasette,
        f"select length(kb_fts_match(printf('%.*c', {MAX_QUERY_CHARS}, '满'))) > 0 as m, "
        f"length(kb_terms(printf('%.*c', {MAX_TEXT_CHARS}, '满'))) > 0 as t, "
        f"kb_covers(printf('%.*c', {MAX_QUERY_CHARS}, '满'), printf('%.*c', {MAX_TEXT_CHARS}, '满')) as c",
    )
    assert built.status_code == 200 and built.json() == [{"m": 1, "t": 1, "c": 1}]


@pytest.mark.parametrize(
    "call",
    [
        f"kb_fts_match(printf('%.*c', {MAX_QUERY_CHARS + 1}, '满'))",
        f"kb_terms(printf('%.*c', {MAX_TEXT_CHARS + 1}, '满'))",
        "kb_terms(printf('%.*c', 1000000, '满'))",
        f"kb_covers(printf('%.*c', {MAX_QUERY_CHARS + 1}, '满'), '满意度')",
        # The texts together pass the bound, though each is within it.
        f"kb_covers('满意度', printf('%.*c', {HALF + 1}, '满'), printf('%.*c', {HALF}, '满'))",
        f"kb_terms(zeroblob({4 * MAX_TEXT_CHARS + 1}))",
    ],
)
def test_inputs_past_the_bound_are_refused_with_a_clear_error(datasette: DatasetteClient, call: str) -> None:
    answer = sql(datasette, f"select {call} as x")
    assert answer.status_code == 400
    assert answer.json()["error"] == f"{TOO_BIG_ZH}。(string or blob too big)"
    page = sql(datasette, f"select {call} as x", suffix="")
    assert page.status_code == 400 and f"{TOO_BIG_ZH}。(string or blob too big)" in page.text
    assert "出错了：" + TOO_BIG_ZH not in page.text  # the Chinese comes first
    # The same call as a table filter goes through Datasette's error page: 400, not 500.
    table = datasette.get(f"/kb/indicators.json?_where={quote(call + ' is not null')}")
    assert table.status_code == 400 and table.json()["error"].startswith(TOO_BIG_ZH)


def test_arguments_of_any_type_are_read_as_text(connection: sqlite3.Connection) -> None:
    row = connection.execute(
        "select kb_terms(NULL), kb_terms(2024), kb_terms(x'e6bba1e6848fe5baa6'), kb_fts_match(NULL), kb_covers()"
    ).fetchone()
    assert row == ("", "2024", "满意度 满意", '""', 0)


def test_a_heavy_statement_is_stopped_at_the_time_limit(seed_db: Path) -> None:
    """Three statements calling kb_terms on 100,000 distinct maximal texts, and a search beside them.

    SQLite checks Datasette's time limit every 1,000 instructions, about a
    hundred calls here (4 s); the functions stop the statement themselves.
    """
    client = DatasetteClient(seed_db, settings={"sql_time_limit_ms": 500})
    heavy = (
        "with recursive n(i) as (select 1 union all select i + 1 from n limit 100000) "
        f"select count(kb_terms(printf('%.*c', {MAX_TEXT_CHARS - 1}, char(19968 + i)))) from n"
    )

    async def timed(path: str, delay: float = 0.0) -> tuple[int, float, str]:
        await asyncio.sleep(delay)
        started = time.perf_counter()
        response = await client.ds.client.get(path)
        return response.status_code, time.perf_counter() - started, response.text

    async def together() -> list[tuple[int, float, str]]:
        heavies = [timed(f"/kb.json?sql={quote(heavy)}") for _ in range(3)]  # as many as Datasette's SQL threads
        search = timed(f"/kb/indicators.json?_search={quote('受益对象满意度')}", 0.05)
        return await asyncio.gather(*heavies, search)

    try:
        *heavies, search = client.run(together())
    finally:
        client.close()
    for status, seconds, text in heavies:
        assert status == 400 and "\\u67e5\\u8be2\\u8d85\\u8fc7\\u65f6\\u95f4\\u4e0a\\u9650" in text  # 查询超过时间上限
        assert seconds < 2.5, seconds
    assert search[0] == 200 and search[1] < 2.5, search[:2]


def _distinct_text(i: int) -> str:
    pick = random.Random(i)
    chinese = "".join(chr(0x4E00 + pick.randrange(20000)) for _ in range(50))
    return chinese + " " + "".join(pick.choice("abcdefgh") for _ in range(1940))


def _traced_growth(conn: sqlite3.Connection, texts: list[bytes], marks: tuple[int, ...]) -> dict[int, float]:
    """MiB allocated and still held after each mark of calls, by tracemalloc."""
    grown: dict[int, float] = {}
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for i, encoded in enumerate(texts, 1):
            # A new string each call, as a request brings: binding a string caches its UTF-8 inside it.
            text = encoded.decode()
            conn.execute("select kb_terms(?), kb_covers(?, ?)", (text, text[:300], text)).fetchone()
            if i in marks:
                grown[i] = (tracemalloc.get_traced_memory()[0] - base) / 2**20
    finally:
        tracemalloc.stop()
    return grown


@pytest.mark.slow
def test_memory_stays_flat_over_a_thousand_distinct_large_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The caches a server segments with are bounded in bytes: past the bound, more calls hold no more memory.

    The bound is lowered to 1 MiB a cache so that it is reached within the
    first hundred calls; the build's caches, for contrast, keep every text.
    """
    texts = [_distinct_text(i).encode() for i in range(1000)]
    monkeypatch.setattr(tokenizer, "REQUEST_CACHE_BYTES", 2**20)
    monkeypatch.setattr(tokenizer, "_memos", tokenizer.request_memos())
    conn = sqlite3.connect(":memory:")
    prepare_connection(conn, None)
    grown = _traced_growth(conn, texts, (200, 1000))
    memos = tokenizer.memos()
    caches = [memos.cut_run, memos.run_terms, memos.index_text, memos.term_set]
    assert all(cache.bytes <= 2**20 for cache in caches)  # type: ignore[attr-defined]
    assert grown[1000] < 4 * 1.0 + 1.0, grown
    assert grown[1000] - grown[200] < 0.5, grown

    monkeypatch.setattr(tokenizer, "_memos", tokenizer.build_memos())
    unbounded = _traced_growth(conn, texts[:300], (150, 300))
    assert unbounded[300] - unbounded[150] > 2, unbounded  # keeps growing with every call


def test_bounded_cache_keeps_within_entries_and_bytes() -> None:
    cache = tokenizer.BoundedCache(lambda key: key * 2, max_entries=10, max_bytes=20_000, max_key_chars=1_000)
    for i in range(100):
        assert cache(f"{i:04d}" + "x" * 900) == (f"{i:04d}" + "x" * 900) * 2
        assert cache.bytes <= 20_000 and len(cache) <= 10
    assert len(cache) < 10  # the byte bound bit first: each entry is about 2.9 kB
    cache("k" * 1_001)  # too long a key: computed, not kept
    assert "k" * 1_001 not in cache._entries
    cache("a")
    cache("b")
    cache("a")  # used again: now the newest
    assert list(cache._entries)[-2:] == ["b", "a"]
    cache.clear()
    assert len(cache) == 0 and cache.bytes == 0


def test_a_serving_process_segments_with_bounded_caches(datasette: DatasetteClient) -> None:
    datasette.get("/kb/indicators")
    memos = tokenizer.memos()
    assert memos.kind == "request"
    assert all(isinstance(cache, tokenizer.BoundedCache) for cache in (memos.cut_run, memos.index_text))
    # Segmentation is the same whichever caches hold it.
    assert tokenizer.index_text("服务对象满意度指标") == " ".join(
        tokenizer.build_memos().index_text("服务对象满意度指标").split()
    )
