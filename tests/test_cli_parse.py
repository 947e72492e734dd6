"""``kb parse``: the JSON interface and the summary."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kb.cli import cli


def test_json_is_the_document_model(seed_path: Path) -> None:
    result = CliRunner().invoke(cli, ["parse", str(seed_path), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {
        "source_path",
        "sha256",
        "dept_code",
        "dept_name",
        "budget_year",
        "projects",
        "dept_goals",
        "units",
        "warnings",
    } <= set(data)
    first = data["projects"][0]
    assert {
        "seq",
        "code",
        "name",
        "budget",
        "fiscal_funds",
        "other_funds",
        "usage",
        "spend_plan",
        "goal",
        "year",
        "indicators",
    } <= set(first)
    indicator = first["indicators"][0]
    assert {
        "level1",
        "level2",
        "level3",
        "description",
        "target",
        "basis",
        "first_line",
        "last_line",
        "position",
    } <= set(indicator)
    assert indicator["target"] == {
        "raw": "293.6 平方米",
        "op": "=",
        "value": 293.6,
        "unit": "平方米",
        "kind": "numeric",
    }
    assert {"goal", "indicators"} <= set(data["dept_goals"][0])
    assert len(data["projects"]) == 44 and len(data["units"]) == 7 and data["warnings"] == []
    # Chinese stays readable in the JSON, not \\u-escaped.
    assert "组织人社运转保障工作经费" in result.output


def test_summary_counts(seed_path: Path) -> None:
    result = CliRunner().invoke(cli, ["parse", str(seed_path)])
    assert result.exit_code == 0
    assert "项目 44 个（指标 289 条）" in result.output
    assert "分项绩效目标 21 个（指标 64 条）" in result.output
    assert "项目预算合计 7027.99 万元" in result.output
    assert "解析警告：无" in result.output
