"""Renderers of a :class:`GeneratedDoc` into each form a user downloads, and :func:`render` to pick one by name.

One module per form: ``txt`` (the seed's text), ``md`` (pipe tables), ``html``
and ``md-html`` (MinerU-style HTML tables), ``pdf`` (Chromium print),
``layout`` (``pdftotext -layout`` of the PDF), ``xlsx``, ``docx``; and the bad
inputs of :mod:`bench.docgen.render.bad`. Modules are imported on demand, so
the text forms work without Playwright, openpyxl or python-docx installed.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.docgen.blocks import GeneratedDoc

# form name -> (module, function); every function is ``fn(doc, path, **options) -> None``.
FORMS: dict[str, tuple[str, str]] = {
    "txt": ("bench.docgen.render.txt", "render_txt"),
    "md": ("bench.docgen.render.md", "render_md"),
    "html": ("bench.docgen.render.html", "render_html"),
    "md-html": ("bench.docgen.render.md_html", "render_md_html"),
    "pdf": ("bench.docgen.render.pdf", "render_pdf"),
    "layout": ("bench.docgen.render.layout", "render_layout"),
    "xlsx": ("bench.docgen.render.xlsx", "render_xlsx"),
    "docx": ("bench.docgen.render.docx", "render_docx"),
}
BAD_FORMS: dict[str, tuple[str, str]] = {
    "encrypted-pdf": ("bench.docgen.render.bad", "render_encrypted_pdf"),
    "scanned-pdf": ("bench.docgen.render.bad", "render_scanned_pdf"),
    "truncated-pdf": ("bench.docgen.render.bad", "render_truncated_pdf"),
    "corrupt-pdf": ("bench.docgen.render.bad", "render_corrupt_pdf"),
    "xlsx-no-indicators": ("bench.docgen.render.bad", "write_xlsx_without_indicators"),
    "truncated-html": ("bench.docgen.render.bad", "write_truncated_html"),
}
# The file name suffix of each form.
SUFFIXES = {
    "txt": ".txt",
    "md": ".md",
    "html": ".html",
    "md-html": ".md",
    "pdf": ".pdf",
    "layout": ".txt",
    "xlsx": ".xlsx",
    "docx": ".docx",
    "encrypted-pdf": ".pdf",
    "scanned-pdf": ".pdf",
    "truncated-pdf": ".pdf",
    "corrupt-pdf": ".pdf",
    "xlsx-no-indicators": ".xlsx",
    "truncated-html": ".html",
}


def renderer(form: str) -> Callable[..., None]:
    """The function that writes ``form`` (``KeyError`` naming the known forms if there is none)."""
    target = FORMS.get(form) or BAD_FORMS.get(form)
    if target is None:
        raise KeyError(f"unknown form {form!r}; known: {', '.join([*FORMS, *BAD_FORMS])}")
    module, name = target
    function: Callable[..., None] = getattr(importlib.import_module(module), name)
    return function


def options_of(form: str) -> list[str]:
    """The keyword options ``form`` accepts."""
    parameters = inspect.signature(renderer(form)).parameters.values()
    return [parameter.name for parameter in parameters if parameter.kind is inspect.Parameter.KEYWORD_ONLY]


def render(doc: GeneratedDoc, form: str, path: Path, **options: Any) -> Path:
    """Write ``doc`` in ``form`` to ``path`` and return the path; ``options`` go to the form's renderer."""
    unknown = set(options) - set(options_of(form))
    if unknown:
        raise TypeError(
            f"form {form!r} takes no option {', '.join(sorted(unknown))} (it takes: "
            f"{', '.join(options_of(form)) or 'none'})"
        )
    renderer(form)(doc, path, **options)
    return path
