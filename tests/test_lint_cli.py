"""``kb lint``: the report grouped by project, JSON and CSV, filters and exit statuses."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kb.cli.lint import lint
from tests.checkskit import Proj, Row, make_kb
from tests.seed_ids import seed_indicator, seed_project

# On the seed: 4 errors, 22 warnings, 13 infos (tests/test_checks.py lists them all).
# The rules find 4 errors, 22 warnings and 13 infos; kb build adds 14 budget reconciliation warnings.
SEED_COUNTS = {"error": 4, "warning": 22, "info": 16}


def run(*args: str) -> Result:
    return CliRunner().invoke(lint, list(args))


@pytest.fixture(scope="module")
def clean_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clean") / "kb.db"
    rows = [
        Row("数量指标", "印刷数量", "≥100 份"),
        Row("服务对象满意度指标", "受益对象满意度", "≥95%"),
        Row("成本指标", "项目预算控制数", "≤10万元"),
    ]
    make_kb([Proj("印刷经费", rows)], str(path)).close()
    return path


def test_report_grouped_by_project(seed_db: Path) -> None:
    result = run("--db", str(seed_db))
    assert result.exit_code == 1, result.output
    out = result.stdout
    headings = re.findall(r"^项目 (\d+)「", out, flags=re.MULTILINE)
    assert headings == sorted(set(headings), key=int)  # each project once, in project order
    assert len(headings) == 22
    heading = f"项目 {seed_project(11)}「石财社〔2022〕99号提前下达2023年省级就业补助资金」（2023年）\n"
    block = out.split(heading, 1)[1].split("\n\n", 1)[0]
    assert block.splitlines()[0::2] == [
        "  提示  copy.related_table",
        "  错误  cost.above_budget  第 4 行「预算成本控制数」≤2281万",
        "  错误  direction.satisfaction  第 6 行「受益对象满意度」≤90%",
    ]
    assert block.splitlines()[5].strip().startswith("是满意度，越高越好，指标值「≤90%」却是上限")
    # 39 findings of the rules and the 3 budget reconciliation hints kb build stored (0.01 万元, one per table).
    assert re.findall(r"^文档 (\d+) 的部门预算公开表$", out, flags=re.MULTILINE) == ["1"]
    assert out.rstrip().splitlines()[-1].startswith("kb lint：42 条发现（错误 4，警告 22，提示 16），涉及 22 个项目")


def test_json_records(seed_db: Path) -> None:
    result = run("--db", str(seed_db), "--format", "json")
    records = json.loads(result.stdout)
    assert result.exit_code == 1
    assert {s: sum(r["severity"] == s for r in records) for s in SEED_COUNTS} == SEED_COUNTS
    first = next(r for r in records if r["rule"] == "direction.satisfaction")
    assert {
        k: first[k]
        for k in (
            "indicator_id",
            "project_id",
            "project_year",
            "position",
            "level3",
            "target_raw",
            "rule_family",
            "principle",
        )
    } == {
        "indicator_id": seed_indicator(11, 6),
        "project_id": seed_project(11),
        "project_year": 2023,
        "position": 6,
        "level3": "受益对象满意度",
        "target_raw": "≤90%",
        "rule_family": "direction",
        "principle": "docs/rules.md#direction.satisfaction",
    }
    assert first["evidence"]["keyword"] == "满意度"


def test_csv(seed_db: Path) -> None:
    result = run("--db", str(seed_db), "--format", "csv", "--rule", "cost")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.exit_code == 1
    assert [(r["rule"], r["indicator_id"]) for r in rows] == [
        ("cost.unit_product", f"{seed_indicator(1, 5)}"),
        ("cost.above_budget", f"{seed_indicator(11, 4)}"),
        ("cost.unit_product", f"{seed_indicator(28, 4)}"),
        ("cost.unit_product", f"{seed_indicator(40, 4)}"),
        ("cost.unit_product", f"{seed_indicator(42, 4)}"),
    ]
    assert json.loads(rows[1]["evidence"])["budget_wan"] == 1219.05
    assert rows[1]["project_name"] == "石财社〔2022〕99号提前下达2023年省级就业补助资金"


@pytest.mark.parametrize(
    ("args", "rules", "status"),
    [
        (("--severity", "error"), {"cost.above_budget", "direction.satisfaction", "measurable.no_number"}, 1),
        (("--severity", "warning", "--severity", "info"), None, 0),
        (("--rule", "direction.satisfaction"), {"direction.satisfaction"}, 1),
        (("--rule", "direction", "--severity", "warning"), {"direction.positive"}, 0),
        (("--rule", "plan"), set(), 0),
        (("--rule", "budget"), {"budget.parent_sum"}, 0),
        (("--rule", "budget.parent_sum", "--rule", "plan"), {"budget.parent_sum"}, 0),
    ],
)
def test_filters_and_exit_status(seed_db: Path, args: tuple[str, ...], rules: set[str] | None, status: int) -> None:
    result = run("--db", str(seed_db), "--format", "json", *args)
    assert result.exit_code == status, result.output
    records = json.loads(result.stdout)
    if rules is not None:
        assert {r["rule"] for r in records} == rules
    else:
        assert {r["severity"] for r in records} == {"warning", "info"}
        assert len(records) == SEED_COUNTS["warning"] + SEED_COUNTS["info"]


def test_clean_knowledge_base_exits_zero(clean_db: Path) -> None:
    result = run("--db", str(clean_db))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "kb lint：没有发现问题（检查了 31 条规则）"


def test_unknown_rule_is_a_usage_error(seed_db: Path) -> None:
    result = run("--db", str(seed_db), "--rule", "direction.nope")
    assert result.exit_code == 2
    assert "没有这条规则：'direction.nope'" in result.stderr and result.stdout == ""


def test_missing_database_is_a_usage_error(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "none.db"))
    assert result.exit_code == 2
    assert "知识库不存在" in result.stderr


def test_bad_severity_is_rejected(seed_db: Path) -> None:
    assert run("--db", str(seed_db), "--severity", "fatal").exit_code == 2


def test_registered_as_kb_lint(seed_db: Path) -> None:
    from kb.cli import cli

    assert cli.commands["lint"] is lint
    result = CliRunner().invoke(cli, ["lint", "--db", str(seed_db), "--rule", "measurable.no_number"])
    assert result.exit_code == 1
    assert f"项目 {seed_project(44)}「仲裁员工装制作费」（2024年）" in result.stdout
