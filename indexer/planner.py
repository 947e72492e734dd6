"""The one query planner: what every search path (SQL, Datasette, Whoosh, ``kb similar``) asks for.

A query is read (:func:`read_query`) into *needs* — the words a row must hold,
each as typed (满意率, 贴息贷款, 知晓度) — and *target conditions* read with the
project's target parser (``≤90%``, 不低于95%, ``12月前``; see
:mod:`indexer.target_terms`). :func:`plan` then lays out matching in tiers, each
a boolean expression over index terms (:mod:`indexer.match`), tried in order:

1. **精确匹配** (exact): the query as written — each piece of it (what lies
   between spaces) as a phrase, its words one after another — and every target
   condition.
2. **全部词语** (all the words), for a piece the knowledge base does not hold
   as written: every word of the query, in any order and place (贴息成本 finds
   创业担保贷款贴息的成本). A piece it holds as written stays a phrase in every
   tier, its words taken as they are.
3. **相近写法** (other wording): a two-word piece the documents write the other
   way round read so (补贴就业 → 就业补贴), and each other need as written *or*
   in another wording —
   the synonym list (租金 → 租赁费, 满意率 → 满意度/满意…), and, for a word the
   index does not hold at all, its stem (覆盖面 → 覆盖), a reordered compound
   (贴息贷款 → 贷款贴息) or its dictionary sub-words, all of them required
   (污水处理 → 污水 + 处理, so a corpus without 污水 still finds nothing), or the
   start of a longer indexed word (驻村 → 驻村帮扶).
4. **同族指标** (same family): when the query names an indicator (its words are
   the indicator's name, nearly all of it), the other names of that
   indicator's family (``indicator_families``: 受益对象/受益群体/服务对象满意度).
5. **同类指标** (same category): when the query, or the indicator it names,
   names a 一级/二级指标 category (满意度 → 满意度指标; 受益对象满意度 →
   服务对象满意度指标; 成本 → 成本指标), the indicators of that category.

Target conditions hold in every tier. A row is listed in the first tier it
matches; within a tier rows are ranked by BM25. Family and category tiers are
written as the names they cover (each name's words in the 三级指标), so the
same expression runs unchanged in FTS5, in Whoosh and in Python.

Plans are cached per knowledge base (its build id) and query text.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from threading import Lock

from indexer.families import canonical_name
from indexer.match import NAME, TARGET, Expr, Phrase, Term, all_of, any_of, restrict, text_index_fts5
from indexer.target_terms import TargetCondition, split_target
from indexer.tokenizer import STOP_WORDS, is_dictionary_word, term_set, words
from indexer.wordforms import (
    FORM_SUFFIXES,
    SUFFIX_CHARACTERS,
    form_stem,
    group_of,
    listed_wordings,
    splits,
    wording_terms,
)
from kb.db.schema import INDICATOR_FAMILIES, INDICATOR_FTS, INDICATOR_TEXTS, INDICATORS, PROJECTS, TEXT_FTS

EXACT, WORDS, WORDING, FAMILY, CATEGORY = "exact", "words", "wording", "family", "category"
TIER_LABELS = {EXACT: "精确匹配", WORDS: "全部词语", WORDING: "相近写法", FAMILY: "同族指标", CATEGORY: "同类指标"}
# A query names an indicator when its words make up at least this share of the name's characters.
NAMED_SHARE = 0.75
# How many wordings a word is looked up in before the rest are ignored (a long query is still fast).
MAX_NEEDS = 12
# Plans of this many queries are kept; a query longer than this many characters is planned each time (what a
# server keeps stays small whatever it is sent; reviewers' queries are a few words).
PLAN_CACHE_SIZE = 2_000
PLAN_CACHE_KEY_CHARS = 200
# A knowledge base's answers about terms are forgotten past this many (a server is sent any words).
MAX_POSTINGS_KEPT = 50_000
# A word shorter than this is never looked for as the start of longer ones.
MIN_PREFIX = 2
# A category is named by its name without this ending: 成本 names 成本指标.
CATEGORY_SUFFIX = "指标"

_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”|「([^」]*)」|『([^』]*)』")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Need:
    """One thing a row must hold: a word as the user wrote it and the index terms that spell it.

    ``quoted`` needs (inside quotes) are matched as written only. ``joined``
    needs are one word the segmenter did not know and cut into pieces — a form
    suffix left off (知晓 | 度, 结案 | 情况) or single characters (驻 | 村):
    matched as those pieces, other wordings looked up for the whole.
    """

    text: str
    words: tuple[str, ...]
    quoted: bool = False
    joined: bool = False

    def exact(self) -> Expr:
        """The need as written: all its words."""
        expr = all_of(Term(w) for w in self.words)
        assert expr is not None
        return expr


@dataclass(frozen=True)
class ReadQuery:
    """A query as read: its needs, the phrases its pieces make, and its target conditions."""

    text: str
    needs: tuple[Need, ...]
    targets: tuple[TargetCondition, ...]
    # Each piece of more than one word: its words in order (stop words too), and the texts of its needs.
    phrases: tuple[tuple[str, ...], ...] = ()
    phrase_needs: tuple[tuple[str, ...], ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to search for: only stop words and punctuation."""
        return not self.needs and not self.targets

    def name_text(self) -> str:
        """The words of the query run together: what it would be as an indicator name."""
        return "".join(need.text for need in self.needs)

    def terms(self) -> list[str]:
        """Every term the needs spell, in order (for highlighting)."""
        return list(dict.fromkeys(w for need in self.needs for w in need.words))


