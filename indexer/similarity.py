"""Indicators that measure the same or nearly the same thing (``kb similar``).

Candidates come from two precomputed places, never from comparing every
pair: the members of the indicator's family (``indicators.family_id``) and
the best BM25 matches of its name in the FTS5 index. They are then ranked
by how alike they are: the same family first, then name, description and
the 一级/二级 indicator they sit under.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from indexer.families import canonical_name, dice, name_similarity
from indexer.fts import INDICATOR_FTS, quote_term
from indexer.tokenizer import index_terms, query_terms

FAMILY_WEIGHT = 1.0
NAME_WEIGHT = 0.6
DESCRIPTION_WEIGHT = 0.25
LEVEL2_WEIGHT = 0.1
LEVEL1_WEIGHT = 0.05
# How many candidates each source contributes before ranking.
FAMILY_CANDIDATES = 400
TEXT_CANDIDATES = 200

_COLUMNS = "id, level1, level2, level3, description, family_id"


@dataclass(frozen=True)
class Probe:
    """What is compared: an indicator of the knowledge base or a free text."""

    id: int | None
    level1: str
    level2: str
    level3: str
    description: str
    family_id: int | None


@dataclass(frozen=True)
class Match:
    """A similar indicator and why: its score and whether it shares the probe's family."""

    id: int
    score: float
    same_family: bool
    name_similarity: float


def probe_for_indicator(conn: sqlite3.Connection, indicator_id: int) -> Probe | None:
    """The probe of an indicator in the knowledge base, or None when there is no such id."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM indicators WHERE id = ?", (indicator_id,)).fetchone()
    return Probe(*row) if row else None


def probe_for_text(conn: sqlite3.Connection, text: str) -> Probe:
    """A probe for free text, placed in the family whose key its canonical name equals."""
    row = conn.execute("SELECT id FROM indicator_families WHERE key = ?", (canonical_name(text),)).fetchone()
    return Probe(None, "", "", text, "", row[0] if row else None)


def _candidates(conn: sqlite3.Connection, probe: Probe) -> list[tuple]:
    rows: dict[int, tuple] = {}
    if probe.family_id is not None:
        for row in conn.execute(
            f"SELECT {_COLUMNS} FROM indicators WHERE family_id = ? ORDER BY level3 = ? DESC, id LIMIT ?",
            (probe.family_id, probe.level3, FAMILY_CANDIDATES),
        ):
            rows[row[0]] = row
    terms = query_terms(probe.level3)
    if terms:
        # Any term of the name will do (OR): ranking below decides what is alike.
        match = " OR ".join(quote_term(t) for t in terms)
        sql = (
            f"SELECT {', '.join('i.' + c.strip() for c in _COLUMNS.split(','))} FROM [{INDICATOR_FTS.name}] f "
            f"JOIN indicators i ON i.id = f.rowid WHERE f.level3 MATCH ? ORDER BY f.rank LIMIT ?"
        )
        for row in conn.execute(sql, (match, TEXT_CANDIDATES)):
            rows.setdefault(row[0], row)
    return list(rows.values())


def _score(probe: Probe, row: tuple, probe_description_terms: frozenset[str]) -> Match:
    _, level1, level2, level3, description, family_id = row
    same_family = probe.family_id is not None and family_id == probe.family_id
    name = name_similarity(probe.level3, level3)
    described = dice(probe_description_terms, frozenset(index_terms(description or ""))) if probe_description_terms else 0.0
    score = (
        FAMILY_WEIGHT * same_family
        + NAME_WEIGHT * name
        + DESCRIPTION_WEIGHT * described
        + LEVEL2_WEIGHT * (bool(probe.level2) and level2 == probe.level2)
        + LEVEL1_WEIGHT * (bool(probe.level1) and level1 == probe.level1)
    )
    return Match(id=row[0], score=round(score, 4), same_family=same_family, name_similarity=round(name, 4))


def similar(conn: sqlite3.Connection, probe: Probe, limit: int = 20) -> list[Match]:
    """The indicators most like ``probe``, best first (the probe itself excluded)."""
    description_terms = frozenset(index_terms(probe.description or probe.level3))
    matches = [
        _score(probe, row, description_terms)
        for row in _candidates(conn, probe)
        if row[0] != probe.id
    ]
    matches.sort(key=lambda m: (-m.score, m.id))
    return matches[:limit]
