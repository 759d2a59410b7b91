"""The targets of issue 16, each measured side by side with its baseline in one run.

Every figure is a whole process started from nothing (``python -m mhsync ...`` or a baseline
process), timed from spawn to exit; its CPU time and peak memory come from ``os.wait4`` of that
one process, so the sandbox server's CPU and the benchmark's own are not counted in them.

- **plan**: ``mhsync plan`` of N agents at 50 ms latency and ``--parallelism 16`` (manifests
  read and validated first, as always) against ``bench.baseline get``: a standard-library
  client with 16 threads making the same GET requests (taken from the sandbox's request log of
  that plan) against the same sandbox process. Runs alternate; the ratio is of the medians.
- **validate**: ``mhsync validate`` of the same N manifests against ``bench.baseline yaml``:
  PyYAML's C loader alone parsing the same files.
- **scaling**: validate, and plan at latency 0, of 100 to 10,000 agents; the exponent k of
  CPU ~ agents^k between the smallest and largest size (CPU of the mhsync process: the server
  shares the machine's two cores and would otherwise be measured too). Memory per agent is the
  growth of the plan process's peak RSS from the smallest size to 2,000 agents, per agent.
- **start**: ``mhsync --version`` and ``mhsync --help`` against ``python -c pass``.
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import clone
from bench.server import sandbox_process
from bench.workload import TOKEN_ENV, bench_environment, write_project

PLAN_TARGET = 1.6
VALIDATE_TARGET = 2.0
EXPONENT_TARGET = 1.05
MEMORY_TARGET_MIB = 0.15
START_TARGET = 4.0
MEMORY_AT = 2_000
FULL_SCALE = (100, 2_000, 10_000)
QUICK_SCALE = (100, 500)


@dataclass(frozen=True)
class Run:
    """One process: wall seconds, CPU seconds (user + system), peak RSS in MiB, exit code."""

    wall_s: float
    cpu_s: float
    rss_mib: float
    code: int


def run(command: Sequence[str], cwd: Path, env: dict[str, str]) -> Run:
    """Start ``command``, wait for it, and measure that one process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command), cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        round(wall, 3),
        round(usage.ru_utime + usage.ru_stime, 3),
        round(usage.ru_maxrss / 1024, 1),
        process.returncode,
    )


def _environment(token: str = "unused") -> dict[str, str]:
    env = {**os.environ, **bench_environment(), TOKEN_ENV: token}
    env.pop("MHSYNC_BASE_URL", None)
    return env


def _configure(root: Path, base_url: str) -> None:
    (root / "mhsync.yaml").write_text(
        "manifests: [agents]\ndefault_target: bench\ntargets:\n"
        f"  bench:\n    base_url: {base_url}\n    token_env: {TOKEN_ENV}\n",
        encoding="utf-8",
    )


MHSYNC = (sys.executable, "-m", "mhsync")
REPO = Path(__file__).resolve().parents[1]
"""Where the baselines run (``python -m bench.baseline`` must find ``bench``)."""


def _project(work: Path, agents: int) -> Path:
    root = work / f"issue16-{agents}"
    if not root.exists():  # written aside, then renamed: a run stopped half-way leaves no root
        partial = work / f"issue16-{agents}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        write_project(partial, agents)
        _configure(partial, "http://127.0.0.1:9/api/v1")  # validate never connects
        partial.rename(root)
    return root


def _seeded(work: Path, root: Path, agents: int) -> Path:
    """A sandbox database holding the N agents: the first few applied, the rest copied."""
    db = work / f"issue16-seeded-{agents}.db"
    if db.exists():
        return db
    base = work / "issue16-applied.db"
    if not base.exists():
        small = _project(work, clone.APPLIED)
        (small / "mhsync.yaml").write_text(
            "manifests: [agents]\ndefault_target: sandbox\n", encoding="utf-8"
        )
        seeded = run(
            (*MHSYNC, "apply", "--auto-approve", "--parallelism", "16"), small, _environment()
        )
        if seeded.code != 0:
            raise RuntimeError(f"seeding {clone.APPLIED} agents failed (exit {seeded.code})")
        shutil.move(small / ".mhsync" / "sandbox.db", base)
        _configure(small, "http://127.0.0.1:9/api/v1")
    if agents < clone.APPLIED:
        raise ValueError(f"at least {clone.APPLIED} agents")
    shutil.copyfile(base, db)
    clone.extend(db, agents)
    return db


