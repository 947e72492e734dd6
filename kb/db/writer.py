"""The single process that writes a knowledge base: inserts document rows, then derives, checks and indexes.

The parse workers hand over finished rows (:mod:`kb.db.rows`); the writer
assigns what only it can know (department ids, warning ids, distinct text
ids), and once every document is in, writes what spans documents (series,
families, distinct texts), the findings of the consistency checks and the
secondary indexes. Every row is set and inserted by column name.
"""

from __future__ import annotations

import hashlib
import sys
import time
from typing import Any

from kb import __version__
from kb.checks.context import FamilyStats, family_stats
from kb.checks.engine import run_checks_on_added
from kb.checks.store import anomaly_rows, write_anomalies
from kb.db.ddl import create_indexes, create_tables, create_views, optimize_fts
from kb.db.family_table import write_families
from kb.db.files import open_private_database
from kb.db.rows import DocumentRows
from kb.db.schema import (
    ANOMALIES,
    BUILD_INFO,
    DEPARTMENTS,
    DOCUMENT_TABLES,
    DOCUMENTS,
    GOAL_INDICATOR_FTS,
    GOAL_INDICATORS,
    INDICATOR_FTS,
    INDICATORS,
    PROJECTS,
    TABLES_BY_NAME,
)
from kb.db.series_table import write_series
from kb.db.spec import TableSpec, insert_records, insert_rows, insert_tuples
from kb.db.stages import number_row
from kb.db.text_registry import TextRegistry
from kb.models import BuildInfo, Department, Finding

Row = tuple[Any, ...]


