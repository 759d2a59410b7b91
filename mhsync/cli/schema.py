"""``mhsync schema``: print, write or check the JSON Schemas (agent manifests, plan files)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from mhsync import atomic
from mhsync.errors import ExitCode
from mhsync.manifest.schema import fragment_schema_text, schema_text
from mhsync.workflows.schemas import plan_schema_text

_SCHEMAS: dict[str, tuple[Callable[[], str], Path]] = {
    "agent": (schema_text, Path("schemas/agent.schema.json")),
    "fragment": (fragment_schema_text, Path("schemas/fragment.schema.json")),
    "plan": (plan_schema_text, Path("schemas/plan.schema.json")),
}


@click.command("schema")
@click.argument("kind", type=click.Choice(sorted(_SCHEMAS)), default="agent")
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
    render, default_path = _SCHEMAS[kind]
    path = output or default_path
    text = render()
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if check:
        if current == text:
            click.echo(f"{path} is up to date", err=True)
            ctx.exit(ExitCode.OK)
        click.echo(f"{path} is stale; run `mhsync schema {kind} --write`", err=True)
        ctx.exit(ExitCode.ERROR)
    if write or output is not None:  # `--output F` alone writes F: never ignored
        if current != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_text(path, text)
        click.echo(f"{'wrote' if current != text else 'unchanged:'} {path}", err=True)
        return
    click.echo(text, nl=False)
