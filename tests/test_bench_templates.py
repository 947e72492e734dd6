"""The templates column of the benchmark runs, times every template and the seed's layout, and checks its parses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main as bench_main
from bench.docgen.templates import TEMPLATES


def test_templates_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "results.json"
    assert bench_main(["templates", "--count", "5", "--work", str(tmp_path), "--output", str(output)]) == 0
    result = json.loads(output.read_text(encoding="utf-8"))["templates"]
    assert set(result["templates"]) == set(TEMPLATES)
    assert result["seed_layout"]["documents"] == 11 and result["seed_layout"]["indicators"] > 3000
    for summary in result["templates"].values():
        assert summary["documents"] == 1 and summary["exact_documents"] == 1
        assert summary["project_parse_us_per_indicator"] > 0 and summary["ratio_to_seed"] > 0
    printed = capsys.readouterr().out
    assert "| seed layout (hebei) |" in printed and "every template within 1.5×" in printed
    # A second run reuses the documents it wrote.
    marker = tmp_path / "templates-5" / ".manifest.json"
    before = marker.stat().st_mtime_ns
    assert bench_main(["templates", "--count", "5", "--work", str(tmp_path), "--output", str(output)]) == 0
    assert marker.stat().st_mtime_ns == before
