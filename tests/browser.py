"""Headless Chromium for the browser tests: found, launched with the flags this network needs, or skipped.

Tests marked ``browser`` need Debian's ``chromium`` and the Playwright package.
Outside CI a missing piece skips the test with a message saying what is
missing; in CI (``CI`` set) it fails, because ``make test`` installs both.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

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


def missing_browser() -> str | None:
    """What the browser tests lack on this machine, or None when they can run."""
    if not Path(CHROMIUM).exists():
        return "chromium is not installed (make test installs Debian's chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


def require_browser() -> None:
    """Skip (outside CI) or fail (in CI) when the browser tests cannot run."""
    missing = missing_browser()
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{missing}; in CI `make test` must provide it")
    pytest.skip(missing)


@contextmanager
def chromium_page(width: int = 1400, height: int = 1000) -> Iterator[Any]:
    """A Playwright page in headless Chromium, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def kb_serve(args: list[str], cwd: Path, log_path: Path, timeout: float = 60) -> Iterator[str]:
    """``kb serve ARGS --port P`` in a subprocess; yields its base URL once it answers, stops it afterwards."""
    port = free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kb.cli", "serve", *args, "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    urllib.request.urlopen(url + "/-/metadata.json", timeout=2)
                    break
                except OSError as exc:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("kb serve did not start:\n" + log_path.read_text()) from exc
                    time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)
