"""``mhsync sandbox``: run the local Mindhunters emulator as a real HTTP server, or reset it."""

from __future__ import annotations

import os
from pathlib import Path

import click

from mhsync.cli.common import note
from mhsync.errors import ConfigError


@click.group("sandbox")
def sandbox_group() -> None:
    """The local Mindhunters API emulator."""


@sandbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True, help="0 picks a free port.")
@click.option(
    "--db", "db_path", type=click.Path(path_type=Path),
    default=Path(".mhsync/sandbox.db"), show_default=True, help="SQLite file (':memory:' too).",
)
@click.option(
    "--token", "tokens", multiple=True, metavar="TOKEN",
    help="Accepted bearer token (repeatable; default: $MHSYNC_TOKEN).",
)
@click.option("--latency-ms", type=float, default=0.0, help="Added to every request.")
@click.option("--fault-rate", type=click.FloatRange(0, 1), default=0.0,
              help="Share of requests answered with an injected fault (429/5xx/drop).")
@click.option("--seed", type=int, default=0, help="Seed for injected faults.")
def serve_command(
    host: str, port: int, db_path: Path, tokens: tuple[str, ...], latency_ms: float,
    fault_rate: float, seed: int,
) -> None:
    """Serve the sandbox API until interrupted; prints its base URL (never the token)."""
    from mhsync.sandbox import FaultConfig, serve_main

    accepted = list(tokens) or [t for t in [os.environ.get("MHSYNC_TOKEN", "")] if t]
    if not accepted:
        raise ConfigError("give the sandbox a token: --token TOKEN or MHSYNC_TOKEN")
    if str(db_path) != ":memory:":
        db_path.parent.mkdir(parents=True, exist_ok=True)
    faults = FaultConfig.uniform(fault_rate, seed=seed, latency_ms=latency_ms)
    serve_main(host, port, str(db_path), accepted, faults)


@sandbox_group.command("reset")
@click.option("--db", "db_path", type=click.Path(path_type=Path),
              default=Path(".mhsync/sandbox.db"), show_default=True)
def reset_command(db_path: Path) -> None:
    """Delete the local sandbox state (all its agents)."""
    removed = False
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(str(db_path) + suffix)
        if candidate.exists():
            candidate.unlink()
            removed = True
    note(f"Sandbox state {'removed' if removed else 'was already empty'}: {db_path}")
