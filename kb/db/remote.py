"""Documents at URLs every worker of a cluster reaches (fsspec: S3-compatible storage, HTTP, …).

A URL names one document or a folder of them (``s3://bucket/2024/``,
``https://host/disclosures/``, an HTTP server's index page). The client
lists them and hashes their bytes (the same content is built once, as for
local files); each worker then fetches the documents of its tasks itself
(:func:`kb.db.stages.job_rows`). fsspec and the protocol's own package
(``s3fs`` for S3, ``aiohttp`` for HTTP) must be installed on the client and
the workers.
"""

from __future__ import annotations

import hashlib
from typing import Any

from kb.errors import UsageError
from kb.read.sniff import KNOWN_UNSUPPORTED, SUFFIXES

# The document types a folder is searched for, as for local folders (kb/db/build.py: DOCUMENT_SUFFIXES).
DOCUMENT_SUFFIXES = tuple(sorted({*SUFFIXES, *KNOWN_UNSUPPORTED}))


def _fs(url: str) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError:
        raise UsageError(
            f"{url}: 读取 URL 需要 fsspec（pip install -e '.[cluster]'）(reading URLs needs fsspec)"
        ) from None
    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise UsageError(f"{url}: 无法读取这种 URL (unsupported URL): {exc}") from None


def discover_url(url: str) -> list[str]:
    """The document URLs under ``url`` (itself when it names a file), in name order; hidden names left out."""
    fs, path = _fs(url)
    try:
        if not fs.isdir(path):
            if not fs.exists(path):
                raise UsageError(f"{url}: 文件或目录不存在 (no such file or directory)")
            return [url]
        found = fs.find(path)
    except OSError as exc:
        raise UsageError(f"{url}: 无法列出文档 (cannot list the documents): {exc}") from None
    scheme = url.split("://", 1)[0]
    documents = []
    for name in sorted(found):
        parts = name.rstrip("/").split("/")
        if any(part.startswith(".") for part in parts) or not name.lower().endswith(DOCUMENT_SUFFIXES):
            continue
        documents.append(name if "://" in name else f"{scheme}://{name}")
    return documents


def url_digest(url: str) -> str:
    """The SHA-256 of the document's bytes (raises OSError when it cannot be read)."""
    fs, path = _fs(url)
    digest = hashlib.sha256()
    with fs.open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
