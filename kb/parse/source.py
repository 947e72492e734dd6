"""Reading a text document from disk into numbered lines (moved to :mod:`kb.read.decode`; kept for callers)."""

from kb.read.decode import SourceText, decode, read_source, split_lines

__all__ = ["SourceText", "decode", "read_source", "split_lines"]
