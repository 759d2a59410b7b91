"""``mhsync apply``: make the workspace match the manifests (or a saved plan)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mhsync.cli.common import (
    announce,
    chosen_workspace,
    note,
    on_terminal,
    resend_secrets_option,
    selection_options,
    target_option,
    use_color,
)
from mhsync.cli.finish import report_end
from mhsync.cli.interrupt import Interruption
from mhsync.cli.progress import progress_reporter
from mhsync.errors import ConfigError
from mhsync.plan import Plan
from mhsync.render import render_text
from mhsync.selection import Selection
from mhsync.workflows.apply import ApplyRequest, load_plan_file, run_apply
from mhsync.workflows.snapshot import snapshot_hook
from mhsync.workspace import workspace_for_plan


def _plan_file(paths: tuple[Path, ...]) -> Path | None:
    if len(paths) == 1 and paths[0].suffix == ".json" and paths[0].is_file():
        return paths[0]
    return None


@click.command("apply")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@target_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking (required in CI).")
@click.option(
    "--parallelism", type=click.IntRange(1, 64), default=4, show_default=True,
    help="Requests in flight at once, reading and writing (agents written at once).",
)
@click.option("--prune", is_flag=True, help="Also delete live agents absent from the manifests.")
@click.option("--max-deletes", type=click.IntRange(min=0), help="Fail if more deletes are planned.")
@click.option(
    "--confirm-delete", "confirm_delete", multiple=True, metavar="HANDLE",
    help="Prune this live agent although it looks like the old name of a protected agent.",
)
@selection_options
@click.option(
    "--no-snapshot", is_flag=True, help="Skip saving the live state first (.mhsync/snapshots/)."
)
@resend_secrets_option
def apply_command(
    paths: tuple[Path, ...],
    target: str | None,
    auto_approve: bool,
    parallelism: int,
    prune: bool,
    max_deletes: int | None,
    confirm_delete: tuple[str, ...],
    selection: Selection,
    no_snapshot: bool,
    resend_secrets: bool,
) -> None:
    """Apply the changes from manifests (PATHS) or from a saved plan file (plan.json)."""
    interactive = on_terminal(sys.stdin) and on_terminal(sys.stdout)
    if not auto_approve and not interactive:
        raise ConfigError(
            "refusing to apply unattended: no terminal to confirm on; pass --auto-approve"
        )
    plan_file = _plan_file(paths)
    saved: Plan | None = None
    if plan_file is None:
        workspace = chosen_workspace(target, paths)
    else:  # a saved plan names its own workspace
        saved = load_plan_file(plan_file)
        workspace = workspace_for_plan(saved, plan_file, target)
        announce(workspace)
    request = ApplyRequest(
        paths=() if plan_file else paths,
        prune=prune,
        max_deletes=max_deletes,
        saved_plan=saved,
        confirmed_deletes=frozenset(confirm_delete),
        plan_file=plan_file,
        parallelism=parallelism,
        selection=selection,
        resend_secrets=resend_secrets,
    )

    def confirm(plan: Plan) -> bool:
        click.echo(render_text(plan, color=use_color()), nl=False)
        if auto_approve:
            return True
        return click.confirm("Apply these changes?", default=False, err=True)

    watch = Interruption("apply")
    with watch.guard(), progress_reporter(interactive) as on_event:
        snapshot = watch.snapshot_hook(None if no_snapshot else snapshot_hook(workspace.root))
        outcome = run_apply(
            workspace, request, confirm=watch.confirm(confirm), on_event=on_event,
            snapshot=snapshot,
        )
    for warning in outcome.warnings:
        note(str(warning))
    if not outcome.plan.has_changes:
        click.echo(render_text(outcome.plan, color=use_color()), nl=False)
        return
    report_end(outcome, "Apply", hint="; run apply again to converge")
