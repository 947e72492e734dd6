"""The build's worker stages run with the cyclic garbage collector paused, and leave it as they found it."""

from __future__ import annotations

import gc

import pytest

from kb.db import stages
from kb.db.processes import collector_paused


@collector_paused
def _state(inner: bool = False) -> tuple[bool, bool]:
    return gc.isenabled(), (_state()[0] if inner else False)


@collector_paused
def _fails() -> None:
    raise ValueError("bad batch")


def test_a_stage_runs_without_collections_and_restores_them() -> None:
    assert gc.isenabled()
    assert _state(inner=True) == (False, False)
    assert gc.isenabled()
    with pytest.raises(ValueError, match="bad batch"):
        _fails()
    assert gc.isenabled()


def test_a_collector_left_off_stays_off() -> None:
    gc.disable()
    try:
        assert _state() == (False, False)
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("stage", ["document_rows", "aggregate", "family_partial", "finalize"])
def test_the_stages_that_run_beside_kept_batches_are_paused(stage: str) -> None:
    assert getattr(stages, stage).__wrapped__.__name__ == stage
