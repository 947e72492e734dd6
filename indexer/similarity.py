"""Indicators that measure the same or nearly the same thing (``kb similar``).

Candidates come from precomputed places, never from comparing every pair:
the distinct texts of the indicator's family (``indicators.family_id``), the
best BM25 matches of its name among the distinct texts (:mod:`indexer.texts`)
and, for a free text, what the query planner finds for it
(:mod:`indexer.planner`: other wordings, family, category). Each text is
scored once — the same name and the same target first (the row a reviewer
compares with), then the same family, name, description and the 一级/二级
indicator it sits under — and expanded into the indicators that share it.

A free text is read like a search: ``kb similar "受益对象满意度 ≤90%"`` looks
for that name with that target.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass, replace
from itertools import groupby

from indexer.families import canonical_name, dice, name_similarity
from indexer.match import NAME, restrict, text_index_fts5
from indexer.match import quote as quote_term
from indexer.planner import CATEGORY, EXACT, FAMILY, WORDING, plan, read_query
from indexer.tokenizer import index_terms, query_terms
from kb.db.schema import TEXT_FTS

# The same name (as written, punctuation aside) and the same target (operator, number, unit) outweigh the rest:
# an identical indicator in another project is the first thing to compare with.
SAME_NAME_WEIGHT = 0.5
SAME_TARGET_WEIGHT = 0.5
SAME_UNIT_WEIGHT = 0.1
# For a free text, what a search for it finds counts, the earlier the tier the more.
TIER_WEIGHTS = {EXACT: 0.6, WORDING: 0.5, FAMILY: 0.3, CATEGORY: 0.1}
FAMILY_WEIGHT = 1.0
NAME_WEIGHT = 0.6
DESCRIPTION_WEIGHT = 0.25
LEVEL2_WEIGHT = 0.1
LEVEL1_WEIGHT = 0.05
# How many candidates each source contributes before ranking.
FAMILY_CANDIDATES = 400
TEXT_CANDIDATES = 200

_COLUMNS = "id, level1, level2, level3, description, family_id, target_op, target_value, target_unit"
_NOT_WORD = re.compile(r"[^\w%]+")


@dataclass(frozen=True)
class Probe:
    """What is compared: an indicator of the knowledge base or a free text (its name and target)."""

    id: int | None
    level1: str
    level2: str
    level3: str
    description: str
    family_id: int | None
    target_op: str | None = None
    target_value: float | None = None
    target_unit: str | None = None
    query: str | None = None  # a free text, as typed: what the planner reads


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
    """A probe for free text: read like a query (name words and a target), in the family its name belongs to.

    The family is the one whose key the name's canonical form equals, or the
    family of the indicators the planner finds the name to name.
    """
    read = read_query(text)
    name = "".join(need.text for need in read.needs) or text.strip()
    row = conn.execute("SELECT id FROM indicator_families WHERE key = ?", (canonical_name(name),)).fetchone()
    family_id = row[0] if row else None
    if family_id is None:
        for named in plan(conn, text).named:
            found = conn.execute("SELECT family_id FROM indicators WHERE level3 = ? LIMIT 1", (named,)).fetchone()
            if found and found[0] is not None:
                family_id = found[0]
                break
    target = next((c for c in read.targets if c.kind == "numeric"), None)
    return Probe(
        None,
        "",
        "",
        name,
        "",
        family_id,
        target.op if target else None,
        target.value if target else None,
        target.unit if target else None,
        query=text,
    )


@dataclass(frozen=True)
class _Candidate:
    """A distinct text (indexer.texts) that may be like the probe; all its members score alike."""

    text_id: int
    level1: str
    level2: str
    level3: str
    description: str
    family_id: int | None
    target_op: str | None
    target_value: float | None
    target_unit: str | None
    found: float = 0.0  # for a free text: the weight of the first search tier that found it


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
    found: dict[int, float] = {}
    if probe.query is not None:
        # A free text: what a search for it finds, tier by tier (other wordings, family, category).
        the_plan = plan(conn, probe.query)
        for tier in the_plan.tiers:
            # Found in the name counts fully, elsewhere (a description, a project name) half.
            for expr, share in ((restrict(tier.expr, NAME), 1.0), (tier.expr, 0.5)):
                for (text_id,) in conn.execute(
                    f"SELECT rowid FROM [{TEXT_FTS.name}] WHERE [{TEXT_FTS.name}] MATCH ? "
                    f"ORDER BY {TEXT_FTS.bm25()} LIMIT ?",
                    (text_index_fts5(expr), TEXT_CANDIDATES),
                ):
                    text_ids.setdefault(text_id, None)
                    found.setdefault(text_id, share * TIER_WEIGHTS[tier.kind])
    if not text_ids:
        return []
    placeholders = ", ".join("?" for _ in text_ids)
    # A text's members share their name, so they share a family; level1 is read from the first member.
    rows = conn.execute(
        f"SELECT t.id, i.level1, t.level2, t.level3, t.description, i.family_id, i.target_op, i.target_value, "
        f"i.target_unit FROM indicator_texts t "
        f"JOIN indicators i ON i.id = (SELECT min(id) FROM indicators WHERE text_id = t.id) "
        f"WHERE t.id IN ({placeholders})",
        list(text_ids),
    )
    return [replace(_Candidate(*row), found=found.get(row[0], 0.0)) for row in rows]


def _plain_name(name: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", name or "").lower())


def _target_likeness(probe: Probe, candidate: _Candidate) -> float:
    """How far two targets agree: the same operator, number and unit, or only the same unit."""
    if probe.target_value is None or candidate.target_value is None:
        return 0.0
    if probe.target_unit != candidate.target_unit:
        return 0.0
    same = probe.target_value == candidate.target_value and (probe.target_op in (None, candidate.target_op))
    return SAME_TARGET_WEIGHT if same else SAME_UNIT_WEIGHT


def _score(probe: Probe, candidate: _Candidate, probe_description_terms: frozenset[str]) -> tuple[float, bool, float]:
    same_family = probe.family_id is not None and candidate.family_id == probe.family_id
    same_name = bool(probe.level3) and _plain_name(probe.level3) == _plain_name(candidate.level3)
    name = name_similarity(probe.level3, candidate.level3)
    described = (
        dice(probe_description_terms, frozenset(index_terms(candidate.description or "")))
        if probe_description_terms
        else 0.0
    )
    score = (
        candidate.found
        + SAME_NAME_WEIGHT * same_name
        + _target_likeness(probe, candidate)
        + FAMILY_WEIGHT * same_family
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
