"""The benchmark: build and query the knowledge base at 1, 100 and 1000 documents, side by side.

For each size it generates the corpus (:mod:`bench.corpus`), builds it in a
child process while sampling the memory of the whole process tree, times
jieba alone on the same text on the same cores (the floor), and measures
query latency over :data:`bench.queries.QUERIES`: ranked FTS5 through SQL,
the same queries as a ``LIKE '%…%'`` scan, Whoosh through ``kb search``'s
function, ``kb similar``, and Datasette's search page over HTTP on loopback.
At the largest size it also times adding one document (``kb build --add``).
The results are printed as a table and written to ``bench/results.json``
(through a temporary file, so an interrupted run leaves no half-written file).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.corpus import SEED, department, generate, render
from bench.pages import page_latencies
from bench.queries import QUERIES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
CORPUS_SEED = 2024
SAMPLE_SECONDS = 0.05
# Reading the PSS of a process walks its page tables (20 ms for a 2.3 GB process): sampled every 50 ms regardless,
# the sampler took a quarter to half of a core — from the build itself when the build used every core, so builds
# with as many workers as cores measured slower than they are. Samples are spaced to keep it under this share.
SAMPLER_SHARE = 0.05


class BenchError(Exception):
    """A request the benchmark refuses: a size that is not positive, a folder that does not exist."""


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory = next(
        (
            int(line.split()[1]) * 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


# ---------------------------------------------------------------- corpus


def _generator_fingerprint(seed: int) -> str:
    digest = hashlib.sha256(Path(__file__).with_name("corpus.py").read_bytes())
    digest.update(SEED.read_bytes())
    digest.update(str(seed).encode())
    return digest.hexdigest()


def ensure_corpus(work: Path, count: int, seed: int = CORPUS_SEED) -> Path:
    """The corpus of ``count`` documents under ``work``, generated unless an identical one is there."""
    folder = work / f"corpus-{count}"
    manifest = folder / ".manifest.json"
    wanted = {"count": count, "generator": _generator_fingerprint(seed)}
    if manifest.exists() and json.loads(manifest.read_text()) == wanted:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    documents = list(generate(count, folder, seed))
    manifest.write_text(json.dumps(wanted))
    (folder / ".truth.json").write_text(
        json.dumps({"projects": sum(d.projects for d in documents), "indicators": sum(d.indicators for d in documents)})
    )
    return folder


# ---------------------------------------------------------------- processes and memory


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def _memory(pids: Sequence[int]) -> int:
    """Bytes the processes use together: the sum of their proportional set sizes.

    Forked workers share the parent's pages until they write them; summing
    resident sizes would count a shared page once per process, PSS splits it.
    """
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


def run_measured(command: Sequence[str]) -> tuple[float, int, str]:
    """Run ``command``; its wall time, the peak memory (PSS) of its process tree, and its output."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            began = time.perf_counter()
            peak = max(peak, _memory(_tree(process.pid)))
            cost = time.perf_counter() - began
            time.sleep(max(SAMPLE_SECONDS, cost * (1 / SAMPLER_SHARE - 1)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise BenchError(f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-2000:]}")
    return seconds, peak, stdout


# ---------------------------------------------------------------- latency


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95 (nearest rank), mean and max of latencies in milliseconds."""
    ordered = sorted(samples_ms)
    rank = max(0, math.ceil(0.95 * len(ordered)) - 1)
    return {
        "p50": round(
            ordered[len(ordered) // 2]
            if len(ordered) % 2
            else (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2,
            2,
        ),
        "p95": round(ordered[rank], 2),
        "mean": round(sum(ordered) / len(ordered), 2),
        "max": round(ordered[-1], 2),
        "n": len(ordered),
    }


def timed(call: Callable[[Any], Any], items: Sequence[Any]) -> dict[str, float]:
    """Latency of ``call`` on each item, after one warm-up pass over them all."""
    for item in items:
        call(item)
    samples = []
    for item in items:
        started = time.perf_counter()
        call(item)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def _like_scan(conn: sqlite3.Connection) -> Callable[[str], list]:
    sql = (
        "SELECT i.id FROM indicators i JOIN projects p ON p.id = i.project_id WHERE i.level3 LIKE ?1 "
        "OR i.description LIKE ?1 OR i.target_raw LIKE ?1 OR i.basis LIKE ?1 OR p.name LIKE ?1"
    )
    return lambda query: conn.execute(sql, (f"%{query}%",)).fetchall()


def _probe_ids(conn: sqlite3.Connection, count: int = len(QUERIES)) -> list[int]:
    total = conn.execute("SELECT count(*) FROM indicators").fetchone()[0]
    step = max(1, total // count)
    return [row[0] for row in conn.execute("SELECT id FROM indicators ORDER BY id")][::step][:count]


def query_latencies(db: Path) -> dict[str, dict[str, float]]:
    """FTS5, LIKE, Whoosh and kb similar latencies on the built knowledge base ``db``."""
    from indexer import whoosh_index
    from indexer.fts import search_indicators
    from indexer.similarity import probe_for_indicator, similar

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    directory = whoosh_index.index_dir_for(db)
    results = {
        "fts5": timed(lambda q: search_indicators(conn, q, limit=20), QUERIES),
        "like": timed(_like_scan(conn), QUERIES),
        "whoosh": timed(lambda q: whoosh_index.search(directory, conn, q, limit=20), QUERIES),
        "similar": timed(lambda i: similar(conn, probe_for_indicator(conn, i), 20), _probe_ids(conn)),
    }
    conn.close()
    return results


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def datasette_latency(db: Path, corpus: Path) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Latency of Datasette's search page (``/kb/indicators?_search=…``) and of the reviewer pages
    (:mod:`bench.pages`) over HTTP on loopback."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "serve", "--db", str(db), "--data", str(corpus), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}/{db.stem}/indicators?_search="
    try:
        deadline = time.monotonic() + 600  # a large knowledge base on a busy machine starts slowly
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-/metadata.json", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise BenchError("kb serve did not start") from None
                time.sleep(0.2)

        def fetch(query: str) -> None:
            with urllib.request.urlopen(base + urllib.parse.quote(query), timeout=60) as response:
                assert response.status == 200
                response.read()

        return timed(fetch, QUERIES), page_latencies(f"http://127.0.0.1:{port}", db, timed)
    finally:
        server.terminate()
        server.wait(timeout=20)


# ---------------------------------------------------------------- one size


def export_texts(db: Path, path: Path) -> None:
    """Every text the build segments, one per line: what the floor segments too."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn, path.open("w", encoding="utf-8") as out:
        for row in conn.execute(
            "SELECT i.level3, i.description, i.target_raw, i.basis, p.name FROM indicators i "
            "JOIN projects p ON p.id = i.project_id"
        ):
            out.write("\n".join(" ".join((text or "").split()) for text in row) + "\n")
        for row in conn.execute(
            "SELECT gi.name, gi.target_raw, g.goal FROM goal_indicators gi JOIN dept_goals g ON g.id = gi.dept_goal_id"
        ):
            out.write("\n".join(" ".join((text or "").split()) for text in row) + "\n")


def add_one_document(db: Path, work: Path) -> dict[str, float]:
    """Wall time of ``kb build --add`` of one new document to a copy of ``db`` (and its Whoosh index)."""
    copy = work / "incremental" / "kb.db"
    shutil.rmtree(copy.parent, ignore_errors=True)
    copy.parent.mkdir(parents=True)
    shutil.copyfile(db, copy)
    shutil.copytree(db.with_suffix(".whoosh"), copy.with_suffix(".whoosh"))
    rendered = render(department(99_999), 2026, CORPUS_SEED)
    document = copy.parent / "new-document.txt"
    document.write_text(rendered.text, encoding="utf-8")
    seconds, peak, _ = run_measured(
        [sys.executable, "-m", "kb.cli", "build", "--add", str(document), "--db", str(copy)]
    )
    return {"seconds": round(seconds, 2), "peak_memory_mb": round(peak / 2**20), "indicators": rendered.indicators}


def measure_size(count: int, work: Path, workers: int, incremental: bool) -> dict[str, Any]:
    """Everything measured for a corpus of ``count`` documents."""
    corpus = ensure_corpus(work, count)
    truth = json.loads((corpus / ".truth.json").read_text())
    db = work / f"kb-{count}.db"
    seconds, peak, output = run_measured(
        [sys.executable, "-m", "bench.probe", "build", str(corpus), str(db), "--workers", str(workers)]
    )
    report = json.loads(output)
    texts = work / f"texts-{count}.txt"
    export_texts(db, texts)
    floors = {}
    for mode, flag in (("jieba_default", []), ("jieba_no_hmm", ["--no-hmm"])):
        _, _, floor_output = run_measured(
            [sys.executable, "-m", "bench.probe", "floor", str(texts), "--workers", str(workers), *flag]
        )
        floors[mode] = json.loads(floor_output)
    result: dict[str, Any] = {
        "documents": count,
        "indicators": report["indicators"],
        "parsed_all": report["indicators"] == truth["indicators"] and report["failed"] == 0,
        "build": {
            "seconds": round(seconds, 2),
            "peak_memory_mb": round(peak / 2**20),
            "phases": {k: round(v, 2) for k, v in report["timings"].items()},
        },
        "floor": {
            mode: {"seconds": round(f["seconds"], 2), "characters": f["characters"]} for mode, f in floors.items()
        },
        "queries": query_latencies(db),
    }
    result["build"]["ratio_to_floor"] = round(seconds / floors["jieba_default"]["seconds"], 2)
    result["build"]["ratio_to_floor_no_hmm"] = round(seconds / floors["jieba_no_hmm"]["seconds"], 2)
    result["queries"]["datasette"], result["pages"] = datasette_latency(db, corpus)
    like, fts = result["queries"]["like"]["p50"], result["queries"]["fts5"]["p50"]
    result["queries"]["fts5_speedup_over_like_p50"] = round(like / fts, 1) if fts else None
    if incremental:
        result["add_one_document"] = add_one_document(db, work)
    return result


# ---------------------------------------------------------------- report


TARGETS = {
    "build seconds (1000 docs)": "≤ 120",
    "build peak memory (1000 docs)": "≤ 1536 MB",
    "build ÷ jieba floor": "≤ 2",
    "FTS5 p95": "≤ 20 ms",
    "FTS5 speed-up over LIKE (p50)": "≥ 50×",
    "Whoosh p95": "≤ 50 ms",
    "kb similar p95": "≤ 100 ms",
    "Datasette search page p95": "≤ 250 ms",
    "reviewer pages p95 (each)": "≤ 300 ms",
    "add one document": "≤ 5 s",
}


PAGE_LABELS = {
    "indicator": "indicator",
    "project": "project",
    "family": "family",
    "family_list": "family list",
    "findings": "findings (审核)",
    "overview": "overview (database page)",
    "rules": "rules",
}


def table(results: dict[str, Any]) -> str:
    """The results side by side, one column per size."""
    sizes = list(results["runs"])
    runs = [results["runs"][s] for s in sizes]

    def row(label: str, values: list[str]) -> str:
        return f"| {label} | " + " | ".join(values) + " |"

    lines = [row("", [f"{s} docs" for s in sizes]), "|---|" + "---|" * len(sizes)]
    lines.append(row("indicators", [str(r["indicators"]) for r in runs]))
    lines.append(row("build wall (s)", [f"{r['build']['seconds']}" for r in runs]))
    lines.append(row("build peak memory (MB)", [f"{r['build']['peak_memory_mb']}" for r in runs]))
    for phase in STAGES:
        lines.append(row(f"  stage {phase} (s)", [f"{r['build']['phases'].get(phase, '')}" for r in runs]))
    for phase in WORKER_CPU:
        lines.append(row(f"  {phase} (s, all workers)", [f"{r['build']['phases'].get(phase, '')}" for r in runs]))
    lines.append(row("jieba floor, default cut (s)", [f"{r['floor']['jieba_default']['seconds']}" for r in runs]))
    lines.append(row("jieba floor, no HMM (s)", [f"{r['floor']['jieba_no_hmm']['seconds']}" for r in runs]))
    lines.append(
        row(
            "build ÷ floor (default / no HMM)",
            [f"{r['build']['ratio_to_floor']} / {r['build']['ratio_to_floor_no_hmm']}" for r in runs],
        )
    )
    for name, label in (
        ("fts5", "FTS5 ranked (ms)"),
        ("like", "LIKE scan (ms)"),
        ("whoosh", "Whoosh (ms)"),
        ("similar", "kb similar (ms)"),
        ("datasette", "Datasette search page (ms)"),
    ):
        lines.append(
            row(f"{label} p50 / p95", [f"{r['queries'][name]['p50']} / {r['queries'][name]['p95']}" for r in runs])
        )
    lines.append(
        row("FTS5 speed-up over LIKE at p50", [f"{r['queries']['fts5_speedup_over_like_p50']}×" for r in runs])
    )
    for page in PAGE_LABELS:
        lines.append(
            row(
                f"{PAGE_LABELS[page]} page p50 / p95 (ms)",
                [
                    f"{r['pages'][page]['p50']} / {r['pages'][page]['p95']}" if page in r.get("pages", {}) else ""
                    for r in runs
                ],
            )
        )
    lines.append(row("add one document (s)", [str(r.get("add_one_document", {}).get("seconds", "")) for r in runs]))
    return "\n".join(lines)


# Wall-clock stages of a build, in order (kb.db.pipeline.run_pipeline and kb.db.build.run_build).
STAGES = (
    "documents",
    "reduce",
    "families",
    "families_counts",
    "families_stats",
    "finalize_and_load",
    "sqlite_insert",
    "sqlite_corpus_tables",
    "sqlite_index",
    "whoosh_wait",
    "whoosh_join",
)
WORKER_CPU = (
    "worker_parse_cpu",
    "worker_tokenise_cpu",
    "worker_rows_cpu",
    "worker_aggregate_cpu",
    "worker_families_cpu",
    "worker_finalize_rows_cpu",
    "worker_finalize_checks_cpu",
    "worker_finalize_pack_cpu",
)


def write_results(results: dict[str, Any], path: Path) -> None:
    """Write ``results`` to ``path`` through a temporary file, so it is whole or absent."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def run(sizes: Sequence[int], work: Path, out: Path, workers: int) -> dict[str, Any]:
    """Measure every size; write and return the results."""
    if any(size <= 0 for size in sizes):
        raise BenchError(f"document counts must be positive, not {', '.join(map(str, sizes))}")
    if not work.is_dir():
        raise BenchError(f"work folder {work} does not exist")
    if not out.parent.is_dir():
        raise BenchError(f"output folder {out.parent} does not exist")
    results: dict[str, Any] = {"machine": machine(), "workers": workers, "targets": TARGETS, "runs": {}}
    # The PDF column (python -m bench pdf) is measured on its own; a run of the sizes keeps it.
    try:
        previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    except ValueError:
        previous = {}
    if isinstance(previous, dict) and "pdf" in previous:
        results["pdf"] = previous["pdf"]
    for size in sorted(sizes):
        print(f"… {size} documents", file=sys.stderr, flush=True)
        results["runs"][str(size)] = measure_size(size, work, workers, incremental=size == max(sizes))
    write_results(results, out)
    return results
