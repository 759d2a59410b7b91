"""``mhsync --version`` and ``--help`` import no command; the lazy command table stays true."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import click

from mhsync.cli import main
from mhsync.cli.main import COMMANDS, cli


def test_the_table_names_every_command_and_its_help_is_found_in_the_source() -> None:
    for name, (module, attribute) in COMMANDS.items():
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        assert command.name == name
        assert main._source_help(name) == inspect.cleandoc(command.help or ""), name


def test_help_lists_what_the_commands_themselves_say() -> None:
    ctx = click.Context(cli)
    formatter = ctx.make_formatter()
    cli.format_commands(ctx, formatter)
    lazy = formatter.getvalue()
    for name in COMMANDS:
        cli.get_command(ctx, name)  # import every command: the rows now come from click
    formatter = ctx.make_formatter()
    cli.format_commands(ctx, formatter)
    assert lazy == formatter.getvalue()
    assert all(f"  {name} " in lazy for name in COMMANDS)


def _modules_after(*argv: str) -> set[str]:
    script = (
        "import sys\n"
        "from mhsync.cli.main import run\n"
        f"code = run({list(argv)!r})\n"
        "print(code, ' '.join(sorted(m for m in sys.modules if m.startswith('mhsync'))))\n"
    )
    out = (
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    code, *modules = out.split()
    assert code == "0"
    return set(modules)


def test_version_and_help_import_no_command() -> None:
    for argv in (["--version"], ["--help"]):
        loaded = _modules_after(*argv)
        assert not {m for m, _ in COMMANDS.values()} & loaded, argv
        assert not any(m.startswith(("mhsync.manifest", "mhsync.client")) for m in loaded), argv


def test_a_command_imports_only_its_own_module() -> None:
    loaded = _modules_after("schema", "--help")
    assert "mhsync.cli.schema" in loaded
    assert "mhsync.cli.apply" not in loaded
