"""The knowledge base as a Parquet dataset, partitioned by the documents' budget year and region.

``kb build --parquet DIR`` writes it beside the SQLite file: each worker
writes the batches it finished (:func:`write_batch`), one file per table,
batch, year and region, under Hive-style folders any engine reads as a
dataset (DuckDB ``read_parquet('DIR/indicators/*/*/*.parquet',
hive_partitioning = true)``, Spark, ``pandas.read_parquet('DIR/indicators')``)::

    DIR/indicators/doc_year=2024/doc_region=130190/part-00012.parquet
    DIR/indicator_families/part-00000.parquet      (corpus-wide tables: one file)

``doc_year`` is the document's 预算年度 and ``doc_region`` the six-digit
region code its project codes begin with (``13019024P0042TD10003H`` →
``130190``), ``unknown`` when neither is known. The columns, their names and
the ids are those of the SQLite tables. ``DIR`` may be an fsspec URL
(``s3://bucket/kb``) that every worker can write.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from kb.db.schema import (
    ANOMALIES,
    BUILD_INFO,
    DEPARTMENTS,
    DOCUMENT_TABLES,
    DOCUMENTS,
    INDICATOR_FAMILIES,
    INDICATOR_TEXTS,
    PROJECT_SERIES,
    PROJECTS,
)
from kb.db.spec import TableSpec

UNKNOWN = "unknown"
YEAR_KEY, REGION_KEY = "doc_year", "doc_region"
# The tables whose rows belong to one document, partitioned by its year and region.
PARTITIONED: tuple[TableSpec, ...] = (DOCUMENTS, *DOCUMENT_TABLES, ANOMALIES)
CORPUS_TABLES: tuple[TableSpec, ...] = (DEPARTMENTS, PROJECT_SERIES, INDICATOR_FAMILIES, INDICATOR_TEXTS, BUILD_INFO)
_REGION = re.compile(r"^(\d{6})")


def region_of(project_codes: Iterable[str | None]) -> str:
    """The six-digit region code most of a document's project codes begin with (``unknown`` without one)."""
    found = Counter(m.group(1) for code in project_codes if code and (m := _REGION.match(code)))
    return min(found.items(), key=lambda item: (-item[1], item[0]))[0] if found else UNKNOWN


def _arrow_schema(spec: TableSpec) -> Any:
    import pyarrow as pa

    types = {"INTEGER": pa.int64(), "REAL": pa.float64(), "TEXT": pa.string()}
    return pa.schema([(column.name, types[column.type]) for column in spec.columns])


def _columns(spec: TableSpec, rows: Sequence[tuple[Any, ...]]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    for position, column in enumerate(spec.columns):
        values = [row[position] for row in rows]
        if column.type == "TEXT":
            values = [v if v is None or isinstance(v, str) else str(v) for v in values]
        elif column.type == "REAL":
            values = [float(v) if isinstance(v, int) else v for v in values]
        else:
            values = [int(v) if isinstance(v, bool) else v for v in values]
        columns[column.name] = values
    return columns


def _write(root: str, spec: TableSpec, rows: Sequence[tuple[Any, ...]], folder: str, name: str) -> None:
    import fsspec
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pydict(_columns(spec, rows), schema=_arrow_schema(spec))
    fs, base = fsspec.core.url_to_fs(root)
    directory = f"{base.rstrip('/')}/{spec.name}" + (f"/{folder}" if folder else "")
    fs.makedirs(directory, exist_ok=True)
    with fs.open(f"{directory}/{name}", "wb") as out:
        pq.write_table(table, out, compression="zstd")


def partitions_of(documents: Iterable[tuple[int, int | None]], projects: Iterable[tuple[int, str | None]]) -> dict:
    """Each document's (year, region) folder names, from ``(id, budget_year)`` and ``(document_id, code)``."""
    project_codes: dict[int, list[str | None]] = defaultdict(list)
    for document_id, code in projects:
        project_codes[document_id].append(code)
    return {doc_id: (str(year or UNKNOWN), region_of(project_codes.get(doc_id, []))) for doc_id, year in documents}


def _write_partitioned(root: str, index: int, spec: TableSpec, rows: Sequence[tuple[Any, ...]], where: dict) -> int:
    groups: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    key = "id" if spec is DOCUMENTS else "document_id"
    for row in rows:
        groups[where.get(spec.value(row, key), (UNKNOWN, UNKNOWN))].append(row)
    for (year, region), group in sorted(groups.items()):
        _write(root, spec, group, f"{YEAR_KEY}={year}/{REGION_KEY}={region}", f"part-{index:05d}.parquet")
    return len(groups)


def write_batch(root: str, index: int, tables: dict[str, list[tuple[Any, ...]]]) -> int:
    """Write one finished batch's rows under ``root``, by year and region of each row's document; files written.

    The findings are written by :func:`write_client_tables`: their ids follow the findings of every earlier batch.
    """
    where = partitions_of(
        ((DOCUMENTS.value(row, "id"), DOCUMENTS.value(row, "budget_year")) for row in tables.get(DOCUMENTS.name, [])),
        ((PROJECTS.value(row, "document_id"), PROJECTS.value(row, "code")) for row in tables.get(PROJECTS.name, [])),
    )
    return sum(
        _write_partitioned(root, index, spec, tables.get(spec.name, []), where)
        for spec in PARTITIONED
        if spec is not ANOMALIES
    )


def write_client_tables(root: str, db_file: str) -> None:
    """From the loaded database: the findings (by year and region) and the corpus-wide tables, one file each."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(db_file)) as conn:
        d, p = DOCUMENTS.c, PROJECTS.c
        where = partitions_of(
            conn.execute(f"SELECT {d.id}, {d.budget_year} FROM {DOCUMENTS.name}"),
            conn.execute(f"SELECT {p.document_id}, {p.code} FROM {PROJECTS.name}"),
        )
        columns = ", ".join(f"[{c}]" for c in ANOMALIES.column_names)
        _write_partitioned(
            root, 0, ANOMALIES, conn.execute(f"SELECT {columns} FROM {ANOMALIES.name}").fetchall(), where
        )
        for spec in CORPUS_TABLES:
            names = ", ".join(f"[{c}]" for c in spec.column_names)
            _write(
                root,
                spec,
                conn.execute(f"SELECT {names} FROM {spec.name} ORDER BY id").fetchall(),
                "",
                "part-00000.parquet",
            )


def check_target(root: str) -> None:
    """Refuse a dataset folder that already holds files (a new dataset is never mixed with an old one)."""
    import fsspec

    from kb.errors import UsageError

    fs, base = fsspec.core.url_to_fs(root)
    if fs.exists(base) and fs.ls(base):
        raise UsageError(f"{root}: Parquet 文件夹不是空的，请换一个或先清空 (the Parquet folder is not empty)")
