"""Rules on copied rows and tables.

Two projects are compared through an inverted index (indicator family →
projects of one document), never all pairs of projects. A family that three
or more funds of the document use is the document's template for a kind of
spending (the satisfaction row, the cost-control row, the office-rent
table): sharing it says nothing. Only a family used by at most two funds can
make two projects candidates; their whole tables are then compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

from indexer.families import bigrams, canonical_name, dice
from indexer.series import series_key
from kb.checks.context import CheckContext, Hit, IndicatorRow, ProjectRow
from kb.checks.words import without_placeholders

# A family used by this many funds (series) of one document is the document's template.
TEMPLATE_SERIES = 3
# A copy shares at least this share of the smaller table, and at least MIN_SHARED rows.
COPY_SHARE = 0.8
MIN_SHARED = 3
# Project names this alike (bigram Dice, funding level set aside) pay for the same kind of thing.
RELATED_NAMES = 0.5

_FUNDING_LEVEL = re.compile(r"中央|省级|市级|区级|县级|本级|财政|配套")
_USAGE_NOISE = re.compile(r"^(?:主要)?用于|[^\w]+")


@dataclass(frozen=True)
class CopyPair:
    """Two projects of one document, of different series, whose tables are mostly the same."""

    first: ProjectRow
    second: ProjectRow
    shared: frozenset[int]
    rows: tuple[int, int]
    related: str | None

    def other(self, project: ProjectRow) -> ProjectRow:
        """The partner of ``project`` in this pair."""
        return self.second if project.id == self.first.id else self.first


def _series(project: ProjectRow) -> int:
    # A project outside any series is a series of its own.
    return project.series_id if project.series_id is not None else -project.id


def _family_key(indicator: IndicatorRow) -> int | str:
    return indicator.family_id if indicator.family_id is not None else canonical_name(indicator.level3)


def _fund_name(project: ProjectRow) -> str:
    return _FUNDING_LEVEL.sub("", series_key(project.name))


def _usage(project: ProjectRow) -> str:
    return _USAGE_NOISE.sub("", unicodedata.normalize("NFKC", project.usage))


def related_reason(a: ProjectRow, b: ProjectRow) -> str | None:
    """Why two projects are one programme (Chinese), or None when nothing says they are.

    The same stated use or goal is the plainest evidence; alike names (once
    document numbers, years and funding levels are set aside) come last.
    """
    if _usage(a) and _usage(a) == _usage(b):
        return "资金用途相同"
    goal = without_placeholders(a.goal)
    if goal and goal == without_placeholders(b.goal):
        return "绩效目标相同"
    name_a, name_b = _fund_name(a), _fund_name(b)
    if name_a and name_b and dice(bigrams(name_a), bigrams(name_b)) >= RELATED_NAMES:
        return "项目名称（去掉文号、年度和资金级次后）相近"
    return None


def _candidates(ctx: CheckContext, project_ids: list[int], families: dict[int, set]) -> set[tuple[int, int]]:
    """Pairs of projects of different series sharing a family that is not the document's template."""
    postings: dict[int | str, list[int]] = defaultdict(list)
    for pid in project_ids:
        for family in families[pid]:
            postings[family].append(pid)
    pairs: set[tuple[int, int]] = set()
    for members in postings.values():
        series = {_series(ctx.projects[pid]) for pid in members}
        if len(series) < 2 or len(series) >= TEMPLATE_SERIES:
            continue
        pairs.update(
            (a, b) for a, b in combinations(sorted(members), 2) if _series(ctx.projects[a]) != _series(ctx.projects[b])
        )
    return pairs


def _document_pairs(ctx: CheckContext, project_ids: list[int], families: dict[int, set]) -> Iterator[CopyPair]:
    for a, b in sorted(_candidates(ctx, project_ids, families)):
        shared = families[a] & families[b]
        smaller = min(len(families[a]), len(families[b]))
        if len(shared) >= MIN_SHARED and len(shared) >= COPY_SHARE * smaller:
            first, second = ctx.projects[a], ctx.projects[b]
            yield CopyPair(
                first, second, frozenset(shared), (len(families[a]), len(families[b])), related_reason(first, second)
            )


