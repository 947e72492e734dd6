"""Distinct indicator texts: what the ranked indexes hold.

Budget disclosures repeat themselves: the same indicator, word for word,
appears in many projects, departments and years (a city's corpus has about
twenty indicators per distinct text). Ranking each distinct text once, and
listing the indicators that share it, keeps BM25 ranking fast in SQLite FTS5
and in Whoosh. A text is its segmented 三级指标, description, target and basis
together with its 二级指标; its ``project_names`` are the terms of its
members' project names, each once, so a query word found only in a project
name still finds the text, and each member is then checked against its own
project's name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import NamedTuple

from indexer.target_terms import index_column_text
from kb.db.schema import INDICATOR_FTS, TEXT_FTS

# The searchable texts of an indicator that make up its distinct text (the text index's columns but the
# project names, which vary between the indicators sharing a text).
TEXT_COLUMNS = tuple(column for column in TEXT_FTS.columns if column != "project_names")


class IndicatorTexts(NamedTuple):
    """An indicator's searchable texts, by the column names of :data:`kb.db.schema.INDICATOR_FTS`."""

    level3: str
    description: str
    target_raw: str
    basis: str
    project_name: str

    def text_part(self) -> tuple[str, ...]:
        """The texts of :data:`TEXT_COLUMNS`, in that order: what a distinct text is made of."""
        return tuple(getattr(self, column) for column in TEXT_COLUMNS)

    def segmented(self) -> IndicatorTexts:
        """The same texts as index terms, the form FTS5 and Whoosh store (a target with its target terms)."""
        return IndicatorTexts(
            *(index_column_text(column, text or "") for column, text in zip(self._fields, self, strict=False))
        )


assert IndicatorTexts._fields == INDICATOR_FTS.columns, "IndicatorTexts must name the columns of INDICATOR_FTS"


def text_key(level2: str, segmented: tuple[str, ...]) -> str:
    """The identity of a distinct text: its 二级指标 and its segmented texts."""
    return hashlib.sha1(repr((level2, segmented)).encode()).hexdigest()


@dataclass
class IndexedText:
    """One distinct indicator text and the indicators that share it.

    ``segmented`` are the index terms of :data:`TEXT_COLUMNS`; ``raw`` the
    same texts as published (from the first member); ``names`` maps each
    distinct segmented project name to its index; ``members`` are
    ``(indicator id, year, project id, index into names)``. A ``partial``
    text holds only the members added to a text already stored.
    """

    id: int
    key: str
    level2: str
    segmented: tuple[str, ...]
    raw: tuple[str, ...] = ()
    members: list[tuple[int, int | None, int, int]] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)
    partial: bool = False

    def add(self, indicator_id: int, year: int | None, project_id: int, project_name: str) -> None:
        """Add one indicator sharing this text (``project_name`` segmented)."""
        name = self.names.setdefault(project_name, len(self.names))
        self.members.append((indicator_id, year, project_id, name))

    def project_terms(self) -> str:
        """Every term of the members' project names, each once, space-separated."""
        return " ".join(dict.fromkeys(term for name in self.names for term in name.split()))

    def project_count(self) -> int:
        """How many projects the members belong to."""
        return len({member[2] for member in self.members})
