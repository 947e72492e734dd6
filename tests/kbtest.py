"""Helpers shared by the knowledge-base tests: building a database, a Datasette client."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from datasette.app import Datasette

from kb.web.metadata import build_metadata


class DatasetteClient:
    """Datasette's own test client, driven synchronously."""

    def __init__(self, db_path: Path, settings: dict[str, Any] | None = None) -> None:
        self.ds = Datasette([str(db_path)], immutables=[], metadata=build_metadata(db_path.stem), settings=settings)
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self.ds.invoke_startup())

    def get(self, path: str, **kwargs: Any):
        return self._loop.run_until_complete(self.ds.client.get(path, **kwargs))

    def json(self, path: str) -> Any:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.json()

    def close(self) -> None:
        self._loop.close()
