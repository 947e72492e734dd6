"""The templates column: parse time per indicator for each 绩效目标表 template, beside the seed's.

``python -m bench templates [--count 100]`` writes a corpus mixing the
templates (:func:`bench.docgen.templates.mixed_corpus`, text form) and, as the
reference, takes the seed document and documents of the seed's layout from the
build corpus (:mod:`bench.corpus`). On one core, each document is read once and
then parsed several times (the fastest pass counts), measuring CPU time:

* **project parsing**: what the templates change — the claimed tables, the
  project parsers and the 部门整体支出绩效目标表 (:mod:`kb.parse.templates`);
* **whole parse**: every section parser (budget tables, goals, units too).

Both are divided by the indicators read (project indicators, and the indicators
of 部门整体 tables). The target: no template is more than 1.5× slower per
indicator than the seed's layout in project parsing. Every document's parse is
also checked against its truth, so the timed parse is a correct one. The
results merge into ``bench/results.json`` under ``"templates"``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.docgen.render import render
from bench.docgen.templates import mixed_corpus
from bench.run import CORPUS_SEED, RESULTS, ROOT, ensure_corpus, machine, write_results

LIMIT = 1.5
REPEAT = 3
SEED_LAYOUT_DOCUMENTS = 10
SEED_DOCUMENT = ROOT / "data" / "shijiazhuang-gaoxin-zuzhibu-2024-budget.txt"


def _fingerprint(count: int) -> str:
    digest = hashlib.sha256(f"{count}:{CORPUS_SEED}".encode())
    for path in sorted((Path(__file__).parent / "docgen").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_mixed(work: Path, count: int) -> Path:
    """``count`` documents of the mixed templates (text form) under ``work``, reused when identical."""
    folder = work / f"templates-{count}"
    manifest = folder / ".manifest.json"
    wanted = {"fingerprint": _fingerprint(count)}
    if manifest.exists() and json.loads(manifest.read_text()) == wanted:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    truths: dict[str, str] = {}
    for index, doc in enumerate(mixed_corpus(count, CORPUS_SEED)):
        assert doc.truth is not None
        path = render(doc, "txt", folder / f"{index:05d}-{doc.truth.template}.txt")
        truths[path.name] = doc.truth.template
    (folder / ".templates.json").write_text(json.dumps(truths))
    manifest.write_text(json.dumps(wanted))
    return folder


def _fastest(function: Callable[[], Any]) -> tuple[float, Any]:
    """The least CPU seconds of :data:`REPEAT` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(REPEAT):
        started = time.process_time()
        result = function()
        best = min(best, time.process_time() - started)
    return best, result


def time_document(path: Path) -> dict[str, float]:
    """CPU seconds to read, to parse the projects (templates), and to parse every section; indicators read."""
    from kb.parse.document import parse_read
    from kb.parse.notes import ParseNotes
    from kb.parse.projects import parse_projects
    from kb.parse.templates.claims import claim_tables
    from kb.parse.templates.dept_overall import parse_goal_tables
    from kb.read import read_document
    from kb.read.lines import doc_lines

    read_seconds, read = _fastest(lambda: read_document(path))
    lines = doc_lines(read.blocks)

    def projects() -> int:
        notes = ParseNotes(str(path))
        claims = claim_tables(lines)
        goals = parse_goal_tables(claims, notes)
        found = parse_projects(lines, notes, claims=claims)
        return sum(len(p.indicators) for p in found) + sum(len(g.indicators) for g in goals)

    project_seconds, indicators = _fastest(projects)
    parse_seconds, _ = _fastest(lambda: parse_read(read))
    return {"read": read_seconds, "projects": project_seconds, "parse": parse_seconds, "indicators": indicators}


def _summary(times: list[dict[str, float]]) -> dict[str, Any]:
    indicators = sum(t["indicators"] for t in times)
    return {
        "documents": len(times),
        "indicators": int(indicators),
        "project_parse_us_per_indicator": round(1e6 * sum(t["projects"] for t in times) / indicators, 1),
        "whole_parse_us_per_indicator": round(1e6 * sum(t["parse"] for t in times) / indicators, 1),
        "read_us_per_indicator": round(1e6 * sum(t["read"] for t in times) / indicators, 1),
    }


def _exact(folder: Path) -> dict[str, int]:
    """How many documents of each template parse exactly as their truth says (the timed parse is a right one)."""
    from bench.docgen.templates import mixed_corpus as again
    from bench.truth import differences
    from kb.parse.document import parse_document

    exact: dict[str, int] = defaultdict(int)
    paths = sorted(folder.glob("*.txt"))
    for path, doc in zip(paths, again(len(paths), CORPUS_SEED), strict=True):
        assert doc.truth is not None
        exact[doc.truth.template] += not differences(parse_document(path), doc.truth)
    return dict(exact)


def measure_templates(work: Path, count: int) -> dict[str, Any]:
    """Parse time per indicator for each template and for the seed's layout, with their ratio."""
    folder = ensure_mixed(work, count)
    kinds: dict[str, str] = json.loads((folder / ".templates.json").read_text())
    by_template: dict[str, list[dict[str, float]]] = defaultdict(list)
    for path in sorted(folder.glob("*.txt")):
        by_template[kinds[path.name]].append(time_document(path))
    corpus = ensure_corpus(work, SEED_LAYOUT_DOCUMENTS, CORPUS_SEED)
    seed_layout = [time_document(SEED_DOCUMENT), *(time_document(p) for p in sorted(corpus.glob("*.txt")))]
    reference = _summary(seed_layout)
    exact = _exact(folder)
    templates: dict[str, Any] = {}
    for name, times in sorted(by_template.items()):
        summary = _summary(times)
        summary["ratio_to_seed"] = round(
            summary["project_parse_us_per_indicator"] / reference["project_parse_us_per_indicator"], 2
        )
        summary["exact_documents"] = exact.get(name, 0)
        templates[name] = summary
    return {
        "documents": count,
        "limit_ratio": LIMIT,
        "seed_layout": reference,
        "templates": templates,
        "within_limit": all(t["ratio_to_seed"] <= LIMIT for t in templates.values()),
    }


def table(result: dict[str, Any]) -> str:
    """The templates column as a markdown table."""
    seed = result["seed_layout"]
    rows = [
        "| template | documents | indicators | project parse (µs/indicator) | ratio to seed "
        "| whole parse (µs/indicator) | read (µs/indicator) | parsed exactly |",
        "|---|---|---|---|---|---|---|---|",
        f"| seed layout (hebei) | {seed['documents']} | {seed['indicators']} "
        f"| {seed['project_parse_us_per_indicator']} | 1.00 | {seed['whole_parse_us_per_indicator']} "
        f"| {seed['read_us_per_indicator']} | |",
    ]
    for name, t in result["templates"].items():
        rows.append(
            f"| {name} | {t['documents']} | {t['indicators']} | {t['project_parse_us_per_indicator']} "
            f"| {t['ratio_to_seed']:.2f} | {t['whole_parse_us_per_indicator']} | {t['read_us_per_indicator']} "
            f"| {t['exact_documents']}/{t['documents']} |"
        )
    verdict = "yes" if result["within_limit"] else "NO"
    rows.append(f"\nevery template within {result['limit_ratio']}× the seed per indicator: {verdict}")
    return "\n".join(rows)


def run_templates(work: Path, count: int, out: Path = RESULTS) -> dict[str, Any]:
    """Measure the templates column and merge it into ``out`` (keeping the other results)."""
    result = measure_templates(work, count)
    results = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"machine": machine(), "runs": {}}
    results["templates"] = result
    write_results(results, out)
    return result