class Writer:
    """Inserts document rows into a database, then derives and indexes.

    ``fresh`` creates every table in an empty file; otherwise the file is a
    copy of a built knowledge base that documents are added to.
    """

    def __init__(self, db_file: str | object, fresh: bool = True) -> None:
        self.conn = open_private_database(db_file)
        self.fresh = fresh
        self.departments: dict[tuple[str | None, str | None], int] = {}
        self.department_counts: dict[int, int] = {}
        # The next id of each table whose rows documents contribute, and the first id this writer gave.
        self.next_ids = {spec.name: 1 for spec in DOCUMENT_TABLES}
        self.document_findings: list[Finding] = []
        self._first_document = sys.maxsize
        self.previous_build_id = ""
        self.content = hashlib.sha256(f"kb {__version__}".encode())
        if fresh:
            create_tables(self.conn)
            self.texts = TextRegistry()
        else:
            self._resume()
            self.texts = TextRegistry.resume(self.conn)
        self.first_ids = dict(self.next_ids)
        self.conn.execute("BEGIN")

    def _resume(self) -> None:
        """Carry on from a built knowledge base: its departments, warning ids and build id."""
        d = DEPARTMENTS.c
        for dept_id, code, name, count in self.conn.execute(
            f"SELECT {d.id}, {d.code}, {d.name}, {d.document_count} FROM {DEPARTMENTS.name}"
        ):
            self.departments[(code, name)] = dept_id
            self.department_counts[dept_id] = count
        for spec in DOCUMENT_TABLES:
            self.next_ids[spec.name] = self.conn.execute(
                f"SELECT coalesce(max(id), 0) + 1 FROM {spec.name}"
            ).fetchone()[0]
        previous = self.conn.execute(
            f"SELECT {BUILD_INFO.c.build_id} FROM {BUILD_INFO.name} WHERE {BUILD_INFO.c.id} = 1"
        ).fetchone()
        self.previous_build_id = previous[0] if previous else ""
        self.content.update(self.previous_build_id.encode())

    def next_document_id(self) -> int:
        """The id the next added document gets."""
        return int(
            self.conn.execute(f"SELECT coalesce(max({DOCUMENTS.c.id}), 0) + 1 FROM {DOCUMENTS.name}").fetchone()[0]
        )

    @property
    def first_document(self) -> int:
        """The id of the first document this writer added."""
        return self._first_document

    def _department(self, key: tuple[str | None, str | None]) -> int:
        dept_id = self.departments.setdefault(key, len(self.departments) + 1)
        self.department_counts[dept_id] = self.department_counts.get(dept_id, 0) + 1
        return dept_id

    def add(self, rows: DocumentRows) -> None:
        """Insert one document's rows: its local ids numbered on, departments and distinct texts assigned."""
        self._first_document = min(self._first_document, rows.doc_id)
        bases = {name: next_id - 1 for name, next_id in self.next_ids.items()}
        tables = dict(rows.tables)
        if rows.error is None:
            tables[DOCUMENTS.name] = [
                DOCUMENTS.replace(row, department_id=self._department(rows.department))
                for row in tables[DOCUMENTS.name]
            ]
        tables[INDICATORS.name] = [entry.row for entry in rows.indicators]
        for name, table_rows in tables.items():
            spec = TABLES_BY_NAME[name]
            if name in bases:
                table_rows = [number_row(spec, row, bases) for row in table_rows]
                self.next_ids[name] += len(table_rows)
            if spec is INDICATORS:
                table_rows = self._with_text_ids(rows, table_rows)
            insert_tuples(self.conn, spec, table_rows)
        self.conn.executemany(
            INDICATOR_FTS.insert_sql(),
            [
                INDICATOR_FTS.row(bases[INDICATORS.name] + entry.local_id, entry.texts._asdict())
                for entry in rows.indicators
            ],
        )
        goal_base = bases[GOAL_INDICATORS.name]
        self.conn.executemany(
            GOAL_INDICATOR_FTS.insert_sql(), [(goal_base + rowid, *texts) for rowid, *texts in rows.goal_fts]
        )
        self.document_findings.extend(rows.findings)
        self.content.update(rows.digest.encode())

    def _with_text_ids(self, rows: DocumentRows, numbered: list[Row]) -> list[Row]:
        """The document's (numbered) indicator rows, each with the id of its distinct text."""
        with_ids = []
        for entry, row in zip(rows.indicators, numbered, strict=True):
            text_id = self.texts.assign(
                entry.text_key,
                entry.level2,
                entry.texts.text_part(),
                entry.raw,
                (
                    INDICATORS.value(row, "id"),
                    entry.year,
                    INDICATORS.value(row, "project_id"),
                    entry.texts.project_name,
                ),
            )
            with_ids.append(INDICATORS.replace(row, text_id=text_id))
        return with_ids

    def first_new_id(self, spec: TableSpec) -> int:
        """The first id this writer gave (or will give) to a row of ``spec``'s table."""
        return self.first_ids[spec.name]

    @property
    def build_id(self) -> str:
        """The content hash of everything added so far (the build id once loading is done)."""
        return self.content.hexdigest()

    def finish(self, timings: dict[str, float]) -> str:
        """Write what spans documents, check, index, commit; returns the build id.

        The stages run in this order and each can be called on its own by a
        build that schedules them itself: :meth:`derive`, :meth:`check`,
        :meth:`record_build`, :meth:`index`.
        """
        families = self.derive(timings)
        self.check(families, timings)
        build_id = self.record_build()
        self.index(timings)
        return build_id

    def derive(self, timings: dict[str, float]) -> dict[int, FamilyStats | None]:
        """Departments, distinct texts, series and families; returns the families' statistics before the
        added documents (empty for a fresh build), which the peer rules compare against."""
        started = time.perf_counter()
        self.conn.execute(f"DELETE FROM {DEPARTMENTS.name}")
        insert_records(
            self.conn,
            DEPARTMENTS,
            (
                Department(id=dept_id, code=code, name=name, document_count=self.department_counts[dept_id])
                for (code, name), dept_id in self.departments.items()
            ),
        )
        self.texts.write(self.conn)
        write_series(self.conn, None if self.fresh else self.first_new_id(PROJECTS))
        families = write_families(self.conn, None if self.fresh else self.first_new_id(INDICATORS))
        timings["derive"] = time.perf_counter() - started
        if self.fresh:
            return {}
        return {
            fid: family_stats(fid, family.name, family.operators, family.main_unit, family.target_spread)
            if family
            else None
            for fid, family in families.before.items()
        }

    def check(self, families_before: dict[int, FamilyStats | None], timings: dict[str, float]) -> None:
        """The consistency findings: every rule on a fresh build, the affected ones on an addition."""
        started = time.perf_counter()
        if self.fresh:
            write_anomalies(self.conn, self.document_findings)
        else:
            self._add_findings(families_before)
        timings["checks"] = time.perf_counter() - started

    def record_build(self) -> str:
        """Store the build id (the content hash of every document added) and the document count; returns it."""
        build_id = self.content.hexdigest()
        documents = self.conn.execute(f"SELECT count(*) FROM {DOCUMENTS.name}").fetchone()[0]
        self.conn.execute(f"DELETE FROM {BUILD_INFO.name}")
        insert_records(
            self.conn,
            BUILD_INFO,
            [BuildInfo(id=1, build_id=build_id, tool_version=__version__, document_count=documents)],
        )
        return build_id

    def index(self, timings: dict[str, float]) -> None:
        """Secondary indexes and views, then commit (and, on a fresh build, merge FTS segments and analyse)."""
        started = time.perf_counter()
        create_indexes(self.conn)
        create_views(self.conn)
        if self.fresh:
            # Merging the index segments pays off once; an added document leaves them as they are.
            optimize_fts(self.conn)
        self.conn.execute("COMMIT")
        if self.fresh:
            # Sampled statistics plan the queries as well and take a fraction of the time.
            self.conn.execute("PRAGMA analysis_limit = 1000")
            self.conn.execute("ANALYZE")
        self.conn.close()
        timings["sqlite_index"] = time.perf_counter() - started

    def _add_findings(self, families_before: dict[int, FamilyStats | None]) -> None:
        """Findings of the added documents, and the earlier findings their arrival changed."""
        checks = run_checks_on_added(self.conn, self.first_document, families_before)
        a = ANOMALIES.c
        for rules, indicator_ids in checks.stale:
            self.conn.execute("CREATE TEMP TABLE stale (id INTEGER PRIMARY KEY)")
            self.conn.executemany("INSERT INTO stale VALUES (?)", ((i,) for i in indicator_ids))
            self.conn.execute(
                f"DELETE FROM {ANOMALIES.name} WHERE {a.rule} IN ({', '.join('?' for _ in rules)}) "
                f"AND {a.indicator_id} IN (SELECT id FROM stale)",
                rules,
            )
            self.conn.execute("DROP TABLE stale")
        first_id = self.conn.execute(f"SELECT coalesce(max({a.id}), 0) + 1 FROM {ANOMALIES.name}").fetchone()[0]
        insert_rows(
            self.conn,
            ANOMALIES,
            anomaly_rows([*self.document_findings, *checks.new, *checks.refreshed], first_id=first_id),
        )

    def abort(self) -> None:
        """Close the connection without committing (the caller removes the file)."""
        self.conn.close()
