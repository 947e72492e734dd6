"""``python -m bench.docgen FORM SOURCE --out PATH``: write a generated document in one form.

    python -m bench.docgen pdf seed --out /tmp/seed.pdf
    python -m bench.docgen pdf seed --out /tmp/seed-kangxi.pdf -o kangxi
    python -m bench.docgen html seed --out /tmp/seed.html -o thead -o entities
    python -m bench.docgen md seed --out /tmp/seed.md -o merged=repeat
    python -m bench.docgen --list

FORM is one of the forms of :mod:`bench.docgen.render` (txt, md, html, md-html,
pdf, layout, xlsx, docx) or a bad input (encrypted-pdf, scanned-pdf, …);
SOURCE names a document in :data:`SOURCES`. ``-o NAME[=VALUE]`` passes an
option to the form's renderer (``-o NAME`` alone means true).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from bench.docgen.blocks import GeneratedDoc
from bench.docgen.render import BAD_FORMS, FORMS, options_of, render
from bench.docgen.seed import seed_doc

# Documents by name; made-up documents of other templates are added here as they are written.
SOURCES: dict[str, Callable[[], GeneratedDoc]] = {
    "seed": seed_doc,
}


def _option(text: str) -> tuple[str, object]:
    """``name=value`` → (name, value) with true/false/numbers converted; ``name`` alone → (name, True)."""
    name, sep, raw = text.partition("=")
    name = name.replace("-", "_")
    if not sep:
        return name, True
    if raw.lower() in ("true", "false"):
        return name, raw.lower() == "true"
    for convert in (int, float):
        try:
            return name, convert(raw)
        except ValueError:
            pass
    return name, raw


def _listing() -> str:
    lines = ["forms (options):"]
    for form in [*FORMS, *BAD_FORMS]:
        options = [name for name in options_of(form) if name != "browser"]  # a Python object, not a CLI option
        lines.append(f"  {form} ({', '.join(options) or '-'})")
    lines += ["sources:", *(f"  {name}" for name in SOURCES)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.docgen", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("form", nargs="?", choices=[*FORMS, *BAD_FORMS], metavar="FORM")
    parser.add_argument("source", nargs="?", choices=list(SOURCES), metavar="SOURCE")
    parser.add_argument("--out", type=Path, help="the file to write")
    parser.add_argument(
        "-o",
        "--option",
        action="append",
        type=_option,
        default=[],
        metavar="NAME[=VALUE]",
        help="an option of the form's renderer (repeatable)",
    )
    parser.add_argument("--list", action="store_true", help="list the forms, their options and the sources")
    args = parser.parse_args(argv)
    if args.list:
        print(_listing())
        return 0
    if args.form is None or args.source is None or args.out is None:
        parser.error("FORM, SOURCE and --out are required")
    try:
        render(SOURCES[args.source](), args.form, args.out, **dict(args.option))
    except (TypeError, ValueError, OSError) as error:
        print(f"python -m bench.docgen: {error}", file=sys.stderr)
        return 2
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
