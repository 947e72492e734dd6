"""The benchmark's corpus generator and its refusals (the measurements themselves run in ``make bench``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main as bench_main
from bench.corpus import department, generate, plan, render
from bench.run import percentiles, write_results
from kb.parse.document import parse_bytes


@pytest.mark.parametrize(("index", "year"), [(0, 2021), (7, 2024), (31, 2026)])
def test_generated_documents_parse_back_exactly(index: int, year: int) -> None:
    """Every page break, cut cell and merged cell the generator writes is read back as generated."""
    rendered = render(department(index), year, seed=11)
    document = parse_bytes(rendered.text.encode("utf-8"), "generated.txt")
    assert document.warnings == []
    assert document.dept_name == department(index).name and document.budget_year == year
    assert len(document.projects) == rendered.projects == 44
    parsed = [
        (i.level1, i.level2, i.level3, i.description, i.target.raw, i.basis)
        for p in document.projects
        for i in p.indicators
    ]
    assert parsed == list(rendered.rows)
    assert len(document.budget_tables.tables) == 9


def test_generator_is_deterministic_and_varied() -> None:
    first, again = render(department(3), 2023, seed=5), render(department(3), 2023, seed=5)
    assert first == again
    other_year = render(department(3), 2024, seed=5)
    assert other_year.text != first.text
    assert len({d.name for d, _ in plan(60)}) == 10 and {y for _, y in plan(60)} == set(range(2021, 2027))
    page_breaks = sum(render(department(i), 2024, seed=5).text.count("\n一级指标\t二级指标") for i in range(5))
    assert page_breaks > 10


def test_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        list(generate(0, tmp_path))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        list(generate(3, tmp_path / "missing"))
    assert bench_main(["--sizes", "0,5", "--work", str(tmp_path)]) == 2
    assert "must be positive" in capsys.readouterr().err
    assert bench_main(["--sizes", "1", "--work", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert bench_main(["corpus", "--count", "-1", "--out", str(tmp_path)]) == 2
    assert bench_main(["corpus", "--count", "2", "--out", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("*.txt"))) == 2


def test_results_are_written_whole_or_not_at_all(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    write_results({"runs": {"1": {"build": 1.0}}}, out)
    assert json.loads(out.read_text()) == {"runs": {"1": {"build": 1.0}}}
    with pytest.raises(TypeError):
        write_results({"runs": object()}, out)  # cut short while serialising
    assert json.loads(out.read_text()) == {"runs": {"1": {"build": 1.0}}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_percentiles() -> None:
    stats = percentiles([float(n) for n in range(1, 51)])
    assert (stats["p50"], stats["p95"], stats["max"], stats["n"]) == (25.5, 48.0, 50.0, 50)


def test_corpus_documents_become_blocks_that_print_back_the_same_rows() -> None:
    """The PDF column prints corpus documents: their blocks give the same rows and page breaks at the headers."""
    from bench.docgen.blocks import PageBreak
    from bench.docgen.render.txt import to_txt
    from bench.docgen.seed import text_doc

    rendered = render(department(5), 2025, seed=3)
    doc = text_doc(rendered.text, "corpus")
    rows = [line for line in rendered.text.split("\n") if "\t" in line]
    assert [line for line in to_txt(doc).split("\n") if "\t" in line] == rows
    breaks = sum(isinstance(block, PageBreak) for block in doc.blocks)
    headers = sum(line.startswith(f"{department(5).code} ") for line in rendered.text.split("\n"))
    assert breaks >= headers - 1 > 10
    parsed = parse_bytes(to_txt(doc).encode("utf-8"), "corpus.txt")
    assert [(i.level3, i.target.raw) for p in parsed.projects for i in p.indicators] == [
        (row[2], row[4]) for row in rendered.rows
    ]


def test_load_test_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_main(["load", "--seconds", "0", "--work", str(tmp_path)]) == 2
    assert "must be positive" in capsys.readouterr().err
    assert bench_main(["load", "--clients", "8,0", "--work", str(tmp_path)]) == 2
    assert bench_main(["load", "--work", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_load_client_reads_fixed_length_and_chunked_answers() -> None:
    """The load test's HTTP client against a tiny server answering both ways, over one kept-alive connection."""
    import asyncio

    from bench.load import Connection

    answers = [
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello",
        b"HTTP/1.1 400 Bad Request\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    ]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for answer in answers:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
        writer.close()

    async def scenario() -> list[tuple[int, int]]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        connection = Connection("127.0.0.1", port)
        got = [await connection.get("/a"), await connection.get("/b")]
        await connection.close()
        server.close()
        return got

    assert asyncio.run(scenario()) == [(200, 5), (400, 5)]


def test_scale_stage_ratios_to_the_median_and_to_the_same_period() -> None:
    """The large build's stages over the small 2-worker builds': to their median, and to the one run just
    before the large build (the host's speed can move between that and the later rounds)."""
    from bench.scale import stage_ratios, stage_ratios_same_period

    def build(seconds: float, documents: float) -> dict:
        return {"seconds": seconds, "stages": {"documents": documents}}

    results = {
        "small": 1000,
        "large": 10000,
        "builds": {
            "1000/dask-1": build(140, 90),
            "1000/dask-2": build(80, 40),
            "10000/dask-2": build(720, 380),
            "1000/dask-2 round 2": build(100, 60),
            "1000/dask-2 round 3": build(96, 56),
        },
    }
    assert stage_ratios(results) == {"documents": round(380 / 56, 2), "whole build": 7.5}
    assert stage_ratios_same_period(results) == {"documents": 9.5, "whole build": 9.0}
