"""Pieces of the partitioned build: aggregates added up as batches finish, family statistics from histograms, and
batches shipped as SQLite shards."""

from __future__ import annotations

import copy
import random
import sqlite3
import statistics
import tracemalloc
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.db.ddl import create_tables
from kb.db.family_table import histogram_median
from kb.db.schema import ANOMALIES, GOAL_INDICATORS, INDICATOR_FTS, UNITS
from kb.db.shard import copy_into, to_shard
from kb.db.stages import Aggregate, AggregateFold, SeriesPartial, TextPartial
from tests.conftest import write_generated

# One indicator as a partition sees it: its text, year, project-name term, project series, name and unit.
Entry = tuple[str, int, str, str, str, str]
_ENTRIES = st.tuples(
    st.sampled_from("甲乙丙丁"),
    st.sampled_from([2023, 2024, 2025]),
    st.sampled_from(["教育", "卫生", "交通"]),
    st.sampled_from("ABC"),
    st.sampled_from(["满意度", "覆盖率", "完成率"]),
    st.sampled_from(["%", "个"]),
)


def _aggregate_of(entries: list[Entry]) -> Aggregate:
    """What one partition holding ``entries`` (in order) contributes: as :func:`kb.db.stages.aggregate` builds it."""
    out = Aggregate()
    for text_key, year, term, series_key, name, unit in entries:
        text = out.texts.setdefault(text_key, TextPartial("二级", (text_key,), (text_key,)))
        text.members += 1
        text.projects += 1
        text.years.add(year)
        text.terms.setdefault(term)
        out.series.setdefault(series_key, SeriesPartial()).years.append(year)
        out.names.setdefault(name)
        out.level2_units.setdefault(("二级", None), Counter())[unit] += 1
    return out


def _contents(total: Aggregate) -> tuple:
    """Everything an aggregate holds, with the order of first appearance, but not the seconds it took."""
    return (
        [(key, text.members, text.projects, text.years, list(text.terms)) for key, text in total.texts.items()],
        [(key, series.years) for key, series in total.series.items()],
        list(total.names),
        total.level2_units,
    )


@given(st.lists(st.lists(_ENTRIES, max_size=6), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_aggregates_added_as_batches_finish_are_what_one_process_sees(
    parts: list[list[Entry]], rnd: random.Random
) -> None:
    """Batches finish in any order; the fold gives the aggregate of every entry read in document order, and
    leaves each batch's part as it was (a scheduler may use it again)."""
    aggregates = [_aggregate_of(part) for part in parts]
    before = copy.deepcopy(aggregates)
    arrival = list(range(len(parts)))
    rnd.shuffle(arrival)
    fold = AggregateFold()
    for index in arrival:
        fold.add(index, aggregates[index])
    total = fold.total(len(parts))
    assert _contents(total) == _contents(_aggregate_of([entry for part in parts for entry in part]))
    assert [_contents(a) for a in aggregates] == [_contents(a) for a in before]


def test_a_fold_missing_a_batch_says_which() -> None:
    fold = AggregateFold()
    fold.add(0, Aggregate())
    fold.add(2, Aggregate())
    with pytest.raises(ValueError, match=r"\[1\]"):
        fold.total(3)


@given(st.lists(st.sampled_from([-1.0, 0.0, 0.5, 2.0, 2.5, 90.0, 100.0, 1e9]), min_size=1, max_size=40))
def test_histogram_median_is_the_median_of_every_member(values: list[float]) -> None:
    assert histogram_median(Counter(values)) == statistics.median(values)


def _unit(unit_id: int, name: str) -> tuple:
    return UNITS.row(id=unit_id, document_id=1, seq=unit_id, name=name)


def _finding(message: str) -> tuple:
    return ANOMALIES.row(id=0, rule="r", severity="error", message=message)


def _database() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    create_tables(conn, foreign_keys=False)
    return conn


def test_shards_are_copied_whole_with_findings_numbered_on() -> None:
    conn = _database()
    first = to_shard(
        {UNITS.name: [_unit(1, "一处"), _unit(2, "二处")]},
        {INDICATOR_FTS.name: [(7, "满意度", "", "≥ 90 %", "", "项目")]},
        [_finding("甲"), _finding("乙")],
    )
    assert copy_into(conn, first, 0) == 2
    second = to_shard({UNITS.name: [_unit(3, "三处")]}, {}, [_finding("丙")])
    assert copy_into(conn, second, 2) == 1
    assert conn.execute("SELECT id, name FROM units ORDER BY id").fetchall() == [(1, "一处"), (2, "二处"), (3, "三处")]
    assert conn.execute("SELECT id, message FROM anomalies ORDER BY id").fetchall() == [(1, "甲"), (2, "乙"), (3, "丙")]
    assert conn.execute("SELECT rowid FROM indicators_fts WHERE indicators_fts MATCH '满意度'").fetchall() == [(7,)]


def _goal(goal_id: int) -> tuple:
    return GOAL_INDICATORS.row(id=goal_id, document_id=1, name=f"指标{goal_id}" * 5)


def test_shards_with_different_tables_each_read_their_own() -> None:
    """SQLite would keep an attached schema's layout across shards: one whose tables lie on other pages than
    the previous one's must still be read as itself (kept attached, the second copy reads a malformed image)."""
    conn = _database()
    units = [_unit(n, f"单位{n}" * 5) for n in range(1, 2001)]
    copy_into(conn, to_shard({UNITS.name: units, GOAL_INDICATORS.name: [_goal(n) for n in range(1, 501)]}, {}, []), 0)
    copy_into(conn, to_shard({GOAL_INDICATORS.name: [_goal(n) for n in range(501, 2001)]}, {}, [_finding("甲")]), 0)
    copy_into(conn, to_shard({UNITS.name: [_unit(2001, "末")]}, {}, []), 1)
    assert conn.execute("SELECT count(*), max(id) FROM units").fetchone() == (2001, 2001)
    assert conn.execute("SELECT count(*), max(id) FROM goal_indicators").fetchone() == (2000, 2000)
    assert conn.execute("SELECT count(*) FROM anomalies").fetchone() == (1,)


def test_a_batch_of_rows_reports_the_memory_it_holds(tmp_path) -> None:
    """Dask moves a task's result to another worker when it looks cheap to move: the rows a batch keeps must
    report about what they really hold (measured with tracemalloc), not a dataclass's few hundred bytes."""
    from dask.sizeof import sizeof

    from kb.db.stages import BatchJob, DocumentJob, document_rows

    paths = write_generated(tmp_path, ((index, 2024) for index in range(4)), seed=3)
    document_rows(BatchJob(0, (DocumentJob(1, str(paths[0])),)))  # dictionaries and caches loaded first
    jobs = tuple(DocumentJob(n, str(path)) for n, path in enumerate(paths[1:], 2))
    tracemalloc.start()
    try:
        rows = document_rows(BatchJob(1, jobs))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(len(r.indicators) for r in rows) > 300
    assert 0.5 * held < sizeof(rows) < 2 * held