def copy_pairs(ctx: CheckContext) -> list[CopyPair]:
    """Every pair of projects whose tables are copies of each other, document by document."""

    def compute() -> list[CopyPair]:
        families = {
            pid: {_family_key(i) for i in rows}
            for pid, rows in ctx.indicators_by_project.items()
            if pid in ctx.projects
        }
        by_document: dict[int | None, list[int]] = defaultdict(list)
        for pid in families:
            by_document[ctx.projects[pid].document_id].append(pid)
        return [pair for pids in by_document.values() for pair in _document_pairs(ctx, pids, families)]

    return ctx.memo("copy_pairs", compute)


def _shared_names(ctx: CheckContext, project: ProjectRow, shared: frozenset) -> list[str]:
    rows = ctx.indicators_by_project.get(project.id, [])
    return [r.level3 for r in rows if _family_key(r) in shared]


def _plain(text: str) -> str:
    """A text compared as a reader compares it: full-width forms folded, spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


@dataclass(frozen=True)
class SharedRow:
    """One measure both tables of a pair hold: this project's row and the partner's."""

    mine: IndicatorRow
    theirs: IndicatorRow

    @property
    def same_name(self) -> bool:
        """Both rows name the measure alike (not only the same family)."""
        return _plain(self.mine.level3) == _plain(self.theirs.level3)

    @property
    def same_target(self) -> bool:
        """Both rows promise the same 指标值."""
        return _plain(self.mine.target_raw) == _plain(self.theirs.target_raw)


def shared_rows(ctx: CheckContext, project: ProjectRow, pair: CopyPair) -> list[SharedRow]:
    """The rows ``project`` shares with its partner in ``pair``, in the order of ``project``'s table."""

    def first_rows(of: ProjectRow) -> dict[int | str, IndicatorRow]:
        rows: dict[int | str, IndicatorRow] = {}
        for row in ctx.indicators_by_project.get(of.id, []):
            rows.setdefault(_family_key(row), row)
        return rows

    mine, theirs = first_rows(project), first_rows(pair.other(project))
    return [SharedRow(row, theirs[key]) for key, row in mine.items() if key in pair.shared and key in theirs]


def _shared_text(rows: list[SharedRow], partner: str) -> str:
    """What a table shares with one partner, exactly: names and targets, names only, or the measure reworded.

    「6 行与项目「B」（2023年）名称相同，其中 3 行指标值也相同、3 行指标值不同（资金拨付情况：精准核算／…）」
    """
    head = f"{len(rows)} 行与{partner}"
    reworded = [r for r in rows if not r.same_name]
    differing = [r for r in rows if not r.same_target]
    if not reworded and not differing:
        return f"{head}名称和指标值都相同"
    if reworded:
        pairs = "、".join(f"{r.mine.level3}／{r.theirs.level3}" for r in reworded)
        names = f"是同一指标（{len(reworded)} 行措辞不同：{pairs}）"
    else:
        names = "名称相同"
    if not differing:
        return f"{head}{names}，指标值也都相同"
    targets = "；".join(f"{r.mine.level3}：{r.mine.target_raw}／{r.theirs.target_raw}" for r in differing)
    if len(differing) == len(rows):
        return f"{head}{'只有名称相同' if not reworded else names}，指标值都不同（{targets}）"
    return (
        f"{head}{names}，其中 {len(rows) - len(differing)} 行指标值也相同、{len(differing)} 行指标值不同（{targets}）"
    )


