"""How a build cuts its documents into batches (the partitions every stage runs on)."""

from __future__ import annotations

from kb.db.stages import DocumentJob, batches_of


def _jobs(*names: str) -> list[DocumentJob]:
    return [DocumentJob(n, name) for n, name in enumerate(names, start=1)]


def test_text_documents_go_in_consecutive_batches_of_the_size_asked() -> None:
    batches = batches_of(_jobs(*(f"d{n}.txt" for n in range(10))), 4)
    assert [len(b.documents) for b in batches] == [4, 4, 2]
    assert [b.index for b in batches] == [0, 1, 2]
    assert [job.doc_id for b in batches for job in b.documents] == list(range(1, 11))


def test_a_pdf_is_a_batch_of_its_own() -> None:
    batches = batches_of(_jobs("a.txt", "b.txt", "c.PDF", "d.pdf", "e.txt", "f.md", "g.html"), 4)
    assert [[job.location for job in b.documents] for b in batches] == [
        ["a.txt", "b.txt"],
        ["c.PDF"],
        ["d.pdf"],
        ["e.txt", "f.md", "g.html"],
    ]


def test_a_size_below_one_still_makes_batches() -> None:
    assert [len(b.documents) for b in batches_of(_jobs("a.txt", "b.txt"), 0)] == [1, 1]
