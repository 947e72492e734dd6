"""The load test: ``kb serve`` on loopback under many concurrent clients, with and without a heavy SQL request.

``python -m bench load`` generates (or reuses) a 100-document corpus, builds
it, starts ``kb serve`` in a child process and drives it from this process
with an asyncio HTTP/1.1 client (keep-alive connections, nothing between
the clients and the server but loopback):

1. **Throughput**: 8, 16, 32 and 64 clients, each step ``--seconds`` long
   (30 s by default), every client asking the JSON search
   ``/kb/indicators.json?_search=q`` for the 50 queries of
   :mod:`bench.queries` in turn, the next request as soon as the last is
   answered. Per step: requests per second, p50/p95 latency, errors (any
   answer but 200, or a broken connection).
2. **A heavy request beside the search page**: 8 clients ask the HTML
   search page ``/kb/indicators?_search=q`` for one step alone, then for
   one step while another client sends, again and again, the heaviest SQL
   the site accepts: ``kb_terms`` of a distinct maximal text on each of
   100,000 rows, which runs until the site's time limit stops it. The p95
   of the search page is compared between the two steps.

The results are printed and written to ``bench/load_results.json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench.queries import QUERIES
from bench.run import ROOT, BenchError, _free_port, ensure_corpus, machine, percentiles, write_results

LOAD_RESULTS = Path(__file__).resolve().parent / "load_results.json"
DOCUMENTS = 100
CLIENT_STEPS = (8, 16, 32, 64)
PAGE_CLIENTS = 8
REQUEST_TIMEOUT = 60.0
# The heaviest SQL the guard lets through: kb_terms of a distinct text of the largest size on every row
# of a long series, stopped by the time limit (kb/web/guard.py: MAX_TEXT_CHARS).
HEAVY_SQL = (
    "with recursive n(i) as (select 1 union all select i + 1 from n limit 100000) "
    "select count(kb_terms(printf('%.*c', 4999, char(19968 + i % 20000)))) from n"
)


# ---------------------------------------------------------------- a small HTTP/1.1 client


class Connection:
    """One keep-alive HTTP/1.1 connection to the server, reopened when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int]:
        """``(status, body bytes)`` of ``GET path``."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nConnection: keep-alive\r\n\r\n".encode())
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        headers = {}
        for line in header_lines:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip().lower()
        size = 0
        if "content-length" in headers:
            size = len(await self.reader.readexactly(int(headers["content-length"])))
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                chunk = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(chunk + 2)
                size += chunk
                if chunk == 0:
                    break
        if headers.get("connection") == "close":
            await self.close()
        return status, size

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


@dataclass
class Step:
    """What the clients of one step saw."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        latency = percentiles(self.latencies_ms) if self.latencies_ms else {}
        return {
            "requests": len(self.latencies_ms),
            "requests_per_s": round(len(self.latencies_ms) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": latency.get("p50"),
            "p95_ms": latency.get("p95"),
            "max_ms": latency.get("max"),
            "errors": len(self.errors),
            "error_samples": sorted(set(self.errors))[:5],
        }


async def _client(
    port: int, paths: Sequence[str], offset: int, until: float, step: Step, expect: int | None = 200
) -> None:
    connection = Connection("127.0.0.1", port)
    i = offset
    try:
        while time.perf_counter() < until:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                status, _ = await asyncio.wait_for(connection.get(path), REQUEST_TIMEOUT)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                step.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                await connection.close()
                continue
            if expect is not None and status != expect:
                step.errors.append(f"HTTP {status}")
                continue
            step.latencies_ms.append((time.perf_counter() - started) * 1000)
    finally:
        await connection.close()


async def _run_step(port: int, paths: Sequence[str], clients: int, seconds: float, heavy: Step | None) -> Step:
    step = Step()
    started = time.perf_counter()
    until = started + seconds
    tasks = [_client(port, paths, n * 7, until, step) for n in range(clients)]
    if heavy is not None:
        # The heavy request is answered 400 ("too long", stopped at the time limit): expected, not an error.
        tasks.append(_client(port, [f"/kb.json?sql={quote(HEAVY_SQL)}"], 0, until, heavy, expect=400))
    await asyncio.gather(*tasks)
    step.seconds = time.perf_counter() - started
    if heavy is not None:
        heavy.seconds = step.seconds
    return step


# ---------------------------------------------------------------- the server


def build_database(work: Path) -> tuple[Path, Path]:
    """The 100-document corpus and its knowledge base under ``work`` (built unless already there)."""
    corpus = ensure_corpus(work, DOCUMENTS)
    db = work / f"load-{DOCUMENTS}" / "kb.db"
    db.parent.mkdir(exist_ok=True)
    newest = max(path.stat().st_mtime for path in corpus.iterdir())
    if not db.exists() or db.stat().st_mtime < newest:
        print(f"… building {DOCUMENTS} documents", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "kb.cli", "build", str(corpus), "--db", str(db)],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    return corpus, db


def start_server(db: Path, corpus: Path, port: int) -> subprocess.Popen[bytes]:
    """``kb serve`` on loopback, once it answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "serve", "--db", str(db), "--data", str(corpus), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-/metadata.json", timeout=2).read()
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise BenchError("kb serve did not start") from None
            time.sleep(0.2)


def _server_memory_mb(server: subprocess.Popen[bytes]) -> float:
    for line in Path(f"/proc/{server.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


# ---------------------------------------------------------------- the run


def run_load(
    work: Path, out: Path, seconds: float = 30.0, client_steps: Sequence[int] = CLIENT_STEPS
) -> dict[str, Any]:
    """Every step of the load test; writes and returns the results."""
    if seconds <= 0 or not client_steps or any(n <= 0 for n in client_steps):
        raise BenchError("seconds and client counts must be positive")
    if not work.is_dir():
        raise BenchError(f"work folder {work} does not exist")
    corpus, db = build_database(work)
    port = _free_port()
    json_paths = [f"/{db.stem}/indicators.json?_search={quote(q)}" for q in QUERIES]
    page_paths = [f"/{db.stem}/indicators?_search={quote(q)}" for q in QUERIES]
    results: dict[str, Any] = {
        "machine": machine(),
        "documents": DOCUMENTS,
        "seconds_per_step": seconds,
        "json_search": {},
    }
    server = start_server(db, corpus, port)
    try:
        loop = asyncio.new_event_loop()
        for paths in (json_paths, page_paths):  # warm-up: every query once
            loop.run_until_complete(_run_step(port, paths, 1, 2.0, None))
        results["server_rss_mb_start"] = _server_memory_mb(server)
        for clients in client_steps:
            print(f"… JSON search, {clients} clients", file=sys.stderr, flush=True)
            step = loop.run_until_complete(_run_step(port, json_paths, clients, seconds, None))
            results["json_search"][str(clients)] = step.summary()
        print(f"… search page, {PAGE_CLIENTS} clients", file=sys.stderr, flush=True)
        alone = loop.run_until_complete(_run_step(port, page_paths, PAGE_CLIENTS, seconds, None))
        print(f"… search page, {PAGE_CLIENTS} clients and a heavy SQL request", file=sys.stderr, flush=True)
        heavy = Step()
        beside = loop.run_until_complete(_run_step(port, page_paths, PAGE_CLIENTS, seconds, heavy))
        results["search_page"] = {
            "clients": PAGE_CLIENTS,
            "alone": alone.summary(),
            "with_heavy_sql": beside.summary(),
            "heavy_sql": heavy.summary(),
            "p95_ratio": round((beside.summary()["p95_ms"] or 0) / (alone.summary()["p95_ms"] or 1), 2),
        }
        results["server_rss_mb_end"] = _server_memory_mb(server)
        loop.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    write_results(results, out)
    return results


def table(results: dict[str, Any]) -> str:
    """The results as the Markdown table of bench/README.md."""
    lines = [
        "| clients | requests/s | p50 (ms) | p95 (ms) | errors |",
        "|---|---|---|---|---|",
    ]
    for clients, step in results["json_search"].items():
        lines.append(
            f"| {clients} | {step['requests_per_s']} | {step['p50_ms']} | {step['p95_ms']} | {step['errors']} |"
        )
    page = results["search_page"]
    alone, beside, heavy = page["alone"], page["with_heavy_sql"], page["heavy_sql"]
    lines += [
        "",
        f"| search page, {page['clients']} clients | requests/s | p50 (ms) | p95 (ms) | errors |",
        "|---|---|---|---|---|",
        f"| alone | {alone['requests_per_s']} | {alone['p50_ms']} | {alone['p95_ms']} | {alone['errors']} |",
        f"| beside the heavy SQL request | {beside['requests_per_s']} | {beside['p50_ms']} | {beside['p95_ms']} "
        f"| {beside['errors']} |",
        "",
        f"p95 with ÷ without the heavy request: {page['p95_ratio']}× (target ≤ 2×); the heavy request ran "
        f"{heavy['requests']} times, p50 {heavy['p50_ms']} ms (stopped at the time limit), errors {heavy['errors']}.",
        f"Server memory (RSS): {results['server_rss_mb_start']} MB after warm-up, {results['server_rss_mb_end']} MB "
        "at the end.",
    ]
    return "\n".join(lines)
