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

import contextlib
import hashlib
import io
import logging
import marshal
import os
import re
import stat
import sys
import tempfile
import threading
import unicodedata
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar

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

# ---------------------------------------------------------------- jieba's dictionary, cached privately
#
# jieba caches its prefix dictionary in the shared temporary folder (/tmp/jieba.cache) and trusts
# whatever it finds there: another local user who writes that file first decides everyone's
# segmentation, and a user who cannot replace it gets a traceback and a 9 MB file left behind. The
# project builds the prefix dictionary itself and caches it in a private, per-user folder, keyed by
# the dictionary's own bytes and checked by a digest, so jieba never reads or writes its own cache.

CACHE_DIR_NAME = "kb-performance-targets"
_CACHE_MAGIC = b"kb-jieba-prefix-dict 1\n"
_jieba_lock = threading.Lock()


def cache_dir() -> Path | None:
    """This user's cache folder: ``$XDG_CACHE_HOME`` (or ``~/.cache``) / ``kb-performance-targets``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / CACHE_DIR_NAME


def _trusted(path: Path) -> bool:
    """Whether nobody but this user (and root) can replace ``path`` or anything above it.

    A folder writable by others is trusted only with the sticky bit (as /tmp has), which
    stops them from renaming or deleting what this user owns inside it.
    """
    uid = os.getuid()
    try:
        current = path.resolve(strict=True)
    except OSError:
        return False
    for folder in (current, *current.parents):
        info = folder.stat()
        if info.st_uid not in (uid, 0):
            return False
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not (folder != current and info.st_mode & stat.S_ISVTX):
            return False
    return True


def _private_cache_dir() -> Path | None:
    """The cache folder, created private (0700) when missing; None when it cannot be trusted."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            return None
        if info.st_mode & 0o077:
            folder.chmod(0o700)
    except OSError:
        return None
    return folder if _trusted(folder) else None


def _read_cache(path: Path) -> tuple[dict[str, int], int] | None:
    """The prefix dictionary stored at ``path``, if this user owns the file alone and its digest holds."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            return None
        data = handle.read()
    if not data.startswith(_CACHE_MAGIC):
        return None
    digest, _, payload = data[len(_CACHE_MAGIC) :].partition(b"\n")
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return None
    try:
        freq, total = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(freq, dict) or not isinstance(total, int):
        return None
    return freq, total


def _write_cache(path: Path, freq: dict[str, int], total: int) -> None:
    """Store the prefix dictionary at ``path`` atomically (a private temporary file renamed); never raises."""
    payload = marshal.dumps((freq, total))
    data = _CACHE_MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".jieba-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        temporary = None
    except OSError:
        pass  # a cache that cannot be written costs half a second at the next start, nothing else
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _prefix_dict(tokenizer: jieba.Tokenizer) -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary of its main dictionary: from the private cache, or built and cached there."""
    handle = tokenizer.get_dict_file()
    try:
        source = handle.read()
    finally:
        handle.close()
    key = hashlib.sha256(source)
    key.update(f"{jieba.__version__} {marshal.version} {sys.version_info[:2]}".encode())
    folder = _private_cache_dir()
    path = folder / f"jieba-{key.hexdigest()[:24]}.cache" if folder else None
    cached = _read_cache(path) if path else None
    if cached is not None:
        return cached
    freq, total = jieba.Tokenizer.gen_pfdict(io.BytesIO(source))
    if path is not None:
        _write_cache(path, freq, total)
    return freq, total


def _jieba() -> jieba.Tokenizer:
    """The one jieba tokenizer of this process: main dictionary, then the domain dictionary ``userdict.txt``."""
    global _tokenizer
    if _tokenizer is None:
        with _jieba_lock:
            if _tokenizer is None:
                tokenizer = jieba.Tokenizer()
                # What jieba.Tokenizer.initialize() would compute, without its shared cache.
                tokenizer.FREQ, tokenizer.total = _prefix_dict(tokenizer)
                tokenizer.initialized = True
                tokenizer.load_userdict(str(USER_DICT))
                _tokenizer = tokenizer
    return _tokenizer


_tokenizer: jieba.Tokenizer | None = None


def normalise(text: str) -> str:
    """Fold full-width forms and case; the stored text is never changed."""
    return unicodedata.normalize("NFKC", text).lower()


# ---------------------------------------------------------------- segmentation


def _cut_run(run: str) -> tuple[str, ...]:
    if not _CJK.match(run):
        return (run,)
    return tuple(_jieba().cut(run, HMM=False))


def words(text: str) -> list[str]:
    """The words of ``text`` in order: jieba for Chinese, whole numbers and Latin words."""
    out: list[str] = []
    for run in _RUNS.findall(normalise(text)):
        out.extend(_memos.cut_run(run))
    return out


def _run_terms(run: str) -> tuple[str, ...]:
    """A run's words, then every other dictionary word inside the run.

    jieba picks one path through a run, and the path depends on the
    neighbours: 服务对象满意度指标 is cut 服务对象 | 满意度指标, so the word
    服务对象满意度 a query asks for is not on it. Indexing every dictionary
    word that occurs in the run, on the path or not, makes a query word match
    wherever its characters appear.
    """
    cut = _memos.cut_run(run)
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
        out.extend(_memos.run_terms(run))
    return out


