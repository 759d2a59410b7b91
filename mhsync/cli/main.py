"""The ``mhsync`` command group and the one place errors become messages and exit codes."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click

from mhsync import __version__
from mhsync.cli.apply import apply_command
from mhsync.cli.compare import compare_command
from mhsync.cli.doctor import doctor_command
from mhsync.cli.drift import drift_command
from mhsync.cli.export import export_command
from mhsync.cli.fmt import fmt_command
from mhsync.cli.plan import plan_command
from mhsync.cli.pull import pull_command
from mhsync.cli.rollback import rollback_command
from mhsync.cli.sandbox import sandbox_group
from mhsync.cli.schema import schema_command
from mhsync.cli.validate import validate_command
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mhsync")
@click.option("--debug", is_flag=True, help=_DEBUG_HELP)
def cli(debug: bool) -> None:
    """Manage Mindhunters AI agents as code: validate, plan, apply."""
    set_debug(debug)


for _command in (
    validate_command,
    schema_command,
    plan_command,
    apply_command,
    sandbox_group,
    export_command,
    pull_command,
    fmt_command,
    rollback_command,
    drift_command,
    doctor_command,
    compare_command,
):
    _accept_debug(_command)
    cli.add_command(_command)


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


def main() -> None:
    sys.exit(run())
