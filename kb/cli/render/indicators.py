"""Rendering search, similarity and series results as terminal tables or JSON records."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from kb.cli.render.table import display_width, format_table


def highlighter(terms: Sequence[str], enabled: bool) -> Callable[[str], str]:
    """Mark every occurrence of the query terms (longest first) in bold colour."""
    words = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not enabled or not words:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return lambda text: pattern.sub(lambda m: click.style(m.group(0), fg="red", bold=True), text)


def source(row: dict[str, Any]) -> str:
    """``path:first-last`` of an indicator, the place to open in an editor."""
    lines = (
        str(row["first_line"]) if row["first_line"] == row["last_line"] else f"{row['first_line']}-{row['last_line']}"
    )
    return f"{row['source_path']}:{lines}"


def short_source(row: dict[str, Any], width: int = 50) -> str:
    """The source as a table shows it: the file's name and its lines, the start cut when too long."""
    lines = (
        str(row["first_line"]) if row["first_line"] == row["last_line"] else f"{row['first_line']}-{row['last_line']}"
    )
    text = f"{Path(row['source_path']).name}:{lines}"
    return text if display_width(text) <= width else "…" + text[-(width - 1) :]


def indicator_record(row: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One indicator as a JSON record: names, parsed target, project, year and source."""
    return {
        "id": row["id"],
        "project_id": row["project_id"],
        "project_name": row["project_name"],
        "project_year": row["project_year"],
        "dept_name": row["dept_name"],
        "level1": row["level1"],
        "level2": row["level2"],
        "level3": row["level3"],
        "description": row["description"],
        "target": {
            "raw": row["target_raw"],
            "op": row["target_op"],
            "value": row["target_value"],
            "unit": row["target_unit"],
            "kind": row["target_kind"],
        },
        "basis": row["basis"],
        "family_id": row.get("family_id"),
        "source": source(row),
        **extra,
    }


def indicator_table(
    rows: Sequence[dict[str, Any]],
    scores: Sequence[str],
    score_header: str,
    decorate: Callable[[str], str] | None = None,
) -> str:
    """Indicators side by side: id, year, project, 二级/三级 indicator, target, basis, a score and the source."""
    return format_table(
        ["编号", "年度", "项目", "二级指标", "三级指标", "指标值", "指标值确定依据", score_header, "来源（文件:行）"],
        [
            [
                str(r["id"]),
                str(r["project_year"] or ""),
                r["project_name"],
                r["level2"],
                r["level3"],
                r["target_raw"],
                r["basis"],
                score,
                short_source(r),
            ]
            for r, score in zip(rows, scores, strict=True)
        ],
        align=["<", ">", "<", "<", "<", "<", "<", ">", "<"],
        max_width=30,
        max_widths=[None] * 8 + [50],
        decorate=decorate,
    )


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def series_table(series: dict[str, Any]) -> str:
    """One series' indicators year by year: a row per indicator, a column per project."""
    projects = series["projects"]
    columns = [f"{p['year'] or '?'}（{p['id']}）" for p in projects]
    # Rows line up by indicator family, so a renamed indicator stays on its row.
    order: list[tuple[str, int]] = []
    labels: dict[tuple[str, int], list[str]] = {}
    cells: dict[tuple[str, int], dict[int, str]] = {}
    for index, project in enumerate(projects):
        for indicator in project["indicators"]:
            key = (indicator["level1"], indicator["family_id"])
            if key not in cells:
                order.append(key)
                labels[key] = [indicator["level1"], indicator["level2"], indicator["level3"]]
                cells[key] = {}
            cells[key][index] = indicator["target_raw"]
    header = [
        f"项目系列 {series['id']}：{series['name']}（{series['project_count']} 个项目，年度 {series['years'] or '?'}）"
    ]
    header += [
        f"  {p['year'] or '?'}  {p['id']}  {p['name']}  预算 {_money(p['budget'])} 万元  〔{p['document']}〕"
        for p in projects
    ]
    table = format_table(
        ["一级指标", "二级指标", "三级指标", *columns],
        [[*labels[key], *(cells[key].get(i, "—") for i in range(len(projects)))] for key in order],
        max_width=28,
    )
    return "\n".join(header) + "\n\n" + table
