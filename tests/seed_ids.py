"""The ids the seed's rows get in a knowledge base whose first document is the seed.

Ids follow document order (``kb/db/schema.py``, id scheme): the seed's projects are 1–44 and its
indicators are numbered on through the projects in order. Tests name a row by where it stands in the
document — project sequence number and row position, as the document prints them — and these helpers
turn that into the id, so no test depends on the numbering's arithmetic.
"""

from __future__ import annotations

from functools import cache
from itertools import accumulate

from kb.parse import parse_document
from tests.conftest import SEED


@cache
def _first_rows() -> tuple[int, ...]:
    """The number of indicator rows before each project of the seed."""
    counts = [len(project.indicators) for project in parse_document(SEED).projects]
    return (0, *accumulate(counts))


def seed_project(seq: int) -> int:
    """The id of the seed's project ``seq`` (1-based, document order)."""
    return seq


def seed_indicator(seq: int, position: int) -> int:
    """The id of row ``position`` of the seed's project ``seq``."""
    return _first_rows()[seq - 1] + position


def seed_project_of(indicator_id: int) -> int:
    """The sequence number of the seed project an indicator id belongs to."""
    first_rows = _first_rows()
    return next(seq for seq in range(1, len(first_rows)) if indicator_id <= first_rows[seq])


def seed_seq_of_project(project_id: int) -> int:
    """The sequence number in the seed of the project with id ``project_id``."""
    return project_id
