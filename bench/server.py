"""The sandbox as a separate server process, sharing nothing with the benchmark but HTTP.

Requests are counted from the sandbox's own request log (a table in its SQLite file), so the
figures do not rely on mhsync counting itself.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT_S = 30


@dataclass(frozen=True)
class RequestCount:
    reads: int
    writes: int

    @property
    def total(self) -> int:
        return self.reads + self.writes

    def __sub__(self, other: RequestCount) -> RequestCount:
        return RequestCount(self.reads - other.reads, self.writes - other.writes)


@dataclass
class SandboxProcess:
    process: subprocess.Popen[str]
    base_url: str
    token: str
    db: Path

    def requests(self) -> RequestCount:
        """Requests the sandbox has logged so far (GET = read, anything else = write)."""
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)) as db:
            row = db.execute(
                "SELECT COALESCE(SUM(method = 'GET'), 0), COALESCE(SUM(method != 'GET'), 0) "
                "FROM request_log"
            ).fetchone()
        return RequestCount(int(row[0]), int(row[1]))


@contextmanager
def sandbox_process(
    db: Path, *, latency_ms: float = 0, fault_rate: float = 0, seed: int = 0
) -> Iterator[SandboxProcess]:
    """``python -m mhsync.sandbox`` on a free port; stopped (SIGTERM, then SIGKILL) on exit."""
    token = "bench-" + secrets.token_hex(8)
    env = {**os.environ, "MHSYNC_SANDBOX_TOKEN": token}
    command = [
        sys.executable,
        "-m",
        "mhsync.sandbox",
        "--port",
        "0",
        "--db",
        str(db),
        "--latency-ms",
        str(latency_ms),
        "--fault-rate",
        str(fault_rate),
        "--seed",
        str(seed),
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        yield SandboxProcess(process, line.rsplit(" ", 1)[1].strip(), token, db)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
