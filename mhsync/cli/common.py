"""Options and terminal facts shared by several commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def target_option(function: F) -> F:
    return click.option(
        "--target",
        "-t",
        metavar="NAME",
        help="Target workspace from mhsync.yaml (built-in: sandbox).",
    )(function)


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
    """``--agent`` (repeatable) and ``--selector``; see ``Selection.parse(agent, selector)``."""
    function = click.option(
        "--selector",
        "-l",
        metavar="KEY=VALUE[,KEY!=VALUE]",
        help="Only agents whose metadata.labels match (all requirements must hold).",
    )(function)
    return click.option(
        "--agent",
        "-a",
        "agent",
        multiple=True,
        metavar="HANDLE",
        help="Only this agent (metadata.name); repeatable.",
    )(function)
