"""A reviewer's tasks in headless Chromium, on the reviewer pages of ``kb serve`` (one server for the module)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.checks.registry import RULES
from tests.browser import chromium_page, kb_serve
from tests.conftest import ROOT
from tests.seed_ids import seed_indicator, seed_project

pytestmark = pytest.mark.browser

SATISFACTION_CAPPED = {
    "石财社〔2022〕99号提前下达2023年省级就业补助资金",
    "社会保险经办工作经费",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``kb serve`` in a subprocess (building its database from data/ first), and the database."""
    folder = tmp_path_factory.mktemp("served")
    with kb_serve(["--db", str(folder / "kb.db"), "--data", str(ROOT / "data")], folder, folder / "serve.log") as url:
        yield url, folder / "kb.db"


def test_find_every_satisfaction_target_and_spot_the_caps(served: tuple[str, Path], tmp_path: Path) -> None:
    url, db = served
    with sqlite3.connect(db) as conn:
        families, members = conn.execute(
            "select count(*), sum(size) from indicator_families "
            "where name like '%满意度%' or name_counts like '%满意度%'"
        ).fetchone()
    with chromium_page() as page:
        page.goto(url + "/kb")
        page.locator("#kb-family-q").fill("满意度")
        page.locator("#kb-family-q").press("Enter")
        page.wait_for_url("**/-/families?q=*")
        page.locator("input[name=all]").check()
        page.locator("form.kb-search button").click()
        page.wait_for_url("**all=1*")
        headers = page.locator("table.kb-family-list thead th").all_inner_texts()
        names = page.locator("table.kb-family-list tbody td:first-child a").all_inner_texts()
        summary = page.locator("p.kb-summary").inner_text()
        mixed = page.locator("table.kb-family-list tr.kb-mixed td:first-child").all_inner_texts()
        page.screenshot(path=str(tmp_path / "families.png"), full_page=True)

        page.get_by_role("link", name="受益人员满意度", exact=True).click()
        page.wait_for_selector("table.kb-members")
        page.locator("p.kb-filter a", has_text="≤").click()
        page.wait_for_url("**op=*")
        capped = page.locator("table.kb-members tbody tr")
        rows = [
            (cells[2], cells[4])
            for cells in (capped.nth(i).locator("td").all_inner_texts() for i in range(capped.count()))
        ]
        page.screenshot(path=str(tmp_path / "capped.png"), full_page=True)

    assert headers[:5] == ["族名", "指标数", "项目数", "年度", "比较符"]
    assert len(names) == families == 13 and "受益人员满意度" in names and "公共就业服务满意度" in names
    assert summary.startswith(f"共 {families} 个指标族（{members} 条指标）")
    assert mixed == ["受益人员满意度"]
    assert {project for project, _ in rows} == SATISFACTION_CAPPED
    assert {target.strip() for _, target in rows} == {"≤90%"}
    assert (tmp_path / "capped.png").stat().st_size > 10_000


