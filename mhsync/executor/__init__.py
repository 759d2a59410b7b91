"""The executor: applies a Plan through the API client, exactly as planned, and reports.

    from mhsync.executor import execute
    report = execute(plan, live, client, parallelism=4, on_event=print_event)
    if not report.ok: ...

Module map: ``execute`` (entry point), ``scheduler`` (agents in parallel, dependencies, deletes
last), ``runner`` (one agent's changes in order, lost answers), ``bodies`` (request bodies from
changes), ``adopt`` (re-reads after a lost POST answer), ``context`` (uuids learnt while
running), ``secrets`` (``${env:NAME}`` resolution), ``progress`` and ``report`` (what callers
see). See docs/executor.md.
"""

from mhsync.executor.adopt import AdoptionError
from mhsync.executor.context import ExecutorClient
from mhsync.executor.execute import execute
from mhsync.executor.progress import OnEvent
from mhsync.executor.report import (
    ChangeOutcome,
    ChangeStatus,
    EventKind,
    ExecutionReport,
    ProgressEvent,
)
from mhsync.executor.secrets import SecretResolutionError, SecretResolver, env_secret_resolver

__all__ = [
    "AdoptionError",
    "ChangeOutcome",
    "ChangeStatus",
    "EventKind",
    "ExecutionReport",
    "ExecutorClient",
    "OnEvent",
    "ProgressEvent",
    "SecretResolutionError",
    "SecretResolver",
    "env_secret_resolver",
    "execute",
]
