"""The base of every record model (strict fields, validated assignment) and how fields name their values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    """A record of the knowledge base: unknown fields are an error, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def listing(what: str, labels: Mapping[str, str]) -> str:
    """A field's description naming what each stored value means: ``严重程度：error 错误 / warning 警告``."""
    return f"{what}：" + " / ".join(f"{value} {label}" for value, label in labels.items())


def values(labels: Mapping[str, str]) -> dict[str, Any]:
    """``json_schema_extra`` carrying a field's value labels, which columns and pages show instead of the value."""
    return {"values": dict(labels)}
