"""Serving the knowledge base with Datasette (``kb serve`` and ``make serve``)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from pathlib import Path

from kb.db.build import discover, documents_lost_by_rebuild
from kb.db.validate import check_database
from kb.errors import KbError, OtherVersionError

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


def rebuild_reason(db_path: Path, sources: Sequence[str | Path]) -> tuple[str | None, str | None]:
    """Why ``kb serve`` builds ``db_path`` from ``sources`` before serving it (None: it serves it as it is), and
    a note when it would but does not.

    A knowledge base that is missing is built; one older than the documents, or built by another version of
    the tool, is rebuilt only when every document it holds is among them: one built from other documents (or
    added to with ``kb build --add``) is left as it is, with the note naming a document a rebuild would lose.
    Any other problem with the file is left to :func:`check_database` to name.
    """
    if not db_path.exists():
        return "不存在", None
    where = "、".join(map(str, sources))
    try:
        check_database(db_path)
        why = None if not is_stale(db_path, sources) else f"早于 {where} 中的文档"
    except OtherVersionError:
        why = "由其他版本的本工具构建"
    except KbError:
        return None, None
    if why is None:
        return None, None
    lost = documents_lost_by_rebuild(db_path, sources)
    if lost is None:
        return None, None
    if lost:
        return None, (
            f"{db_path} {why}，但其中 {len(lost)} 份文档不在 {where} 中（如 {lost[0]}），重建会丢掉它们，"
            f"所以没有自动重建；要重建请用 kb build (not rebuilt from {where}: it holds documents that are not there)"
        )
    return why, None


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
