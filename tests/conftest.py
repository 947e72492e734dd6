"""Shared fixtures: the real seed document and its parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.models import Document
from kb.parser import parse_document

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "shijiazhuang-gaoxin-zuzhibu-2024-budget.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return SEED.read_bytes()


@pytest.fixture(scope="session")
def seed_doc() -> Document:
    return parse_document(SEED)


def project(doc: Document, seq: int):
    """The project with sequence number ``seq``."""
    return next(p for p in doc.projects if p.seq == seq)