def _logged_gets(db: Path, after: int) -> list[str]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        rows = conn.execute(
            "SELECT path, query FROM request_log WHERE id > ? AND method = 'GET' ORDER BY id",
            (after,),
        ).fetchall()
    return [f"{path}?{query}" if query else path for path, query in rows]


def _last_id(db: Path) -> int:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM request_log").fetchone()[0])


def _median(runs: list[Run], field: str = "wall_s") -> float:
    return round(statistics.median(getattr(r, field) for r in runs), 3)


def _plan_command(parallelism: int) -> tuple[str, ...]:
    return (*MHSYNC, "plan", "--detailed-exitcode", "--parallelism", str(parallelism))


def plan_vs_baseline(
    work: Path, agents: int, latency_ms: float, parallelism: int, repeat: int
) -> dict[str, Any]:
    """``mhsync plan`` and the standard-library client, alternating, against one sandbox."""
    root = _project(work, agents)
    db = work / f"issue16-plan-{agents}.db"
    shutil.copyfile(_seeded(work, root, agents), db)
    plans: list[Run] = []
    baselines: list[Run] = []
    with sandbox_process(db, latency_ms=latency_ms) as server:
        _configure(root, server.base_url)
        env = _environment(server.token)
        before = _last_id(db)
        first = run(_plan_command(parallelism), root, env)
        if first.code != 0:
            raise RuntimeError(f"plan of {agents} agents: exit {first.code}, expected no changes")
        paths = _logged_gets(db, before)
        paths_file = work / f"issue16-gets-{agents}.txt"
        paths_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
        baseline = (
            sys.executable, "-m", "bench.baseline", "get",
            server.base_url, TOKEN_ENV, str(paths_file), str(parallelism),
        )  # fmt: skip
        client_only = (sys.executable, "-m", "bench.client_only", *baseline[4:])
        clients: list[Run] = []
        for _ in range(repeat):
            plans.append(run(_plan_command(parallelism), root, env))
            baselines.append(run(baseline, REPO, env))
            clients.append(run(client_only, REPO, env))
    if any(r.code != 0 for r in plans + baselines + clients):
        raise RuntimeError(f"a plan, baseline or client run failed: {plans} {baselines} {clients}")
    plan_s, base_s = _median(plans), _median(baselines)
    return {
        "agents": agents,
        "latency_ms": latency_ms,
        "parallelism": parallelism,
        "requests": len(paths),
        "bound_s": round(len(paths) * latency_ms / 1000 / parallelism, 3),
        "plan_s": plan_s,
        "plan_cpu_s": _median(plans, "cpu_s"),
        "baseline_s": base_s,
        "baseline_cpu_s": _median(baselines, "cpu_s"),
        "client_only_s": _median(clients),
        "client_only_cpu_s": _median(clients, "cpu_s"),
        "client_cpu_ms_per_request": round(
            (_median(clients, "cpu_s") - _median(baselines, "cpu_s")) * 1000 / len(paths), 2
        ),
        "ratio": round(plan_s / base_s, 2),
        "target": PLAN_TARGET,
        "met": plan_s / base_s <= PLAN_TARGET,
        "runs": {
            "plan": [asdict(r) for r in plans],
            "baseline": [asdict(r) for r in baselines],
            "client_only": [asdict(r) for r in clients],
        },
    }


def validate_vs_yaml(work: Path, agents: int, repeat: int) -> dict[str, Any]:
    """``mhsync validate`` and PyYAML's C loader alone, alternating, on the same files."""
    root = _project(work, agents)
    env = _environment()
    validates: list[Run] = []
    parses: list[Run] = []
    parse = (sys.executable, "-m", "bench.baseline", "yaml", str(root / "agents"))
    for _ in range(repeat):
        validates.append(run((*MHSYNC, "validate"), root, env))
        parses.append(run(parse, REPO, env))
    if any(r.code != 0 for r in validates + parses):
        raise RuntimeError(f"a validate or parse run failed: {validates} {parses}")
    validate_s, parse_s = _median(validates), _median(parses)
    return {
        "agents": agents,
        "yaml_mib": round(sum(p.stat().st_size for p in (root / "agents").iterdir()) / 2**20, 2),
        "validate_s": validate_s,
        "validate_cpu_s": _median(validates, "cpu_s"),
        "pyyaml_c_s": parse_s,
        "ratio": round(validate_s / parse_s, 2),
        "target": VALIDATE_TARGET,
        "met": validate_s / parse_s <= VALIDATE_TARGET,
    }


