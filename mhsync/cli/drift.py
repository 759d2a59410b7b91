"""``mhsync drift``: what was changed in the workspace since the manifests were applied.

Exit codes follow ``plan --detailed-exitcode``: 0 no drift, 2 drift, 1 error. Inside GitHub
Actions (``GITHUB_ACTIONS=true``) each drifted agent also becomes an ``::error`` annotation on its
manifest (written to stderr, so ``--json`` stays clean on stdout), and the Markdown report is
appended to ``$GITHUB_STEP_SUMMARY`` when that is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from mhsync.cli.common import chosen_workspace, note, selection_options, target_option
from mhsync.errors import ExitCode
from mhsync.render.drift import DriftReport
from mhsync.render.drift_text import (
    github_annotations,
    render_drift_markdown,
    render_drift_text,
)
from mhsync.selection import Selection
from mhsync.workflows.drift import DriftRequest, run_drift


@click.command("drift")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@target_option
@click.option("--json", "as_json", is_flag=True, help="Print the drift document as JSON.")
@click.option("--markdown", "as_markdown", is_flag=True, help="Print a Markdown report.")
@click.option(
    "--parallelism",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Requests in flight at once while reading the workspace.",
)
@selection_options
def drift_command(
    paths: tuple[Path, ...],
    target: str | None,
    as_json: bool,
    as_markdown: bool,
    parallelism: int,
    selection: Selection,
) -> None:
    """Show what differs in the workspace from the manifests (read-only; exit 2 on drift)."""
    if as_json and as_markdown:
        raise click.UsageError("choose one of --json and --markdown")
    outcome = run_drift(
        chosen_workspace(target, paths),
        DriftRequest(paths=paths, selection=selection, parallelism=parallelism),
    )
    for warning in outcome.warnings:
        note(str(warning))
    report = outcome.report
    if as_json:
        click.echo(report.to_json(), nl=False)
    elif as_markdown:
        click.echo(render_drift_markdown(report), nl=False)
    else:
        click.echo(render_drift_text(report), nl=False)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        _report_to_github(report)
    if report.drifted:
        raise SystemExit(ExitCode.CHANGES)


def _report_to_github(report: DriftReport) -> None:
    for command in github_annotations(report, base=os.environ.get("GITHUB_WORKSPACE")):
        click.echo(command, err=True)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    try:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(render_drift_markdown(report) + "\n")
    except OSError as exc:
        note(f"Warning: cannot append to $GITHUB_STEP_SUMMARY ({summary}): {exc.strerror}")
