"""``mhsync rollback``: put back the live state an apply saved in a snapshot."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mhsync.cli.common import chosen_workspace, note, on_terminal, target_option, use_color
from mhsync.cli.finish import report_end
from mhsync.cli.interrupt import Interruption
from mhsync.cli.progress import progress_reporter
from mhsync.errors import ConfigError
from mhsync.plan import Plan
from mhsync.render import render_text
from mhsync.workflows.rollback import RollbackRequest, run_rollback, snapshot_target
from mhsync.workflows.snapshot import snapshot_hook


@click.command("rollback")
@click.argument("snapshot", type=click.Path(file_okay=False, path_type=Path))
@target_option
@click.option("--auto-approve", is_flag=True, help="Roll back without asking (required in CI).")
@click.option(
    "--parallelism", type=click.IntRange(1, 64), default=4, show_default=True,
    help="Requests in flight at once, reading and writing (agents written at once).",
)
@click.option("--no-snapshot", is_flag=True, help="Skip saving the live state first.")
def rollback_command(
    snapshot: Path, target: str | None, auto_approve: bool, parallelism: int, no_snapshot: bool
) -> None:
    """Plan SNAPSHOT (a directory under .mhsync/snapshots/) against the workspace and apply it."""
    interactive = on_terminal(sys.stdin) and on_terminal(sys.stdout)
    if not auto_approve and not interactive:
        raise ConfigError(
            "refusing to roll back unattended: no terminal to confirm on; pass --auto-approve"
        )

    def confirm(plan: Plan) -> bool:
        click.echo(render_text(plan, color=use_color()), nl=False)
        return auto_approve or click.confirm("Roll back these changes?", default=False, err=True)

    workspace = chosen_workspace(target or snapshot_target(snapshot), (snapshot,))
    watch = Interruption("rollback")
    hook = watch.snapshot_hook(None if no_snapshot else snapshot_hook(workspace.root))
    with watch.guard(), progress_reporter(interactive) as on_event:
        outcome = run_rollback(
            workspace,
            RollbackRequest(snapshot, parallelism),
            confirm=watch.confirm(confirm),
            on_event=on_event,
            snapshot=hook,
        )
    for name in outcome.throwaway_secrets:
        note(f"Note: {name} is not set; the sandbox was sent a throwaway value for it")
    for handle in outcome.recreated:
        note(f"agent[{handle}] no longer exists; it is created anew (with a new uuid)")
    if not outcome.plan.has_changes:
        click.echo("Nothing to roll back: the workspace matches the snapshot.")
        return
    report_end(outcome, "Rollback")
