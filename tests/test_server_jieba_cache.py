"""jieba's prefix dictionary: cached privately per user, never read from or written to a shared folder."""

from __future__ import annotations

import json
import marshal
import os
import shutil
import site
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import tokenizer

ROOT = Path(__file__).resolve().parent.parent
SEGMENT = "import json; from indexer.tokenizer import words; print(json.dumps(words('就业困难人员')))"
PLAIN_JIEBA = (
    "import json, warnings; warnings.simplefilter('ignore'); import jieba; jieba.setLogLevel(60); "
    "print(json.dumps(list(jieba.Tokenizer().cut('就业困难人员', HMM=False))))"
)
RIGHT = ["就业", "困难", "人员"]


def run(
    code: str, env: dict[str, str], user: int | None = None, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, "-c", code],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        user=user,
    )


def interpreter_for(user: int) -> tuple[str, str] | None:
    """A Python ``user`` can run with this project importable: this one, or (when it lives in root's home) the
    system's with this environment's packages on its path."""
    packages = f"{ROOT}:{site.getsitepackages()[0]}"
    candidates = [(sys.executable, ""), ("/usr/bin/python3", packages), (shutil.which("python3") or "", packages)]
    for python, path in candidates:
        try:
            if python and run("import jieba, indexer", {"PYTHONPATH": path}, user=user, python=python).returncode == 0:
                return python, path
        except PermissionError:
            continue
    return None


@pytest.fixture()
def shared_tmp() -> Iterator[Path]:
    """A world-writable temporary folder like /tmp, with the cache another user planted in it."""
    folder = Path(tempfile.mkdtemp(prefix="kb-shared-tmp-"))
    folder.chmod(0o1777)
    planted = dict.fromkeys("就业困难人员", 1)
    (folder / "jieba.cache").write_bytes(marshal.dumps((planted, len(planted))))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def cache_files(cache_home: Path) -> list[Path]:
    return sorted((cache_home / tokenizer.CACHE_DIR_NAME).glob("*"))


def test_a_planted_shared_cache_decides_nothing(shared_tmp: Path, tmp_path: Path) -> None:
    env = {"TMPDIR": str(shared_tmp), "XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    before = sorted((p.name, p.stat().st_mtime_ns) for p in shared_tmp.iterdir())
    # The planted file is effective: jieba left to itself cuts the phrase into single characters.
    assert json.loads(run(PLAIN_JIEBA, env).stdout) == list("就业困难人员")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in shared_tmp.iterdir())
    done = run(SEGMENT, env)
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout) == RIGHT
    assert sorted((p.name, p.stat().st_mtime_ns) for p in shared_tmp.iterdir()) == before


@pytest.mark.slow
def test_the_private_cache_is_written_atomically_and_reused(tmp_path: Path) -> None:
    cache_home = tmp_path / "cache"
    env = {"TMPDIR": str(tmp_path), "XDG_CACHE_HOME": str(cache_home), "HOME": str(tmp_path)}
    assert json.loads(run(SEGMENT, env).stdout) == RIGHT
    folder = cache_home / tokenizer.CACHE_DIR_NAME
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (cached,) = cache_files(cache_home)  # one file, no temporary left beside it
    assert cached.name.startswith("jieba-") and stat.S_IMODE(cached.stat().st_mode) == 0o600
    written = cached.stat().st_mtime_ns
    assert json.loads(run(SEGMENT, env).stdout) == RIGHT
    assert cache_files(cache_home) == [cached] and cached.stat().st_mtime_ns == written

    # A damaged cache (cut short, or one byte changed) is not trusted: it is rebuilt, and the cut is the same.
    for damage in (lambda data: data[: len(data) // 2], lambda data: data[:-10] + b"x" + data[-9:]):
        cached.write_bytes(damage(cached.read_bytes()))
        assert json.loads(run(SEGMENT, env).stdout) == RIGHT
        assert tokenizer._read_cache(cached) is not None


def test_a_cache_folder_others_can_write_is_not_used(tmp_path: Path) -> None:
    open_to_all = tmp_path / "open"
    open_to_all.mkdir()
    open_to_all.chmod(0o777)  # writable by everyone, without the sticky bit /tmp has
    env = {"TMPDIR": str(tmp_path), "XDG_CACHE_HOME": str(open_to_all), "HOME": str(tmp_path)}
    done = run(SEGMENT, env)
    assert json.loads(done.stdout) == RIGHT and done.stderr == ""
    assert not list((open_to_all / tokenizer.CACHE_DIR_NAME).glob("jieba-*"))


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_another_users_folder_is_not_used_and_a_user_without_a_home_gets_no_traceback(
    shared_tmp: Path, tmp_path: Path
) -> None:
    nobody = 65534
    # Another user's folder in the place of ours: neither read nor written.
    theirs = tmp_path / "cache" / tokenizer.CACHE_DIR_NAME
    theirs.mkdir(parents=True)
    os.chown(theirs, nobody, nobody)
    env = {"TMPDIR": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    assert json.loads(run(SEGMENT, env).stdout) == RIGHT
    assert list(theirs.iterdir()) == []

    # A user who can write neither a home nor the shared cache, as a service account: no traceback,
    # nothing left in the shared folder (jieba itself left a 9 MB temporary file there).
    (shared_tmp / "jieba.cache").chmod(0o600)
    before = sorted(p.name for p in shared_tmp.iterdir())
    found = interpreter_for(nobody)
    if found is None:
        pytest.skip("no Python that user 65534 can run with this project's packages")
    python, path = found
    env = {"TMPDIR": str(shared_tmp), "HOME": "/nonexistent", "PYTHONPATH": path}
    done = run(SEGMENT, env, user=nobody, python=python)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and json.loads(done.stdout) == RIGHT
    assert sorted(p.name for p in shared_tmp.iterdir()) == before


def test_the_dictionary_is_the_one_jieba_would_build(tmp_path: Path) -> None:
    """Same prefix dictionary, same total, so the same segmentation of every text (and the same knowledge base)."""
    import jieba

    reference = jieba.Tokenizer()
    reference.tmp_dir = str(tmp_path)  # jieba's own way, in a folder of this test
    reference.initialize()
    reference.load_userdict(str(tokenizer.USER_DICT))
    ours = tokenizer._jieba()
    assert ours.FREQ == reference.FREQ and ours.total == reference.total
