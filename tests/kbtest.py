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

    Its event loop runs in a thread of its own: a test before it may leave a
    loop marked running in the main thread (Playwright's sync API does), and
    ``run_until_complete`` would then refuse to start.
    """

    def __init__(self, db_path: Path, settings: dict[str, Any] | None = None) -> None:
        self.ds = Datasette([str(db_path)], immutables=[], metadata=build_metadata(db_path.stem), settings=settings)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="datasette-client", daemon=True)
        self._thread.start()
        self.run(self.ds.invoke_startup())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """The result of ``coroutine``, run on the client's event loop."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

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
