"""Reading a disclosure document into the records of :mod:`kb.models`.

``source`` turns a file into decoded lines, ``layout`` reads those lines
(cells, headings, markup), one module per section turns them into records
(``projects``, ``goals``, ``units``, ``budget``), ``targets`` reads a 指标值,
``notes`` collects the warnings, and ``document`` puts it all together.
"""

from kb.parse.document import parse_bytes, parse_document, parse_source

__all__ = ["parse_bytes", "parse_document", "parse_source"]
