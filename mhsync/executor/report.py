"""What an apply did, change by change, and the progress events sent while it runs.

The report is the executor's only answer: it never prints. Every change of the plan gets exactly
one outcome, in plan order, whatever order the worker threads finished in, so a report reads
the same way the plan does. Error texts come from exception messages, which never carry a token
or a secret value (the executor also scrubs every secret value it resolved, as a second guard).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class ChangeStatus(StrEnum):
    DONE = "done"
    """Every call of the change was answered with success."""
    FAILED = "failed"
    """A call failed; the rest of that agent's changes were not attempted."""
    NOT_ATTEMPTED = "not_attempted"
    """Nothing was sent for this change (an earlier change or a dependency failed)."""
    ADOPTED = "adopted"
    """A create got no answer, and a re-read found that it had landed: taken as done."""
    YIELDED = "yielded"
    """Another run created the same agent first: its copy is kept, this run deleted its own
    and left the agent's remaining changes to that run (see ``executor.concurrent``)."""


@dataclass(frozen=True)
class ChangeOutcome:
    """The fate of one plan change.

    ``calls_made`` counts the HTTP requests the executor issued for it (re-reads after a lost
    answer included; the client's own retries of one request are not counted separately).
    ``uuid`` is the uuid of what a create made or adopted, when the answer told it.
    """

    address: str
    status: ChangeStatus
    error: str | None = None
    calls_made: int = 0
    uuid: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status in (ChangeStatus.DONE, ChangeStatus.ADOPTED, ChangeStatus.YIELDED)


@dataclass(frozen=True)
class ExecutionReport:
    """Every change's outcome in plan order, and the number of requests the executor issued."""

    outcomes: list[ChangeOutcome]
    requests: int
    notes: list[str] = field(default_factory=list)
    """What the caller should tell the user though nothing failed (a concurrent run's copy
    kept instead of this run's). Never holds a secret."""

    @property
    def ok(self) -> bool:
        """True when every change is done or adopted (an empty plan is ok)."""
        return all(o.succeeded for o in self.outcomes)

    @property
    def failed(self) -> list[ChangeOutcome]:
        return self.with_status(ChangeStatus.FAILED)

    @property
    def not_attempted(self) -> list[ChangeOutcome]:
        return self.with_status(ChangeStatus.NOT_ATTEMPTED)

    @property
    def adopted(self) -> list[ChangeOutcome]:
        return self.with_status(ChangeStatus.ADOPTED)

    @property
    def yielded(self) -> list[ChangeOutcome]:
        return self.with_status(ChangeStatus.YIELDED)

    @property
    def done(self) -> list[ChangeOutcome]:
        return self.with_status(ChangeStatus.DONE)

    def with_status(self, status: ChangeStatus) -> list[ChangeOutcome]:
        return [o for o in self.outcomes if o.status is status]

    def counts(self) -> dict[ChangeStatus, int]:
        """Outcomes by status; every status is present (0 when none)."""
        found = Counter(o.status for o in self.outcomes)
        return {status: found.get(status, 0) for status in ChangeStatus}

    def summary(self) -> str:
        """``3 done, 1 adopted, 1 failed, 2 not attempted (9 requests)``."""
        counts = self.counts()
        parts = [f"{n} {status.value.replace('_', ' ')}" for status, n in counts.items() if n]
        return f"{', '.join(parts) or 'nothing to do'} ({self.requests} requests)"

    def lines(self) -> list[str]:
        """One plain line per change that did not simply succeed, then the summary line."""
        out = []
        for outcome in self.outcomes:
            if outcome.status is ChangeStatus.DONE:
                continue
            line = f"{outcome.status.value:<13} {outcome.address}"
            if outcome.error:
                line += f": {outcome.error}"
            out.append(line)
        out.append(self.summary())
        return out


EventKind = Literal["start", "change_done", "change_failed", "finish"]


@dataclass(frozen=True)
class ProgressEvent:
    """One step of an apply, for a progress bar or a log line.

    ``done`` counts changes settled so far (done, adopted, failed, and changes skipped because
    their agent stopped), so it reaches ``total`` at ``finish`` whatever happened. ``address``
    is None for ``start`` and ``finish``. ``message`` holds no secret.
    """

    kind: EventKind
    address: str | None
    done: int
    total: int
    message: str