def query_terms(text: str) -> list[str]:
    """The terms a query requires, in order, without duplicates or stop words."""
    seen: dict[str, None] = {}
    for word in words(text):
        if word not in STOP_WORDS:
            seen.setdefault(word, None)
    return list(seen)


def _index_text(text: str) -> str:
    return " ".join(index_terms(text))


def _term_set(text: str) -> frozenset[str]:
    return frozenset(index_terms(text))


def index_text(text: str) -> str:
    """:func:`index_terms` joined by spaces, the form stored in FTS5 and fed to Whoosh."""
    return _memos.index_text(text)


def term_set(text: str) -> frozenset[str]:
    """The set of :func:`index_terms` of ``text`` (what an index finds the text by)."""
    return _memos.term_set(text)


# ---------------------------------------------------------------- caches
#
# A build segments the same texts again and again (an indicator's wording recurs across projects
# and years), so it keeps up to 200,000 of each in functools' caches: the texts come from the
# documents being built, and the process ends with the build. A server segments what its users
# send: there every cache is bounded in entries and in bytes, and a text too long to be worth
# keeping is segmented and forgotten. A serving process switches to those caches once
# (use_request_caches, called by the Datasette plugin) and drops the build's.

V = TypeVar("V")

REQUEST_CACHE_ENTRIES = 4_096
REQUEST_CACHE_BYTES = 8 * 2**20
REQUEST_CACHE_KEY_CHARS = 2_000


def footprint(value: object) -> int:
    """Bytes held by a cached key or value: a string, or a tuple/frozenset of strings."""
    size = sys.getsizeof(value)
    if isinstance(value, tuple | frozenset):
        size += sum(sys.getsizeof(item) for item in value)
    return size


class BoundedCache(Generic[V]):
    """A least-recently-used memo of ``func`` over strings, bounded in entries and in bytes, safe across threads.

    Keys longer than ``max_key_chars`` are computed and never stored, and the
    oldest entries go as soon as either bound is passed, so whatever the
    callers send, the cache never holds more than ``max_bytes`` (keys and
    values as :func:`footprint` counts them, plus the dictionary's own slots).
    """

    ENTRY_OVERHEAD = 100  # an OrderedDict slot and its (value, size) pair

    def __init__(self, func: Callable[[str], V], max_entries: int, max_bytes: int, max_key_chars: int) -> None:
        self.func = func
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_key_chars = max_key_chars
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, key: str) -> V:
        if len(key) > self.max_key_chars:
            return self.func(key)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit[0]
        value = self.func(key)
        size = footprint(key) + footprint(value) + self.ENTRY_OVERHEAD
        if size > self.max_bytes // 8:
            return value
        with self._lock:
            if key not in self._entries:
                self._entries[key] = (value, size)
                self.bytes += size
                while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                    _, (_, dropped) = self._entries.popitem(last=False)
                    self.bytes -= dropped
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0


@dataclass(frozen=True)
class Memos:
    """The memoised steps of segmentation, as one set: the build's or a server's."""

    kind: str
    cut_run: Callable[[str], tuple[str, ...]]
    run_terms: Callable[[str], tuple[str, ...]]
    index_text: Callable[[str], str]
    term_set: Callable[[str], frozenset[str]]


def build_memos() -> Memos:
    """The build's caches: functools' LRU caches of up to 200,000 texts (100,000 term sets)."""
    return Memos(
        "build",
        lru_cache(maxsize=200_000)(_cut_run),
        lru_cache(maxsize=200_000)(_run_terms),
        lru_cache(maxsize=200_000)(_index_text),
        lru_cache(maxsize=100_000)(_term_set),
    )


def request_memos(entries: int | None = None, max_bytes: int | None = None, key_chars: int | None = None) -> Memos:
    """A server's caches: each bounded in entries and bytes (:class:`BoundedCache`), by default the module's bounds."""
    entries = entries or REQUEST_CACHE_ENTRIES
    max_bytes = max_bytes or REQUEST_CACHE_BYTES
    key_chars = key_chars or REQUEST_CACHE_KEY_CHARS
    return Memos(
        "request",
        BoundedCache(_cut_run, entries, max_bytes, key_chars),
        BoundedCache(_run_terms, entries, max_bytes, key_chars),
        BoundedCache(_index_text, entries, max_bytes, key_chars),
        BoundedCache(_term_set, entries, max_bytes, key_chars),
    )


_memos: Memos = build_memos()


def use_request_caches() -> Memos:
    """Segment from now on with caches bounded for a server (user input), dropping the build's; idempotent."""
    global _memos
    if _memos.kind != "request":
        _memos = request_memos()
    return _memos


def memos() -> Memos:
    """The caches this process segments with."""
    return _memos


def is_dictionary_word(word: str) -> bool:
    """Whether ``word`` is an entry of the segmentation dictionary (jieba's and ``userdict.txt``)."""
    return bool(_jieba().FREQ.get(normalise(word)))
