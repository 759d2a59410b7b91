"""``mhsync schema``: print, write or check the JSON Schemas (agent manifests, plan files)."""

from __future__ import annotations

from pathlib import Path

import click

from mhsync.errors import ExitCode
from mhsync.workflows.schemas import SCHEMA_FILES, is_fresh, schema_text, write_schema


@click.command("schema")
@click.argument("kind", type=click.Choice(sorted(SCHEMA_FILES)), default="agent")
@click.option("--write", "write", is_flag=True, help="Write the schema file.")
@click.option("--check", "check", is_flag=True, help="Exit 1 when the schema file is stale.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Schema file to write (alone or with --write) or --check "
    "[default: schemas/<kind>.schema.json].",
)
@click.pass_context
def schema_command(
    ctx: click.Context, kind: str, write: bool, check: bool, output: Path | None
) -> None:
    """Print the JSON Schema of agent manifests (KIND=agent), fragments or plan files.

    ``--output F`` writes F instead of printing; ``--write`` writes the default file.
    """
    if write and check:
        raise click.UsageError("--write and --check exclude each other")
    path = output or SCHEMA_FILES[kind]
    if check:
        if is_fresh(kind, path):
            click.echo(f"{path} is up to date", err=True)
            ctx.exit(ExitCode.OK)
        click.echo(f"{path} is stale; run `mhsync schema {kind} --write`", err=True)
        ctx.exit(ExitCode.ERROR)
    if write or output is not None:  # `--output F` alone writes F: never ignored
        changed = write_schema(kind, path)
        click.echo(f"{'wrote' if changed else 'unchanged:'} {path}", err=True)
        return
    click.echo(schema_text(kind), nl=False)
