"""Shared fixtures: the real seed document and its parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.models import Document
from kb.parse.document import parse_document

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


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The knowledge base built from data/ once for the whole session (read-only)."""
    from kb.db.build import build_knowledge_base

    db = tmp_path_factory.mktemp("kb") / "kb.db"
    build_knowledge_base([ROOT / "data"], db)
    return db


@pytest.fixture(scope="session")
def datasette(seed_db: Path):
    from tests.kbtest import DatasetteClient

    client = DatasetteClient(seed_db)
    yield client
    client.close()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``browser`` run only where Chromium and Playwright are (skipped with a message, failed in CI)."""
    if item.get_closest_marker("browser"):
        from tests.browser import require_browser

        require_browser()
