"""Boolean match expressions over index terms: what a planned query asks of a row.

A query plan (:mod:`indexer.planner`) is a list of tiers, each an expression
built from :class:`Term` (an index term — or a prefix of one — in any column or
only in some), :class:`Phrase` (terms one after another), :class:`All` (every
part) and :class:`Any` (at least one part). The same expression is

* compiled to an FTS5 ``MATCH`` string (:meth:`Term.fts5` …) for SQLite,
* compiled to a Whoosh query (:func:`whoosh_query`) for ``kb search``,
* evaluated in Python on a row's terms (:meth:`Term.holds` …),

so every search path matches exactly the same rows. Columns are named as in the
indicator indexes (``level3``, ``description``, ``target_raw``, ``basis``,
``project_name``); an index with other names maps them (:data:`GOAL_COLUMNS`).

A row's terms, for evaluation, are each column's index terms in the order the
index stores them (:func:`indexer.tokenizer.index_terms`), which is also the
order of FTS5's positions: a phrase holds where FTS5 finds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from whoosh.query import Query as WhooshQuery

# The columns of the indicator indexes (INDICATOR_FTS; TEXT_FTS calls the last one project_names).
NAME = "level3"
TARGET = "target_raw"
PROJECT = "project_name"
COLUMNS = ("level3", "description", "target_raw", "basis", "project_name")
# The department goal indicators' index: their name is the 三级指标's counterpart; they have no project.
GOAL_COLUMNS = {"level3": "name", "target_raw": "target_raw"}
# The columns an indicator text holds by itself, without the name of the project it belongs to.
OWN_COLUMNS = ("level3", "description", "target_raw", "basis")
# A term no index holds (a control character never survives segmentation).
IMPOSSIBLE = "\x01"
# The index of distinct texts names the project column in the plural: it holds every member's project name.
TEXT_INDEX_RENAME = {"project_name": "project_names"}
# Columns holding several texts run together (the members' project names), where word order means nothing.
TEXT_INDEX_LOOSE = ("project_name",)


def text_index_fts5(expr: Expr) -> str:
    """``expr`` as an FTS5 expression for the index of distinct texts (``indicator_texts_fts``)."""
    return expr.fts5(TEXT_INDEX_RENAME, TEXT_INDEX_LOOSE)


# A row's terms by column, in index order.
Columns = Mapping[str, Sequence[str]]


def quote(term: str) -> str:
    """One term as an FTS5 string: syntax characters lose their meaning."""
    return '"' + term.replace('"', '""') + '"'


def _scope(columns: Sequence[str], rename: Mapping[str, str] | None) -> str:
    names = [rename.get(c, c) if rename else c for c in columns]
    return "{" + " ".join(names) + "} : "


def _in(columns: Columns, wanted: Sequence[str]) -> Iterable[Sequence[str]]:
    return columns.values() if not wanted else (columns.get(c, ()) for c in wanted)


@dataclass(frozen=True)
class Term:
    """An index term (or, with ``prefix``, any term starting with it) in any column or only in ``columns``."""

    term: str
    columns: tuple[str, ...] = ()
    prefix: bool = False

    def fts5(self, rename: Mapping[str, str] | None = None, loose: Sequence[str] = ()) -> str:
        """The FTS5 form: ``"term"``, ``"term"*`` or ``{col …} : "term"``."""
        text = quote(self.term) + ("*" if self.prefix else "")
        return _scope(self.columns, rename) + text if self.columns else text

    def holds(self, columns: Columns) -> bool:
        """Whether the term is among the terms of its columns (of any column when unrestricted)."""
        if self.prefix:
            return any(t.startswith(self.term) for terms in _in(columns, self.columns) for t in terms)
        return any(self.term in terms for terms in _in(columns, self.columns))

    def terms(self) -> Iterable[str]:
        """The terms it names."""
        yield self.term


@dataclass(frozen=True)
class Phrase:
    """Terms one right after another in one column (any column, or one of ``columns``)."""

    words: tuple[str, ...]
    columns: tuple[str, ...] = ()

    def fts5(self, rename: Mapping[str, str] | None = None, loose: Sequence[str] = ()) -> str:
        """The FTS5 form: ``"a" + "b"``; in a ``loose`` column (a union of several texts) all of them, anywhere."""
        phrase = " + ".join(quote(w) for w in self.words)
        scope = list(self.columns or COLUMNS)
        strict = [c for c in scope if c not in loose]
        relaxed = [c for c in scope if c in loose]
        if not relaxed:
            return _scope(self.columns, rename) + phrase if self.columns else phrase
        parts = [_scope(strict, rename) + phrase] if strict else []
        parts.append(_scope(relaxed, rename) + "(" + " AND ".join(quote(w) for w in self.words) + ")")
        return "(" + " OR ".join(parts) + ")" if len(parts) > 1 else parts[0]

    def holds(self, columns: Columns) -> bool:
        """Whether the words follow each other in one of its columns."""
        size = len(self.words)
        for terms in _in(columns, self.columns):
            for start in range(len(terms) - size + 1):
                if tuple(terms[start : start + size]) == self.words:
                    return True
        return False

    def terms(self) -> Iterable[str]:
        yield from self.words


@dataclass(frozen=True)
class All:
    """Every part holds."""

    parts: tuple[Expr, ...]

    def fts5(self, rename: Mapping[str, str] | None = None, loose: Sequence[str] = ()) -> str:
        return "(" + " AND ".join(p.fts5(rename, loose) for p in self.parts) + ")"

    def holds(self, columns: Columns) -> bool:
        return all(p.holds(columns) for p in self.parts)

    def terms(self) -> Iterable[str]:
        for p in self.parts:
            yield from p.terms()


@dataclass(frozen=True)
class Any:
    """At least one part holds."""

    parts: tuple[Expr, ...]

    def fts5(self, rename: Mapping[str, str] | None = None, loose: Sequence[str] = ()) -> str:
        return "(" + " OR ".join(p.fts5(rename, loose) for p in self.parts) + ")"

    def holds(self, columns: Columns) -> bool:
        return any(p.holds(columns) for p in self.parts)

    def terms(self) -> Iterable[str]:
        for p in self.parts:
            yield from p.terms()


Expr = Term | Phrase | All | Any


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
    if isinstance(expr, Term | Phrase):
        kept = tuple(c for c in expr.columns if c in wanted) if expr.columns else wanted
        if not kept:
            # Bound to other columns, it cannot hold in these: an impossible term keeps the shape.
            return Term(IMPOSSIBLE, wanted[:1])
        if isinstance(expr, Term):
            return Term(expr.term, kept, expr.prefix)
        return Phrase(expr.words, kept)
    parts = tuple(restrict(p, wanted) for p in expr.parts)
    return All(parts) if isinstance(expr, All) else Any(parts)


def whoosh_query(expr: Expr, fields: Mapping[str, str]) -> WhooshQuery:
    """The Whoosh query of ``expr``; ``fields`` maps each index column to its Whoosh field.

    The index keeps no positions, so a phrase asks for its words anywhere; the
    search checks the order of each text it ranks (:meth:`Phrase.holds`).
    """
    from whoosh.query import And, Or, Prefix
    from whoosh.query import Term as WhooshTerm

    if isinstance(expr, Term | Phrase):
        names = [fields[c] for c in (expr.columns or tuple(fields)) if c in fields]
        if isinstance(expr, Phrase):
            clauses = [And([WhooshTerm(name, w) for w in expr.words]) for name in names]
        else:
            kind = Prefix if expr.prefix else WhooshTerm
            clauses = [kind(name, expr.term) for name in names]
        return clauses[0] if len(clauses) == 1 else Or(clauses)
    parts = [whoosh_query(p, fields) for p in expr.parts]
    return And(parts) if isinstance(expr, All) else Or(parts)
