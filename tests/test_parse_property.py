"""Property tests: whatever the input, the parser returns or raises DocumentError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.errors import DocumentError
from kb.models import Document
from kb.parse.document import parse_bytes
from tests.conftest import SEED
from tests.strategies import mangled_lines

pytestmark = pytest.mark.slow

SEED_LINES = SEED.read_text(encoding="utf-8").split("\n")
# The part of the seed with the goals, the units and the project tables.
TARGET_LINES = SEED_LINES[740:1885]

# Fragments that steer random text into the parser's branches.
FRAGMENTS = [
    "\t",
    "<b>",
    "</b>",
    "#",
    "## ",
    "项目编码",
    "项目名称",
    "预算数",
    "其中：财政资金",
    "其他资金",
    "预算规模及资金用途",
    "资金支出计划（%）",
    "3月底",
    "12月底",
    "绩效目标",
    "一级指标",
    "二级指标",
    "三级指标",
    "绩效指标描述",
    "指标值",
    "指标值确定依据",
    "产出指标",
    "数量指标",
    "≥",
    "≤",
    "%",
    "万元",
    "12 月前",
    "1、",
    "绩效目标表",
    "分项绩效目标",
    "总体绩效目标",
    "1. 绩效目标：",
    "绩效指标：",
    "单位名称",
    "单位性质",
    "单位规格",
    "经费保障形式",
    "八、",
    "（三）",
    "：",
    "；",
    "\n",
    "\r\n",
    "2024",
]


def parses_or_refuses(data: bytes) -> None:
    try:
        doc = parse_bytes(data, "fuzz.txt")
    except DocumentError as exc:
        assert exc.path == "fuzz.txt"
        return
    assert isinstance(doc, Document)
    # What was parsed is a valid model all the way down.
    Document.model_validate(doc.model_dump())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=120))
def test_arbitrary_text(parts: list[str]) -> None:
    parses_or_refuses("".join(parts).encode("utf-8", errors="surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    parses_or_refuses(data)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_lines(TARGET_LINES, 25, st.text(max_size=30)))
def test_mangled_seed(lines: list[str]) -> None:
    parses_or_refuses("\n".join(lines).encode("utf-8", errors="surrogatepass"))
