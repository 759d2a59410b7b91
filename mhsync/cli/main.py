"""The ``mhsync`` command group and the one place errors become messages and exit codes."""

from __future__ import annotations

import gc
import importlib
import importlib.util
import inspect
import logging
import re
import sys
from collections.abc import Sequence

import click

from mhsync import __version__
from mhsync.errors import ExitCode, ManifestError, MhsyncError

_DEBUG_HELP = "Log every HTTP request mhsync sends (method, path, status, time) to stderr."


class _StderrHandler(logging.Handler):
    """Writes to the ``sys.stderr`` of the moment (a test's capture as well as the terminal)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(self.format(record), err=True)


_DEBUG_HANDLER = _StderrHandler()
_DEBUG_HANDLER.setFormatter(logging.Formatter("mhsync: %(message)s"))


def set_debug(enabled: bool) -> None:
    """mhsync's own debug lines on or off; never the root logger's.

    Only the ``mhsync`` logger gets a handler: httpx and httpcore stay at the root's default
    (warnings only), since their debug output carries every request's and response's headers.
    """
    root = logging.getLogger("mhsync")
    root.removeHandler(_DEBUG_HANDLER)
    root.setLevel(logging.DEBUG if enabled else logging.NOTSET)
    root.propagate = not enabled
    if enabled:
        root.addHandler(_DEBUG_HANDLER)


def _debug_after_subcommand(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        set_debug(True)


def _accept_debug(command: click.Command) -> None:
    """``mhsync plan --debug`` as well as ``mhsync --debug plan``."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _accept_debug(sub)
        return
    command.params.append(
        click.Option(
            ["--debug"], is_flag=True, expose_value=False, is_eager=True,
            callback=_debug_after_subcommand, help=_DEBUG_HELP,
        )
    )


COMMANDS: dict[str, tuple[str, str]] = {
    "apply": ("mhsync.cli.apply", "apply_command"),
    "compare": ("mhsync.cli.compare", "compare_command"),
    "doctor": ("mhsync.cli.doctor", "doctor_command"),
    "drift": ("mhsync.cli.drift", "drift_command"),
    "export": ("mhsync.cli.export", "export_command"),
    "fmt": ("mhsync.cli.fmt", "fmt_command"),
    "plan": ("mhsync.cli.plan", "plan_command"),
    "pull": ("mhsync.cli.pull", "pull_command"),
    "rollback": ("mhsync.cli.rollback", "rollback_command"),
    "sandbox": ("mhsync.cli.sandbox", "sandbox_group"),
    "schema": ("mhsync.cli.schema", "schema_command"),
    "validate": ("mhsync.cli.validate", "validate_command"),
}
"""Every command: the module and attribute defining it.

A command's module (and everything it needs: pydantic models, the HTTP client, the planner) is
imported only when that command runs, so ``mhsync --version`` and ``mhsync --help`` start in
a fraction of the time. ``--help`` lists each command with the docstring of its function, read
from the module's source (``_source_help``) without importing it;
``tests/architecture/test_lazy_cli.py`` holds that to what click itself would show."""


def _source_help(name: str) -> str | None:
    """The docstring of command ``name``'s function, from its module's source; None if unsure."""
    module, attribute = COMMANDS[name]
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    try:
        with open(spec.origin, encoding="utf-8") as source:
            text = source.read()
    except OSError:
        return None
    match = re.search(
        rf"^def {attribute}\(.*?\) -> [^:\n]+:\n\s+\"\"\"(.*?)\"\"\"", text, re.S | re.M
    )
    return inspect.cleandoc(match.group(1)) if match else None


class _LazyGroup(click.Group):
    """A group that imports a command's module when the command is looked up, not before."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module), attribute)
            _accept_debug(command)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` from the table, without importing any command."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            text = _source_help(name) if name not in self.commands else None
            if text is not None:
                rows.append((name, click.Command(name, help=text).get_short_help_str(limit)))
                continue
            command = self.get_command(ctx, name)  # not found in the source: import it
            assert command is not None
            rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mhsync")
@click.option("--debug", is_flag=True, help=_DEBUG_HELP)
def cli(debug: bool) -> None:
    """Manage Mindhunters AI agents as code: validate, plan, apply."""
    set_debug(debug)


def run(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code.

    click's own usage errors exit 2 by default, which would collide with "changes present";
    they are mapped to 1 so that 2 always means changes.
    """
    try:
        # Without standalone mode click *returns* the code of ``ctx.exit(code)``.
        code = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
        if isinstance(code, int) and code:
            return code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return ExitCode.INTERRUPTED
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return ExitCode.ERROR
    except ManifestError as exc:
        for diagnostic in exc.diagnostics:
            click.echo(str(diagnostic), err=True)
        click.echo(f"Error: {exc}; nothing was sent to the API.", err=True)
        return exc.exit_code
    except MhsyncError as exc:
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return ExitCode.INTERRUPTED
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else ExitCode.ERROR
    return ExitCode.OK


GC_THRESHOLDS = (100_000, 50, 20)
"""Allocations between young collections (Python's default is 700), and young collections
between older ones. Reading manifests allocates millions of small acyclic objects (data, position
tuples, models): at the default the collector took a third of ``validate``'s CPU, walking the
same live objects again and again. A short-lived command can afford the rare collection."""


def _keep_out_httpx_cli() -> None:
    """httpx's package imports its own command-line client, ``httpx._main`` (rich's console,
    progress, syntax and table, and pygments: a tenth of a second), whenever click and rich are
    installed, and mhsync needs both. Nothing in this process runs that client: ``httpx/__init__``
    imports it in ``try: ... except ImportError`` and falls back to the stub it defines for a
    missing ``httpx[cli]``, so marking the module absent (a ``None`` in ``sys.modules`` makes its
    import raise ``ModuleNotFoundError``) changes nothing but what is imported. Only the console
    script does this: a program importing mhsync as a library keeps httpx as it is.
    ``tests/e2e/test_startup_imports.py`` holds plan to it."""
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def main() -> None:
    """The ``mhsync`` entry point: the garbage collector kept out of the hot path, then ``run``."""
    _keep_out_httpx_cli()
    gc.freeze()  # what is imported so far lives for the whole process: never scan it again
    gc.set_threshold(*GC_THRESHOLDS)
    code = run()
    gc.freeze()  # ending: the interpreter's last collections would walk everything for nothing
    sys.exit(code)
