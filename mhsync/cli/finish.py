"""How a command that writes a confirmed plan reports its end: ``apply`` and ``rollback``.

Both show the same lines in the same order (cancelled, the snapshot taken, the failed changes
or the closing count), so a change to that report is made once, here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import click

from mhsync.cli.common import note
from mhsync.errors import ApplyError
from mhsync.executor import ExecutionReport
from mhsync.plan import Plan
from mhsync.render.counts import apply_line


class Finished(Protocol):
    """What ``ApplyOutcome`` and ``RollbackOutcome`` both hold about a plan with changes."""

    @property
    def plan(self) -> Plan: ...
    @property
    def approved(self) -> bool: ...
    @property
    def report(self) -> ExecutionReport | None: ...
    @property
    def requests(self) -> int: ...
    @property
    def snapshot(self) -> Path | None: ...


def report_end(outcome: Finished, verb: str, *, hint: str = "") -> None:
    """The end of ``verb`` ("Apply", "Rollback") for a plan that had changes.

    Raises ``ApplyError`` (its exit code) when a change failed; ``hint`` follows that message.
    What the executor noted on the way (twins of a concurrent run settled, lost creates adopted)
    is shown for both verbs: a rollback settles and adopts like an apply, and a user must learn
    of it either way (rollback used to hide these notes).
    """
    if not outcome.approved:
        note(f"{verb} cancelled; nothing was changed.")
        return
    if outcome.snapshot is not None:
        note(f"Snapshot saved: {outcome.snapshot} (undo with: mhsync rollback {outcome.snapshot})")
    report = outcome.report
    assert report is not None
    for line in report.notes:
        note(line)
    if not report.ok:
        for line in report.lines():
            click.echo(line)
        raise ApplyError(
            f"{verb.lower()} failed: {len(report.failed)} change(s) failed{hint}", report
        )
    click.echo(apply_line(verb, outcome.plan, outcome.requests))
