"""CPU of ``mhsync plan``'s reading part without the network, old and new code side by side.

    python -m bench.convert_cpu capture SEEDED_DB RAW_PICKLE
    PYTHONPATH=<checkout> python bench/reading_cpu.py PROJECT RAW_PICKLE [REPEAT] [--out DIR]

``PROJECT`` holds ``mhsync.yaml`` and the manifests that match the recorded workspace
(``RAW_PICKLE``, written by ``bench.convert_cpu capture``). The manifests are loaded once; then
``plan_against`` runs ``REPEAT`` times against a client that answers from the recording (16
reading threads, as ``mhsync plan`` uses), so what is timed is what a real plan runs while its
reads wait on the network (as each agent's reads complete: its conversion, its unknown-field
walk and its plan) and what runs after the last read (from the end of ``read_live``:
``PlanAsRead.finish``, the plan's final copies, and ``render_text``). CPU seconds
(``time.process_time``), best of ``REPEAT``, with the collector set as ``mhsync`` sets it.
With ``--out DIR``, the rendered plan and its JSON are written there (to compare checkouts).
"""

from __future__ import annotations

import gc
import pickle
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any


class RecordedClient:
    """The part of ``ApiClient`` that ``read_live`` uses, answering from a recording."""

    def __init__(self, agents: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
        from mhsync.live import SEPARATE_SECTIONS
        from mhsync.sections import api_paths

        self.agents = [data for _, data, _ in agents]
        self.lists: dict[str, list[dict[str, Any]]] = {}
        for _, data, separate in agents:
            agent = api_paths.agent_path(str(data["agent_uuid"]))
            for d in SEPARATE_SECTIONS:
                self.lists[api_paths.section_path(agent, d)] = separate.get(d.key, [])

    def paginate(self, path: str, per_page: int = 100, **_: Any) -> Iterable[dict[str, Any]]:
        return [dict(a) for a in self.agents]

    def get_list(self, path: str) -> list[dict[str, Any]]:
        return [dict(i) for i in self.lists[path]]


def measure(project: Path, raw_file: Path, repeat: int, out: Path | None) -> dict[str, float]:
    import mhsync.workflows.plan as plan_module
    from mhsync.render.json import render_json
    from mhsync.render.text import render_text
    from mhsync.workflows.plan import PlanRequest, load_scope, plan_against
    from mhsync.workspace import resolve_workspace

    workspace = resolve_workspace(None, cwd=project)
    scoped = load_scope(workspace, ())
    recorded = pickle.loads(raw_file.read_bytes())["agents"]
    request = PlanRequest(parallelism=16)
    read_at = {"s": 0.0}
    read_live = plan_module.read_live

    def timed_read_live(*args: Any, **kwargs: Any) -> Any:
        try:
            return read_live(*args, **kwargs)
        finally:
            read_at["s"] = time.process_time()

    plan_module.read_live = timed_read_live
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 20)
    best = {"reads": float("inf"), "after": float("inf")}
    text = ""
    plan = None
    for _ in range(repeat):
        client = RecordedClient(recorded)
        connection = SimpleNamespace(client=client, target=workspace.target)
        start = time.process_time()
        planned = plan_against(connection, scoped, request, workspace)  # type: ignore[arg-type]
        text = render_text(planned.plan, color=False)
        end = time.process_time()
        plan = planned.plan
        best["reads"] = min(best["reads"], read_at["s"] - start)
        best["after"] = min(best["after"], end - read_at["s"])
        del planned
    if out is not None and plan is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "plan.txt").write_text(text, encoding="utf-8")
        (out / "plan.json").write_text(render_json(plan), encoding="utf-8")
    return best


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else None
    numbers = [a for a in argv[2:] if a.isdigit()]
    best = measure(Path(argv[0]), Path(argv[1]), int(numbers[0]) if numbers else 5, out)
    import mhsync

    where = str(Path(mhsync.__file__).parent.parent)
    print(where, {k: round(v, 3) for k, v in best.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
