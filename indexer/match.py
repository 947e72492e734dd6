"""Boolean match expressions over index terms: what a planned query asks of a row.

A query plan (:mod:`indexer.planner`) is a list of tiers, each an expression
built from three pieces: :class:`Term` (an index term, in any column or only in
some), :class:`All` (every part) and :class:`Any` (at least one part). The same
expression is

* compiled to an FTS5 ``MATCH`` string (:meth:`Expr.fts5`) for SQLite,
* compiled to a Whoosh query (:func:`whoosh_query`) for ``kb search``,
* evaluated in Python on a row's term sets (:meth:`Expr.holds`),

so every search path matches exactly the same rows. Columns are named as in the
indicator indexes (``level3``, ``description``, ``target_raw``, ``basis``,
``project_name``); an index with other names maps them (:data:`GOAL_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from whoosh.query import Query as WhooshQuery

# The columns of the indicator indexes (INDICATOR_FTS; TEXT_FTS calls the last one project_names).
NAME = "level3"
TARGET = "target_raw"
COLUMNS = ("level3", "description", "target_raw", "basis", "project_name")
# The department goal indicators' index: their name is the 三级指标's counterpart; they have no project.
GOAL_COLUMNS = {"level3": "name", "target_raw": "target_raw"}
# The columns an indicator text holds by itself, without the name of the project it belongs to.
OWN_COLUMNS = ("level3", "description", "target_raw", "basis")
# A term no index holds (a control character never survives segmentation).
IMPOSSIBLE = "\x01"

Columns = Mapping[str, frozenset[str]]


def quote(term: str) -> str:
    """One term as an FTS5 string: syntax characters lose their meaning."""
    return '"' + term.replace('"', '""') + '"'


@dataclass(frozen=True)
class Term:
    """An index term, found in any column (``columns`` empty) or only in the named ones."""

    term: str
    columns: tuple[str, ...] = ()

    def fts5(self, rename: Mapping[str, str] | None = None) -> str:
        """The FTS5 form: ``"term"`` or ``{col …} : "term"``."""
        if not self.columns:
            return quote(self.term)
        names = [rename.get(c, c) if rename else c for c in self.columns]
        return "{" + " ".join(names) + "} : " + quote(self.term)

    def holds(self, columns: Columns) -> bool:
        """Whether the term is among the terms of its columns (of any column when unrestricted)."""
        if not self.columns:
            return any(self.term in terms for terms in columns.values())
        return any(self.term in columns.get(c, frozenset()) for c in self.columns)

    def terms(self) -> Iterable[str]:
        """The terms it names."""
        yield self.term


@dataclass(frozen=True)
class All:
    """Every part holds."""

    parts: tuple[Expr, ...]

    def fts5(self, rename: Mapping[str, str] | None = None) -> str:
        return "(" + " AND ".join(p.fts5(rename) for p in self.parts) + ")"

    def holds(self, columns: Columns) -> bool:
        return all(p.holds(columns) for p in self.parts)

    def terms(self) -> Iterable[str]:
        for p in self.parts:
            yield from p.terms()


@dataclass(frozen=True)
class Any:
    """At least one part holds."""

    parts: tuple[Expr, ...]

    def fts5(self, rename: Mapping[str, str] | None = None) -> str:
        return "(" + " OR ".join(p.fts5(rename) for p in self.parts) + ")"

    def holds(self, columns: Columns) -> bool:
        return any(p.holds(columns) for p in self.parts)

    def terms(self) -> Iterable[str]:
        for p in self.parts:
            yield from p.terms()


Expr = Term | All | Any


def all_of(parts: Iterable[Expr]) -> Expr | None:
    """``All`` of the parts, flattened and without repeats; the part itself when there is one; None for none."""
    flat: dict[Expr, None] = {}
    for part in parts:
        for p in part.parts if isinstance(part, All) else (part,):
            flat.setdefault(p, None)
    if not flat:
        return None
    return next(iter(flat)) if len(flat) == 1 else All(tuple(flat))


def any_of(parts: Iterable[Expr]) -> Expr | None:
    """``Any`` of the parts, flattened and without repeats; the part itself when there is one; None for none."""
    flat: dict[Expr, None] = {}
    for part in parts:
        for p in part.parts if isinstance(part, Any) else (part,):
            flat.setdefault(p, None)
    if not flat:
        return None
    return next(iter(flat)) if len(flat) == 1 else Any(tuple(flat))


def restrict(expr: Expr, columns: str | tuple[str, ...]) -> Expr:
    """The expression with every term looked for in ``columns`` only.

    A column search (``_search_level3=``) restricts to one column; leaving the
    project name out (:data:`OWN_COLUMNS`) asks what a text holds by itself.
    """
    wanted = (columns,) if isinstance(columns, str) else columns
    if isinstance(expr, Term):
        kept = tuple(c for c in expr.columns if c in wanted) if expr.columns else wanted
        # A term bound to other columns cannot hold in these: an impossible term keeps the shape.
        return Term(expr.term if kept else IMPOSSIBLE, kept or wanted[:1])
    parts = tuple(restrict(p, wanted) for p in expr.parts)
    return All(parts) if isinstance(expr, All) else Any(parts)


def whoosh_query(expr: Expr, fields: Mapping[str, str]) -> WhooshQuery:
    """The Whoosh query of ``expr``; ``fields`` maps each index column to its Whoosh field."""
    from whoosh.query import And, Or
    from whoosh.query import Term as WhooshTerm

    if isinstance(expr, Term):
        names = [fields[c] for c in (expr.columns or tuple(fields)) if c in fields]
        clauses = [WhooshTerm(name, expr.term) for name in names]
        return clauses[0] if len(clauses) == 1 else Or(clauses)
    parts = [whoosh_query(p, fields) for p in expr.parts]
    return And(parts) if isinstance(expr, All) else Or(parts)
