"""JSON that every parser accepts: numbers that are not finite become ``null``.

Python's ``json`` writes ``Infinity``, ``-Infinity`` and ``NaN`` by default,
which no JSON parser but Python's reads. Everything the tool writes as JSON
(the CLI's ``--format json``, ``anomalies.evidence``) goes through :func:`dumps`.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(value: Any) -> Any:
    """``value`` with every float that is infinite or NaN, at any depth, replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps`` of ``value`` with non-finite numbers as ``null`` (never invalid JSON)."""
    return json.dumps(finite(value), allow_nan=False, **options)
