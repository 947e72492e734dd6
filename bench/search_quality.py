"""Search quality: recall, precision and P@10 of every search path on a labelled query set.

``python -m bench.search_quality [--documents N] [--work DIR] [--labels FILE]``

The queries live in ``tests/labels/search_queries.tsv``, one a line: its kind,
the query, and the rule that says which indicators are relevant. The label of
a query is computed by its rule on the indicator rows as published (never by
the search code, never a hand-written list of ids), on the seed document and
on ``N`` documents written by :mod:`bench.corpus`.

Rule language (`` | `` or, `` & `` and — with spaces around them, so a regular
expression may hold ``|`` — ``!`` not; and binds tighter than or)::

    any~满意            a text holds 满意 (三级指标, description, target, basis, project name)
    name~租赁费          the 三级指标 holds it (desc, target, basis, project: the other texts)
    name%^资金(拨付|支付)  a regular expression matches the 三级指标
    level2=成本指标       a column equals (level1, level2, op, value, unit, kind: the parsed target)
    none                nothing is relevant: the search must find nothing

Texts are compared as the search reads them: full-width folded, lower case,
without spaces. Every path of the planner is run — the Python ranked search,
the ``search_indicators`` canned query, Datasette's ``_search`` (the table's
JSON API, page after page), ``kb_fts_match`` in SQL, and Whoosh (``kb
search``) — beside a plain substring scan (``LIKE '%query%'``), and the report
prints, per kind of query, the mean recall, precision and P@10 of each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sqlite3
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "labels" / "search_queries.tsv"
SEED_DOCUMENT = ROOT / "data" / "shijiazhuang-gaoxin-zuzhibu-2024-budget.txt"
DEFAULT_DOCUMENTS = 4
CORPUS_SEED = 2024
TOP = 10
# What the issue asks of the search, per kind of query and path.
THRESHOLDS = {"recall": 0.95, "precision": 0.95, "p_at_10": 0.95}
KINDS = (
    "two_char",
    "phrase",
    "multi",
    "split",
    "form",
    "reversed",
    "synonym",
    "family",
    "target",
    "nothing",
)
KIND_TITLES = {
    "two_char": "两字词",
    "phrase": "短语",
    "multi": "多词",
    "split": "分开的词",
    "form": "词形",
    "reversed": "词序颠倒",
    "synonym": "同义词",
    "family": "指标族",
    "target": "指标值条件",
    "nothing": "应无结果",
}
PLANNED_PATHS = ("python_fts", "canned_query", "datasette_search", "kb_fts_match", "whoosh")
PATHS = (*PLANNED_PATHS, "substring")
# The canned query lists this many rows: recall is measured against what it can show.
CANNED_LIMIT = 500

# ---------------------------------------------------------------- rows and rules


def fold(text: str | None) -> str:
    """Text as the search reads it: full-width folded, lower case, without spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "").lower())


_TEXT_FIELDS = {"name": "level3", "desc": "description", "target": "target_raw", "basis": "basis", "project": "project"}
_COLUMN_FIELDS = {"level1", "level2", "op", "value", "unit", "kind"}


@dataclass(frozen=True)
class Row:
    """One indicator as published, with its parsed target: what rules are evaluated on."""

    id: int
    texts: dict[str, str]  # folded, by field name
    columns: dict[str, str]  # level1, level2, op, value, unit, kind as strings

    def any_text(self) -> list[str]:
        return list(self.texts.values())


class RuleError(ValueError):
    """A rule that cannot be read."""


@dataclass(frozen=True)
class Atom:
    field: str
    op: str
    value: str
    negated: bool

    def holds(self, row: Row) -> bool:
        return self._holds(row) != self.negated

    def _holds(self, row: Row) -> bool:
        if self.field in _COLUMN_FIELDS:
            actual = row.columns.get(self.field, "")
            if self.op != "=":
                raise RuleError(f"{self.field} takes =, not {self.op}")
            if self.field == "value" and actual:
                return float(actual) == float(self.value)
            return actual == self.value
        texts = row.any_text() if self.field == "any" else [row.texts[_TEXT_FIELDS[self.field]]]
        if self.op == "~":
            return any(fold(self.value) in text for text in texts)
        if self.op == "%":
            pattern = re.compile(self.value)
            return any(pattern.search(text) for text in texts)
        return any(text == fold(self.value) for text in texts)


_ATOM = re.compile(r"^(!?)(any|name|desc|target|basis|project|level1|level2|op|value|unit|kind)([~%=])(.+)$")


