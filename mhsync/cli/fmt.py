"""``mhsync fmt``: rewrite manifests in the canonical layout, keeping comments."""

from __future__ import annotations

from pathlib import Path

import click

from mhsync.cli.common import note, project_option
from mhsync.errors import ExitCode
from mhsync.workflows.fmt import FmtRequest, run_fmt


@click.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 and list the files that would change."
)
@project_option
@click.pass_context
def fmt_command(ctx: click.Context, paths: tuple[Path, ...], check: bool) -> None:
    """Format manifests (PATHS, default: the project's manifests) in canonical form."""
    outcome = run_fmt(FmtRequest(paths=paths, check=check))
    for problem in outcome.problems:
        note(str(problem))
    for path in outcome.changed:
        click.echo(f"{'would reformat' if check else 'formatted'} {path}")
    if outcome.problems:
        note(f"{len(outcome.problems)} file problem(s); those files were left alone.")
        ctx.exit(ExitCode.ERROR)
    if check and outcome.changed:
        note(f"{len(outcome.changed)} file(s) need formatting; run `mhsync fmt`.")
        ctx.exit(ExitCode.ERROR)
    if not outcome.changed:
        note(f"{len(outcome.unchanged)} file(s) already formatted.")
