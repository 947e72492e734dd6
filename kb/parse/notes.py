"""Collecting what the parser could not fully understand, under registered warning codes.

Parsing never stops at a bad row: it keeps what it can and records a warning
naming the file and line, which ``kb parse --format summary`` prints and
``kb build`` stores in ``parse_warnings``. Every code a warning can carry is
registered in :data:`WARNING_CODES` with what it means and what was kept;
``docs/parse_warnings.md`` lists the same codes (a test keeps the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kb.models import ParseWarning
from kb.read.blocks import NOWHERE, ReadNote, Where
from kb.read.lines import DocLine

# code → (what happened, what the parser kept). Documented in docs/parse_warnings.md.
WARNING_CODES: dict[str, tuple[str, str]] = {
    # The document as a whole
    "unreadable_document": (
        "文档无法读取或解析（空文件、二进制文件、编码无法识别、没有绩效目标表）",
        "文档记为失败（documents.status = failed），其他文档照常构建",
    ),
    "no_budget_year": ("未找到预算年度", "项目年度取自项目编码"),
    "no_department": ("未找到部门名称", "文档标题用文件名"),
    "no_projects": ("只有部门整体绩效目标，没有项目绩效目标表", "部门分项目标照常保存"),
    "stray_text": ("表格或分项目标之间出现无法归类的文字", "忽略这段文字，前后的内容照常读取"),
    # Reading the file (kb/read): what a reader repaired or left out
    "undecodable_bytes": ("文本中有无法按 UTF-8 解码的字节（如被截断的汉字）", "这些字节替换为 �，其余文字照常读取"),
    "nul_bytes": ("文本中夹有 NUL 空字节（转换工具的残留）", "删除这些字节，其余文字照常读取"),
    "truncated_table": ("表格在文件结尾处被截断（HTML 缺少 </table>）", "已读到的行照常读取"),
    "unclosed_table": (
        "HTML 表格缺少 </table>（其行之间出现下一张表格、标题或段落，或 Markdown 中的空行）",
        "表格在那里结束，已读到的行和其后的内容照常读取",
    ),
    "cid_glyphs": (
        "PDF 中有无法映射到文字的字形（(cid:NN)），该页文字无法完整提取",
        "改用第二条提取路径（pdfium）取文字；仍无法识别的字形不保存",
    ),
    "borderless_tables": (
        "PDF 中的指标表没有边框线（或只有横线），按边框找不到表格",
        "安装了 pdftotext 时改按文字位置读取（与 layout 形式相同），格子可能切错；没有 pdftotext 时不读取这些表",
    ),
    "image_only_pages": ("PDF 中有只含图像、没有文字层的页（扫描件）", "跳过这些页，其余页照常读取"),
    "unreadable_page": ("PDF 的某一页无法解析", "跳过该页，其余页照常读取"),
    "unreadable_sheet_cell": ("表格文件中有无法读取的单元格或工作表", "跳过该处，其余内容照常读取"),
    "duplicate_document": (
        "另一个文件与本文档内容完全相同（文件名不同），警告记在保留的文档下，file 为未构建的文件",
        "只构建按文件名排序在前的一份",
    ),
    # 项目绩效目标表
    "empty_project_table": ("项目绩效目标表只有标题，没有项目编码行和指标行", "不生成项目"),
    "missing_code": ("项目缺少项目编码行", "项目编码为空，年度取预算年度"),
    "seq_mismatch": (
        "标题中的项目序号不接上一个标题的（中间的项目表不在文档中，或序号重复、倒退）",
        "按文档中的顺序编号；只在断开处警告一次",
    ),
    "missing_indicator_header": (
        "项目缺少指标表头（一级指标…）",
        "文档前面的项目表（至少两张）表头都相同时，以一级指标开头、格数相同的行按这个表头读取；否则这些行不读取",
    ),
    "no_indicators": ("项目没有任何绩效指标行", "项目照常保存，指标数为 0"),
    "unknown_row": ("项目表中无法识别的行", "忽略该行"),
    "extra_cells": ("指标行多出单元格", "多出的内容并入指标值确定依据"),
    "unknown_table_header": (
        "项目表中出现一张表，表头不属于任何已知的绩效指标表模板",
        "不从这张表读取指标；项目的其他内容照常保存",
    ),
    "missing_column": (
        "绩效指标表缺少常规栏目（一级/二级/三级指标、指标值，或汇总表的项目编码、描述、依据）",
        "缺少的字段留空，其余栏目照常读取",
    ),
    "project_not_in_budget_table": (
        "全部门指标表中的项目在项目支出预算表中找不到同名项目",
        "项目照常保存，项目编码和金额为空",
    ),
    "missing_level1": ("一级指标为空，且没有上一行可继承", "一级指标留空"),
    "missing_level2": ("二级指标为空，且没有上一行可继承", "二级指标留空"),
    "incomplete_row": ("指标行缺少三级指标或指标值", "其余单元格照常保存"),
    "bad_amount": ("预算数、财政资金或其他资金无法识别为金额", "该金额为空"),
    "amount_out_of_range": (
        "预算数、财政资金或其他资金不是有限数值（inf、NaN）或超出合理范围（100 万亿元）",
        "该金额为空",
    ),
    "negative_amount": ("预算数、财政资金或其他资金为负数", "该金额为空"),
    "duplicate_project_code": ("同一文档中两个项目绩效目标表的项目编码相同", "两个项目都照常保存"),
    "bad_spend_plan": ("资金支出计划的百分比无法识别", "无法识别的月份为空"),
    # 部门整体绩效目标与机构设置
    "unreadable_goal_indicator": ("分项绩效目标的指标行无法拆分为指标名和指标值", "整行作为指标名，指标值为空"),
    "goal_seq_gap": ("分项绩效目标的序号不连续", "按出现顺序重新编号"),
    "no_goal_indicators": ("分项绩效目标没有绩效指标", "分项目标照常保存"),
    "bad_unit_row": ("机构设置表中无法识别的行", "有单位名称的行照常保存，其余忽略"),
    # 部门预算公开表
    "budget_missing_table": ("未找到某张部门预算公开表", "跳过依赖这张表的核对"),
    "budget_duplicate_table": ("同一张预算表出现了不止一次", "核对时使用第一张"),
    "budget_untitled_table": (
        "预算表中途出现了不同的表头：另一张表的标题缺失",
        "按表头认作文档中缺少标题的那张表（标题记为“（标题缺失）”）；认不出时照旧算作上面那张表的行",
    ),
    "budget_empty_table": ("预算表没有数据行，也没有“空表列示”的说明", "记为空表"),
    "budget_missing_header": ("预算表缺少表头", "按模板栏目读取"),
    "budget_bad_header": ("预算表的表头无法识别", "按模板栏目读取"),
    "budget_unknown_column": ("预算表表头中有无法识别的栏目", "该栏不读"),
    "budget_orphan_continuation": ("预算表第一行没有序号，无法接到上一页的行", "按独立的一行读取"),
    "budget_bad_amount": ("预算表中的金额无法修复", "该金额为空，行内保留原文"),
    "budget_bad_seq": ("预算表的序号无法识别", "序号为空"),
    "budget_extra_cells": ("预算表的行多出表头以外的单元格", "多出的单元格不读"),
    "budget_bad_code": ("预算表的科目编码无法识别（不是数字或位数不对）", "保留原编码，不定级次、不找上级科目"),
    "budget_seq_gap": ("预算表的序号不连续", "各行照常保存"),
}


@dataclass
class ParseNotes:
    """The warnings raised while parsing one file."""

    path: str
    warnings: list[ParseWarning] = field(default_factory=list)
    # Where each line number of the reading order was read (page, sheet row), for warnings given by number.
    places: dict[int, Where] = field(default_factory=dict)

    def locate(self, lines: list[DocLine]) -> None:
        """Remember where each line was read, so a warning given by line number names its page or sheet row."""
        for line in lines:
            if line.where.page is not None or line.where.sheet is not None:
                self.places.setdefault(line.number, line.where)

    def warn(self, at: int | DocLine | None, code: str, message: str) -> None:
        """Record a warning at ``at``: a line of the reading order, a 1-based line number, or None.

        ``code`` must be registered in :data:`WARNING_CODES`: an unregistered
        code is a bug in the parser, not a problem of the document.
        """
        if code not in WARNING_CODES:
            raise ValueError(f"unregistered parse warning code {code!r}; add it to kb.parse.notes.WARNING_CODES")
        if isinstance(at, DocLine):
            line: int | None = at.number
            where = at.where
        else:
            line = at
            where = self.places.get(at, NOWHERE) if at is not None else NOWHERE
        self.warnings.append(
            ParseWarning(
                file=self.path,
                line=line,
                page=where.page,
                sheet=where.sheet,
                sheet_row=where.row if where.sheet is not None else None,
                code=code,
                message=message,
            )
        )

    def read_note(self, note: ReadNote) -> None:
        """Record what a reader repaired or left out (its code is registered like the parsers' own)."""
        where = note.where
        if note.code not in WARNING_CODES:
            raise ValueError(f"unregistered read note code {note.code!r}; add it to kb.parse.notes.WARNING_CODES")
        self.warnings.append(
            ParseWarning(
                file=self.path,
                line=where.line,
                page=where.page,
                sheet=where.sheet,
                sheet_row=where.row if where.sheet is not None else None,
                code=note.code,
                message=note.message,
            )
        )


def provenance(first: DocLine, last: DocLine) -> dict[str, Any]:
    """The source fields of a record read from ``first`` to ``last``: lines, and pages or sheet rows where known."""
    start, end = first.where, last.where
    in_sheet = start.sheet is not None
    return {
        "first_line": first.number,
        "last_line": last.number,
        "page": start.page,
        "last_page": end.page if start.page is not None else None,
        "sheet": start.sheet,
        "sheet_row": start.row if in_sheet else None,
        "last_sheet_row": end.row if in_sheet and end.sheet == start.sheet else None,
    }