def _needs_of(segmented: Sequence[str], quoted: bool) -> list[Need]:
    """The needs of one piece's words: listed wordings spelt over several words, and unknown words, kept whole."""
    listed = listed_wordings()
    out: list[Need] = []
    i = 0
    while i < len(segmented):
        for j in range(min(len(segmented), i + 4), i + 1, -1):
            joined = "".join(segmented[i:j])
            if joined in listed:
                terms = wording_terms(joined)
                if terms:
                    out.append(Need(joined, terms, quoted))
                i = j
                break
        else:
            word = segmented[i]
            following = segmented[i + 1] if i + 1 < len(segmented) else ""
            if not quoted and following in FORM_SUFFIXES and len(word) >= 2 and _CJK.match(word):
                out.append(Need(word + following, (word, following), quoted, joined=True))
                i += 2
                continue
            if not quoted and _single(word):
                # Characters the segmenter could not make a word of (驻 | 村): one unknown word.
                j = i + 1
                while j < len(segmented) and _single(segmented[j]):
                    j += 1
                if j - i >= 2:
                    out.append(Need("".join(segmented[i:j]), tuple(segmented[i:j]), quoted, joined=True))
                    i = j
                    continue
            if word not in STOP_WORDS:
                out.append(Need(word, (word,), quoted))
            i += 1
    return out


def _single(word: str) -> bool:
    return len(word) == 1 and bool(_CJK.match(word)) and word not in STOP_WORDS and word not in SUFFIX_CHARACTERS


def _phrase(segmented: Sequence[str]) -> tuple[str, ...]:
    """A piece's words as a phrase: stop words inside it kept (the index keeps them), at its ends dropped."""
    words = list(segmented)
    while words and words[0] in STOP_WORDS:
        words.pop(0)
    while words and words[-1] in STOP_WORDS:
        words.pop()
    return tuple(words)


def read_query(text: str) -> ReadQuery:
    """Read a query: quoted phrases, words and target conditions (``满意度 ≤90%``)."""
    text = text or ""
    needs: list[Need] = []
    targets: list[TargetCondition] = []
    phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in _QUOTED.finditer(text):
        pieces.extend((piece, False) for piece in text[position : match.start()].split())
        pieces.append((next(g for g in match.groups() if g is not None), True))
        position = match.end()
    pieces.extend((piece, False) for piece in text[position:].split())
    for piece, quoted in pieces:
        rest, condition = (piece, None) if quoted else split_target(piece)
        if condition is not None:
            targets.append(condition)
        segmented = words(rest)
        piece_needs = _needs_of(segmented, quoted)
        needs.extend(piece_needs)
        phrase = _phrase(segmented)
        if len(phrase) > 1:
            phrases.setdefault(phrase, tuple(need.text for need in piece_needs))
    unique = {need.text: need for need in needs}
    return ReadQuery(
        text,
        tuple(unique.values())[:MAX_NEEDS],
        tuple(dict.fromkeys(targets)),
        tuple(phrases),
        tuple(phrases.values()),
    )


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Tier:
    """One tier of a plan: what it is (``exact`` …), its Chinese label and the expression a row must match."""

    kind: str
    expr: Expr

    @property
    def label(self) -> str:
        return TIER_LABELS[self.kind]


