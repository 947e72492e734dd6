"""The reading order the flowing forms (text, markdown, HTML) print: the page header lines where each page starts."""

from __future__ import annotations

from bench.docgen.blocks import Block, GeneratedDoc, PageBreak, Paragraph


def with_page_headers(doc: GeneratedDoc) -> list[Block]:
    """The blocks with ``doc.page_header`` as paragraphs at the start and after each :class:`PageBreak`.

    The page forms (PDF, DOCX) print the header in the page margin instead.
    """
    header: list[Block] = [Paragraph(line) for line in doc.page_header]
    blocks: list[Block] = list(header)
    for block in doc.blocks:
        blocks.append(block)
        if isinstance(block, PageBreak):
            blocks.extend(header)
    return blocks
