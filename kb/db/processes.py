"""The processes of a build: children that die with their parent, and signals handled like Ctrl-C.

A build forks parse workers and a Whoosh writer. Each child asks the kernel
to kill it when the build process dies (``PR_SET_PDEATHSIG``), so a build
killed with ``kill -9`` or by the OOM killer leaves no worker behind (before,
each lived on with its 118 MB). Children ignore SIGINT: Ctrl-C reaches the
whole process group, and it is the build process that stops them and cleans up.
The build process turns SIGTERM into :class:`~kb.errors.Interrupted`, so a
terminated build unwinds, removes its temporaries and leaves the old
knowledge base, exactly as after Ctrl-C.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import ParamSpec, TypeVar

from kb.errors import Interrupted

_P = ParamSpec("_P")
_R = TypeVar("_R")

_PR_SET_PDEATHSIG = 1
# Held from the fork until the child has its own handlers: before that it would run the parent's.
_HELD = frozenset({signal.SIGINT, signal.SIGTERM})


def usable_cores() -> int:
    """The CPUs this process may run on (a container's or ``taskset``'s limit, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def init_child(parent_pid: int) -> None:
    """Run first in every child of a build: die with the parent, leave Ctrl-C and SIGTERM to it.

    If the parent died before the request reached the kernel, exit at once. What the child inherited is
    frozen out of its garbage collector: a full collection walks every object it tracks and writes to each
    one's header, so the child would walk the parent's heap again and copy its pages one by one (in the
    Whoosh process at 1,000 documents one such collection, 0.2 s).
    """
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    _die_with_parent()
    if os.getppid() != parent_pid:
        os._exit(1)


@contextmanager
def forking() -> Iterator[None]:
    """Around starting children: SIGINT and SIGTERM are held (not lost) in this thread while it forks.

    A child inherits the held signals and releases them in :func:`init_child`
    once it ignores Ctrl-C; so a Ctrl-C in the instant of the fork never
    reaches a child that would still run the parent's handler (a
    ``KeyboardInterrupt`` traceback from a worker). This thread receives what
    arrived meanwhile when the block ends.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Interrupted` as SIGINT raises KeyboardInterrupt.

    Only the main thread can receive Python signal handlers; elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def collector_paused(stage: Callable[_P, _R]) -> Callable[_P, _R]:
    """``stage`` run with Python's cyclic garbage collector paused; it collects again once the stage returns.

    A worker keeps every batch it parsed until the corpus-wide ids are known: hundreds of thousands of row
    tuples. Parsing allocates enough to start a collection every few hundred objects, and every so often one of
    the oldest generation, which walks everything kept: a quarter of a 1,000-document build's CPU (measured, see
    ``docs/scale.md``). Rows hold no reference cycles, so nothing waits longer to be freed than one stage; the
    first collection after it frees whatever cycles a parse left.
    """

    @functools.wraps(stage)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return stage(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused
