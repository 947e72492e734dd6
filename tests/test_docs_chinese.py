"""The documentation a reviewer reads is in Chinese: the README's user sections and every rule's principle."""

from __future__ import annotations

import re
from pathlib import Path

from kb.checks.registry import RULES, SEVERITY_NAMES

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def _chinese_share(text: str) -> float:
    """CJK characters among the letters of ``text`` (code spans left out)."""
    prose = re.sub(r"`[^`]*`|```.*?```|<[^>]+>", "", text, flags=re.DOTALL)
    letters = [ch for ch in prose if ch.isalpha()]
    return sum(bool(CJK.match(ch)) for ch in letters) / max(1, len(letters))


def test_readme_keeps_its_two_commands_and_speaks_chinese() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.split("\n", 5)[2:5] == [
        "```sh",
        "make serve   # build the knowledge base from data/ and serve it on http://127.0.0.1:8001",
        "make test    # install what the tests need (incl. Debian's chromium) and run the whole suite",
    ]
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL))
    for title in ("它做什么", "命令", "网页", "知识库中的表"):
        assert _chinese_share(sections[title]) > 0.5, title


def test_every_rule_is_explained_in_chinese() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    sections = re.split(r'\n<a id="', text)[1:]
    assert len(sections) == len(RULES)
    for section in sections:
        rule_id = section.split('"', 1)[0]
        rule = RULES[rule_id]
        heading = section.split("\n", 2)[1]
        assert heading == f"### `{rule.id}` — {rule.severity}（{SEVERITY_NAMES[rule.severity]}）· {rule.title}"
        body = section.split("\n## ", 1)[0]
        assert "**原则。**" in body and _chinese_share(body) > 0.6, rule_id
