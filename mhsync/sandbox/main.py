"""The sandbox as a server process: ``python -m mhsync.sandbox`` and ``mhsync sandbox serve``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .app import Sandbox
from .faults import FaultConfig

TOKEN_ENV = "MHSYNC_SANDBOX_TOKEN"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve_main(
    host: str, port: int, db_path: str, tokens: Sequence[str], faults: FaultConfig | None
) -> None:
    """Serve until SIGINT/SIGTERM, after printing ``Sandbox listening on <base URL>``.

    The token is never printed. Port 0 picks a free port; the printed URL has the real one.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    with Sandbox(db_path=db_path, tokens=tokens, faults=faults) as sandbox:
        sandbox.serve_forever(
            host, port, ready=lambda url: print(f"Sandbox listening on {url}", flush=True)
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mhsync.sandbox", description="Run the local Mindhunters API sandbox."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--db", default=".mhsync/sandbox.db", help="SQLite file or :memory:")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        help=f"accepted bearer token (repeatable; default: ${TOKEN_ENV})",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="total random fault probability per request"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--retry-after", type=int, default=1)
    for kind in ("429", "500", "502", "503", "drop-before", "drop-after-commit"):
        parser.add_argument(
            f"--rate-{kind}", type=float, default=None, help=f"rate of {kind} faults alone"
        )
    return parser


def faults_from_args(args: argparse.Namespace) -> FaultConfig:
    """``--fault-rate`` splits evenly over the six kinds; ``--rate-<kind>`` overrides one kind."""
    base = FaultConfig.uniform(
        args.fault_rate, seed=args.seed, latency_ms=args.latency_ms, retry_after=args.retry_after
    )
    overrides = {
        f"rate_{kind}": getattr(args, f"rate_{kind}")
        for kind in ("429", "500", "502", "503", "drop_before", "drop_after_commit")
        if getattr(args, f"rate_{kind}") is not None
    }
    return FaultConfig(**{**base.__dict__, **overrides})


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    tokens = list(args.token) or [t for t in [os.environ.get(TOKEN_ENV, "")] if t]
    if not tokens:
        print(f"error: give --token or set {TOKEN_ENV}", file=sys.stderr)
        return 2
    serve_main(args.host, args.port, args.db, tokens, faults_from_args(args))
    return 0
