"""The records of the tables the build derives across documents.

Departments, project series, indicator families, distinct indicator texts and
the build's own identity are not parsed from any one document: the build
computes them once every document is in (``kb.db``). They are records like
the parsed ones, so their SQLite columns and descriptions come from here.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping

from pydantic import Field

from kb.models.base import Record


class Department(Record):
    """A department that publishes disclosures, merged by code and name."""

    id: int = Field(description="部门编号")
    code: str | None = Field(None, description="部门编码")
    name: str | None = Field(None, description="部门名称")
    document_count: int = Field(description="文档数")


class ProjectSeries(Record):
    """The same fund across years and document numbers."""

    id: int = Field(description="项目系列编号")
    name: str = Field(description="系列名称（项目系列键）", title="系列名称")
    project_count: int = Field(description="项目数")
    years: str = Field(description="涉及年度")
    first_year: int | None = Field(None, description="最早年度")
    last_year: int | None = Field(None, description="最晚年度")


class IndicatorFamily(Record):
    """One measure under different wordings, with the spread of its targets."""

    id: int = Field(description="指标族编号")
    name: str = Field(description="族名（族内最常见的三级指标名称）", title="族名")
    key: str = Field(description="族键（归一化后的指标名称）", title="族键")
    size: int = Field(description="族内指标数")
    project_count: int = Field(description="涉及项目数")
    year_count: int = Field(description="涉及年度数")
    years: str = Field(description="涉及年度")
    operators: str = Field(description='出现过的比较符及次数（JSON，如 {"≥": 22, "≤": 2}）', title="比较符分布")
    main_unit: str | None = Field(None, description="最常见的计量单位")
    min_value: float | None = Field(None, description="最常见单位下数值型指标值的最小值", title="最小值")
    median_value: float | None = Field(None, description="最常见单位下数值型指标值的中位数", title="中位数")
    max_value: float | None = Field(None, description="最常见单位下数值型指标值的最大值", title="最大值")
    target_spread: str = Field(
        description="各计量单位下指标值的个数、最小值、中位数、最大值（JSON）", title="指标值分布"
    )
    name_counts: str = Field(description="族内各种措辞（三级指标名称）出现的次数（JSON）", title="措辞分布")
    value_counts: str = Field(description="各计量单位下每个数值出现的次数（JSON），中位数等由此算出", title="数值分布")

    @staticmethod
    def encode_operators(counts: Mapping[str, int]) -> str:
        """The ``operators`` value: a JSON object of operator → how often it was seen, most frequent first."""
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return json.dumps(dict(ordered), ensure_ascii=False)

    @staticmethod
    def decode_operators(text: str | None) -> Counter[str]:
        """The operator counts an ``operators`` value records (:meth:`encode_operators`); empty for NULL or junk."""
        try:
            counts = json.loads(text or "{}")
        except json.JSONDecodeError:
            return Counter()
        if not isinstance(counts, dict):
            return Counter()
        return Counter({str(op): int(n) for op, n in counts.items() if isinstance(n, int)})


class IndicatorText(Record):
    """One distinct indicator text, shared by every indicator that words it the same."""

    id: int = Field(description="指标文本编号")
    key: str = Field(description="文本键（二级指标与分词后文本的 SHA-1）", title="文本键")
    level2: str = Field(description="二级指标")
    level3: str = Field(description="三级指标（原文）")
    description: str = Field(description="绩效指标描述（原文）", title="绩效指标描述")
    target_raw: str = Field(description="指标值原文")
    basis: str = Field(description="指标值确定依据（原文）", title="指标值确定依据")
    member_count: int = Field(description="使用这段文本的指标数", title="指标数")
    project_count: int = Field(description="使用这段文本的项目数", title="项目数")


class BuildInfo(Record):
    """What identifies a build: the content hash the Whoosh index is checked against."""

    id: int = Field(description="编号")
    build_id: str = Field(description="构建标识（内容的 SHA-256）", title="构建标识")
    tool_version: str = Field(description="构建工具版本")
    document_count: int = Field(description="文档数")
