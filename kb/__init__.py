"""绩效指标知识库: extract, index, compare and check Chinese government performance targets.

The pipeline, one package per stage (see ARCHITECTURE.md):
``kb.parse`` (documents → models) → ``kb.db`` (models → SQLite) → ``kb.checks``
(findings) → ``kb.web`` / ``kb.cli``; ``indexer`` tokenises and searches.
"""

__version__ = "0.1.0"
