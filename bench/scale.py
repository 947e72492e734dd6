"""The scaling benchmark: the local build and the Dask build side by side, and a corpus ten times larger.

``python -m bench scale`` builds the 1,000-document corpus three ways in one
run — the local build (forked workers, the default) and the Dask build
(``--cluster local:1`` and ``local:2``) — then the 10,000-document corpus
with the Dask build, and measures ranked FTS5, Whoosh and Datasette's search
page on the 1,000- and 10,000-document knowledge bases. It prints a table
and writes ``bench/scale.json``: documents per second, wall seconds of each
stage, the 1,000 → 10,000 ratio of each stage, and the serial part (the load
into SQLite) with the speed-up Amdahl's law predicts from it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.queries import QUERIES
from bench.run import (
    STAGES,
    WORKER_CPU,
    BenchError,
    datasette_latency,
    ensure_corpus,
    machine,
    run_measured,
    timed,
    write_results,
)

SCALE_RESULTS = Path(__file__).resolve().parent / "scale.json"
# What only the client can do, one process, after (or beside) the workers: the load into SQLite and the index.
SERIAL = ("sqlite_insert", "sqlite_corpus_tables", "sqlite_index", "whoosh_wait", "whoosh_join")
# CPU seconds of the client's serial load (the wall seconds of SERIAL also count waiting for a busy CPU), and
# of writing the Whoosh index (a forked process of the client in a local build, the workers in a Dask build).
CLIENT_CPU = ("sqlite_insert_cpu", "sqlite_finish_cpu", "whoosh_cpu")


def _spin(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(n):
        total += i * i % 7
    return time.perf_counter() - started


def parallel_ceiling(rounds: int = 3, n: int = 20_000_000) -> list[float]:
    """How much more two CPU-bound Python processes do than one on this machine (2.0 on two idle, real cores).

    A 2-vCPU virtual machine often gives less; no build can scale past it, so it is recorded beside the builds.
    """
    import multiprocessing

    ratios = []
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for _ in range(rounds):
            one = _spin(n)
            started = time.perf_counter()
            pool.map(_spin, [n, n])
            ratios.append(round(2 * one / (time.perf_counter() - started), 2))
    return ratios


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measure_build(corpus: Path, db: Path, cluster: str | None, workers: int) -> dict[str, Any]:
    """One build in a child process: wall seconds, peak memory of its process tree, its stages."""
    command = [sys.executable, "-m", "bench.probe", "build", str(corpus), str(db), "--workers", str(workers)]
    if cluster:
        command += ["--cluster", cluster]
    load_before = _load()
    started_cpu = os.times()
    seconds, peak, output = run_measured(command)
    ended_cpu = os.times()
    report = json.loads(output)
    timings = report["timings"]
    serial = sum(timings.get(stage, 0.0) for stage in SERIAL)
    return {
        "cluster": cluster,
        "workers": workers,
        "documents": report["documents"] + report["failed"],
        "indicators": report["indicators"],
        "failed": report["failed"],
        "seconds": round(seconds, 2),
        "documents_per_second": round((report["documents"] + report["failed"]) / seconds, 2),
        "peak_memory_mb": round(peak / 2**20),
        # CPU seconds of the build's whole process tree (workers, scheduler, client): unlike wall time, hardly
        # changed by other work on the machine.
        "cpu_seconds": round(
            (ended_cpu.children_user - started_cpu.children_user)
            + (ended_cpu.children_system - started_cpu.children_system),
            2,
        ),
        "stages": {stage: round(timings[stage], 2) for stage in STAGES if stage in timings},
        "worker_cpu": {name: round(timings[name], 2) for name in WORKER_CPU if name in timings},
        "client_cpu": {name: round(timings[name], 2) for name in CLIENT_CPU if name in timings},
        "serial_seconds": round(serial, 2),
        "load_average_before": load_before,
        "load_average_after": _load(),
    }


def search_latencies(db: Path, corpus: Path) -> dict[str, Any]:
    """Ranked FTS5, Whoosh (``kb search``'s function) and Datasette's search page on ``db``."""
    from indexer import whoosh_index
    from indexer.fts import search_indicators

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        results: dict[str, Any] = {
            "fts5": timed(lambda q: search_indicators(conn, q, limit=20), QUERIES),
            "whoosh": timed(lambda q: whoosh_index.search(whoosh_index.index_dir_for(db), conn, q, limit=20), QUERIES),
        }
    finally:
        conn.close()
    results["datasette"], results["pages"] = datasette_latency(db, corpus)
    return results


def amdahl(one: dict[str, Any], two: dict[str, Any]) -> dict[str, Any]:
    """The serial part of the 1-worker build and the times Amdahl's law predicts for more workers."""
    total, serial = one["seconds"], one["serial_seconds"]
    parallel = total - serial
    predicted = {str(n): round(serial + parallel / n, 2) for n in (1, 2, 4, 8, 16, 64)}
    return {
        "serial_seconds": serial,
        "serial_share": round(serial / total, 3),
        "parallel_seconds": round(parallel, 2),
        "predicted_seconds": predicted,
        "predicted_speedup": {n: round(total / t, 2) for n, t in predicted.items()},
        # From the unrounded rates: a few PDFs a second rounds to 0.1 or 0.2 documents a second.
        "measured_speedup_2_workers": round(
            (two["documents"] / two["seconds"]) / (one["documents"] / one["seconds"]), 2
        ),
        "limit_speedup": round(total / serial, 1) if serial else None,
    }


def compare_on_pdfs(work: Path, out: Path, results: dict[str, Any], count: int) -> None:
    """``count`` generated PDFs built with the Dask build on one and two workers: the speed-up when reading dominates.

    A text document parses in about a tenth of a second, so on a small machine the serial load into SQLite
    and Dask's own overhead weigh as much as the work that spreads; a 50–150-page PDF takes seconds to
    read, as the disclosures people download do, and the same serial load becomes a rounding error.
    """
    from bench.pdf import ensure_pdfs

    folder, _ = ensure_pdfs(work, count)
    for name, cluster, workers in (("dask-1", "local:1", 1), ("dask-2", "local:2", 2)):
        print(f"… {count} PDF documents, {name}", file=sys.stderr, flush=True)
        results["builds"][f"pdf-{count}/{name}"] = measure_build(
            folder, work / f"scale-pdf-{count}-{name}.db", cluster, workers
        )
        write_results(results, out)
    one, two = results["builds"][f"pdf-{count}/dask-1"], results["builds"][f"pdf-{count}/dask-2"]
    results["pdf_amdahl"] = amdahl(one, two)
    write_results(results, out)


def _ratios(large_run: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, float]:
    ratios = {
        stage: round(large_run["stages"][stage] / statistics.median(run["stages"][stage] for run in runs), 2)
        for stage in STAGES
        if all(run["stages"].get(stage) for run in runs) and stage in large_run["stages"]
    }
    ratios["whole build"] = round(large_run["seconds"] / statistics.median(run["seconds"] for run in runs), 2)
    return ratios


def stage_ratios(results: dict[str, Any]) -> dict[str, float]:
    """Each stage of the large corpus's Dask build over the same stage of the small corpus's 2-worker builds.

    The small builds take a minute or two, so the host's other work moves their stages by a quarter from run
    to run; with several of them (``--pairs``) the ratio is taken to their median.
    """
    small, large = results["small"], results["large"]
    runs = [run for name, run in results["builds"].items() if name.split(" round")[0] == f"{small}/dask-2"]
    return _ratios(results["builds"][f"{large}/dask-2"], runs)


def stage_ratios_same_period(results: dict[str, Any]) -> dict[str, float]:
    """The same ratios to the small 2-worker build run just before the large one: when the host's speed moved
    between that period and the ``--pairs`` rounds, the median of all of them no longer compares like with like."""
    small, large = results["small"], results["large"]
    return _ratios(results["builds"][f"{large}/dask-2"], [results["builds"][f"{small}/dask-2"]])


def record_stage_ratios(results: dict[str, Any]) -> None:
    """Both kinds of stage ratio into ``results`` (once the large corpus has been built)."""
    results["stage_ratio"] = stage_ratios(results)
    results["stage_ratio_same_period"] = stage_ratios_same_period(results)


def repeat_pairs(work: Path, out: Path, results: dict[str, Any], rounds: int) -> None:
    """``rounds`` more Dask builds of the small corpus on one and two workers, alternating, added to ``results``.

    On a shared virtual machine one pair's wall-clock ratio varies by a quarter from run to run (the host's
    other work); every pair's ratio and their median are recorded.
    """
    small = int(results["small"])
    corpus = ensure_corpus(work, small)
    done = sum(1 for name in results["builds"] if name.startswith(f"{small}/dask-1"))
    for round_ in range(done + 1, done + rounds + 1):
        for name, cluster, workers in (("dask-1", "local:1", 1), ("dask-2", "local:2", 2)):
            print(f"… {small} documents, {name}, round {round_}", file=sys.stderr, flush=True)
            results["builds"][f"{small}/{name} round {round_}"] = measure_build(
                corpus, work / f"scale-{small}-{name}-round.db", cluster, workers
            )
            write_results(results, out)
    pairs = []
    for one_name in [n for n in results["builds"] if n.startswith(f"{small}/dask-1")]:
        one, two = results["builds"][one_name], results["builds"][one_name.replace("dask-1", "dask-2")]
        pairs.append(round(one["seconds"] / two["seconds"], 2))
    results["pair_speedups"] = pairs
    results["pair_speedup_median"] = round(statistics.median(pairs), 2)
    if f"{results['large']}/dask-2" in results["builds"]:
        record_stage_ratios(results)
    write_results(results, out)


def run_scale(work: Path, out: Path, small: int, large: int, compare: bool = True, pdfs: int = 0) -> dict[str, Any]:
    """Every measurement of the scaling benchmark; written to ``out`` and returned.

    Without ``compare`` the small corpus is built only with the Dask build on two workers (what the
    ratios to the large corpus and the query latencies need), not the local and one-worker builds.
    With ``pdfs``, that many generated PDFs are also built on one and two Dask workers.
    """
    if not work.is_dir():
        raise BenchError(f"work folder {work} does not exist")
    results: dict[str, Any] = {"machine": machine(), "small": small, "large": large, "builds": {}, "queries": {}}
    results["two_process_ceiling"] = parallel_ceiling()
    small_corpus = ensure_corpus(work, small)
    runs = (("local-2", None, 2), ("dask-1", "local:1", 1), ("dask-2", "local:2", 2))
    if not compare:
        runs = runs[2:]
    for name, cluster, workers in runs:
        print(f"… {small} documents, {name}", file=sys.stderr, flush=True)
        results["builds"][f"{small}/{name}"] = measure_build(
            small_corpus, work / f"scale-{small}-{name}.db", cluster, workers
        )
        write_results(results, out)
    if pdfs:
        compare_on_pdfs(work, out, results, pdfs)
    print(f"… {small} documents, queries", file=sys.stderr, flush=True)
    results["queries"][str(small)] = search_latencies(work / f"scale-{small}-dask-2.db", small_corpus)
    write_results(results, out)
    started = time.perf_counter()
    large_corpus = ensure_corpus(work, large)
    results["large_corpus_seconds"] = round(time.perf_counter() - started, 1)
    print(f"… {large} documents, dask-2", file=sys.stderr, flush=True)
    results["builds"][f"{large}/dask-2"] = measure_build(large_corpus, work / f"scale-{large}-dask-2.db", "local:2", 2)
    write_results(results, out)
    print(f"… {large} documents, queries", file=sys.stderr, flush=True)
    results["queries"][str(large)] = search_latencies(work / f"scale-{large}-dask-2.db", large_corpus)
    record_stage_ratios(results)
    if compare:
        results["amdahl"] = amdahl(results["builds"][f"{small}/dask-1"], results["builds"][f"{small}/dask-2"])
    write_results(results, out)
    return results


def scale_table(results: dict[str, Any]) -> str:
    """The builds side by side, the stage ratios, the query latencies and the Amdahl estimate."""
    builds = results["builds"]
    names = list(builds)
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]

    def row(label: str, values: list[Any]) -> None:
        lines.append(f"| {label} | " + " | ".join(str(v) for v in values) + " |")

    row("documents", [b["documents"] for b in builds.values()])
    row("indicators", [b["indicators"] for b in builds.values()])
    row("wall (s)", [b["seconds"] for b in builds.values()])
    row("**documents / s**", [b["documents_per_second"] for b in builds.values()])
    row("CPU of the process tree (s)", [b["cpu_seconds"] for b in builds.values()])
    row("peak memory, PSS (MB)", [b["peak_memory_mb"] for b in builds.values()])
    for stage in STAGES:
        row(f"  stage {stage} (s)", [b["stages"].get(stage, "") for b in builds.values()])
    for name in WORKER_CPU:
        row(f"  {name} (s)", [b["worker_cpu"].get(name, "") for b in builds.values()])
    row("serial: load into SQLite (s)", [b["serial_seconds"] for b in builds.values()])
    row(
        "load average before / after",
        [f"{b['load_average_before'][0]} / {b['load_average_after'][0]}" for b in builds.values()],
    )
    out = ["\n".join(lines)]
    if "two_process_ceiling" in results:
        out.append(f"\ntwo CPU-bound processes do {results['two_process_ceiling']}× one on this machine")
    small, large = results.get("small"), results.get("large")
    for key, label in (
        (
            "stage_ratio",
            f"{small} → {large} documents, Dask build, ratio of each stage (to the median of the "
            f"{small}-document 2-worker builds)",
        ),
        ("stage_ratio_same_period", f"the same, to the {small}-document 2-worker build run just before the large one"),
    ):
        if key in results:
            out.append(f"\n{label}:\n" + "\n".join(f"- {stage}: {ratio}×" for stage, ratio in results[key].items()))
    if results.get("queries"):
        sizes = list(results["queries"])
        qlines = ["| p50 / p95 (ms) | " + " | ".join(f"{s} docs" for s in sizes) + " |", "|---|" + "---|" * len(sizes)]
        for name in ("fts5", "whoosh", "datasette"):
            qlines.append(
                f"| {name} | "
                + " | ".join(
                    f"{results['queries'][s][name]['p50']} / {results['queries'][s][name]['p95']}" for s in sizes
                )
                + " |"
            )
        out.append("\n" + "\n".join(qlines))
    if "pair_speedups" in results:
        out.append(
            f"\nDask 2 workers / 1 worker, wall clock, each pair of the small corpus: {results['pair_speedups']} "
            f"(median {results['pair_speedup_median']}×)"
        )
    for key, label in (("amdahl", "text documents"), ("pdf_amdahl", "PDF documents")):
        if key not in results:
            continue
        a = results[key]
        out.append(
            f"\nAmdahl ({label}, one worker): serial {a['serial_seconds']} s of "
            f"{a['serial_seconds'] + a['parallel_seconds']:.1f} s "
            f"({a['serial_share']:.1%}); predicted speed-up {a['predicted_speedup']}; "
            f"measured at 2 workers {a['measured_speedup_2_workers']}×; limit {a['limit_speedup']}×"
        )
    return "\n".join(out)


def main(
    work: Path,
    out: Path,
    small: int,
    large: int,
    compare: bool = True,
    pdfs: int = 0,
    pdfs_only: bool = False,
    pairs: int = 0,
) -> int:
    """``python -m bench scale``; with ``pdfs_only`` (the PDF builds measured again) or ``pairs`` (more
    one-/two-worker rounds of the small corpus), added to the results of an earlier run in ``out``."""
    if pdfs_only or pairs:
        if (pdfs_only and not pdfs) or not out.exists():
            raise BenchError("--pdfs-only needs --pdfs N, and both it and --pairs the results of an earlier run")
        results = json.loads(out.read_text(encoding="utf-8"))
        results["two_process_ceiling"] = parallel_ceiling()
        if pdfs_only:
            compare_on_pdfs(work, out, results, pdfs)
        if pairs:
            repeat_pairs(work, out, results, pairs)
    else:
        results = run_scale(work, out, small, large, compare, pdfs)
    print(scale_table(results))
    print(f"\nwrote {out}")
    return 0
