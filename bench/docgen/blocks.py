"""The generators' document model: blocks, tables with merged cells, page breaks, and the truth.

This is the contract between the content generators (the seed converted,
made-up documents of each template) and the renderers of each form. It is
deliberately independent of ``kb``'s own reading model, so a reader bug cannot
hide behind a shared definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass
class Cell:
    """One cell as printed: its text, whether it is bold, and how many rows/columns it spans.

    A cell covered by a span is *not* listed in later rows: a row lists only
    the cells that start in it (as in HTML), and renderers that need a full grid
    (text, pdftotext) fill the covered positions with empty cells.
    """

    text: str
    bold: bool = False
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Table:
    """A table: rows of cells. ``header_rows`` leading rows repeat after a page break (PDF forms)."""

    rows: list[list[Cell]]
    header_rows: int = 0
    # Relative column widths for the page forms (PDF); None lets the renderer choose.
    widths: list[float] | None = None


@dataclass
class Heading:
    """A heading; ``level`` 1–4 (``#`` … ``####`` in markdown)."""

    text: str
    level: int = 2


@dataclass
class Paragraph:
    """A paragraph of prose (may hold several lines separated by ``\\n``)."""

    text: str


@dataclass
class PageBreak:
    """A forced page break (page forms); the text forms print the page header again after it."""


Block = Heading | Paragraph | Table | PageBreak


@dataclass
class GeneratedDoc:
    """A generated document before rendering.

    ``page_header`` are the lines each page of the published PDF starts with
    (department code and name, 预算年度, 单位：万元); the text forms print them
    where a page starts, as the PDF-to-text conversion of the seed does.
    ``sheet`` optionally groups blocks into spreadsheet sheets by name
    (index of the first block of each sheet); XLSX renders one sheet per group.
    """

    name: str
    blocks: list[Block]
    page_header: list[str] = field(default_factory=list)
    sheets: list[tuple[str, int]] = field(default_factory=list)
    truth: Truth | None = None


@dataclass
class TruthIndicator:
    """One indicator row as a correct parse reads it."""

    level1: str
    level2: str
    level3: str
    description: str = ""
    target_raw: str = ""
    op: str | None = None
    value: float | None = None
    unit: str | None = None
    kind: Literal["numeric", "deadline", "qualitative", "unparsed"] = "numeric"
    basis: str = ""
    # Extra columns kept beside the indicator (权重, 分值, 备注 …) and 年度/长期 marking.
    extra: dict[str, str] = field(default_factory=dict)
    period: Literal["annual", "long_term"] | None = None


@dataclass
class TruthProject:
    """One project as a correct parse reads it."""

    name: str
    code: str = ""
    budget: float | None = None
    fiscal_funds: float | None = None
    other_funds: float | None = None
    goal: str = ""
    supervisor: str = ""  # 主管部门
    implementer: str = ""  # 实施单位
    indicators: list[TruthIndicator] = field(default_factory=list)
    # Where the project's table was printed: page numbers (page forms), for provenance tests.
    pages: list[int] = field(default_factory=list)


@dataclass
class TruthGoal:
    """One department-level goal (分项绩效目标 or a 部门整体支出绩效目标表 row group)."""

    goal: str
    indicators: list[TruthIndicator] = field(default_factory=list)


@dataclass
class Truth:
    """What a correct parse of a generated document finds."""

    template: str
    dept_name: str
    budget_year: int
    projects: list[TruthProject] = field(default_factory=list)
    goals: list[TruthGoal] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)
