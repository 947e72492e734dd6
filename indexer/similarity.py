"""Indicators that measure the same or nearly the same thing (``kb similar``).

Candidates come from two precomputed places, never from comparing every
pair: the distinct texts of the indicator's family (``indicators.family_id``)
and the best BM25 matches of its name among the distinct texts
(:mod:`indexer.texts`). Each text is scored once — by the same family first,
then name, description and the 一级/二级 indicator it sits under — and
expanded into the indicators that share it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from itertools import groupby

from indexer.families import canonical_name, dice, name_similarity
from indexer.fts import quote_term
from indexer.tokenizer import index_terms, query_terms
from kb.db.schema import TEXT_FTS

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


@dataclass(frozen=True)
class _Candidate:
    """A distinct text (indexer.texts) that may be like the probe; all its members score alike."""

    text_id: int
    level1: str
    level2: str
    level3: str
    description: str
    family_id: int | None


def _candidates(conn: sqlite3.Connection, probe: Probe) -> list[_Candidate]:
    """Texts of the probe's family and texts whose name shares a word with the probe's name."""
    text_ids: dict[int, None] = {}
    if probe.family_id is not None:
        for (text_id,) in conn.execute(
            "SELECT DISTINCT text_id FROM indicators WHERE family_id = ? LIMIT ?", (probe.family_id, FAMILY_CANDIDATES)
        ):
            text_ids[text_id] = None
    terms = query_terms(probe.level3)
    if terms:
        # Any word of the name will do (OR): the scoring below decides what is alike.
        match = " OR ".join(quote_term(t) for t in terms)
        for (text_id,) in conn.execute(
            f"SELECT rowid FROM [{TEXT_FTS.name}] f WHERE f.level3 MATCH ? ORDER BY f.rank LIMIT ?",
            (match, TEXT_CANDIDATES),
        ):
            text_ids.setdefault(text_id, None)
    if not text_ids:
        return []
    placeholders = ", ".join("?" for _ in text_ids)
    # A text's members share their name, so they share a family; level1 is read from the first member.
    rows = conn.execute(
        f"SELECT t.id, i.level1, t.level2, t.level3, t.description, i.family_id FROM indicator_texts t "
        f"JOIN indicators i ON i.id = (SELECT min(id) FROM indicators WHERE text_id = t.id) "
        f"WHERE t.id IN ({placeholders})",
        list(text_ids),
    )
    return [_Candidate(*row) for row in rows]


def _score(probe: Probe, candidate: _Candidate, probe_description_terms: frozenset[str]) -> tuple[float, bool, float]:
    same_family = probe.family_id is not None and candidate.family_id == probe.family_id
    name = name_similarity(probe.level3, candidate.level3)
    described = (
        dice(probe_description_terms, frozenset(index_terms(candidate.description or "")))
        if probe_description_terms
        else 0.0
    )
    score = (
        FAMILY_WEIGHT * same_family
        + NAME_WEIGHT * name
        + DESCRIPTION_WEIGHT * described
        + LEVEL2_WEIGHT * (bool(probe.level2) and candidate.level2 == probe.level2)
        + LEVEL1_WEIGHT * (bool(probe.level1) and candidate.level1 == probe.level1)
    )
    return round(score, 4), same_family, round(name, 4)


def similar(conn: sqlite3.Connection, probe: Probe, limit: int = 20) -> list[Match]:
    """The indicators most like ``probe``, best first (the probe itself excluded), ties by id."""
    description_terms = frozenset(index_terms(probe.description or probe.level3))
    scored = sorted(
        ((_score(probe, candidate, description_terms), candidate.text_id) for candidate in _candidates(conn, probe)),
        key=lambda item: (-item[0][0], item[1]),
    )
    matches: list[Match] = []
    # Texts in score order; equal scores are merged so their members interleave by id.
    for score, group in groupby(scored, key=lambda item: item[0][0]):
        members = []
        for (_, same_family, name), text_id in group:
            members += [
                (indicator_id, same_family, name)
                for (indicator_id,) in conn.execute(
                    "SELECT id FROM indicators WHERE text_id = ? AND id IS NOT ? ORDER BY id LIMIT ?",
                    (text_id, probe.id, limit),
                )
            ]
        for indicator_id, same_family, name in sorted(members):
            matches.append(Match(id=indicator_id, score=score, same_family=same_family, name_similarity=name))
            if len(matches) >= limit:
                return matches
    return matches
