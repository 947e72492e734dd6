"""Helpers shared by the knowledge-base tests: building a database, a Datasette client."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from datasette.app import Datasette

from kb.web.metadata import build_metadata


class DatasetteClient:
    """Datasette's own test client, driven synchronously.

    Its event loop runs in a thread of its own: a test session that keeps Playwright's synchronous API open
    (the PDF fixtures) has a loop running in the main thread, where no other loop may run.
    """

    def __init__(self, db_path: Path) -> None:
        self.ds = Datasette([str(db_path)], immutables=[], metadata=build_metadata(db_path.stem))
        self._loop = asyncio.new_event_loop()
        self._thread = ThreadPoolExecutor(max_workers=1)
        self._run(self.ds.invoke_startup())

    def _run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self._thread.submit(self._loop.run_until_complete, coroutine).result()

    def get(self, path: str, **kwargs: Any):
        return self._run(self.ds.client.get(path, **kwargs))

    def json(self, path: str) -> Any:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.json()

    def close(self) -> None:
        self._thread.submit(self._loop.close).result()
        self._thread.shutdown()
