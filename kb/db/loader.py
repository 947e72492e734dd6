"""The one serial stage of a full build: finished rows into a new SQLite file, then its indexes.

Everything a row needs was computed by the partitioned stages
(:mod:`kb.db.stages`): ids, departments, series, families, distinct texts,
findings. The workers ship each finished batch as a small SQLite database
(:mod:`kb.db.shard`); the loader copies them in, in batch order, and at the end writes
the corpus-wide tables, the secondary indexes and the merged FTS5 segments.
Its cost is what the Amdahl estimate of a cluster build calls serial
(``docs/scale.md``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from kb import __version__
from kb.db.ddl import create_indexes, create_tables, create_views, defer_fts_merges, optimize_fts, resume_fts_merges
from kb.db.files import open_private_database
from kb.db.schema import (
    BUILD_INFO,
    DEPARTMENTS,
    INDICATOR_FAMILIES,
    INDICATOR_TEXTS,
    PROJECT_SERIES,
    TEXT_FTS,
)
from kb.db.shard import copy_into
from kb.db.spec import insert_records
from kb.db.stages import LoadBatch, Numbering, Row
from kb.models import BuildInfo, IndicatorFamily, IndicatorText, ProjectSeries


class Loader:
    """A new knowledge base being filled: every table and FTS5 index created empty, then batch by batch."""

    def __init__(self, db_file: object) -> None:
        self.conn = open_private_database(db_file)
        create_tables(self.conn)
        defer_fts_merges(self.conn)
        self.anomalies = 0
        self.seconds = 0.0
        # CPU seconds of this process inserting (the wall seconds above also count waiting for the CPU).
        self.cpu_seconds = 0.0

    def load(self, batch: LoadBatch) -> None:
        """Copy one batch's finished rows in (batches come in order: findings are numbered on)."""
        started, cpu = time.perf_counter(), time.process_time()
        self.anomalies += copy_into(self.conn, batch.shard, self.anomalies)
        self.seconds += time.perf_counter() - started
        self.cpu_seconds += time.process_time() - cpu

    def finish(
        self,
        numbering: Numbering,
        texts: tuple[Sequence[IndicatorText], Iterable[Row]],
        series: Sequence[ProjectSeries],
        families: Sequence[IndicatorFamily],
        timings: dict[str, float],
    ) -> None:
        """The corpus-wide tables and the build id, then indexes, views, merged FTS5 segments; commit."""
        started, cpu = time.perf_counter(), time.process_time()
        self.conn.execute("BEGIN")
        insert_records(self.conn, DEPARTMENTS, numbering.departments)
        records, fts = texts
        insert_records(self.conn, INDICATOR_TEXTS, records)
        self.conn.executemany(TEXT_FTS.insert_sql(), fts)
        insert_records(self.conn, PROJECT_SERIES, series)
        insert_records(self.conn, INDICATOR_FAMILIES, families)
        insert_records(
            self.conn,
            BUILD_INFO,
            [
                BuildInfo(
                    id=1, build_id=numbering.build_id, tool_version=__version__, document_count=numbering.documents
                )
            ],
        )
        timings["sqlite_corpus_tables"] = time.perf_counter() - started
        started = time.perf_counter()
        create_indexes(self.conn)
        create_views(self.conn)
        optimize_fts(self.conn)
        resume_fts_merges(self.conn)
        self.conn.execute("COMMIT")
        # Sampled statistics plan the queries as well and take a fraction of the time.
        self.conn.execute("PRAGMA analysis_limit = 1000")
        self.conn.execute("ANALYZE")
        self.conn.close()
        timings["sqlite_index"] = time.perf_counter() - started
        timings["sqlite_finish_cpu"] = time.process_time() - cpu

    def abort(self) -> None:
        """Close the connection without committing (the caller removes the file)."""
        self.conn.close()
