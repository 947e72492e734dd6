"""What the benchmark runs in a child process, so its memory and time are the child's alone.

``python -m bench.probe build CORPUS DB [--workers N]`` builds and prints the
build report as JSON; ``python -m bench.probe floor TEXTS [--workers N]
[--no-hmm]`` segments every line of TEXTS with jieba alone, on N processes,
and prints the seconds it took.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import jieba

_TOKENIZER: jieba.Tokenizer | None = None


def _segment(job: tuple[list[str], bool]) -> int:
    texts, hmm = job
    assert _TOKENIZER is not None
    return sum(len(list(_TOKENIZER.cut(text, HMM=hmm))) for text in texts)


def floor(texts_file: Path, workers: int, hmm: bool) -> dict[str, float]:
    """Seconds jieba alone takes to segment every line of ``texts_file`` on ``workers`` processes.

    The dictionary is loaded once and the workers forked from it, as the
    build does; loading it is not counted.
    """
    global _TOKENIZER
    jieba.setLogLevel(logging.WARNING)
    _TOKENIZER = jieba.Tokenizer()
    _TOKENIZER.initialize()
    texts = texts_file.read_text(encoding="utf-8").split("\n")
    chunk = max(1, len(texts) // (workers * 8))
    jobs = [(texts[i : i + chunk], hmm) for i in range(0, len(texts), chunk)]
    started = time.perf_counter()
    if workers <= 1:
        words = sum(map(_segment, jobs))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            words = sum(pool.map(_segment, jobs))
    return {
        "seconds": time.perf_counter() - started,
        "texts": len(texts),
        "characters": sum(map(len, texts)),
        "words": words,
    }


def build(corpus: Path, db: Path, workers: int | None, cluster: str | None = None) -> dict:
    """Build the knowledge base of ``corpus`` into ``db`` (on a Dask cluster with ``cluster``); the build's report."""
    from kb.db.build import build_knowledge_base

    report = build_knowledge_base([corpus], db, workers=workers, cluster=cluster)
    return {
        "seconds": report.seconds,
        "documents": report.documents,
        "failed": len(report.failed),
        "indicators": report.indicators,
        "warnings": report.warnings,
        "timings": report.timings,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.probe")
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build")
    build_parser.add_argument("corpus", type=Path)
    build_parser.add_argument("db", type=Path)
    build_parser.add_argument("--workers", type=int, default=None)
    build_parser.add_argument("--cluster", default=None)
    floor_parser = commands.add_parser("floor")
    floor_parser.add_argument("texts", type=Path)
    floor_parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    floor_parser.add_argument("--no-hmm", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "build":
        result = build(args.corpus, args.db, args.workers, args.cluster)
    else:
        result = floor(args.texts, args.workers, not args.no_hmm)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