def scaling(work: Path, sizes: Sequence[int], quick: bool) -> dict[str, Any]:
    """Validate and plan (latency 0, parallelism 16) CPU and memory at each size."""
    rows = []
    for agents in sizes:
        root = _project(work, agents)
        validate = run((*MHSYNC, "validate"), root, _environment())
        db = work / f"issue16-scale-{agents}.db"
        shutil.copyfile(_seeded(work, root, agents), db)
        with sandbox_process(db, latency_ms=0) as server:
            _configure(root, server.base_url)
            plan = run(_plan_command(16), root, _environment(server.token))
        _configure(root, "http://127.0.0.1:9/api/v1")
        db.unlink()
        if validate.code != 0 or plan.code != 0:
            raise RuntimeError(f"{agents} agents: validate {validate.code}, plan {plan.code}")
        rows.append({"agents": agents, "validate": asdict(validate), "plan": asdict(plan)})
    low, high = rows[0], rows[-1]

    def exponent(phase: str) -> float:
        ratio = high[phase]["cpu_s"] / low[phase]["cpu_s"]
        return round(math.log(ratio) / math.log(high["agents"] / low["agents"]), 3)

    measured_to = high["agents"]
    memory_row = next((r for r in rows if r["agents"] == MEMORY_AT), None)
    per_agent = None
    if memory_row is not None and memory_row is not low:
        grown = memory_row["plan"]["rss_mib"] - low["plan"]["rss_mib"]
        per_agent = round(grown / (MEMORY_AT - low["agents"]), 3)
    full_range = low["agents"] <= 100 and measured_to >= 10_000
    exponents = {"validate": exponent("validate"), "plan": exponent("plan")}
    return {
        "sizes": list(sizes),
        "rows": rows,
        "exponents": exponents,
        "exponent_target": EXPONENT_TARGET,
        "exponent_measured_range": [low["agents"], measured_to],
        "exponent_met": (
            all(k <= EXPONENT_TARGET for k in exponents.values()) if full_range else None
        ),
        "memory_mib_per_agent": per_agent,
        "memory_target_mib": MEMORY_TARGET_MIB,
        "memory_met": None if per_agent is None else per_agent <= MEMORY_TARGET_MIB,
        "quick": quick,
    }


def start(repeat: int) -> dict[str, Any]:
    """``mhsync --version`` and ``--help`` against a bare interpreter start, interleaved."""
    env = _environment()
    here = REPO
    bare: list[Run] = []
    version: list[Run] = []
    helped: list[Run] = []
    for _ in range(repeat):
        bare.append(run((sys.executable, "-c", "pass"), here, env))
        version.append(run((*MHSYNC, "--version"), here, env))
        helped.append(run((*MHSYNC, "--help"), here, env))
    bare_s = _median(bare)
    out: dict[str, Any] = {"python_c_pass_s": bare_s, "target": START_TARGET}
    for name, runs in (("version", version), ("help", helped)):
        seconds = _median(runs)
        out[name] = {"s": seconds, "ratio": round(seconds / bare_s, 2)}
        out[name]["met"] = out[name]["ratio"] <= START_TARGET
    return out


def compile_bytecode() -> None:
    """Compile ``mhsync`` and ``bench`` to bytecode once, before anything is timed.

    An installed mhsync carries bytecode (pip compiles a wheel's modules when it installs them,
    as it did for pydantic, httpx and the standard library the baselines use). A checkout run
    with ``PYTHONDONTWRITEBYTECODE`` set, as this machine and many CI images are, compiles every
    mhsync module from source at every start instead: a quarter of plan's import cost that no
    user of an installed mhsync pays. The caches go where Python puts them anyway
    (``__pycache__``, ignored by git); a stale one is recompiled by Python, never used.
    """
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "mhsync"), str(REPO / "bench")],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def run_all(work: Path, quick: bool, log: Any = print) -> dict[str, Any]:
    """Every issue 16 target; ``quick`` measures 100 agents where the target says 500."""
    agents = 100 if quick else 500
    compile_bytecode()
    repeat = 2 if quick else 3
    log("  start-up ...")
    started = start(5 if quick else 9)
    log(f"  validate of {agents} agents vs PyYAML's C loader ...")
    validate = validate_vs_yaml(work, agents, repeat)
    log(f"  plan of {agents} agents (50 ms, parallelism 16) vs a standard-library client ...")
    plan = plan_vs_baseline(work, agents, 50.0, 16, repeat)
    sizes = QUICK_SCALE if quick else FULL_SCALE
    log(f"  scaling over {', '.join(str(s) for s in sizes)} agents ...")
    scale = scaling(work, sizes, quick)
    return {"quick": quick, "start": started, "validate": validate, "plan": plan, "scaling": scale}
