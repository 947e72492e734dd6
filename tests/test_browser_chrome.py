"""A reviewer in headless Chromium: run SQL on the query page, download the CSV, open it with Chinese headers."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import chromium_page, kb_serve
from tests.seed_ids import seed_project

pytestmark = pytest.mark.browser

SQL = "select id, name, year, budget from projects where year = 2023 order by id"


@pytest.fixture
def served(seed_db: Path, tmp_path: Path) -> Iterator[str]:
    """``kb serve`` of the seed's knowledge base under another file name than kb.db."""
    data = tmp_path / "data"
    data.mkdir()
    db = tmp_path / "审核.db"
    # Copied after the (empty) documents folder was made, so kb serve finds it fresh and serves it as it is.
    shutil.copyfile(seed_db, db)
    with kb_serve(["--db", str(db), "--data", str(data)], tmp_path, tmp_path / "serve.log") as url:
        yield url


def test_run_sql_and_download_csv_with_chinese_headers(served: str, tmp_path: Path) -> None:
    with chromium_page() as page:
        page.goto(served + "/")
        page.get_by_role("link", name="绩效指标知识库").first.click()
        page.wait_for_selector("form.sql .CodeMirror")
        page.evaluate("sql => document.querySelector('form.sql .CodeMirror').CodeMirror.setValue(sql)", SQL)
        page.get_by_role("button", name="运行 SQL").click()
        page.wait_for_selector("table.rows-and-columns tbody tr")
        headers = page.locator("table.rows-and-columns thead th").all_inner_texts()
        ids = page.locator("table.rows-and-columns tbody td.col-id").all_inner_texts()
        heading = page.locator("form.sql h3").first.inner_text()
        lang = page.locator("html").get_attribute("lang")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="CSV（带 BOM，中文表头）").click()
        download = download_info.value
        saved = tmp_path / "download.csv"
        download.save_as(saved)
        page.screenshot(path=str(tmp_path / "query.png"), full_page=True)

    assert lang == "zh-CN"
    assert [h.strip() for h in headers] == ["项目编号", "项目名称", "项目年度", "预算数（万元）"]
    assert "返回 9 行" in heading
    assert [int(i) for i in ids][:1] == [seed_project(11)] and len(ids) == 9
    data = saved.read_bytes()
    assert data.startswith("\ufeff".encode())
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["项目编号", "项目名称", "项目年度", "预算数（万元）"]
    assert len(rows) == 1 + 9
    assert rows[1] == [str(seed_project(11)), "石财社〔2022〕99号提前下达2023年省级就业补助资金", "2023", "1219.05"]
    assert (tmp_path / "query.png").stat().st_size > 10_000