def _partner_evidence(ctx: CheckContext, project: ProjectRow, pair: CopyPair) -> dict:
    other = pair.other(project)
    rows = shared_rows(ctx, project, pair)
    return {
        "project_id": other.id,
        "name": other.name,
        "year": other.year,
        "shared_rows": len(pair.shared),
        "rows": len(ctx.indicators_by_project.get(project.id, [])),
        "partner_rows": len(ctx.indicators_by_project.get(other.id, [])),
        "shared": _shared_names(ctx, project, pair.shared),
        "same_targets": [r.mine.level3 for r in rows if r.same_target],
        "different_targets": [
            {
                "level3": r.mine.level3,
                "target": r.mine.target_raw,
                "partner_level3": r.theirs.level3,
                "partner_target": r.theirs.target_raw,
            }
            for r in rows
            if not r.same_target
        ],
        "reworded": [{"level3": r.mine.level3, "partner_level3": r.theirs.level3} for r in rows if not r.same_name],
        "related": pair.related,
    }


def _pairs_by_project(ctx: CheckContext, related: bool) -> dict[int, list[CopyPair]]:
    by_project: dict[int, list[CopyPair]] = defaultdict(list)
    for pair in copy_pairs(ctx):
        if (pair.related is not None) == related:
            by_project[pair.first.id].append(pair)
            by_project[pair.second.id].append(pair)
    return by_project


def _partners_text(ctx: CheckContext, project: ProjectRow, pairs: list[CopyPair]) -> str:
    """「A 的 6 行指标中有 6 行与项目「B」（2023年）名称相同，其中 3 行指标值也相同、3 行指标值不同（…）」."""
    rows = len(ctx.indicators_by_project.get(project.id, []))
    partners = "；".join(_shared_text(shared_rows(ctx, project, pair), pair.other(project).label()) for pair in pairs)
    return f"{project.label()}的 {rows} 行指标中有 {partners}"


def table_copied(ctx: CheckContext) -> Iterator[Hit]:
    """A project's table copied from an unrelated project of the same document (other series, other use)."""
    for project_id, pairs in sorted(_pairs_by_project(ctx, related=False).items()):
        project = ctx.projects[project_id]
        names = _shared_names(ctx, project, frozenset().union(*(p.shared for p in pairs)))
        yield Hit(
            f"{_partners_text(ctx, project, pairs)}。共同的指标：{'、'.join(names)}。两者名称和资金用途不同，"
            f"也没有相同的绩效目标，疑为整表照搬，指标未反映本项目的产出",
            {"partners": [_partner_evidence(ctx, project, pair) for pair in pairs]},
            project=project,
        )


def table_shared_related(ctx: CheckContext) -> Iterator[Hit]:
    """A project's table the same as a related fund's (another funding level or use of one programme)."""
    for project_id, pairs in sorted(_pairs_by_project(ctx, related=True).items()):
        project = ctx.projects[project_id]
        reasons = "；".join(sorted({p.related for p in pairs if p.related}))
        yield Hit(
            f"{_partners_text(ctx, project, pairs)}。两者属同一类资金（{reasons}），沿用同一指标表可以理解，仅供核对",
            {"partners": [_partner_evidence(ctx, project, pair) for pair in pairs]},
            project=project,
        )


def duplicate_rows(ctx: CheckContext) -> Iterator[Hit]:
    """The same measure (one indicator family) twice in one project's table."""
    for rows in ctx.indicators_by_project.values():
        seen: dict[int | str, IndicatorRow] = {}
        for row in rows:
            key = _family_key(row)
            first = seen.setdefault(key, row)
            if first is row:
                continue
            yield Hit(
                f"{ctx.where(row)}与第 {first.position} 行「{first.level3}」是同一项度量，重复列出"
                f"（指标值「{first.target_raw}」与「{row.target_raw}」）",
                {
                    "first_indicator_id": first.id,
                    "first_level3": first.level3,
                    "first_target": first.target_raw,
                    "target_raw": row.target_raw,
                    "family_id": row.family_id,
                },
                indicator=row,
            )
