"""``mhsync pull``: write workspace edits back into the manifest files, keeping their formatting."""

from __future__ import annotations

from pathlib import Path

import click

from mhsync.cli.common import chosen_workspace, note, selection_options, target_option
from mhsync.selection import Selection
from mhsync.workflows.pull import PullRequest, run_pull


@click.command("pull")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@target_option
@selection_options
def pull_command(paths: tuple[Path, ...], target: str | None, selection: Selection) -> None:
    """Update manifests (PATHS) in place where the live workspace differs from them."""
    outcome = run_pull(
        chosen_workspace(target, paths),
        PullRequest(paths=paths, selection=selection),
    )
    for warning in outcome.warnings:
        note(str(warning))
    for handle in outcome.missing:
        note(f"agent[{handle}] is not in the workspace; its manifest was left alone")
    for handle, why in outcome.left_alone.items():
        note(f"agent[{handle}]: not pulled: {why}")
    for path, handles in outcome.changed.items():
        click.echo(f"updated {path}  " + ", ".join(f"agent[{h}]" for h in handles))
    if outcome.secrets:
        note(
            "New write-only secrets were written as placeholders; set these variables before "
            "plan or apply:\n  " + "\n  ".join(outcome.secrets)
        )
    if not outcome.changed and not outcome.left_alone:
        note("Nothing to pull: the manifests match the workspace.")
