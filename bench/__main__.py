"""``python -m bench``: the benchmark (see :mod:`bench.run`), ``corpus`` to only generate, ``load`` the load test,
``pdf`` the PDF column (see :mod:`bench.pdf`), ``templates`` the templates column (see :mod:`bench.templates`).

python -m bench [--sizes 1,100,1000] [--work bench/out] [--output bench/results.json] [--workers N]
python -m bench corpus --count N --out DIR
python -m bench load [--seconds 30] [--clients 8,16,32,64] [--work bench/out] [--output bench/load_results.json]
python -m bench pdf [--count 100] [--work bench/out] [--output bench/results.json] [--workers N]
python -m bench templates [--count 100] [--work bench/out] [--output bench/results.json]
python -m bench scale [--work bench/out] [--output bench/scale.json] [--small 1000] [--large 10000] [--pdfs N]
python -m bench scale --pdfs-only --pdfs N | --pairs N    # added to the results of an earlier run
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bench.corpus import generate
from bench.load import LOAD_RESULTS, run_load
from bench.load import table as load_table
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
    parser.add_argument(
        "command", nargs="?", choices=["run", "corpus", "load", "pdf", "templates", "scale"], default="run"
    )
    parser.add_argument("--sizes", type=_sizes, default=[1, 100, 1000], help="document counts (default 1,100,1000)")
    parser.add_argument("--work", type=Path, default=None, help="folder for corpora and databases (default bench/out)")
    parser.add_argument("--output", type=Path, default=None, help="results file (default bench/results.json)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="build and floor processes")
    parser.add_argument(
        "--count",
        type=int,
        help="corpus: how many documents; pdf: how many PDFs; templates: how many documents (default 100)",
    )
    parser.add_argument("--out", type=Path, help="corpus: the (existing) folder to write them to")
    parser.add_argument("--seconds", type=float, default=30.0, help="load: seconds per step (default 30)")
    parser.add_argument("--clients", type=_sizes, default=[8, 16, 32, 64], help="load: client counts (8,16,32,64)")
    parser.add_argument("--small", type=int, default=1000, help="scale: the corpus built three ways (default 1000)")
    parser.add_argument("--large", type=int, default=10000, help="scale: the corpus built on Dask (default 10000)")
    parser.add_argument(
        "--no-compare", action="store_true", help="scale: skip the local and one-worker builds of the small corpus"
    )
    parser.add_argument("--pdfs", type=int, default=0, help="scale: also build this many PDFs on 1 and 2 Dask workers")
    parser.add_argument(
        "--pdfs-only", action="store_true", help="scale: only the PDF builds, measured again into the results file"
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=0,
        help="scale: N more alternating 1-/2-worker Dask builds of the small corpus, added to the results file",
    )
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
        if args.command == "pdf":
            from bench.pdf import run_pdf
            from bench.pdf import table as pdf_table

            output = args.output or RESULTS
            print(pdf_table(run_pdf(work, args.count or 100, args.workers, output)))
            print(f"\nwrote {output}")
            return 0
        if args.command == "load":
            output = args.output or LOAD_RESULTS
            print(load_table(run_load(work, output, args.seconds, args.clients)))
            print(f"\nwrote {output}")
            return 0
        if args.command == "scale":
            from bench.scale import SCALE_RESULTS
            from bench.scale import main as scale_main

            return scale_main(
                work,
                args.output or SCALE_RESULTS,
                args.small,
                args.large,
                not args.no_compare,
                args.pdfs,
                args.pdfs_only,
                args.pairs,
            )
        output = args.output or RESULTS
        if args.command == "templates":
            from bench.templates import run_templates
            from bench.templates import table as templates_table

            result = run_templates(work, args.count or 100, output)
            print(templates_table(result))
            print(f"\nwrote {output}")
            return 0
        results = run(args.sizes, work, output, args.workers)
    except (BenchError, ValueError, FileNotFoundError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    print(table(results))
    print(f"\nwrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
