"""The PDF column of the benchmark: reading speed per page on one core, and a whole build of PDF documents.

``python -m bench pdf [--count 100]`` converts the first ``count`` documents of
the text corpus (:mod:`bench.corpus`) to blocks (:func:`bench.docgen.seed.text_doc`)
and prints them to PDF with one headless Chromium (cached under the work folder),
then measures, and merges into ``bench/results.json`` under ``"pdf"``:

* **reading on one core**: CPU seconds per page of ``kb.read`` (pdfplumber's
  tables and characters, pdfium's second path, the block model) over a sample
  of the PDFs, in this process, beside the **floor** — pypdfium2's bare text
  extraction of the same pages — and the whole parse (reading + parsers);
* **the whole build** of all ``count`` PDFs (``kb build`` in a child process
  on the given workers): wall seconds, peak memory, and the parse CPU per page
  the workers report; and whether every indicator was read back.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.run import CORPUS_SEED, RESULTS, ensure_corpus, machine, run_measured, write_results

TARGET_MS_PER_PAGE = 150
SAMPLE_DOCUMENTS = 5


def _fingerprint(corpus: Path, count: int) -> str:
    digest = hashlib.sha256(str(count).encode())
    for name in ("docgen/seed.py", "docgen/render/pdf.py", "docgen/render/html.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    digest.update((corpus / ".manifest.json").read_bytes())
    return digest.hexdigest()


def ensure_pdfs(work: Path, count: int) -> tuple[Path, int]:
    """``count`` corpus documents printed to PDF under ``work`` (reused when identical); and their indicators."""
    from bench.docgen.render.pdf import chromium, render_pdf
    from bench.docgen.seed import text_doc

    corpus = ensure_corpus(work, count, CORPUS_SEED)
    folder = work / f"pdf-{count}"
    manifest = folder / ".manifest.json"
    wanted = {"fingerprint": _fingerprint(corpus, count)}
    texts = sorted(corpus.glob("*.txt"))[:count]
    truth = json.loads((corpus / ".truth.json").read_text())
    if manifest.exists() and json.loads(manifest.read_text()) == wanted:
        return folder, truth["indicators"]
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.pdf"):
        old.unlink()
    started = time.perf_counter()
    with chromium() as browser:
        for index, text in enumerate(texts, start=1):
            render_pdf(
                text_doc(text.read_text(encoding="utf-8"), text.stem), folder / f"{text.stem}.pdf", browser=browser
            )
            if index % 10 == 0:
                print(f"  … printed {index}/{len(texts)} PDFs ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    manifest.write_text(json.dumps(wanted))
    return folder, truth["indicators"]


def _pages(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def text_floor(paths: list[Path]) -> float:
    """CPU seconds pypdfium2 takes to extract the bare text of every page of ``paths`` (no layout, no tables)."""
    import pypdfium2

    started = time.process_time()
    for path in paths:
        document = pypdfium2.PdfDocument(str(path))
        for page in document:
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        document.close()
    return time.process_time() - started


def reading_on_one_core(paths: list[Path]) -> dict[str, Any]:
    """Per page, on one core: kb.read alone, the whole parse, and the pypdfium2 text floor."""
    from kb.parse.document import parse_read
    from kb.read import read_document

    pages = sum(_pages(path) for path in paths)
    reading = parsing = 0.0
    for path in paths:
        started = time.process_time()
        read = read_document(path)
        read_done = time.process_time()
        parse_read(read)
        reading += read_done - started
        parsing += time.process_time() - read_done
    floor = text_floor(paths)
    return {
        "documents": len(paths),
        "pages": pages,
        "read_ms_per_page": round(1000 * reading / pages, 1),
        "parse_ms_per_page": round(1000 * (reading + parsing) / pages, 1),
        "pages_per_second": round(pages / reading, 1),
        "floor_pypdfium2_text_ms_per_page": round(1000 * floor / pages, 2),
        "ratio_to_floor": round(reading / floor, 1) if floor else None,
    }


def measure_pdf(work: Path, count: int, workers: int) -> dict[str, Any]:
    """Everything the PDF column holds for ``count`` generated PDF documents."""
    folder, indicators = ensure_pdfs(work, count)
    paths = sorted(folder.glob("*.pdf"))
    pages = sum(_pages(path) for path in paths)
    one_core = reading_on_one_core(paths[:SAMPLE_DOCUMENTS])
    db = work / f"kb-pdf-{count}.db"
    seconds, peak, output = run_measured(
        [sys.executable, "-m", "bench.probe", "build", str(folder), str(db), "--workers", str(workers)]
    )
    report = json.loads(output)
    parse_cpu = report["timings"].get("worker_parse_cpu", 0.0)
    return {
        "documents": len(paths),
        "pages": pages,
        "indicators": report["indicators"],
        "parsed_all": report["indicators"] == indicators and report["failed"] == 0,
        "target_ms_per_page": TARGET_MS_PER_PAGE,
        "one_core": one_core,
        "build": {
            "workers": workers,
            "seconds": round(seconds, 2),
            "peak_memory_mb": round(peak / 2**20),
            "parse_cpu_ms_per_page": round(1000 * parse_cpu / pages, 1),
            "phases": {k: round(v, 2) for k, v in report["timings"].items()},
        },
    }


def table(pdf: dict[str, Any]) -> str:
    """The PDF column as a markdown table."""
    one = pdf["one_core"]
    build = pdf["build"]
    rows = [
        ("documents / pages / indicators", f"{pdf['documents']} / {pdf['pages']} / {pdf['indicators']}"),
        ("every indicator read back", "yes" if pdf["parsed_all"] else "no"),
        (f"kb.read, one core (ms per page; target ≤ {pdf['target_ms_per_page']})", str(one["read_ms_per_page"])),
        ("kb.read, pages per second on one core", str(one["pages_per_second"])),
        ("whole parse incl. the section parsers (ms per page)", str(one["parse_ms_per_page"])),
        ("floor: pypdfium2 bare text (ms per page)", str(one["floor_pypdfium2_text_ms_per_page"])),
        ("kb.read ÷ floor", f"{one['ratio_to_floor']}×"),
        (f"kb build of all PDFs, {build['workers']} workers (s)", str(build["seconds"])),
        ("kb build peak memory (MB)", str(build["peak_memory_mb"])),
        ("kb build parse CPU per page, all workers (ms)", str(build["parse_cpu_ms_per_page"])),
    ]
    return "\n".join(["| PDF | |", "|---|---|", *(f"| {label} | {value} |" for label, value in rows)])


def run_pdf(work: Path, count: int, workers: int, out: Path = RESULTS) -> dict[str, Any]:
    """Measure the PDF column and merge it into ``out`` (keeping the other results)."""
    pdf = measure_pdf(work, count, workers)
    results = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"machine": machine(), "runs": {}}
    results["pdf"] = pdf
    write_results(results, out)
    return pdf
