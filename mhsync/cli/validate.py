"""``mhsync validate``: check manifests offline and report every problem with its location."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mhsync.cli.common import chosen_workspace, note, project_option, selection_options
from mhsync.errors import ExitCode
from mhsync.manifest.loader import LoadResult
from mhsync.selection import Selection
from mhsync.workflows.validate import ValidationRun, validate_project


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json prints a list of diagnostic objects.",
)
@click.option(
    "--target",
    default=None,
    help="Target whose vars fill ${var:NAME} (default: the project's default target).",
)
@selection_options
@project_option
@click.pass_context
def validate_command(
    ctx: click.Context,
    paths: tuple[Path, ...],
    strict: bool,
    output_format: str,
    target: str | None,
    selection: Selection,
) -> None:
    """Validate manifests (default: the project's `manifests`, else the current directory).

    Exit status 0 when valid, 1 when any error (or, with --strict, any warning) was found.
    Never contacts the API. With --agent/--selector every manifest is still read (references
    span files), but only problems of the selected agents' documents are reported.
    """
    run = validate_project(
        chosen_workspace(target, paths), paths, strict=strict, selection=selection
    )
    for warning in run.selection_warnings:
        note(f"warning: {warning}")
    if output_format == "json":
        payload = [d.to_dict() for d in run.result.diagnostics]
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        for diagnostic in run.result.diagnostics:
            click.echo(str(diagnostic))
        click.echo(summary(run))
    ctx.exit(ExitCode.OK if run.ok else ExitCode.ERROR)


def summary(run: ValidationRun) -> str:
    """One closing line: counts, and whether the run passed."""
    result: LoadResult = run.result
    files = _plural(len(result.files), "file")
    if run.ok:
        agents = _plural(len(result.workspace.agents), "agent")
        warned = f", {_plural(len(result.warnings), 'warning')}" if result.warnings else ""
        return f"valid: {agents} in {files}{warned}{_scope(run)}"
    counts = f"{_plural(len(result.errors), 'error')}, {_plural(len(result.warnings), 'warning')}"
    strict = " (--strict: warnings fail)" if run.strict and not result.errors else ""
    return f"invalid: {counts} in {files}{strict}{_scope(run)}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _scope(run: ValidationRun) -> str:
    """What a selection left out, so a green shard is not read as a green repository."""
    if run.selection.is_everything:
        return ""
    hidden = f"; {_plural(run.hidden, 'problem')} of other agents not shown" if run.hidden else ""
    return f" (selection: {run.selection.describe()}{hidden})"
