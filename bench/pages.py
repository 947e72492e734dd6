"""Latency of the reviewer pages (kb/web/pages) over HTTP on loopback, on a built knowledge base.

Each page is asked for with ids and filters spread over the knowledge base
(the largest families and their long member lists included), once for a
warm-up and once timed, through the same ``kb serve`` the search page is
measured on.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

# How many different ids (or filters) each page is measured with.
SAMPLES = 30


def _spread(conn: sqlite3.Connection, sql: str, count: int = SAMPLES) -> list[Any]:
    """``count`` values of a one-column query, evenly spread over its rows."""
    values = [row[0] for row in conn.execute(sql)]
    step = max(1, len(values) // count)
    return values[::step][:count]


def page_paths(db: Path) -> dict[str, list[str]]:
    """The paths measured for each page of the knowledge base ``db`` (served under its file's stem)."""
    name = urllib.parse.quote(db.stem)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        largest = [row[0] for row in conn.execute("SELECT id FROM indicator_families ORDER BY size DESC LIMIT 10")]
        families = largest + _spread(conn, "SELECT id FROM indicator_families WHERE size > 1 ORDER BY id", 20)
        rules = [row[0] for row in conn.execute("SELECT DISTINCT rule FROM anomalies ORDER BY rule")]
        departments = _spread(conn, "SELECT id FROM departments ORDER BY id", 10)
        years = [
            row[0] for row in conn.execute("SELECT DISTINCT budget_year FROM documents WHERE budget_year IS NOT NULL")
        ]
        paths = {
            "indicator": [f"/{name}/indicators/{i}" for i in _spread(conn, "SELECT id FROM indicators ORDER BY id")],
            "project": [f"/{name}/projects/{i}" for i in _spread(conn, "SELECT id FROM projects ORDER BY id")],
            "family": [f"/{name}/indicator_families/{i}" for i in families]
            + [
                f"/{name}/indicator_families/{largest[0]}?page=50",
                f"/{name}/indicator_families/{largest[0]}?op=%E2%89%A4",
            ],
            "family_list": [f"/{name}/-/families", f"/{name}/-/families?all=1", f"/{name}/-/families?page=20"]
            + [
                f"/{name}/-/families?q={urllib.parse.quote(q)}"
                for q in ("满意度", "租赁", "创业担保贷款", "及时", "成本")
            ],
            "findings": [f"/{name}/-/findings", f"/{name}/-/findings?page=100", f"/{name}/-/findings?severity=info"]
            + [f"/{name}/-/findings?rule={rule}" for rule in rules]
            + [f"/{name}/-/findings?department={d}" for d in departments]
            + [f"/{name}/-/findings?year={y}" for y in years],
            "overview": [f"/{name}"] * 10,
            "rules": [f"/{name}/-/rules"] * 10,
        }
    finally:
        conn.close()
    return paths


def page_latencies(
    base_url: str, db: Path, timed: Callable[[Callable[[Any], Any], list[Any]], dict[str, float]]
) -> dict[str, dict[str, float]]:
    """p50/p95 of each reviewer page, fetched from ``base_url`` (a running ``kb serve`` of ``db``)."""

    def fetch(path: str) -> None:
        with urllib.request.urlopen(base_url + path, timeout=60) as response:
            assert response.status == 200, path
            response.read()

    return {page: timed(fetch, paths) for page, paths in page_paths(db).items()}
