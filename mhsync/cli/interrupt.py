"""What Ctrl-C during ``apply`` or ``rollback`` tells the person: what may have changed, and
where the snapshot that undoes it is.

Before the confirmation nothing was sent; after it some changes may have landed, and the
snapshot (saved after the confirmation, before the first write) is the way back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import click

from mhsync.errors import ExitCode
from mhsync.plan import Plan

R = TypeVar("R")


class Interruption:
    """Watches the confirmation and the snapshot so an interruption can be explained."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.confirmed = False
        self.snapshot: Path | None = None

    def confirm(self, ask: Callable[[Plan], bool]) -> Callable[[Plan], bool]:
        def confirm(plan: Plan) -> bool:
            self.confirmed = ask(plan)
            return self.confirmed

        return confirm

    def snapshot_hook(self, hook: Callable[..., R] | None) -> Callable[..., R] | None:
        if hook is None:
            return None
        taken = hook

        def snapshot(*args: object) -> R:
            path = taken(*args)
            self.snapshot = path if isinstance(path, Path) else None
            return path

        return snapshot

    def message(self) -> str:
        if not self.confirmed:
            return f"{self.command.capitalize()} cancelled; nothing was changed."
        if self.snapshot is None:
            return (
                "Interrupted: some changes may have been made; "
                f"run {self.command} again to converge."
            )
        return (
            "Interrupted: some changes may have been made. The live state before them is in "
            f"{self.snapshot} (undo with: mhsync rollback {self.snapshot}); "
            f"or run {self.command} again to converge."
        )

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turn Ctrl-C (at the prompt: click's Abort) into the message and exit code 130."""
        try:
            yield
        except (KeyboardInterrupt, click.Abort):
            click.echo("", err=True)  # the cursor may stand after "[y/N]: " or a progress bar
            click.echo(self.message(), err=True)
            raise click.exceptions.Exit(ExitCode.INTERRUPTED) from None
