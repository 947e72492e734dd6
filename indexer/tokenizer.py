"""The one tokeniser of the project.

Every index (SQLite FTS5, Whoosh) and every query goes through this module,
so what a search asks for and what the index holds are cut the same way.

* :func:`words` is the segmentation itself: text is normalised (NFKC, lower
  case), Chinese runs are cut by jieba (dictionary only, no HMM, so the same
  run is cut the same way in any context) with the domain dictionary
  ``userdict.txt``, numbers and Latin words stay whole, punctuation goes.
* :func:`index_terms` is what an index stores for a text: its words plus every
  other dictionary word inside its Chinese runs (受益对象满意度 also yields
  受益, 对象, 满意度…), so a query word matches wherever its characters are.
* :func:`query_terms` is what a query asks for: its words without stop words.
  Every query term is required (AND); ranking is BM25.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import warnings
from functools import lru_cache
from pathlib import Path

with warnings.catch_warnings():
    # jieba imports the deprecated pkg_resources, which warns on every start.
    warnings.simplefilter("ignore")
    import jieba

USER_DICT = Path(__file__).with_name("userdict.txt")

# Words that carry no meaning in an indicator's name or target.
STOP_WORDS = frozenset(
    [
        "的",
        "地",
        "得",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "对",
        "是",
        "否",
        "在",
        "为",
        "于",
        "以",
        "其",
        "之",
        "中",
        "由",
        "被",
        "把",
        "将",
        "并",
        "且",
        "也",
        "就",
        "都",
        "而",
        "则",
        "个",
        "各",
        "该",
        "本",
        "此",
        "按",
        "是否",
        "能够",
        "进行",
        "通过",
        "其中",
    ]
)

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z]+|\d+(?:\.\d+)?")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Longer dictionary entries are idioms and names no query spells out in full.
_MAX_WORD = 10

jieba.setLogLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(USER_DICT))
    return tokenizer


def normalise(text: str) -> str:
    """Fold full-width forms and case; the stored text is never changed."""
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=200_000)
def _cut_run(run: str) -> tuple[str, ...]:
    if not _CJK.match(run):
        return (run,)
    return tuple(_jieba().cut(run, HMM=False))


def words(text: str) -> list[str]:
    """The words of ``text`` in order: jieba for Chinese, whole numbers and Latin words."""
    out: list[str] = []
    for run in _RUNS.findall(normalise(text)):
        out.extend(_cut_run(run))
    return out


@lru_cache(maxsize=200_000)
def _run_terms(run: str) -> tuple[str, ...]:
    """A run's words, then every other dictionary word inside the run.

    jieba picks one path through a run, and the path depends on the
    neighbours: 服务对象满意度指标 is cut 服务对象 | 满意度指标, so the word
    服务对象满意度 a query asks for is not on it. Indexing every dictionary
    word that occurs in the run, on the path or not, makes a query word match
    wherever its characters appear.
    """
    cut = _cut_run(run)
    if len(cut) == 1 and not _CJK.match(run):
        return cut
    on_path: set[tuple[int, int]] = set()
    start = 0
    for word in cut:
        on_path.add((start, start + len(word)))
        start += len(word)
    freq = _jieba().FREQ
    extra = [
        run[i:j]
        for i in range(len(run))
        for j in range(i + 2, min(len(run), i + _MAX_WORD) + 1)
        if (i, j) not in on_path and freq.get(run[i:j])
    ]
    return cut + tuple(extra)


def index_terms(text: str) -> list[str]:
    """The terms an index stores for ``text``: its words, then the dictionary words inside them."""
    out: list[str] = []
    for run in _RUNS.findall(normalise(text)):
        out.extend(_run_terms(run))
    return out


def query_terms(text: str) -> list[str]:
    """The terms a query requires, in order, without duplicates or stop words."""
    seen: dict[str, None] = {}
    for word in words(text):
        if word not in STOP_WORDS:
            seen.setdefault(word, None)
    return list(seen)


@lru_cache(maxsize=200_000)
def index_text(text: str) -> str:
    """:func:`index_terms` joined by spaces, the form stored in FTS5 and fed to Whoosh."""
    return " ".join(index_terms(text))


@lru_cache(maxsize=100_000)
def term_set(text: str) -> frozenset[str]:
    """The set of :func:`index_terms` of ``text`` (what an index finds the text by)."""
    return frozenset(index_terms(text))


def is_dictionary_word(word: str) -> bool:
    """Whether ``word`` is an entry of the segmentation dictionary (jieba's and ``userdict.txt``)."""
    return bool(_jieba().FREQ.get(normalise(word)))