def parse_rule(rule: str) -> list[list[Atom]] | None:
    """A rule as alternatives of conjunctions of atoms; None for ``none``."""
    rule = rule.strip()
    if rule == "none":
        return None
    alternatives = []
    for alternative in re.split(r"\s+\|\s+", rule):
        atoms = []
        for part in re.split(r"\s+&\s+", alternative):
            match = _ATOM.match(part.strip())
            if match is None:
                raise RuleError(f"cannot read {part.strip()!r} in rule {rule!r}")
            negated, name, op, value = match.groups()
            atoms.append(Atom(name, op, value.strip(), bool(negated)))
        alternatives.append(atoms)
    return alternatives


def relevant(rule: list[list[Atom]] | None, rows: Sequence[Row]) -> set[int]:
    """The ids of the rows a rule calls relevant."""
    if rule is None:
        return set()
    return {row.id for row in rows if any(all(atom.holds(row) for atom in conj) for conj in rule)}


@dataclass(frozen=True)
class LabelledQuery:
    """One line of the label file."""

    kind: str
    query: str
    rule: str
    line: int


def read_labels(path: Path = LABELS) -> list[LabelledQuery]:
    """The labelled queries of ``path`` (``kind<TAB>query<TAB>rule``; ``#`` starts a comment line)."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3 or parts[0] not in KINDS:
            raise RuleError(f"{path}:{number}: expected kind<TAB>query<TAB>rule with a known kind: {line!r}")
        kind, query, rule = parts[0], parts[1], parts[2]
        parse_rule(rule)
        out.append(LabelledQuery(kind, query, rule, number))
    return out


def load_rows(conn: sqlite3.Connection) -> list[Row]:
    """Every indicator of a knowledge base, as rules see it."""
    rows = []
    for r in conn.execute(
        "SELECT i.id, i.level3, i.description, i.target_raw, i.basis, p.name, i.level1, i.level2, "
        "i.target_op, i.target_value, i.target_unit, i.target_kind FROM indicators i "
        "JOIN projects p ON p.id = i.project_id ORDER BY i.id"
    ):
        texts = {
            "level3": fold(r[1]),
            "description": fold(r[2]),
            "target_raw": fold(r[3]),
            "basis": fold(r[4]),
            "project": fold(r[5]),
        }
        value = "" if r[9] is None else repr(float(r[9]))
        columns = {
            "level1": r[6] or "",
            "level2": r[7] or "",
            "op": r[8] or "",
            "value": value,
            "unit": r[10] or "",
            "kind": r[11] or "",
        }
        rows.append(Row(r[0], texts, columns))
    return rows


# ---------------------------------------------------------------- the paths


class _Datasette:
    """Datasette's own test client on the knowledge base, driven synchronously from a thread of its own.

    Its loop never runs in the caller's thread, which may already run one (Playwright's synchronous API does).
    """

    def __init__(self, db: Path) -> None:
        from datasette.app import Datasette

        from kb.web.metadata import build_metadata

        self.name = db.stem
        self.ds = Datasette([str(db)], immutables=[], metadata=build_metadata(db.stem))
        self.loop = asyncio.new_event_loop()
        self.thread = ThreadPoolExecutor(max_workers=1)
        self.thread.submit(self.loop.run_until_complete, self.ds.invoke_startup()).result()

    def json(self, path: str) -> Any:
        response = self.thread.submit(self.loop.run_until_complete, self.ds.client.get(path)).result()
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        return response.json()

    def close(self) -> None:
        self.thread.submit(self.loop.close).result()
        self.thread.shutdown()


def _substring(conn: sqlite3.Connection) -> Callable[[str], list[int]]:
    sql = (
        "SELECT i.id FROM indicators i JOIN projects p ON p.id = i.project_id WHERE i.level3 LIKE ?1 "
        "OR i.description LIKE ?1 OR i.target_raw LIKE ?1 OR i.basis LIKE ?1 OR p.name LIKE ?1 ORDER BY i.id"
    )
    return lambda query: [row[0] for row in conn.execute(sql, (f"%{query}%",))]


def _datasette_search(client: _Datasette) -> Callable[[str], list[int]]:
    def run(query: str) -> list[int]:
        ids: list[int] = []
        path: str | None = f"/{client.name}/indicators.json?_search={quote(query)}&_size=max&_nofacet=1"
        while path:
            data = client.json(path)
            ids += [row[0] if isinstance(row, list) else row["id"] for row in data["rows"]]
            next_url = data.get("next_url")
            path = next_url.split("//", 1)[-1].split("/", 1)[-1] if next_url else None
            path = "/" + path if path and not path.startswith("/") else path
        return ids

    return run


def _canned(client: _Datasette) -> Callable[[str], list[int]]:
    return lambda query: [
        row["id"] for row in client.json(f"/{client.name}/search_indicators.json?q={quote(query)}&_shape=array")
    ]


def paths(db: Path) -> tuple[dict[str, Callable[[str], list[int]]], Callable[[], None]]:
    """Every search path on the knowledge base ``db``: name → function from a query to ranked ids."""
    from indexer import whoosh_index
    from indexer.fts import search_hits
    from kb.web.search import register_functions

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    register_functions(conn)
    client = _Datasette(db)
    directory = whoosh_index.index_dir_for(db)
    functions: dict[str, Callable[[str], list[int]]] = {
        "python_fts": lambda q: [hit.id for hit in search_hits(conn, q, limit=None)],
        "canned_query": _canned(client),
        "datasette_search": _datasette_search(client),
        "kb_fts_match": lambda q: [
            row[0]
            for row in conn.execute(
                "SELECT rowid FROM indicators_fts WHERE indicators_fts MATCH kb_fts_match(:q) "
                "ORDER BY kb_search_rank(:q, rowid)",
                {"q": q},
            )
        ],
        "whoosh": lambda q: [hit.id for hit in whoosh_index.search(directory, conn, q, limit=None)],
        "substring": _substring(conn),
    }

    def close() -> None:
        client.close()
        conn.close()

    return functions, close


# ---------------------------------------------------------------- measuring


@dataclass
class Outcome:
    """What one path found for one query, against its label."""

    found: list[int]
    relevant: set[int]
    limit: int | None = None  # the most rows the path can list

    @property
    def recall(self) -> float:
        """Relevant rows found ÷ relevant rows (÷ the path's limit when it can list fewer)."""
        if not self.relevant:
            return 1.0
        wanted = len(self.relevant) if self.limit is None else min(len(self.relevant), self.limit)
        return len(set(self.found) & self.relevant) / wanted

    @property
    def precision(self) -> float:
        """Relevant rows found ÷ rows found (1 when nothing was found and nothing is relevant)."""
        if not self.found:
            return 1.0 if not self.relevant else 0.0
        return len(set(self.found) & self.relevant) / len(self.found)

    @property
    def p_at_10(self) -> float:
        """Precision of the first ten rows found."""
        top = self.found[:TOP]
        if not top:
            return 1.0 if not self.relevant else 0.0
        return sum(1 for i in top if i in self.relevant) / len(top)


@dataclass
class Report:
    """Every outcome, by query and path, and what the corpus was."""

    corpus: str
    indicators: int
    queries: list[LabelledQuery]
    outcomes: dict[tuple[int, str], Outcome] = field(default_factory=dict)

    def mean(self, kind: str, path: str, measure: str) -> float:
        values = [getattr(self.outcomes[(q.line, path)], measure) for q in self.queries if q.kind == kind]
        return sum(values) / len(values) if values else float("nan")

    def nothing_rows(self, path: str) -> int:
        """The most rows a path returned for a must-find-nothing query."""
        return max((len(self.outcomes[(q.line, path)].found) for q in self.queries if q.kind == "nothing"), default=0)

    def unequal(self) -> list[str]:
        """Queries on which the planner's paths disagree (set or order; the canned query up to its limit)."""
        problems = []
        for q in self.queries:
            reference = self.outcomes[(q.line, "python_fts")].found
            for path in PLANNED_PATHS[1:]:
                found = self.outcomes[(q.line, path)].found
                if path == "canned_query":
                    same = found == reference[:CANNED_LIMIT]
                elif path == "whoosh":
                    # Whoosh ranks with its own BM25F: the same rows, the order within a tier its own.
                    same = set(found) == set(reference)
                else:
                    same = found == reference
                if not same:
                    problems.append(f"{q.query!r} ({q.kind}): {path} differs from python_fts")
        return problems

    def failures(self) -> list[str]:
        """What falls short of the thresholds, in words (empty when everything holds)."""
        out = []
        for kind in KINDS:
            for path in PLANNED_PATHS:
                for measure, threshold in THRESHOLDS.items():
                    value = self.mean(kind, path, measure)
                    if value == value and value < threshold:
                        out.append(f"{kind}/{path}: {measure} {value:.3f} < {threshold}")
        for path in PLANNED_PATHS:
            if self.nothing_rows(path):
                out.append(f"nothing/{path}: {self.nothing_rows(path)} rows for a query that must find nothing")
        return out + self.unequal()

    def table(self) -> str:
        """The report as a text table: per kind, R / P / P@10 for every path."""
        header = ["kind", "n", *PATHS]
        lines = [
            f"Search quality on {self.corpus}: {self.indicators} indicators, {len(self.queries)} labelled queries.",
            "Each cell: recall / precision / P@10 (mean over the kind's queries).",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
        ]
        for kind in KINDS:
            count = sum(1 for q in self.queries if q.kind == kind)
            cells = []
            for path in PATHS:
                if kind == "nothing":
                    rows = self.nothing_rows(path)
                    cells.append(f"max {rows} rows")
                else:
                    cells.append(
                        " / ".join(f"{self.mean(kind, path, m):.2f}" for m in ("recall", "precision", "p_at_10"))
                    )
            lines.append(f"| {kind} {KIND_TITLES[kind]} | {count} | " + " | ".join(cells) + " |")
        problems = self.failures()
        lines.append("")
        lines.append("All thresholds hold and every path agrees." if not problems else "Short of the targets:")
        lines += [f"  - {p}" for p in problems]
        return "\n".join(lines)

    def details(self) -> str:
        """Per query: relevant, found, and the misses and extras of the planner (for reading labels)."""
        lines = []
        for q in self.queries:
            outcome = self.outcomes[(q.line, "python_fts")]
            substring = self.outcomes[(q.line, "substring")]
            missed = sorted(outcome.relevant - set(outcome.found))
            extra = sorted(set(outcome.found) - outcome.relevant)
            lines.append(
                f"{q.kind:9s} {q.query:24s} relevant {len(outcome.relevant):5d} found {len(outcome.found):5d} "
                f"R {outcome.recall:.2f} P {outcome.precision:.2f} P@10 {outcome.p_at_10:.2f} "
                f"| substring R {substring.recall:.2f} P {substring.precision:.2f}"
                + (f" | missed {missed[:5]}" if missed else "")
                + (f" | extra {extra[:5]}" if extra else "")
            )
        return "\n".join(lines)


def measure(db: Path, corpus: str, queries: Sequence[LabelledQuery]) -> Report:
    """Run every query on every path of the knowledge base ``db`` and compare with the labels."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = load_rows(conn)
    conn.close()
    report = Report(corpus, len(rows), list(queries))
    functions, close = paths(db)
    try:
        for q in queries:
            wanted = relevant(parse_rule(q.rule), rows)
            for name, run in functions.items():
                limit = CANNED_LIMIT if name == "canned_query" else None
                report.outcomes[(q.line, name)] = Outcome(run(q.query), wanted, limit)
    finally:
        close()
    return report


def build_corpus(work: Path, documents: int) -> tuple[Path, str]:
    """The seed and ``documents`` generated documents built into a knowledge base under ``work``."""
    from bench.corpus import generate
    from kb.db.build import build_knowledge_base

    folder = work / f"quality-{documents}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copy(SEED_DOCUMENT, folder / SEED_DOCUMENT.name)
    if documents:
        list(generate(documents, folder, CORPUS_SEED))
    db = work / f"quality-{documents}.db"
    build_knowledge_base([folder], db, workers=1)
    return db, f"the seed and {documents} generated documents" if documents else "the seed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=DEFAULT_DOCUMENTS, help="generated documents beside the seed")
    parser.add_argument("--labels", type=Path, default=LABELS, help="the labelled queries (TSV)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the corpus and its database")
    parser.add_argument("--details", action="store_true", help="also print every query's outcome")
    parser.add_argument("--json", type=Path, default=None, help="also write the per-kind means as JSON")
    args = parser.parse_args(argv)
    if args.documents < 0:
        print("search_quality: --documents must be 0 or more", file=sys.stderr)
        return 2
    try:
        queries = read_labels(args.labels)
    except (OSError, RuleError) as exc:
        print(f"search_quality: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kb-quality-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        db, corpus = build_corpus(work, args.documents)
        report = measure(db, corpus, queries)
    print(report.table())
    if args.details:
        print()
        print(report.details())
    if args.json:
        means = {
            kind: {path: {m: round(report.mean(kind, path, m), 4) for m in THRESHOLDS} for path in PATHS}
            for kind in KINDS
        }
        args.json.write_text(json.dumps(means, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0 if not report.failures() else 1


if __name__ == "__main__":
    sys.exit(main())
