"""The ``indicator_texts`` table and its FTS5 index: each distinct indicator text once.

The build registers every indicator's text as it inserts the indicator
(:meth:`TextRegistry.assign` gives the ``text_id``), and writes the texts
once all documents are in. Adding documents to a built knowledge base
resumes from the stored keys, and rewrites only the texts the new
indicators joined.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from indexer.texts import TEXT_COLUMNS, IndexedText
from kb.db.schema import INDICATOR_TEXTS, TEXT_FTS
from kb.db.spec import insert_records
from kb.models import IndicatorText


class TextRegistry:
    """The distinct texts of a knowledge base being built, by key.

    Texts already stored (when documents are added) are not loaded: a text
    the new indicators join gets an entry holding only its new members
    (``IndexedText.partial``), and :meth:`write` adds them to what is stored.
    """

    def __init__(self) -> None:
        self.texts: dict[str, IndexedText] = {}
        self.stored: dict[str, int] = {}
        self.next_id = 1

    @classmethod
    def resume(cls, conn: sqlite3.Connection) -> TextRegistry:
        """The texts of a built knowledge base, by key."""
        registry = cls()
        t = INDICATOR_TEXTS.c
        registry.stored = dict(conn.execute(f"SELECT {t.key}, {t.id} FROM {INDICATOR_TEXTS.name}"))
        registry.next_id = max(registry.stored.values(), default=0) + 1
        return registry

    def assign(
        self,
        key: str,
        level2: str,
        segmented: tuple[str, ...],
        raw: tuple[str, ...],
        member: tuple[int, int | None, int, str],
    ) -> int:
        """The text id of one indicator (``member``: id, year, project id, segmented project name)."""
        text = self.texts.get(key)
        if text is None:
            stored = self.stored.get(key)
            text_id = stored if stored is not None else self.next_id
            if stored is None:
                self.next_id += 1
            text = IndexedText(
                id=text_id, key=key, level2=level2, segmented=segmented, raw=raw, partial=stored is not None
            )
            self.texts[key] = text
        text.add(*member)
        return text.id

    def changed(self) -> list[IndexedText]:
        """The texts new or joined by new indicators since the registry started, in id order."""
        return sorted(self.texts.values(), key=lambda t: t.id)

    def write(self, conn: sqlite3.Connection) -> None:
        """Store the changed texts in ``indicator_texts`` and its FTS5 index."""
        changed = self.changed()
        insert_records(conn, INDICATOR_TEXTS, _records(t for t in changed if not t.partial))
        conn.executemany(
            TEXT_FTS.insert_sql(),
            (
                TEXT_FTS.row(
                    text.id,
                    {**dict(zip(TEXT_COLUMNS, text.segmented, strict=True)), "project_names": text.project_terms()},
                )
                for text in changed
                if not text.partial
            ),
        )
        for text in changed:
            if text.partial:
                _join(conn, text)


def _join(conn: sqlite3.Connection, text: IndexedText) -> None:
    """Add a stored text's new members: its counts and the terms of their project names."""
    t = INDICATOR_TEXTS.c
    conn.execute(
        f"UPDATE {INDICATOR_TEXTS.name} SET {t.member_count} = {t.member_count} + ?, "
        f"{t.project_count} = {t.project_count} + ? WHERE {t.id} = ?",
        (len(text.members), text.project_count(), text.id),
    )
    (terms,) = conn.execute(f"SELECT project_names FROM [{TEXT_FTS.name}] WHERE rowid = ?", (text.id,)).fetchone()
    joined = " ".join(dict.fromkeys([*terms.split(), *text.project_terms().split()]))
    if joined != terms:
        conn.execute(f"UPDATE [{TEXT_FTS.name}] SET project_names = ? WHERE rowid = ?", (joined, text.id))


def _records(texts: Iterable[IndexedText]) -> Iterator[IndicatorText]:
    for text in texts:
        yield IndicatorText(
            id=text.id,
            key=text.key,
            level2=text.level2,
            **dict(zip(TEXT_COLUMNS, text.raw, strict=True)),
            member_count=len(text.members),
            project_count=text.project_count(),
        )
