"""Serving the knowledge base with Datasette (``kb serve`` and ``make serve``)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from kb.db.build import discover
from kb.web.metadata import render

DEFAULT_PORT = 8001
DEFAULT_HOST = "127.0.0.1"


def is_stale(db_path: Path, sources: Sequence[str | Path]) -> bool:
    """True when the database is missing or older than any source file or folder."""
    if not db_path.exists():
        return True
    built = db_path.stat().st_mtime
    newest = max(
        [Path(s).stat().st_mtime for s in sources if Path(s).exists()]
        + [p.stat().st_mtime for p in discover([s for s in sources if Path(s).exists()])],
        default=0.0,
    )
    return newest > built


def datasette_args(db_path: Path, metadata_path: Path, host: str, port: int) -> list[str]:
    """The ``datasette serve`` arguments: read-only (immutable), loopback, our metadata."""
    return [
        "serve",
        "-i",
        str(db_path),
        "--metadata",
        str(metadata_path),
        "-h",
        host,
        "-p",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "5000",
        "--setting",
        "facet_time_limit_ms",
        "1000",
        "--setting",
        "default_facet_size",
        "15",
        # Suggesting facets tries every column of a search's rows: seconds on a city's knowledge base.
        "--setting",
        "suggest_facets",
        "off",
    ]


def write_metadata(db_path: Path) -> Path:
    """The metadata for a database of this name, in a temporary file Datasette reads."""
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", prefix="kb-metadata-", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(render(db_path.stem))
    return Path(handle.name)


def run_datasette(args: list[str]) -> None:
    """Run Datasette's own command line in this process (blocks until stopped)."""
    from datasette.cli import cli as datasette_cli

    datasette_cli.main(args=args, prog_name="datasette", standalone_mode=True)
