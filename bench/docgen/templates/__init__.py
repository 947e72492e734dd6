"""Generators of made-up disclosure documents in every common 绩效目标表 template, with their truth.

They are the oracle for the template parsers: each generator is deterministic
in its seed and returns a :class:`~bench.docgen.blocks.GeneratedDoc` whose
``truth`` is exactly what a correct parse finds. Nothing here imports ``kb``.

>>> doc = generate("central", 7)
>>> doc.truth.template
'central'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from bench.docgen.blocks import GeneratedDoc
from bench.docgen.templates import bad_cases, central, dept_overall, dept_table, header_columns, sparse
from bench.docgen.templates.content import Size

__all__ = ["BAD_CASES", "TEMPLATES", "Generator", "Size", "generate", "mixed_corpus"]


class Generator(Protocol):
    """A template generator: a seed (and optionally a size) to a document; callable as ``f(seed)``."""

    def __call__(self, seed: int, size: Size | None = None) -> GeneratedDoc:
        """Generate the document of ``seed``."""


TEMPLATES: dict[str, Generator] = {
    "header_columns": header_columns.generate,
    "central": central.generate,
    "dept_table": dept_table.generate,
    "dept_overall": dept_overall.generate,
    "sparse": sparse.generate,
}

# Documents a parser must warn about; kept apart so a corpus of good documents stays good.
BAD_CASES: dict[str, Generator] = {
    "bad_unknown_header": bad_cases.generate_unknown_header,
    "bad_no_indicator_table": bad_cases.generate_no_indicator_table,
    "bad_sheet_shuffled": bad_cases.generate_sheet_shuffled,
}


def generate(template: str, seed: int, size: Size | None = None) -> GeneratedDoc:
    """One document of ``template`` (a key of :data:`TEMPLATES` or :data:`BAD_CASES`)."""
    generator = TEMPLATES.get(template) or BAD_CASES.get(template)
    if generator is None:
        known = ", ".join([*TEMPLATES, *BAD_CASES])
        raise KeyError(f"unknown template {template!r}; known: {known}")
    return generator(seed, size)


def mixed_corpus(n: int, seed: int, size: Size | None = None, include_bad: bool = False) -> Iterator[GeneratedDoc]:
    """``n`` documents cycling through the templates (and the bad cases if asked), each with its own seed.

    Document ``i`` uses seed ``seed * 100_003 + i``, so corpora of different
    sizes from one seed share their first documents.
    """
    names = [*TEMPLATES, *(BAD_CASES if include_bad else {})]
    for index in range(n):
        yield generate(names[index % len(names)], seed * 100_003 + index, size)
