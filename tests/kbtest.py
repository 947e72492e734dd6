"""Helpers shared by the knowledge-base tests: building a database, a Datasette client."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from datasette.app import Datasette

from kb.web.metadata import build_metadata


class DatasetteClient:
    """Datasette's own test client, driven synchronously.

    Its event loop runs in a thread of its own, so the client works even while
    another loop runs in the test's thread (a Playwright session held open by a
    fixture does that).
    """

    def __init__(self, db_path: Path, immutable: bool = False) -> None:
        files = ([], [str(db_path)]) if immutable else ([str(db_path)], [])
        self.ds = Datasette(files[0], immutables=files[1], metadata=build_metadata(db_path.stem))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._run(self.ds.invoke_startup())

    def _run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def get(self, path: str, **kwargs: Any):
        return self._run(self.ds.client.get(path, **kwargs))

    def json(self, path: str) -> Any:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.json()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
