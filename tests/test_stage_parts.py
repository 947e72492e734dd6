"""Pieces of the partitioned build: family statistics from histograms, and batches shipped as SQLite shards."""

from __future__ import annotations

import sqlite3
import statistics
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from kb.db.ddl import create_tables
from kb.db.family_table import histogram_median
from kb.db.schema import ANOMALIES, GOAL_INDICATORS, INDICATOR_FTS, UNITS
from kb.db.shard import copy_into, to_shard


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
