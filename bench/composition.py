"""Loading 500 agents that share fragments against loading the same 500 agents written out.

Both projects describe the same desired workspace (checked): in one, every agent writes its
guard rules, guidelines, settings and company fields itself; in the other these live in one
fragment that every agent names in ``metadata.uses``. The figure is the best-of-N CPU time of
``load_manifests`` (read, compose, validate, build; one thread, so CPU time is its cost without
the noise of a shared machine) for each, and their ratio: composition must cost no more than
the YAML it saves.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.workload import _yaml, agent_spec, bench_environment, handle_of
from mhsync.manifest import load_manifests

AGENTS = 500
SHARED_SECTIONS = ("guard_rules", "guidelines", "settings")


def shared_spec() -> dict[str, Any]:
    """What every agent has in common: agent 0's rules and guidelines, settings, company."""
    spec = agent_spec(0)
    common: dict[str, Any] = {key: spec[key] for key in SHARED_SECTIONS if key in spec}
    common["company_name"] = "Bench Motors"
    common["settings"] = {"voice": {"interaction": {"silence_message": "Are you still there?"}}}
    return common


def own_spec(index: int) -> dict[str, Any]:
    spec = agent_spec(index)
    return {key: value for key, value in spec.items() if key not in SHARED_SECTIONS}


def write(root: Path, agents: int, *, shared: bool) -> Path:
    """One project: each agent in its own file, plus the fragment when ``shared``."""
    folder = root / ("shared" if shared else "expanded")
    folder.mkdir(parents=True, exist_ok=True)
    yaml = _yaml()
    common = shared_spec()
    if shared:
        fragment = {
            "apiVersion": "mhsync/v1",
            "kind": "Fragment",
            "metadata": {"name": "common"},
            "spec": common,
        }
        with (folder / "common.yaml").open("w", encoding="utf-8") as out:
            yaml.dump(fragment, out)
    for index in range(agents):
        metadata: dict[str, Any] = {"name": handle_of(index)}
        spec = own_spec(index)
        if shared:
            metadata["uses"] = ["common"]
        else:
            spec = {**common, **spec}
        document = {"apiVersion": "mhsync/v1", "kind": "Agent", "metadata": metadata, "spec": spec}
        with (folder / f"{handle_of(index)}.yaml").open("w", encoding="utf-8") as out:
            yaml.dump(document, out)
    return folder


def _best(folder: Path, repeat: int) -> tuple[float, Any]:
    best = float("inf")
    workspace: Any = None
    for _ in range(repeat):
        started = time.process_time()
        result = load_manifests([folder], env=bench_environment())
        best = min(best, time.process_time() - started)
        assert not result.errors, [str(d) for d in result.errors[:3]]
        workspace = result.workspace
    return best, workspace


def run(work: Path, agents: int = AGENTS, repeat: int = 3) -> dict[str, Any]:
    """Both loads, timed; raises when the two projects do not describe the same agents."""
    expanded_s, expanded = _best(write(work, agents, shared=False), repeat)
    shared_s, composed = _best(write(work, agents, shared=True), repeat)
    for state in (*expanded.agents.values(), *composed.agents.values()):
        state.source = None
    assert expanded == composed, "fragments and hand expansion disagree"
    ratio = shared_s / expanded_s
    return {
        "agents": agents,
        "expanded_cpu_s": round(expanded_s, 3),
        "shared_cpu_s": round(shared_s, 3),
        "ratio": round(ratio, 3),
        "no_slower": ratio <= 1.0,
    }
