"""``python -m bench``: the benchmark (see :mod:`bench.run`), or ``python -m bench corpus`` to only generate.

python -m bench [--sizes 1,100,1000] [--work bench/out] [--output bench/results.json] [--workers N]
python -m bench corpus --count N --out DIR
python -m bench scale [--work bench/out] [--output bench/scale.json] [--small 1000] [--large 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bench.corpus import generate
from bench.run import RESULTS, BenchError, run, table

DEFAULT_WORK = Path(__file__).resolve().parent / "out"


def _sizes(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of document counts: {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", choices=["run", "corpus", "scale"], default="run")
    parser.add_argument("--sizes", type=_sizes, default=[1, 100, 1000], help="document counts (default 1,100,1000)")
    parser.add_argument("--work", type=Path, default=None, help="folder for corpora and databases (default bench/out)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="results file (default bench/results.json)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="build and floor processes")
    parser.add_argument("--count", type=int, help="corpus: how many documents")
    parser.add_argument("--out", type=Path, help="corpus: the (existing) folder to write them to")
    parser.add_argument("--small", type=int, default=1000, help="scale: the corpus built three ways (default 1000)")
    parser.add_argument("--large", type=int, default=10000, help="scale: the corpus built on Dask (default 10000)")
    args = parser.parse_args(argv)
    try:
        if args.command == "corpus":
            if args.count is None or args.out is None:
                raise BenchError("corpus needs --count N and --out DIR")
            documents = list(generate(args.count, args.out))
            print(f"wrote {len(documents)} documents, {sum(d.indicators for d in documents)} indicators, to {args.out}")
            return 0
        work = args.work
        if work is None:
            work = DEFAULT_WORK
            work.mkdir(exist_ok=True)
        if args.command == "scale":
            from bench.scale import SCALE_RESULTS
            from bench.scale import main as scale_main

            output = args.output if args.output != RESULTS else SCALE_RESULTS
            return scale_main(work, output, args.small, args.large)
        results = run(args.sizes, work, args.output, args.workers)
    except (BenchError, ValueError, FileNotFoundError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    print(table(results))
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
