"""Options and terminal facts shared by several commands."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from mhsync.selection import Selection
from mhsync.workspace import Workspace, resolve_workspace

F = TypeVar("F", bound=Callable[..., Any])


def target_option(function: F) -> F:
    """``--target`` and ``-C/--project``: every command that talks to a workspace takes both."""
    return project_option(
        click.option(
            "--target",
            "-t",
            metavar="NAME",
            help="Target workspace from mhsync.yaml (built-in: sandbox).",
        )(function)
    )


def project_option(function: F) -> F:
    """``-C/--project DIR``: run as if started in DIR (like ``git -C`` or ``make -C``).

    The project file is searched from DIR upward, and PATHS and output files are relative to it.
    """

    @functools.wraps(function)
    def in_project(*args: Any, project: Path | None = None, **kwargs: Any) -> Any:
        with working_directory(project):
            return function(*args, **kwargs)

    return cast(
        F,
        click.option(
            "--project",
            "-C",
            "project",
            metavar="DIR",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="Run as if started in DIR (its mhsync.yaml, paths relative to it).",
        )(in_project),
    )


@contextmanager
def working_directory(directory: Path | None) -> Iterator[None]:
    """Change to ``directory`` for the block (the CLI runs one command per process)."""
    if directory is None:
        yield
        return
    before = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(before)


def chosen_workspace(target: str | None, paths: Sequence[Path] = ()) -> Workspace:
    """Resolve the workspace once for this command and say which it is, first of all output."""
    workspace = resolve_workspace(target, paths=paths)
    announce(workspace)
    return workspace


def announce(workspace: Workspace) -> None:
    """The first line of every command that talks to a workspace: which one (on stderr)."""
    note(f"Workspace: {workspace.describe()}")
    for line in workspace.notes:
        note(f"Note: {line}")


def on_terminal(stream: Any = None) -> bool:
    """True when a person is watching: a TTY and not a CI run."""
    stream = stream or sys.stdout
    if os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def use_color() -> bool:
    return on_terminal() and not os.environ.get("NO_COLOR")


def note(message: str) -> None:
    """A message for the person, never part of machine-readable output."""
    click.echo(message, err=True)


def selection_options(function: F) -> F:
    """``--agent``, ``--exclude-agent`` (both repeatable) and ``--selector``, handed to the
    command as one ``selection: Selection`` argument (``Selection.parse``)."""

    @functools.wraps(function)
    def with_selection(
        *args: Any,
        agent: tuple[str, ...] = (),
        selector: str | None = None,
        exclude_agent: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> Any:
        selection = Selection.parse(agent, selector, exclude_agent)
        return function(*args, selection=selection, **kwargs)

    wrapped: Any = click.option(
        "--selector",
        "-l",
        metavar="KEY=VALUE[,KEY!=VALUE]",
        help="Only agents whose metadata.labels match (all requirements must hold).",
    )(with_selection)
    wrapped = click.option(
        "--exclude-agent",
        "exclude_agent",
        multiple=True,
        metavar="PATTERN",
        help="Leave out agents whose handle matches (a handle or a glob); repeatable.",
    )(wrapped)
    return cast(
        F,
        click.option(
            "--agent",
            "-a",
            "agent",
            multiple=True,
            metavar="PATTERN",
            help="Only agents whose handle matches (a handle or a glob like 'volvo-*'); "
            "repeatable.",
        )(wrapped),
    )


def resend_secrets_option(function: F) -> F:
    """``--resend-secrets``: plan (and apply) every secret in scope as sent again (rotation)."""
    return click.option(
        "--resend-secrets",
        is_flag=True,
        help="Send every webhook secret_key and intent webhook.auth_token of the selected agents "
        "again, from the environment (rotation); listed as 'secret re-sent'.",
    )(function)