@dataclass(frozen=True)
class Plan:
    """A query read and planned: its tiers in order (none for a query without terms)."""

    query: ReadQuery
    tiers: tuple[Tier, ...]
    named: tuple[str, ...] = ()  # the indicator names the query names
    categories: tuple[str, ...] = ()  # the 一级/二级指标 it names
    notes: tuple[str, ...] = field(default=())  # how words were read, for people

    def union(self) -> Expr | None:
        """What any tier matches: the rows the search finds."""
        return any_of(t.expr for t in self.tiers)

    def fts5(self, rename: dict[str, str] | None = None) -> str:
        """The FTS5 MATCH expression of :meth:`union` (one that matches nothing when there is none)."""
        union = self.union()
        return union.fts5(rename) if union is not None else NO_MATCH


# Matches nothing and is valid FTS5 syntax: the answer to a query with no terms.
NO_MATCH = '""'


class Vocabulary:
    """What the planner reads from a knowledge base: which terms it holds, its names, families and categories.

    One per build id, shared by every connection to it, each answer computed once.
    """

    def __init__(self) -> None:
        self.lock = Lock()
        self.postings: dict[str, bool] = {}
        self.family_of_name: dict[str, tuple[int, str] | None] = {}
        self.family_names: dict[int, tuple[str, ...]] = {}
        self.category_names: dict[str, tuple[str, ...]] = {}
        self.categories: dict[str, tuple[str, ...]] | None = None  # 一级/二级指标 → the 二级指标 under it
        self.has_index: bool | None = None

    def _keep(self, key: str, found: bool) -> bool:
        if len(self.postings) >= MAX_POSTINGS_KEPT:
            self.postings.clear()
        self.postings[key] = found
        return found

    def indexed(self, conn: sqlite3.Connection) -> bool:
        """Whether the connection holds a knowledge base's indexes (a bare connection plans the exact tier only)."""
        if self.has_index is None:
            names = {TEXT_FTS.name, INDICATOR_FTS.name, INDICATOR_TEXTS.name}
            found = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
            self.has_index = names <= found
        return self.has_index

    def has_postings(self, conn: sqlite3.Connection, term: str) -> bool:
        """Whether any indicator text holds ``term``."""
        found = self.postings.get(term)
        if found is None:
            row = conn.execute(
                f"SELECT 1 FROM [{TEXT_FTS.name}] WHERE [{TEXT_FTS.name}] MATCH ? LIMIT 1", (Term(term).fts5(),)
            ).fetchone()
            found = self._keep(term, row is not None)
        return found

    def has_phrase(self, conn: sqlite3.Connection, phrase: tuple[str, ...]) -> bool:
        """Whether any indicator holds ``phrase``, its words one after another (as written)."""
        key = " ".join(phrase) + " \x00phrase"
        found = self.postings.get(key)
        if found is None:
            row = conn.execute(
                f"SELECT 1 FROM [{INDICATOR_FTS.name}] WHERE [{INDICATOR_FTS.name}] MATCH ? LIMIT 1",
                (Phrase(phrase).fts5(),),
            ).fetchone()
            found = self._keep(key, row is not None)
        return found

    def has_writing(self, conn: sqlite3.Connection, text: str) -> bool:
        """Whether some indicator text or project name is written with ``text`` in it, character for character."""
        key = text + " \x00written"
        found = self.postings.get(key)
        if found is None:
            t, p = INDICATOR_TEXTS.c, PROJECTS.c
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            columns = " OR ".join(f"{c} LIKE ?1 ESCAPE '\\'" for c in (t.level3, t.description, t.target_raw, t.basis))
            row = conn.execute(f"SELECT 1 FROM {INDICATOR_TEXTS.name} WHERE {columns} LIMIT 1", (pattern,)).fetchone()
            if row is None:
                row = conn.execute(
                    f"SELECT 1 FROM {PROJECTS.name} WHERE {p.name} LIKE ?1 ESCAPE '\\' LIMIT 1", (pattern,)
                ).fetchone()
            found = self._keep(key, row is not None)
        return found

    def has_prefix(self, conn: sqlite3.Connection, start: str) -> bool:
        """Whether any indicator text holds a term starting with ``start``."""
        key = start + "*"
        found = self.postings.get(key)
        if found is None:
            row = conn.execute(
                f"SELECT 1 FROM [{TEXT_FTS.name}] WHERE [{TEXT_FTS.name}] MATCH ? LIMIT 1",
                (Term(start, prefix=True).fts5(),),
            ).fetchone()
            found = self._keep(key, row is not None)
        return found

    def family(self, conn: sqlite3.Connection, name: str) -> tuple[int, str] | None:
        """``(family id, family key)`` of the indicators named ``name``."""
        if name not in self.family_of_name:
            i, f = INDICATORS.c, INDICATOR_FAMILIES.c
            row = conn.execute(
                f"SELECT f.{f.id}, f.{f.key} FROM {INDICATOR_FAMILIES.name} f WHERE f.{f.id} = "
                f"(SELECT {i.family_id} FROM {INDICATORS.name} WHERE {i.level3} = ? LIMIT 1)",
                (name,),
            ).fetchone()
            self.family_of_name[name] = (row[0], row[1]) if row else None
        return self.family_of_name[name]

    def names_of_family(self, conn: sqlite3.Connection, family_id: int) -> tuple[str, ...]:
        """Every 三级指标 wording of a family."""
        if family_id not in self.family_names:
            f = INDICATOR_FAMILIES.c
            row = conn.execute(
                f"SELECT {f.name_counts} FROM {INDICATOR_FAMILIES.name} WHERE {f.id} = ?", (family_id,)
            ).fetchone()
            self.family_names[family_id] = tuple(sorted(json.loads(row[0] or "{}"))) if row else ()
        return self.family_names[family_id]

    def category_levels(self, conn: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
        """Every 一级 and 二级指标 of the knowledge base, each with the 二级指标 it covers.

        The 二级指标 come from the distinct texts; the 一级 above each is read
        from one indicator of it (the template fixes it), so no scan of every
        indicator is needed.
        """
        if self.categories is None:
            t, i = INDICATOR_TEXTS.c, INDICATORS.c
            level2 = [row[0] for row in conn.execute(f"SELECT DISTINCT {t.level2} FROM {INDICATOR_TEXTS.name}")]
            categories: dict[str, list[str]] = {}
            for name in level2:
                row = conn.execute(
                    f"SELECT {i.level1} FROM {INDICATORS.name} WHERE {i.text_id} = "
                    f"(SELECT {t.id} FROM {INDICATOR_TEXTS.name} WHERE {t.level2} = ? LIMIT 1) LIMIT 1",
                    (name,),
                ).fetchone()
                if row and row[0]:
                    categories.setdefault(row[0], []).append(name)
                if name:
                    categories.setdefault(name, []).append(name)
            self.categories = {name: tuple(dict.fromkeys(covered)) for name, covered in categories.items()}
        return self.categories

    def names_of_category(self, conn: sqlite3.Connection, category: str) -> tuple[str, ...]:
        """Every 三级指标 under a 一级 or 二级指标."""
        if category not in self.category_names:
            covered = self.category_levels(conn).get(category, ())
            t = INDICATOR_TEXTS.c
            names: set[str] = set()
            for level2 in covered:
                sql = f"SELECT DISTINCT {t.level3} FROM {INDICATOR_TEXTS.name} WHERE {t.level2} = ?"
                names.update(row[0] for row in conn.execute(sql, (level2,)) if row[0])
            self.category_names[category] = tuple(sorted(names))
        return self.category_names[category]

    def names_matching(self, conn: sqlite3.Connection, expr: Expr) -> list[str]:
        """The distinct 三级指标 of the texts whose name matches ``expr``."""
        t = INDICATOR_TEXTS.c
        return [
            row[0]
            for row in conn.execute(
                f"SELECT DISTINCT t.{t.level3} FROM {INDICATOR_TEXTS.name} t WHERE t.{t.id} IN "
                f"(SELECT rowid FROM [{TEXT_FTS.name}] WHERE [{TEXT_FTS.name}] MATCH ?)",
                (text_index_fts5(expr),),
            )
            if row[0]
        ]


_vocabularies: dict[str, Vocabulary] = {}
_plans: OrderedDict[tuple[str, str], Plan] = OrderedDict()
_lock = Lock()


def build_key(conn: sqlite3.Connection) -> str:
    """What identifies the knowledge base behind ``conn`` (its build id; the connection itself without one)."""
    try:
        row = conn.execute("SELECT build_id FROM build_info LIMIT 1").fetchone()
    except sqlite3.Error:
        row = None
    return row[0] if row else f"connection-{id(conn)}"


def vocabulary(conn: sqlite3.Connection, build: str | None = None) -> Vocabulary:
    """The vocabulary of the knowledge base behind ``conn`` (``build``: its build key, when known)."""
    key = build or build_key(conn)
    with _lock:
        found = _vocabularies.get(key)
        if found is None:
            found = _vocabularies[key] = Vocabulary()
        return found


def plan(conn: sqlite3.Connection, text: str, build: str | None = None) -> Plan:
    """The plan of the query ``text`` against the knowledge base behind ``conn`` (cached).

    ``build`` is the knowledge base's :func:`build_key` when the caller knows it already.
    """
    key = (build or build_key(conn), text or "")
    with _lock:
        cached = _plans.get(key)
        if cached is not None:
            _plans.move_to_end(key)
            return cached
    vocab = vocabulary(conn, key[0])
    with vocab.lock:
        result = _make_plan(conn, vocab, read_query(text))
    if len(key[1]) <= PLAN_CACHE_KEY_CHARS:
        with _lock:
            _plans[key] = result
            while len(_plans) > PLAN_CACHE_SIZE:
                _plans.popitem(last=False)
    return result


def _wording(conn: sqlite3.Connection, vocab: Vocabulary, wording: str) -> Expr | None:
    terms = wording_terms(wording)
    if not terms or not all(vocab.has_postings(conn, t) for t in terms):
        return None
    return all_of(Term(t) for t in terms)


def alternatives(conn: sqlite3.Connection, vocab: Vocabulary, need: Need) -> tuple[list[Expr], list[str]]:
    """Other wordings of a need that the index holds, and a note saying which (满意率 → 满意、满意度…)."""
    if need.quoted:
        return [], []
    found: list[Expr] = []
    named: list[str] = []

    def add(wording: str) -> bool:
        expr = _wording(conn, vocab, wording)
        if expr is None or expr == need.exact():
            return False
        if expr not in found:
            found.append(expr)
            named.append(wording)
        return True

    for member in group_of(need.text):
        add(member)
    held = not need.joined and all(vocab.has_postings(conn, w) for w in need.words)
    if not held and _CJK.match(need.text):
        # The index does not hold the word as written: its stem, the compound reversed, its sub-words.
        stem = form_stem(need.text)
        if stem and add(stem):
            for member in group_of(stem):
                add(member)
        ways = splits(need.text)
        for way in ways:
            reversed_ = _reversal(conn, vocab, way) if len(way) == 2 else None
            if reversed_ is not None and reversed_ not in found:
                found.append(reversed_)
                named.append(way[1] + way[0])
        if not found and len(need.text) >= MIN_PREFIX and vocab.has_prefix(conn, need.text):
            found.append(Term(need.text, prefix=True))
            named.append(need.text + "…")
        if not found:
            for way in ways:
                if all(vocab.has_postings(conn, piece) for piece in way):
                    expr = all_of(Term(piece) for piece in way)
                    assert expr is not None
                    found.append(expr)
                    named.append(" + ".join(way))
                    break
    return found, [f"{need.text} → {'、'.join(named)}"] if named else []


def _reversal(conn: sqlite3.Connection, vocab: Vocabulary, pair: Sequence[str]) -> Expr | None:
    """Two words the other way round (贴息贷款 → 贷款贴息, 资金补助 → 补助资金), if the documents write them so.

    A dictionary word the index holds counts; so do two words the index holds one after the other when some
    text also writes them together — two words that merely meet across a full stop are no compound.
    """
    first, second = pair
    if is_dictionary_word(second + first) and vocab.has_postings(conn, second + first):
        return Term(second + first)
    if vocab.has_phrase(conn, (second, first)) and vocab.has_writing(conn, second + first):
        return Phrase((second, first))
    return None


def _name_groups(names: Iterable[str]) -> Expr | None:
    """Rows whose 三级指标 holds every word of one of ``names``.

    A name holding every word of a shorter one adds nothing: whatever holds
    its words holds theirs (满意度 covers 使用人员满意度, whose index terms
    include 满意度), so it is left out and the expression stays short.
    """
    spelt = sorted(
        {frozenset(wording_terms(name)) for name in names} - {frozenset()}, key=lambda t: (len(t), sorted(t))
    )
    held = {terms: frozenset().union(*(term_set(word) for word in terms)) for terms in spelt}
    kept: list[frozenset[str]] = []
    for index, terms in enumerate(spelt):
        # Covered by another name; of two names that cover each other, the first is kept.
        if not any(
            other <= held[terms] and (not terms <= held[other] or before < index)
            for before, other in enumerate(spelt)
            if other != terms
        ):
            kept.append(terms)
    groups = []
    for terms in kept:
        group = all_of(Term(t, (NAME,)) for t in sorted(terms))
        assert group is not None
        groups.append(group)
    return any_of(groups)


def _canonical_query(text: str) -> str:
    """A query's canonical name: names are cached by the families module, a query (any text) is not kept."""
    return canonical_name.__wrapped__(text)


def _names_the_query(query: ReadQuery, names: Iterable[str]) -> list[str]:
    """The names the query makes up nearly all of (受益人满意度 names 受益人员满意度)."""
    wanted = _canonical_query(query.name_text())
    if not wanted:
        return []
    return [name for name in names if len(wanted) >= NAMED_SHARE * len(canonical_name(name) or name)]


def _make_plan(conn: sqlite3.Connection, vocab: Vocabulary, query: ReadQuery) -> Plan:
    if query.empty:
        return Plan(query, ())
    targets = [Term(c.term(), (TARGET,)) for c in query.targets]
    tiers: list[Tier] = []
    notes: list[str] = []
    every_word = [need.exact() for need in query.needs]
    phrases = [Phrase(phrase) for phrase in query.phrases]
    exact = all_of([*every_word, *phrases, *targets])
    assert exact is not None
    tiers.append(Tier(EXACT, exact))
    if not query.needs or not vocab.indexed(conn):
        return Plan(query, tuple(tiers))
    # A piece the knowledge base holds as written stays a phrase, its words as they are; one it holds the other way
    # round (补贴就业 → 就业补贴) is read so; any other is looked for word by word (贴息成本), in other wordings too.
    kept: list[Expr] = []
    reversals: list[Expr] = []
    settled: set[str] = set()
    apart = False
    for phrase, texts in zip(phrases, query.phrase_needs, strict=True):
        if vocab.has_phrase(conn, phrase.words):
            kept.append(phrase)
            settled.update(texts)
            continue
        reversed_ = _reversal(conn, vocab, phrase.words) if len(phrase.words) == 2 else None
        if reversed_ is not None and not any(need.quoted for need in query.needs if need.text in texts):
            reversals.append(reversed_)
            settled.update(texts)
            notes.append(f"{''.join(phrase.words)} → {''.join(reversed_.terms())}")
        else:
            apart = True
    if apart:
        every = all_of([*every_word, *kept, *targets])
        assert every is not None
        tiers.append(Tier(WORDS, every))

    either: list[Expr] = []
    for need in query.needs:
        others, why = alternatives(conn, vocab, need) if need.text not in settled else ([], [])
        notes.extend(why)
        alternative = any_of([need.exact(), *others])
        assert alternative is not None
        either.append(alternative)
    text_expr = all_of([*either, *kept, *reversals])
    assert text_expr is not None
    if notes:
        wording = all_of([text_expr, *targets])
        assert wording is not None
        tiers.append(Tier(WORDING, wording))

    if any(need.quoted for need in query.needs):
        return Plan(query, tuple(tiers), notes=tuple(notes))

    # The indicator names the query names: their family, and the category they or the query name.
    in_names = all_of(restrict(e, NAME) for e in either)
    assert in_names is not None
    named = _names_the_query(query, vocab.names_matching(conn, in_names))
    family_names: dict[str, None] = {}
    keys = {_canonical_query(query.name_text())}
    for name in named:
        keys.add(canonical_name(name))
        family = vocab.family(conn, name)
        if family is not None:
            keys.add(family[1])
            family_names.update(dict.fromkeys(vocab.names_of_family(conn, family[0])))
    if family_names:
        group = _name_groups(family_names)
        if group is not None:
            expr = all_of([group, *targets])
            assert expr is not None
            tiers.append(Tier(FAMILY, expr))
    levels = vocab.category_levels(conn)
    categories = sorted({key + CATEGORY_SUFFIX for key in keys if key and key + CATEGORY_SUFFIX in levels})
    category_names: dict[str, None] = {}
    for category in categories:
        category_names.update(dict.fromkeys(vocab.names_of_category(conn, category)))
    if category_names:
        group = _name_groups(category_names)
        if group is not None:
            expr = all_of([group, *targets])
            assert expr is not None
            tiers.append(Tier(CATEGORY, expr))
    return Plan(query, tuple(tiers), tuple(named), tuple(categories), tuple(notes))
