"""The human-readable summary of one parsed document (``kb parse --format summary``)."""

from __future__ import annotations

from kb.cli.render.table import format_table
from kb.models import Document, ParseWarning
from kb.models.document import TEMPLATE_LABELS


def where_text(warning: ParseWarning) -> str:
    """``file:line`` for text forms (the form editors and terminals link), ``file:第 N 页`` for PDF,
    ``file:工作表 第 N 行`` for spreadsheets."""
    if warning.page is not None:
        return f"{warning.file}:第 {warning.page} 页"
    if warning.sheet is not None:
        row = f" 第 {warning.sheet_row} 行" if warning.sheet_row is not None else ""
        return f"{warning.file}:{warning.sheet}{row}"
    return f"{warning.file}:{warning.line}" if warning.line else warning.file


def format_warning(warning: ParseWarning) -> str:
    """``file:line [code] message`` (or ``file:第 N 页 …`` for a PDF)."""
    return f"{where_text(warning)} [{warning.code}] {warning.message}"


def _form(document: Document) -> str:
    """``txt, utf-8`` or ``pdf, 81 页``: the form the document was read in."""
    if document.form in ("txt", "md", "html", "layout"):
        return f"{document.form}，{document.encoding}"
    pages = f"，{document.page_count} 页" if document.page_count else ""
    return f"{document.form}{pages}"


def _templates(document: Document) -> str:
    """``读取模板：地方通用（local）8 个项目``: which templates the projects were read with."""
    counts: dict[str, int] = {}
    for project in document.projects:
        counts[project.template] = counts.get(project.template, 0) + 1
    parts = [f"{TEMPLATE_LABELS[name]}（{name}）{count} 个项目" for name, count in counts.items()]
    tables = sum(1 for goal in document.dept_goals if any(i.level1 for i in goal.indicators))
    if tables:
        parts.append(f"部门整体支出绩效目标表 {tables} 张（部门目标）")
    return "读取模板：" + ("；".join(parts) if parts else "—")


def _amount(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def format_summary(document: Document) -> str:
    """Counts per project and every parse warning, as plain text."""
    projects = document.projects
    project_indicators = sum(len(p.indicators) for p in projects)
    goal_indicators = sum(len(g.indicators) for g in document.dept_goals)
    budget = sum(p.budget or 0 for p in projects)
    lines = [
        f"文件：{document.source_path}（{_form(document)}，sha256 {document.sha256[:12]}…）",
        f"部门：{document.dept_code or '?'} {document.dept_name or '?'}　预算年度：{document.budget_year or '?'}",
        f"机构 {len(document.units)} 个；分项绩效目标 {len(document.dept_goals)} 个（指标 {goal_indicators} 条）；"
        f"项目 {len(projects)} 个（指标 {project_indicators} 条）；项目预算合计 {budget:.2f} 万元",
        _templates(document),
        "",
        format_table(
            ["序号", "项目编码", "年度", "预算(万元)", "指标数", "模板", "项目名称"],
            [
                [
                    str(p.seq),
                    p.code,
                    str(p.year or ""),
                    _amount(p.budget),
                    str(len(p.indicators)),
                    TEMPLATE_LABELS[p.template],
                    p.name,
                ]
                for p in projects
            ],
            align=[">", "<", ">", ">", ">", "<", "<"],
            max_width=60,
        ),
        "",
    ]
    if document.warnings:
        lines.append(f"解析警告 {len(document.warnings)} 条：")
        lines.extend("  " + format_warning(w) for w in document.warnings)
    else:
        lines.append("解析警告：无")
    return "\n".join(lines)
