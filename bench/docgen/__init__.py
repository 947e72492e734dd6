"""Generators of disclosure documents in every form and template the tool reads.

The generators are the test oracle for the readers and template parsers in
``kb.parse``: they never import ``kb``. A generated document is first built as
a list of blocks (:mod:`bench.docgen.blocks`), then rendered into a form
(text, markdown, HTML, PDF, ``pdftotext -layout``, XLSX, DOCX) by
:mod:`bench.docgen.render`. What a correct parse must find travels beside it
as plain data (:class:`bench.docgen.blocks.Truth`).
"""
