"""Shared fixtures: the real seed document and its parse."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import index as whoosh_files

from indexer import whoosh_index
from kb.models import Document
from kb.parse.document import parse_document

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "shijiazhuang-gaoxin-zuzhibu-2024-budget.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def write_generated(folder: Path, documents: Iterable[tuple[int, int]], seed: int = 7) -> list[Path]:
    """Generated disclosures ``d{index}.txt`` in ``folder``, one per (department index, budget year)."""
    from bench.corpus import department, render

    paths = []
    for index, year in documents:
        path = folder / f"d{index}.txt"
        path.write_text(render(department(index), year, seed=seed).text, encoding="utf-8")
        paths.append(path)
    return paths


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


# --- the seed in every form (bench/docgen), rendered once per session ----------------------------------------

CHROMIUM = "/usr/bin/chromium"


def need_tools(*tools: str) -> None:
    """Skip (fail in CI) unless every tool is installed; Playwright counts as a tool."""
    missing = [
        tool for tool in tools if tool != "playwright" and shutil.which(tool) is None and not Path(tool).exists()
    ]
    if "playwright" in tools:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing.append("playwright")
    if missing:
        message = f"needs {', '.join(missing)} (Debian: apt-get install chromium poppler-utils fonts-noto-cjk)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def gdoc():
    """The seed as a generated document (bench.docgen.seed)."""
    from bench.docgen.seed import seed_doc as generated_seed

    return generated_seed()


@pytest.fixture(scope="session")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docgen")


@pytest.fixture(scope="session")
def timings() -> Iterator[dict[str, float]]:
    """Seconds each form of the seed took to render (printed at the end of the session with ``-s``)."""
    measured: dict[str, float] = {}
    yield measured
    print("\nrender times (s): " + ", ".join(f"{form} {seconds:.2f}" for form, seconds in measured.items()))


@pytest.fixture(scope="session")
def rendered(gdoc, out: Path, timings: dict[str, float]) -> dict[str, Path]:
    """The seed in every form that needs no browser, rendered once."""
    from bench.docgen.render import render

    paths = {}
    for form, suffix in [
        ("txt", ".txt"),
        ("md", ".md"),
        ("html", ".html"),
        ("md-html", ".md"),
        ("xlsx", ".xlsx"),
        ("docx", ".docx"),
    ]:
        start = time.perf_counter()
        paths[form] = render(gdoc, form, out / f"seed-{form}{suffix}")
        timings[form] = time.perf_counter() - start
    return paths


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for all the PDF tests."""
    need_tools(CHROMIUM, "playwright")
    from bench.docgen.render.pdf import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def seed_pdf(gdoc, out: Path, browser: Any, timings: dict[str, float]) -> Path:
    """The seed printed to PDF by Chromium (81 pages), once per session."""
    from bench.docgen.render import render

    need_tools("pdftotext", "pdfinfo")
    start = time.perf_counter()
    path = render(gdoc, "pdf", out / "seed.pdf", browser=browser)
    timings["pdf"] = time.perf_counter() - start
    return path


@pytest.fixture(scope="session")
def seed_pdf_parsed(seed_pdf: Path) -> tuple[Document, Any]:
    """The seed PDF read and parsed once per session (the 81-page PDF parse is the slow part of the readers' tests):
    the document and its text as read."""
    from kb.db.rows import parse_file

    return parse_file(str(seed_pdf))


@pytest.fixture(scope="session")
def seed_pdf_doc(seed_pdf_parsed: tuple[Document, Any]) -> Document:
    """The seed PDF parsed."""
    return seed_pdf_parsed[0]


@pytest.fixture(scope="session")
def seed_pdf_db(
    seed_pdf: Path, seed_pdf_parsed: tuple[Document, Any], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The knowledge base built from the seed PDF, reusing the session's parse of it (one worker, in process)."""
    import kb.db.rows
    from kb.db.build import build_knowledge_base

    db = tmp_path_factory.mktemp("kb-pdf") / "kb.db"
    parse = kb.db.rows.parse_file

    def cached(path: str) -> tuple[Document, Any]:
        return seed_pdf_parsed if Path(path) == seed_pdf else parse(path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kb.db.rows, "parse_file", cached)
        build_knowledge_base([seed_pdf], db, workers=1)
    return db


def ranked_hits(directory: Path, conn: sqlite3.Connection, query: str, **filters) -> list[tuple]:
    """Every Whoosh hit of ``query``, in order: (indicator id, score, tier, kind, matched terms)."""
    return [
        (h.id, h.score, h.tier, h.kind, h.matched)
        for h in whoosh_index.search(directory, conn, query, limit=None, **filters)
    ]


def segment_count(directory: Path) -> int:
    """How many segments the Whoosh index in ``directory`` has."""
    ix = whoosh_files.open_dir(str(directory))
    return len(whoosh_files.TOC.read(ix.storage, ix.indexname).segments)
