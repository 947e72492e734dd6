"""Indicator families: the same measure under different wording.

Departments name one measure many ways: 受益对象满意度, 受益群体满意度,
服务对象满意度 and “通过调查，满意和较满意的服务对象的比例” all promise the
share of satisfied beneficiaries. A family groups such indicators so their
targets can be compared.

Two steps, both linear in the number of distinct names:

1. :func:`canonical_name` folds the wording: full-width forms, punctuation,
   unit notes such as ``（%）``, and domain synonyms (the beneficiary group
   words, 支付/拨付, 是否及时/及时程度/及时性 …) from ``SYNONYMS``.
2. :func:`assign_families` merges canonical names that differ only slightly
   (character-bigram Dice ≥ ``MERGE_THRESHOLD`` with the same final
   character, the head of a Chinese compound: 率, 度, 量 …). Candidate pairs
   come from an inverted index of bigrams, never from all pairs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

MERGE_THRESHOLD = 0.8
# Bigrams shared by more names than this say nothing about two names being alike.
_COMMON_BIGRAM = 2000

# (pattern, replacement) applied in order to the folded name.
SYNONYMS: tuple[tuple[str, str], ...] = (
    # “通过调查，满意和较满意的X占…的比例” is the satisfaction rate of X.
    (r"^(?:通过调查)?满意和较满意的(.+?)(?:占全部.*|占调查.*)?(?:占)?的?(?:比例|比率|百分比)$", r"\1满意度"),
    (r"满意程度$", "满意度"),
    (r"受益对象|受益群体|受益人员|受益人群|受益群众|服务群体|服务对象群体", "服务对象"),
    (r"是否及时$|及时程度$|及时情况$", "及时性"),
    (r"支付", "拨付"),
    (r"数额$", "金额"),
    (r"^(?:项目)?(?:预算成本|预算|成本)控制数$", "成本控制数"),
)
_COMPILED = tuple((re.compile(p), r) for p, r in SYNONYMS)
# Unit notes and other short bracketed asides: 受益对象满意度(%), 参保率（%）.
_UNIT_NOTE = re.compile(r"[(（][^()（）]{0,6}[)）]")
_NOT_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=100_000)
def canonical_name(name: str) -> str:
    """The wording-independent form of an indicator name."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = _UNIT_NOTE.sub("", text)
    text = _NOT_WORD.sub("", text)
    for pattern, replacement in _COMPILED:
        text = pattern.sub(replacement, text)
    return text


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of ``text`` (the text itself when shorter)."""
    return frozenset(text[i : i + 2] for i in range(len(text) - 1)) or frozenset([text])


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two sets: 2|A∩B| / (|A| + |B|)."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def name_similarity(a: str, b: str) -> float:
    """How alike two indicator names are, 0–1, after canonicalisation."""
    ca, cb = canonical_name(a), canonical_name(b)
    if ca == cb:
        return 1.0
    return dice(bigrams(ca), bigrams(cb))


class _UnionFind:
    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller key becomes the root, so the result does not depend on order.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _merge_pairs(names: Sequence[str]) -> Iterable[tuple[str, str]]:
    """Pairs of canonical names alike enough to be one family."""
    grams = {name: bigrams(name) for name in names}
    postings: dict[str, list[str]] = defaultdict(list)
    for name, name_grams in grams.items():
        for gram in name_grams:
            postings[gram].append(name)
    for name in names:
        shared: dict[str, int] = defaultdict(int)
        for gram in grams[name]:
            posting = postings[gram]
            if len(posting) > _COMMON_BIGRAM:
                continue
            for other in posting:
                if other > name:
                    shared[other] += 1
        size = len(grams[name])
        for other, count in shared.items():
            if other[-1:] != name[-1:]:
                continue
            if 2 * count / (size + len(grams[other])) >= MERGE_THRESHOLD:
                yield name, other


def assign_families(names: Iterable[str]) -> dict[str, str]:
    """Map each indicator name to its family key (a canonical name shared by the family)."""
    distinct = sorted(set(names))
    canonical = {name: canonical_name(name) or name for name in distinct}
    keys = sorted(set(canonical.values()))
    union = _UnionFind(keys)
    for a, b in _merge_pairs(keys):
        union.union(a, b)
    return {name: union.find(key) for name, key in canonical.items()}
