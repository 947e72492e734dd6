"""Other wordings of a query word: the synonym list, word-form suffixes, dictionary sub-words.

Reviewers write a measure the way they are used to (满意率, 准确性, 覆盖面,
知晓度), a thing by its everyday name (租金, 工作服), a compound the other way
round (贴息贷款); the documents say 满意度, 准确率, 覆盖率, 知晓率, 租赁费, 工装,
贷款贴息. This module knows the alternatives; :mod:`indexer.planner` decides when
to use them.

* :func:`group_of`: the curated groups of ``synonyms.txt`` (next to
  ``userdict.txt``): one measure or one thing, several wordings.
* :func:`form_stem`: a word ending in a form suffix (率 度 性 面 情况 程度 …) and
  its stem (知晓度 → 知晓).
* :func:`splits`: ways to cut a word into dictionary words (贴息贷款 → 贴息 |
  贷款), for sub-words and reordered compounds.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from indexer.tokenizer import STOP_WORDS, is_dictionary_word, normalise, words

SYNONYMS = Path(__file__).with_name("synonyms.txt")

# Endings that turn a quality into a measure of it, longest first: 知晓度, 覆盖面, 完成情况.
FORM_SUFFIXES = ("情况", "程度", "水平", "状况", "比例", "比率", "率", "度", "性", "面")
# Form suffixes of one character, which the segmenter leaves standing alone after an unknown form (知晓 | 度).
SUFFIX_CHARACTERS = frozenset(s for s in FORM_SUFFIXES if len(s) == 1)
# A stem shorter than this is a character, not a word.
MIN_STEM = 2


@lru_cache(maxsize=1)
def _groups() -> dict[str, tuple[str, ...]]:
    """Every wording of the synonym list → the whole group it belongs to (normalised, in file order)."""
    groups: dict[str, tuple[str, ...]] = {}
    for line in SYNONYMS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        members = tuple(dict.fromkeys(normalise(member) for member in line.split()))
        for member in members:
            # A wording in two groups would chain unrelated words together: the first group wins.
            groups.setdefault(member, members)
    return groups


def group_of(wording: str) -> tuple[str, ...]:
    """The other wordings of the synonym-list group ``wording`` belongs to (empty when it is in none)."""
    key = normalise(wording)
    return tuple(member for member in _groups().get(key, ()) if member != key)


def listed_wordings() -> frozenset[str]:
    """Every wording the synonym list names (to recognise one spelt over several segmented words)."""
    return frozenset(_groups())


def wording_terms(wording: str) -> tuple[str, ...]:
    """The index terms one wording requires: its words, without stop words (是否及时 → 及时)."""
    return tuple(dict.fromkeys(w for w in words(wording) if w not in STOP_WORDS))


def form_stem(word: str) -> str | None:
    """The stem of a word-form (知晓度 → 知晓, 覆盖面 → 覆盖), or None when it ends in no form suffix."""
    for suffix in FORM_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return None


# A word longer than this is no compound a reviewer types: it is cut each time, never kept.
CACHED_SPLIT_CHARS = 16


def splits(word: str) -> tuple[tuple[str, ...], ...]:
    """The ways to cut ``word`` into dictionary words of two characters or more, fewest pieces first.

    The word itself is not a way; a trailing form-suffix character may be left
    off (知晓度 → 知晓). At most a few ways are returned.
    """
    return _cached_splits(word) if len(word) <= CACHED_SPLIT_CHARS else _splits(word)


def _splits(word: str) -> tuple[tuple[str, ...], ...]:
    text = normalise(word)
    ends: list[list[tuple[str, ...]]] = [[] for _ in range(len(text) + 1)]
    ends[0] = [()]
    for start in range(len(text)):
        if not ends[start]:
            continue
        for stop in range(start + MIN_STEM, len(text) + 1):
            piece = text[start:stop]
            if piece != text and is_dictionary_word(piece):
                ends[stop].extend((*way, piece) for way in ends[start][:8])
    ways = list(ends[len(text)])
    if len(text) > MIN_STEM and text[-1] in SUFFIX_CHARACTERS:
        ways.extend(ends[len(text) - 1])
    ways = [way for way in ways if way]
    ways.sort(key=len)
    return tuple(dict.fromkeys(ways))[:4]


_cached_splits = lru_cache(maxsize=10_000)(_splits)
