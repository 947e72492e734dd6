"""Markdown with the tables embedded as ``<table>`` blocks, as MinerU's markdown output has them."""

from __future__ import annotations

from pathlib import Path

from bench.docgen.blocks import GeneratedDoc, Heading, Paragraph, Table
from bench.docgen.render.flow import with_page_headers
from bench.docgen.render.html import HtmlStyle, table_html


def render_md_html(
    doc: GeneratedDoc,
    path: Path,
    *,
    thead: bool = False,
    nested_bold: bool = False,
    entities: bool = False,
    one_line: bool = True,
) -> None:
    """Write ``doc`` as markdown: ``#`` headings, paragraphs, one HTML table per table (one line by default)."""
    path.write_text(to_md_html(doc, HtmlStyle(thead, nested_bold, entities, one_line)), encoding="utf-8")


def to_md_html(doc: GeneratedDoc, style: HtmlStyle) -> str:
    """The markdown text (page breaks leave no mark; the page header lines stay as paragraphs)."""
    parts: list[str] = []
    for block in with_page_headers(doc):
        if isinstance(block, Heading):
            parts.append("#" * block.level + " " + block.text)
        elif isinstance(block, Paragraph):
            parts.append("  \n".join(block.text.split("\n")))
        elif isinstance(block, Table):
            parts.append(table_html(block, style))
    return "\n\n".join(parts) + "\n"