def test_from_an_indicator_to_its_source_project_family_and_peers(served: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = served
    with chromium_page() as page:
        page.goto(url + f"/kb/indicators/{seed_indicator(11, 6)}")
        labels = page.locator("dl.kb-fields dt").all_inner_texts()
        marked = page.locator("table.kb-source tr.kb-marked").inner_text()
        citation = page.locator("input.kb-citation").input_value()
        page.locator("button.kb-copy").click()
        copied = page.locator("button.kb-copy").inner_text()
        page.screenshot(path=str(tmp_path / "indicator.png"), full_page=True)

        peers = page.locator("table.kb-similar tbody tr:not(.kb-self)")
        first_peer = peers.first.locator("td").all_inner_texts()
        peers.first.locator("td").nth(3).locator("a").click()
        page.wait_for_url(f"**/kb/indicators/{seed_indicator(23, 7)}")
        peer_heading = page.locator("h1").inner_text()
        page.go_back()

        page.locator("nav.kb-links a", has_text="所属项目").click()
        page.wait_for_url(f"**/kb/projects/{seed_project(11)}")
        project_heading = page.locator("h1").inner_text()
        page.go_back()

        page.locator("nav.kb-links a", has_text="指标族").click()
        page.wait_for_url("**/kb/indicator_families/*")
        family_heading = page.locator("h1").inner_text()
        page.screenshot(path=str(tmp_path / "family.png"), full_page=True)

    assert [label.split()[0] for label in labels[:8]] == [
        "指标编号",
        "项目编号",
        "文档编号",
        "行序",
        "一级指标",
        "二级指标",
        "三级指标",
        "绩效指标描述",
    ]
    assert marked.split()[0] == "1233" and "受益对象对就业资金政策拨付的满意度" in marked and "≤90%" in marked
    assert citation == (
        "中共石家庄高新技术产业开发区工委组织部 · 2024年预算 · 石财社〔2022〕99号提前下达2023年省级就业补助资金"
        " · shijiazhuang-gaoxin-zuzhibu-2024-budget.txt · 第 1233 行"
    )
    assert copied in {"已复制", "复制"}
    # The same name and the same target first (issue 14): project 23's 受益对象满意度 ≤90%.
    assert first_peer[2] == "社会保险经办工作经费" and first_peer[4].strip() == "≤90%" and first_peer[6] == "✓"
    assert peer_heading.startswith("受益对象满意度")
    assert project_heading.startswith("石财社〔2022〕99号提前下达2023年省级就业补助资金")
    assert family_heading.startswith("受益人员满意度")


def test_read_a_projects_findings_and_their_principles(served: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = served
    with chromium_page() as page:
        page.goto(url + f"/kb/projects/{seed_project(11)}")
        section = page.locator("#findings")
        titles = section.locator(".kb-rule-title").all_inner_texts()
        severities = section.locator(".kb-sev").all_inner_texts()
        principles = section.locator(".kb-principle").all_inner_texts()
        section.locator("details.kb-evidence-box summary").first.click()
        evidence = section.locator("dl.kb-evidence").first.inner_text()
        flagged = page.locator("table.kb-indicator-table tr.kb-has-error td:nth-last-child(3)").all_inner_texts()
        page.screenshot(path=str(tmp_path / "project.png"), full_page=True)

        section.locator("a.kb-rule-id", has_text="direction.satisfaction").click()
        page.wait_for_url("**/-/rules#direction.satisfaction")
        rule = page.locator("article#direction\\.satisfaction").inner_text()
        page.screenshot(path=str(tmp_path / "rules.png"), full_page=True)

    assert titles == ["成本上限超过预算数", "满意度指标写成上限", "与同类资金的指标表相同"]
    assert severities == ["错误", "错误", "提示"]
    assert [p.removeprefix("原则").strip() for p in principles] == [
        RULES["cost.above_budget"].principle_text,
        RULES["direction.satisfaction"].principle_text,
        RULES["copy.related_table"].principle_text,
    ]
    assert "预算数（万元）" in evidence and "1219.05" in evidence and "成本上限（万元）" in evidence
    assert [target.strip() for target in flagged] == ["≤2281万", "≤90%"]
    assert "满意度指标写成上限" in rule and RULES["direction.satisfaction"].principle_text in rule


def test_compare_a_family_on_its_chart(served: tuple[str, Path], tmp_path: Path) -> None:
    url, db = served
    with sqlite3.connect(db) as conn:
        family = conn.execute("select family_id from indicators where id = ?", (seed_indicator(11, 6),)).fetchone()[0]
    with chromium_page() as page:
        page.goto(url + f"/kb/indicator_families/{family}")
        page.wait_for_selector(".kb-chart svg .mark-symbol.role-mark path")
        points = page.locator(".kb-chart svg .mark-symbol.role-mark path").count()
        rules = page.locator(".kb-chart svg .mark-rule.role-mark line").count()
        labels = page.locator(".kb-chart svg .mark-text.role-mark text").all_text_contents()
        legend = " ".join(page.locator(".kb-chart svg .role-legend").all_text_contents())
        benchmarks = page.locator("table.kb-benchmarks tbody td").all_inner_texts()
        page.screenshot(path=str(tmp_path / "chart.png"), full_page=True)

        page.goto(url + "/kb")
        page.wait_for_selector(".kb-chart[data-chart=findings] svg .mark-rect.role-mark path")
        bars = page.locator(".kb-chart[data-chart=findings] svg .mark-rect.role-mark path").count()
        axis = " ".join(page.locator(".kb-chart[data-chart=findings] svg .role-axis").all_text_contents())
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

    assert points == 4  # ≥85 ×2, ≥90 ×10, ≤90 ×2, ≥95 ×10
    assert rules == 2 and sorted(labels) == ["P25/P50 90", "P75 95"]
    assert "比较符" in legend and "≥" in legend and "≤" in legend
    assert benchmarks == ["%", "24", "85", "90", "90", "95", "95"]
    assert bars == 15 and "满意度指标写成上限" in axis
    assert (tmp_path / "chart.png").stat().st_size > 10_000
