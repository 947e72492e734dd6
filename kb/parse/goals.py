"""Section 五: the department's 总体绩效目标 and its 分项绩效目标.

Each 分项绩效目标 reads ``N. 绩效目标：…``, then ``绩效指标：`` and one line
per indicator, mostly ``指标名：指标值；`` but sometimes a plain sentence with
the number inside (``计划完成职业技能培训4000人；``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from kb.models import DeptGoal, GoalIndicator
from kb.parse.layout import is_section_heading, is_subsection_heading, is_toc_entry
from kb.parse.notes import ParseNotes
from kb.parse.targets import parse_target
from kb.read.lines import DocLine, as_doc_lines

_GOAL = re.compile(r"^(\d{1,3})\s*[.．、]\s*(绩效目标\s*[：:])?\s*(.*)$")
_INDICATORS_LABEL = re.compile(r"^绩效指标\s*(?:[：:]\s*(.*))?$")
_TRAILING_PUNCTUATION = "；;。.，,、 "
# A sentence ending in a quantity: 全年举办线上招聘会10次 → (…, 10次).
_SENTENCE_TARGET = re.compile(
    r"^(?P<name>.*?[^\d.])(?P<target>(?:[≥≤><]|不低于|不少于|不超过|不高于|达到)?\s*\d+(?:\.\d+)?\s*[^\d\s，,。；;、]{0,8})$"
)


@dataclass
class _Goal:
    seq: int
    text: list[str]
    first_line: int
    last_line: int
    in_indicators: bool = False
    indicators: list[GoalIndicator] = field(default_factory=list)


def _find_heading(lines: list[DocLine], words: str, start: int = 0) -> int | None:
    for index in range(start, len(lines)):
        line = lines[index]
        if line.is_row or is_toc_entry(line.text):
            continue
        text = line.text
        if words in text and len(text) <= len(words) + 12:
            return index
    return None


def _ends_block(line: DocLine) -> bool:
    return is_section_heading(line) or is_subsection_heading(line) or line.heading


def split_indicator_line(text: str) -> tuple[str, str] | None:
    """``(name, raw target)`` of one indicator line, or None when there is none."""
    text = text.strip().rstrip(_TRAILING_PUNCTUATION).strip()
    for colon in ("：", ":"):
        if colon in text:
            name, _, target = text.rpartition(colon)
            if name.strip() and target.strip():
                return name.strip(), target.strip()
    match = _SENTENCE_TARGET.match(text)
    if match:
        return match.group("name").strip(), match.group("target").strip()
    return None


def parse_overall_goal(lines: Sequence[DocLine] | Sequence[str]) -> tuple[str, int | None]:
    """The 总体绩效目标 text and the line it starts on."""
    lines = as_doc_lines(lines)
    start = _find_heading(lines, "总体绩效目标")
    if start is None:
        return "", None
    parts: list[str] = []
    first: int | None = None
    for line in lines[start + 1 :]:
        if _ends_block(line):
            break
        first = first or line.number
        parts.append(line.text)
    return "\n".join(parts), first


def _indicator(goal: _Goal, text: str, line: int, notes: ParseNotes) -> None:
    split = split_indicator_line(text)
    if split is None:
        notes.warn(
            line, "unreadable_goal_indicator", f"分项绩效目标 {goal.seq} 的指标行无法拆分为指标名和指标值：{text[:60]}"
        )
        name, raw = text.strip().rstrip(_TRAILING_PUNCTUATION), ""
    else:
        name, raw = split
    goal.indicators.append(
        GoalIndicator(
            position=len(goal.indicators) + 1,
            name=name,
            target=parse_target(raw),
            text=text.strip(),
            first_line=line,
            last_line=line,
        )
    )
    goal.last_line = line


def parse_dept_goals(lines: Sequence[DocLine] | Sequence[str], notes: ParseNotes) -> list[DeptGoal]:
    """Every 分项绩效目标 with its indicators, in document order."""
    lines = as_doc_lines(lines)
    start = _find_heading(lines, "分项绩效目标")
    if start is None:
        return []
    goals: list[_Goal] = []
    for item in lines[start + 1 :]:
        line = item.number
        if _ends_block(item):
            break
        text = item.text
        numbered = _GOAL.match(text)
        current = goals[-1] if goals else None
        starts_goal = numbered and (
            numbered.group(2)
            or current is None
            or not current.in_indicators
            or split_indicator_line(numbered.group(3)) is None
        )
        if numbered and starts_goal:
            goals.append(
                _Goal(seq=int(numbered.group(1)), text=[numbered.group(3).strip()], first_line=line, last_line=line)
            )
            continue
        if current is None:
            notes.warn(line, "stray_text", f"分项绩效目标之前出现无法归类的文字：{text[:60]}")
            continue
        label = _INDICATORS_LABEL.match(text)
        if label:
            current.in_indicators = True
            if label.group(1):
                _indicator(current, label.group(1), line, notes)
            current.last_line = line
        elif current.in_indicators:
            _indicator(current, text, line, notes)
        else:
            current.text.append(text)
            current.last_line = line
    for previous, goal in pairwise(goals):
        if goal.seq != previous.seq + 1:
            notes.warn(goal.first_line, "goal_seq_gap", f"分项绩效目标序号从 {previous.seq} 跳到 {goal.seq}")
    for goal in goals:
        if not goal.indicators:
            notes.warn(goal.first_line, "no_goal_indicators", f"分项绩效目标 {goal.seq} 没有绩效指标")
    # The published numbers may repeat or skip; the ordinal keeps ids unique.
    return [
        DeptGoal(
            seq=ordinal,
            goal="\n".join(t for t in g.text if t),
            first_line=g.first_line,
            last_line=g.last_line,
            indicators=g.indicators,
        )
        for ordinal, g in enumerate(goals, start=1)
    ]
