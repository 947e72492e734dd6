"""A real browser: ``kb serve`` on a free loopback port, headless Chromium types a Chinese query."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import chromium_page, kb_serve
from tests.conftest import ROOT
from tests.seed_ids import seed_indicator

pytestmark = pytest.mark.browser


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``kb serve`` in a subprocess, building its database from data/ first."""
    with kb_serve(
        ["--db", str(tmp_path / "kb.db"), "--data", str(ROOT / "data")], tmp_path, tmp_path / "serve.log"
    ) as url:
        yield url


def test_search_box_in_chromium(served: str, tmp_path: Path) -> None:
    with chromium_page() as page:
        page.goto(served + "/kb/indicators")
        box = page.locator("input#_search")
        box.fill("受益对象满意度")
        box.press("Enter")
        page.wait_for_url("**_search=*")
        page.wait_for_selector("table.rows-and-columns tbody tr")
        ids = page.locator("table.rows-and-columns tbody td.col-id").all_inner_texts()
        names = page.locator("table.rows-and-columns tbody td.col-level3").all_inner_texts()
        projects = page.locator("table.rows-and-columns tbody td.col-project_id").all_inner_texts()
        targets = page.locator("table.rows-and-columns tbody td.col-target_raw").all_inner_texts()
        shown_query = box.input_value()
        page.screenshot(path=str(tmp_path / "search.png"), full_page=True)

    rows = dict(zip([i.strip() for i in ids], zip(projects, targets, strict=True), strict=True))
    # The 4 exact rows first, marked so, then the other satisfaction targets (issue 14).
    exact = {
        f"{seed_indicator(5, 6)}",
        f"{seed_indicator(11, 6)}",
        f"{seed_indicator(16, 6)}",
        f"{seed_indicator(23, 7)}",
    }
    assert {i.strip() for i in ids[:4]} == exact
    assert all(name.startswith("精确匹配") for name in names[:4]) and len(rows) == 46
    assert not any(name.startswith("精确匹配") for name in names[4:])
    assert "省级就业补助资金" in rows[f"{seed_indicator(11, 6)}"][0] and rows[f"{seed_indicator(11, 6)}"][1] == "≤90%"
    assert (
        "社会保险经办工作经费" in rows[f"{seed_indicator(23, 7)}"][0] and rows[f"{seed_indicator(23, 7)}"][1] == "≤90%"
    )
    assert shown_query == "受益对象满意度"
    assert (tmp_path / "search.png").stat().st_size > 10_000
