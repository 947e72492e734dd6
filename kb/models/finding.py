"""A finding of a consistency check: the record every rule reports through."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from kb.models.base import Record, listing, values

Severity = Literal["error", "warning", "info"]
SEVERITY_LABELS: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}


class Finding(Record):
    """Something a consistency check found: a target that cannot be right, a total that does not add up."""

    rule: str = Field(description="规则编号", title="规则")
    severity: Severity = Field(
        description=listing("严重程度", SEVERITY_LABELS), title="严重程度", json_schema_extra=values(SEVERITY_LABELS)
    )
    message: str = Field(description="说明（指出指标、项目与依据）", title="说明")
    principle: str = Field("", description="所依据的原则（见 docs/rules.md）", title="依据的原则")
    document_id: int | None = Field(None, description="文档编号")
    project_id: int | None = Field(None, description="项目编号")
    indicator_id: int | None = Field(None, description="指标编号")
    evidence: dict[str, Any] = Field(default_factory=dict, description="证据（JSON）", title="证据")
