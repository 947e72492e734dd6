"""A real browser: ``kb serve`` on a free loopback port, headless Chromium types a Chinese query."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags this machine's closed network needs: no background connections, no sandbox as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_or_skip() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: `make test` should have installed it")
        pytest.skip("chromium is not installed (make test installs it)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """``kb serve`` in a subprocess, building its database from data/ first."""
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kb.cli",
            "serve",
            "--db",
            str(tmp_path / "kb.db"),
            "--data",
            str(ROOT / "data"),
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/-/versions.json", timeout=2)
                break
            except OSError as exc:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("kb serve did not start:\n" + (tmp_path / "serve.log").read_text()) from exc
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_search_box_in_chromium(served: str, tmp_path: Path) -> None:
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(served + "/kb/indicators")
            box = page.locator("input#_search")
            box.fill("受益对象满意度")
            box.press("Enter")
            page.wait_for_url("**_search=*")
            page.wait_for_selector("table.rows-and-columns tbody tr")
            ids = page.locator("table.rows-and-columns tbody td.col-id").all_inner_texts()
            projects = page.locator("table.rows-and-columns tbody td.col-project_id").all_inner_texts()
            targets = page.locator("table.rows-and-columns tbody td.col-target_raw").all_inner_texts()
            shown_query = box.input_value()
            page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
        finally:
            browser.close()

    rows = dict(zip([i.strip() for i in ids], zip(projects, targets, strict=True), strict=True))
    assert set(rows) == {"10005006", "10011006", "10016006", "10023007"}
    assert "省级就业补助资金" in rows["10011006"][0] and rows["10011006"][1] == "≤90%"
    assert "社会保险经办工作经费" in rows["10023007"][0] and rows["10023007"][1] == "≤90%"
    assert shown_query == "受益对象满意度"
    assert (tmp_path / "search.png").stat().st_size > 10_000
