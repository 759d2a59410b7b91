"""``mhsync export``: write manifests for live agents (adopting agents that already exist)."""

from __future__ import annotations

from pathlib import Path

import click

from mhsync.cli.common import chosen_workspace, note, target_option
from mhsync.workflows.export import ExportRequest, run_export


@click.command("export")
@target_option
@click.option(
    "--agent",
    "-a",
    "agents",
    multiple=True,
    metavar="NAME|UUID|GLOB",
    help="A live agent by handle, display name or uuid, or a glob on handles; repeatable.",
)
@click.option(
    "--exclude-agent",
    "excluded",
    multiple=True,
    metavar="PATTERN",
    help="Leave out agents whose handle matches (a handle or a glob); repeatable.",
)
@click.option("--all", "everything", is_flag=True, help="Export every agent of the workspace.")
@click.option(
    "--selector",
    "-l",
    metavar="KEY=VALUE[,KEY!=VALUE]",
    help="Agents whose manifests in DIR carry these labels (live agents have no labels).",
)
@click.option(
    "--output",
    "-o",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the manifests, one <handle>.yaml per agent.",
)
@click.option(
    "--extract-common",
    metavar="FRAGMENT",
    help="Also write a Fragment FRAGMENT with what every exported agent shares; they use it.",
)
def export_command(
    target: str | None,
    agents: tuple[str, ...],
    excluded: tuple[str, ...],
    everything: bool,
    selector: str | None,
    out_dir: Path,
    extract_common: str | None,
) -> None:
    """Write one manifest per live agent, so plan on them shows no changes."""
    outcome = run_export(
        chosen_workspace(target),
        ExportRequest(
            out_dir=out_dir,
            agents=agents,
            everything=everything,
            selector=selector,
            extract_common=extract_common,
            excluded=excluded,
        ),
    )
    for warning in outcome.warnings:
        note(warning)
    if outcome.fragment is not None:
        fragment = outcome.fragment
        click.echo(f"{fragment.status:<9} {fragment.path}  fragment[{fragment.handle}]")
    for written in outcome.files:
        click.echo(f"{written.status:<9} {written.path}  agent[{written.handle}]")
    if outcome.secrets:
        note(
            "Write-only secrets cannot be read from the API; set these variables before plan "
            "or apply:\n  " + "\n  ".join(outcome.secrets)
        )
    note(f"Exported {len(outcome.files)} agent(s) from target {outcome.target.name}.")
