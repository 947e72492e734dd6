"""The documentation names paths that exist and modules that hold what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _named_paths(doc: Path) -> set[str]:
    """Backticked repository paths in a Markdown file (``kb/db/schema.py``, ``kb/checks/rules/``)."""
    text = doc.read_text(encoding="utf-8")
    return {p for p in re.findall(r"`((?:kb|indexer|docs|tests|bench|data)/[\w./<>-]*)`", text) if "<" not in p}


@pytest.mark.parametrize(
    "doc",
    ["ARCHITECTURE.md", "README.md", "docs/rules.md", "docs/budget_tables.md", "docs/comparison.md", "docs/search.md"],
)
def test_every_path_the_docs_name_exists(doc: str) -> None:
    paths = _named_paths(ROOT / doc)
    assert paths, doc
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == []


def test_architecture_answers_the_five_questions() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    answers = {
        "a document parsed": "kb/parse/document.py",
        "text tokenised": "indexer/tokenizer.py",
        "the database written": "kb/db/writer.py",
        "a rule": "kb/checks/registry.py",
        "the schema": "kb/db/schema.py",
    }
    for question, path in answers.items():
        section = text.split(f"**… {question}?**", 1)[1].split("\n- **", 1)[0]
        assert path in section, question
