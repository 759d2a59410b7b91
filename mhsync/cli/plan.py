"""``mhsync plan``: show what apply would change."""

from __future__ import annotations

from pathlib import Path

import click

from mhsync import atomic
from mhsync.cli.common import (
    chosen_workspace,
    note,
    resend_secrets_option,
    selection_options,
    target_option,
    use_color,
)
from mhsync.errors import ExitCode
from mhsync.render import render_json, render_markdown, render_text
from mhsync.selection import Selection
from mhsync.workflows.plan import PlanRequest, make_plan


@click.command("plan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@target_option
@click.option("--out", "out", type=click.Path(path_type=Path), help="Save the plan as JSON.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print Markdown for a PR comment.")
@click.option("--prune", is_flag=True, help="Also delete live agents absent from the manifests.")
@click.option("--max-deletes", type=click.IntRange(min=0), help="Fail if more deletes are planned.")
@click.option(
    "--confirm-delete", "confirm_delete", multiple=True, metavar="HANDLE",
    help="Prune this live agent although it looks like the old name of a protected agent.",
)
@click.option(
    "--parallelism", type=click.IntRange(1, 64), default=8, show_default=True,
    help="Requests in flight at once while reading the workspace.",
)
@selection_options
@resend_secrets_option
def plan_command(
    paths: tuple[Path, ...],
    target: str | None,
    out: Path | None,
    detailed_exitcode: bool,
    as_json: bool,
    as_markdown: bool,
    prune: bool,
    max_deletes: int | None,
    confirm_delete: tuple[str, ...],
    parallelism: int,
    selection: Selection,
    resend_secrets: bool,
) -> None:
    """Compare manifests with the live workspace and show the changes apply would make."""
    if as_json and as_markdown:
        raise click.UsageError("choose one of --json and --markdown")
    outcome = make_plan(
        chosen_workspace(target, paths),
        PlanRequest(
            paths=paths,
            prune=prune,
            max_deletes=max_deletes,
            confirmed_deletes=frozenset(confirm_delete),
            selection=selection,
            parallelism=parallelism,
            resend_secrets=resend_secrets,
        ),
    )
    for warning in outcome.warnings:
        note(str(warning))
    if as_json:
        click.echo(render_json(outcome.plan), nl=False)
    elif as_markdown:
        click.echo(render_markdown(outcome.plan))
    else:
        click.echo(render_text(outcome.plan, color=use_color()), nl=False)
    if out is not None:
        atomic.write_text(out, render_json(outcome.plan))
        note(f"Plan saved to {out}; apply it with: mhsync apply {out}")
    if detailed_exitcode and outcome.plan.has_changes:
        raise SystemExit(ExitCode.CHANGES)
