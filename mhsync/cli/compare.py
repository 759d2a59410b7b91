"""``mhsync compare A B [PATHS]``: how two workspaces differ, and whether the manifests say so."""

from __future__ import annotations

from pathlib import Path

import click

from mhsync.cli.common import announce, note, project_option, selection_options
from mhsync.errors import ExitCode
from mhsync.render.compare import (
    render_compare_json,
    render_compare_markdown,
    render_compare_text,
)
from mhsync.selection import Selection
from mhsync.workflows.compare import CompareRequest, run_compare
from mhsync.workspace import resolve_workspace


@click.command("compare")
@click.argument("target_a", metavar="A")
@click.argument("target_b", metavar="B")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print Markdown (PR comment).")
@click.option("--raw", is_flag=True, help="Ignore the manifests: compare the workspaces as is.")
@click.option(
    "--parallelism", type=click.IntRange(1, 64), default=8, show_default=True,
    help="Requests in flight at once while reading each workspace.",
)
@selection_options
@project_option
def compare_command(
    target_a: str,
    target_b: str,
    paths: tuple[Path, ...],
    as_json: bool,
    as_markdown: bool,
    raw: bool,
    parallelism: int,
    selection: Selection,
) -> None:
    """Compare the live workspaces of targets A and B, agent by agent (read-only).

    Differences the manifests explain (each target's rendering differs there, e.g. by its vars)
    are expected; the rest are unexpected. Exit 0 when only expected differences remain, 2
    otherwise, 1 on error.
    """
    if as_json and as_markdown:
        raise click.UsageError("choose one of --json and --markdown")
    workspaces = [resolve_workspace(t, paths=paths) for t in (target_a, target_b)]
    for workspace in workspaces:
        announce(workspace)
    outcome = run_compare(
        workspaces[0],
        workspaces[1],
        CompareRequest(paths=paths, selection=selection, raw=raw, parallelism=parallelism),
    )
    for warning in outcome.warnings:
        note(str(warning))
    for message in outcome.comparison.warnings:
        note(f"warning: {message}")
    comparison = outcome.comparison
    if as_json:
        click.echo(render_compare_json(comparison), nl=False)
    elif as_markdown:
        click.echo(render_compare_markdown(comparison), nl=False)
    else:
        click.echo(render_compare_text(comparison), nl=False)
    if comparison.unexpected:
        raise SystemExit(ExitCode.CHANGES)
