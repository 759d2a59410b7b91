"""CPU of turning live agents into canonical form, old and new code side by side (issue 16).

    python -m bench.convert_cpu capture SEEDED_DB RAW_PICKLE
    PYTHONPATH=<checkout> python bench/convert_cpu.py measure RAW_PICKLE [REPEAT] [--plan-gc]

``capture`` reads every agent once from a sandbox process over a copy of ``SEEDED_DB`` (the agent
list, then intents and webhooks per agent, as ``read_live`` does) and pickles the raw JSON.
``measure`` times ``agent_from_api`` and the unknown-field walk (``agent_unmodelled``) over it,
best of ``REPEAT``, in CPU seconds, with the code the ``PYTHONPATH`` names: run it alternating
between two checkouts. ``--plan-gc`` sets the collector as ``mhsync`` does (``cli/main.py``).
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def capture(seeded: Path, out: Path) -> None:
    from bench.server import sandbox_process
    from mhsync.client import ApiClient, Token
    from mhsync.live import list_agents, read_separate_sections
    from mhsync.matching import match_agents
    from mhsync.state import WorkspaceState

    with tempfile.TemporaryDirectory() as work:
        db = Path(work) / "seeded.db"
        shutil.copyfile(seeded, db)
        with sandbox_process(db) as server:
            os.environ["MHSYNC_BENCH_CONVERT_TOKEN"] = server.token
            token = Token.from_env("MHSYNC_BENCH_CONVERT_TOKEN")
            with ApiClient(server.base_url, token) as client:
                raws = list_agents(client, parallelism=4)
                read_separate_sections(client, raws, parallelism=4)
    matching = match_agents(WorkspaceState({}), raws)
    agents = [(h, raw.data, raw.separate) for h, raw in sorted(matching.unmatched.items())]
    refs = {raw.uuid: h for h, raw in matching.unmatched.items()}
    out.write_bytes(pickle.dumps({"refs": refs, "agents": agents}))


def measure(raw_file: Path, repeat: int, plan_gc: bool) -> dict[str, float]:
    from mhsync.convert import agent_from_api
    from mhsync.live import RawAgent
    from mhsync.workflows.livestate import agent_unmodelled

    data: dict[str, Any] = pickle.loads(raw_file.read_bytes())
    refs = data["refs"]
    agents = [(h, RawAgent(d, s)) for h, d, s in data["agents"]]
    if plan_gc:
        gc.collect()
        gc.freeze()
        gc.set_threshold(100_000, 50, 20)

    def convert() -> object:
        return [
            agent_from_api(r.data, handle=h, agent_handles=refs, separate=r.separate)
            for h, r in agents
        ]

    def walk() -> object:
        return [agent_unmodelled(r) for _, r in agents]

    best = {"convert": float("inf"), "walk": float("inf")}
    for _ in range(repeat):
        for name, action in (("convert", convert), ("walk", walk)):
            if not plan_gc:
                gc.collect()
            start = time.process_time()
            action()
            best[name] = min(best[name], time.process_time() - start)
    return best


def main(argv: list[str]) -> int:
    if argv[:1] == ["capture"] and len(argv) == 3:
        capture(Path(argv[1]), Path(argv[2]))
        return 0
    if argv[:1] == ["measure"] and len(argv) >= 2:
        numbers = [a for a in argv[2:] if a.isdigit()]
        best = measure(Path(argv[1]), int(numbers[0]) if numbers else 5, "--plan-gc" in argv)
        import mhsync

        where = str(Path(mhsync.__file__).parent.parent)
        print(where, {k: round(v, 3) for k, v in best.items()}, round(sum(best.values()), 3))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
