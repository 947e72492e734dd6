"""Helpers shared by the knowledge-base tests: building a database, a Datasette client."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from datasette.app import Datasette

from kb.web.metadata import build_metadata

T = TypeVar("T")


class DatasetteClient:
    """Datasette's own test client, driven synchronously.

    Like ``kb serve``, it gives Datasette no metadata: the plugin supplies the
    knowledge base's under the database's name (``metadata_file`` adds a file's,
    as ``kb serve --metadata`` does).
    """

    def __init__(
        self,
        db_path: Path | list[Path],
        metadata_file: bool = False,
        immutable: bool = False,
        settings: dict[str, Any] | None = None,
    ) -> None:
        paths = db_path if isinstance(db_path, list) else [db_path]
        metadata = build_metadata(paths[0].stem) if metadata_file else None
        # ``immutable`` opens the files as kb serve does (-i); otherwise as mutable databases.
        files, immutables = ([], [str(p) for p in paths]) if immutable else ([str(p) for p in paths], [])
        self.ds = Datasette(files, immutables=immutables, metadata=metadata, settings=settings)
        # The client's loop runs in a thread of its own: a test may hold another loop open in the main thread
        # (Playwright's sync API does, while a session's Chromium prints PDF fixtures).
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="datasette-client", daemon=True)
        self._thread.start()
        self.run(self.ds.invoke_startup())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """The result of ``coroutine``, run on the client's event loop."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    _run = run

    def get(self, path: str, **kwargs: Any):
        return self.run(self.ds.client.get(path, **kwargs))

    def json(self, path: str) -> Any:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.json()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
