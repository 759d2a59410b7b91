"""Shows executor progress: a progress bar on a terminal, one plain line per change otherwise."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mhsync.executor import ProgressEvent


class _LineReporter:
    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind not in ("change_done", "change_failed"):
            return
        status = "ok  " if event.kind == "change_done" else "FAIL"
        with self._lock:
            click.echo(f"[{event.done}/{event.total}] {status} {event.message}", err=True)


class _BarReporter:
    """The bar appears with the first change, not before.

    A started bar takes over the terminal (rich redirects stdout and stderr through it), so the
    plan printed and the confirmation asked before any change would lose their colours and
    click's ``[y/N]``: nothing is drawn until the executor reports its first event.
    """

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: Any = None
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            if self._task is None:
                self._progress.start()
                self._task = self._progress.add_task("applying", total=event.total)
            self._progress.update(self._task, completed=event.done, total=event.total)
            if event.kind == "change_failed":
                self._progress.console.print(f"[red]failed[/red] {event.message}")

    def close(self) -> None:
        with self._lock:
            if self._task is not None:
                self._progress.stop()


@contextmanager
def progress_reporter(interactive: bool) -> Iterator[Any]:
    """A thread-safe ``on_event`` callback for the executor."""
    if not interactive:
        yield _LineReporter()
        return
    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    reporter = _BarReporter(Progress(*columns, console=console, transient=True))
    try:
        yield reporter
    finally:
        reporter.close()
