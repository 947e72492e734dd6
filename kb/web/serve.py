"""Serving the knowledge base with Datasette (``kb serve`` and ``make serve``)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from pathlib import Path

from kb.db.build import discover

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


def datasette_args(db_paths: Sequence[Path], metadata_path: Path | None, host: str, port: int) -> list[str]:
    """The ``datasette serve`` arguments: every database read-only (immutable), loopback, a metadata file only
    when given.

    The knowledge base's own metadata (titles, labels, canned queries, full-text
    indexes) comes from the plugin (:mod:`kb.web.served`) under whatever name
    Datasette gives the file; a metadata file adds to it or overrides it.
    """
    metadata = ["--metadata", str(metadata_path)] if metadata_path is not None else []
    return [
        "serve",
        *(argument for path in db_paths for argument in ("-i", str(path))),
        *metadata,
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


def run_datasette(args: list[str]) -> None:
    """Run Datasette's own command line in this process (blocks until stopped)."""
    from datasette.cli import cli as datasette_cli

    datasette_cli.main(args=args, prog_name="datasette", standalone_mode=True)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or a name) reaches this machine only."""
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        pass
    if bare.lower() == "localhost":
        return True
    try:
        found = socket.getaddrinfo(bare, None)
    except (OSError, UnicodeError):
        return False
    addresses = {str(info[4][0]).split("%")[0] for info in found}
    return bool(addresses) and all(ipaddress.ip_address(address).is_loopback for address in addresses)


def exposure_warning(host: str) -> str | None:
    """The warning ``kb serve`` prints when it would serve beyond this machine, or None on loopback."""
    if is_loopback(host):
        return None
    return (
        f"警告：--host {host} 不是本机回环地址，网络上的其他人也能打开这个站点，并在其上执行只读 SQL 查询；"
        f"只在本机使用请去掉 --host（默认 {DEFAULT_HOST}）。"
        f"(warning: {host} is not a loopback address; the site and its SQL are open to the network)"
    )
