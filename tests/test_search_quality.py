"""The search quality report on the labelled query set: the issue's thresholds, and every path equal."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.search_quality import (
    KINDS,
    LABELS,
    PLANNED_PATHS,
    THRESHOLDS,
    Report,
    Row,
    RuleError,
    fold,
    measure,
    parse_rule,
    read_labels,
    relevant,
)


@pytest.fixture(scope="module")
def seed_report(seed_db: Path) -> Report:
    return measure(seed_db, "the seed", read_labels())


def test_the_label_set_covers_every_kind() -> None:
    queries = read_labels()
    kinds = Counter(q.kind for q in queries)
    assert len(queries) >= 100
    assert set(kinds) == set(KINDS) and min(kinds.values()) >= 9
    assert len({q.query for q in queries}) == len(queries)


def test_thresholds_and_path_equality_on_the_seed(seed_report: Report) -> None:
    print("\n" + seed_report.table())
    assert seed_report.failures() == []
    for kind in KINDS:
        for path in PLANNED_PATHS:
            for measure_name, threshold in THRESHOLDS.items():
                assert seed_report.mean(kind, path, measure_name) >= threshold, (kind, path, measure_name)
        assert all(seed_report.nothing_rows(path) == 0 for path in PLANNED_PATHS)


def test_the_planner_beats_a_substring_scan_where_people_differ_from_the_text(seed_report: Report) -> None:
    for kind in ("multi", "split", "form", "reversed", "synonym", "target"):
        assert seed_report.mean(kind, "substring", "recall") < 0.6 <= seed_report.mean(kind, "python_fts", "recall")


@pytest.mark.slow
def test_thresholds_on_generated_documents(tmp_path: Path) -> None:
    from bench.search_quality import build_corpus

    db, corpus = build_corpus(tmp_path, 2)
    report = measure(db, corpus, read_labels())
    assert report.failures() == [], report.table()


def _row(**texts: str) -> Row:
    fields = {"level3": "", "description": "", "target_raw": "", "basis": "", "project": ""}
    fields.update({key: fold(value) for key, value in texts.items()})
    return Row(1, fields, {"level1": "", "level2": "服务对象满意度指标", "op": "≤", "value": "90.0", "unit": "%"})


def test_rule_language() -> None:
    row = _row(level3="受益对象满意度（%）", project="就业 补助资金")
    assert relevant(parse_rule("any~补助资金"), [row]) == {1}  # spaces do not count
    assert relevant(parse_rule("name~满意度 & op=≤ & value=90 & unit=%"), [row]) == {1}
    assert relevant(parse_rule("name~租金 | level2=服务对象满意度指标"), [row]) == {1}
    assert relevant(parse_rule("name%^受益(对象|群体)满意度 & !any~租金"), [row]) == {1}
    assert relevant(parse_rule("any~工作服(?!务)"), [_row(description="工作服务")]) == set()
    assert relevant(parse_rule("none"), [row]) == set()
    with pytest.raises(RuleError):
        parse_rule("anything~x")


def test_a_broken_label_line_names_its_file_and_line(tmp_path: Path) -> None:
    labels = tmp_path / "labels.tsv"
    labels.write_text(LABELS.read_text(encoding="utf-8").splitlines()[-1] + "\nnot_a_kind\tx\tany~x\n")
    with pytest.raises(RuleError, match=r"labels\.tsv:2"):
        read_labels(labels)
