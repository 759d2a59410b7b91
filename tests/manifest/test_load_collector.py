"""Loading keeps the garbage collector out: no collection runs during a load, the collector is
as it was afterwards, and a process that freezes what lives long (the CLI) gets what it loaded
frozen too (never walked by a collection again)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.workload import bench_environment, write_project
from mhsync.manifest import load_manifests

from .conftest import agent

PROCESSES = ["1", "2"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for number in range(4):
        (tmp_path / f"a{number}.yaml").write_text(agent(name=f"agent-{number}"), "utf-8")
    (tmp_path / "bad.yaml").write_text(agent("tonee: x\n", name="bad"), "utf-8")
    return tmp_path


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """Generations of the collections run meanwhile, with a threshold that makes a load of
    a few files collect many times over if the collector is let in."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    old = gc.get_threshold()
    gc.set_threshold(50, 10, 10)
    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)
        gc.set_threshold(*old)


@pytest.mark.parametrize("processes", PROCESSES)
def test_no_collection_while_loading(
    folder: Path, collections: list[int], processes: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MHSYNC_LOAD_PROCESSES", processes)
    frozen = gc.get_freeze_count()
    gc.collect()
    collections.clear()  # from here a few allocations, fewer than the threshold, then the load
    result = load_manifests([folder])
    assert collections in ([], [0])  # at most the one the collector, given back, runs at once
    assert len(result.workspace.agents) == 4 and result.errors
    assert gc.isenabled() and gc.get_freeze_count() == frozen  # nothing frozen here
    [*range(200)], [[] for _ in range(200)]  # allocations: the collector runs again
    assert collections


def test_a_load_that_fails_gives_the_collector_back(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("mhsync.manifest.loader.check_all", boom)
    with pytest.raises(RuntimeError):
        load_manifests([folder])
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled(folder: Path) -> None:
    gc.disable()
    try:
        load_manifests([folder])
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("processes", PROCESSES)
def test_loading_valid_manifests_makes_no_garbage_cycles(
    tmp_path: Path, processes: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the paused collector would have found, and a freezing process would keep for good:
    nothing per file (reading one made a cycle per document, a closure holding a set of node
    ids, about 15 kB a file), at most the few objects of starting a worker."""
    write_project(tmp_path, 70)
    monkeypatch.setenv("MHSYNC_LOAD_PROCESSES", processes)
    gc.collect()
    gc.disable()
    try:
        result = load_manifests([tmp_path / "agents"], env=bench_environment())
        found = gc.collect()
    finally:
        gc.enable()
    assert len(result.workspace.agents) == 70 and not result.errors
    assert found <= (0 if processes == "1" else 60)


FROZEN_LOAD = """
import gc, json, sys
from pathlib import Path
from bench.workload import bench_environment, write_project
from mhsync.manifest import load_manifests
seen = []
gc.callbacks.append(lambda phase, info: seen.append(info["generation"]))
gc.set_threshold(50, 10, 10)
gc.freeze()
before = gc.get_freeze_count()
result = load_manifests([Path(sys.argv[1])])
collected = len(seen)
young = [len(gc.get_objects(generation)) for generation in range(3)]
state = result.workspace.agents["agent-0"]
walked = {id(o) for o in gc.get_objects()}
loaded = [state, state.objects, result.agents, result.agents[0], result.diagnostics]
print(json.dumps({"before": before, "after": gc.get_freeze_count(), "young": young,
                  "enabled": gc.isenabled(), "collected": collected,
                  "frozen": [gc.is_tracked(o) and id(o) not in walked for o in loaded],
                  "agents": len(result.workspace.agents)}))
"""


@pytest.mark.parametrize("processes", PROCESSES)
def test_a_freezing_process_gets_what_it_loaded_frozen(folder: Path, processes: str) -> None:
    """As the CLI does (``gc.freeze()`` after its imports): loading then freezes its results,
    so no later collection walks them (run in a process of its own: freezing is for good)."""
    env = {"MHSYNC_LOAD_PROCESSES": processes, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", FROZEN_LOAD, str(folder)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    report = json.loads(out.stdout)
    assert report["agents"] == 4 and report["enabled"] and report["collected"] == 0
    assert report["frozen"] == [True] * 5  # tracked, yet in no generation a collection walks
    assert report["after"] > report["before"]
    assert sum(report["young"]) < 200  # what the few lines after the load made
