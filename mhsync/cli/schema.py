"""``mhsync schema``: print, write or check the JSON Schema of agent manifests."""

from __future__ import annotations

from pathlib import Path

import click

from mhsync.errors import ExitCode
from mhsync.manifest.schema import DEFAULT_SCHEMA_PATH, is_fresh, schema_text, write_schema


@click.command("schema")
@click.option("--write", "write", is_flag=True, help="Write the schema file.")
@click.option("--check", "check", is_flag=True, help="Exit 1 when the schema file is stale.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_SCHEMA_PATH,
    show_default=True,
    help="Schema file for --write and --check.",
)
@click.pass_context
def schema_command(ctx: click.Context, write: bool, check: bool, output: Path) -> None:
    """Print the JSON Schema of agent manifests (generated from mhsync's models)."""
    if write and check:
        raise click.UsageError("--write and --check exclude each other")
    if check:
        if is_fresh(output):
            click.echo(f"{output} is up to date", err=True)
            ctx.exit(ExitCode.OK)
        click.echo(f"{output} is stale; run `mhsync schema --write`", err=True)
        ctx.exit(ExitCode.ERROR)
    if write:
        changed = write_schema(output)
        click.echo(f"{'wrote' if changed else 'unchanged:'} {output}", err=True)
        return
    click.echo(schema_text(), nl=False)
