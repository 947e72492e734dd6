"""Template ``dept_overall``: the 部门整体支出绩效目标表, read as a department goal (never a project).

    部门（单位）名称 | name
    年度主要任务     | 任务名称 | 主要内容 | 预算金额（万元）
                     | task     | content  | amount          (one row per task)
    年度绩效目标     | goal text
    绩效指标         | 一级指标 | 二级指标 | 三级指标 | 指标值
                     | rows …

The table becomes one :class:`~kb.models.DeptGoal` whose text is the
年度绩效目标 and whose indicators are the table's indicator rows (with their
一级/二级). After a page break only the indicator header is printed again.
"""

from __future__ import annotations

from kb.models import DeptGoal, GoalIndicator
from kb.parse.columns import column_map, is_indicator_header, normalise_label
from kb.parse.indicator_rows import IndicatorRows, build_indicators, warn_missing_columns
from kb.parse.notes import ParseNotes
from kb.parse.templates.claims import ClaimedTable, TableClaims
from kb.parse.templates.info import joined

_GOAL_LABELS = frozenset({"年度绩效目标", "绩效目标", "年度总体目标", "总体目标", "年度目标"})
_TASKS_LABEL = "年度主要任务"


def _goal_table(table: ClaimedTable, seq: int, notes: ParseNotes) -> DeptGoal:
    goal: list[str] = []
    rows = IndicatorRows()
    in_goal = False
    for line in table.lines:
        cells = line.cells or []
        label = normalise_label(cells[0]) if cells else ""
        if is_indicator_header(cells):
            if rows.cmap is not None and rows.cmap.repeats(cells):
                rows.repeated_header()
            else:
                rows.start(column_map([cells]))
                assert rows.cmap is not None
                warn_missing_columns(rows.cmap, line, notes)
            in_goal = False
            continue
        if rows.cmap is not None:
            rows.add(line, notes)
        elif label in _GOAL_LABELS:
            goal.append(joined(cells[1:]))
            in_goal = True
        elif in_goal and not label:
            goal.append(joined(cells[1:]))
    owner = f"部门整体支出绩效目标表 {seq}"
    if rows.cmap is None:
        notes.warn(table.lines[0], "no_goal_indicators", f"{owner}没有绩效指标表")
    indicators = build_indicators(rows, owner, notes)
    return DeptGoal(
        seq=seq,
        goal="\n".join(part for part in goal if part),
        first_line=table.lines[0].number,
        last_line=table.lines[-1].number,
        indicators=[
            GoalIndicator(
                position=indicator.position,
                level1=indicator.level1,
                level2=indicator.level2,
                name=indicator.level3,
                target=indicator.target,
                text=" | ".join(
                    part
                    for part in (indicator.level1, indicator.level2, indicator.level3, indicator.target.raw)
                    if part
                ),
                first_line=indicator.first_line,
                last_line=indicator.last_line,
            )
            for indicator in indicators
        ],
    )


def parse_goal_tables(claims: TableClaims, notes: ParseNotes, first_seq: int = 1) -> list[DeptGoal]:
    """One department goal per 部门整体支出绩效目标表, numbered on from ``first_seq``."""
    return [_goal_table(table, seq, notes) for seq, table in enumerate(claims.of_kind("dept_overall"), start=first_seq)]
