"""The end of ``apply`` and ``rollback`` is reported by one function, line for line as before."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mhsync.cli.finish import report_end
from mhsync.errors import ApplyError
from mhsync.executor import ExecutionReport
from mhsync.executor.report import ChangeOutcome, ChangeStatus
from mhsync.plan import Plan

DONE = ExecutionReport(
    [ChangeOutcome("agent[a].core", ChangeStatus.DONE, calls_made=1)],
    1,
    ["agent[a]: another run created it first; its copy is kept"],
)
FAILED = ExecutionReport(
    [
        ChangeOutcome("agent[a].core", ChangeStatus.FAILED, "HTTP 500", 1),
        ChangeOutcome("agent[a].notes[0]", ChangeStatus.NOT_ATTEMPTED),
    ],
    1,
)
SNAPSHOT = Path(".mhsync/snapshots/20260101T000000Z-prod")


@dataclass
class Outcome:
    plan: Plan
    approved: bool
    report: ExecutionReport | None
    requests: int = 7
    snapshot: Path | None = None


def _outcome(report: ExecutionReport | None, *, approved: bool = True) -> Outcome:
    return Outcome(Plan(target="prod"), approved, report, snapshot=SNAPSHOT)


UNDO = f"Snapshot saved: {SNAPSHOT} (undo with: mhsync rollback {SNAPSHOT})\n"


@pytest.mark.parametrize(
    ("verb", "outcome", "out", "err"),
    [
        (
            "Apply",
            _outcome(None, approved=False),
            "",
            "Apply cancelled; nothing was changed.\n",
        ),
        (
            "Rollback",
            _outcome(None, approved=False),
            "",
            "Rollback cancelled; nothing was changed.\n",
        ),
        (
            "Apply",
            _outcome(DONE),
            "Apply complete: 0 agents created, 0 updated, 0 deleted (7 requests).\n",
            UNDO + "agent[a]: another run created it first; its copy is kept\n",
        ),
        (
            "Rollback",
            _outcome(DONE),
            "Rollback complete: 0 agents created, 0 updated, 0 deleted (7 requests).\n",
            UNDO + "agent[a]: another run created it first; its copy is kept\n",
        ),
    ],
    ids=["apply-cancelled", "rollback-cancelled", "apply-done", "rollback-done"],
)
def test_the_end_of_a_run(
    capsys: pytest.CaptureFixture[str],
    verb: str,
    outcome: Outcome,
    out: str,
    err: str,
) -> None:
    report_end(outcome, verb)
    assert capsys.readouterr() == (out, err)


@pytest.mark.parametrize(
    ("verb", "hint", "message"),
    [
        (
            "Apply",
            "; run apply again to converge",
            "apply failed: 1 change(s) failed; run apply again to converge",
        ),
        ("Rollback", "", "rollback failed: 1 change(s) failed"),
    ],
    ids=["apply", "rollback"],
)
def test_a_failed_change_lists_every_change_and_raises(
    capsys: pytest.CaptureFixture[str], verb: str, hint: str, message: str
) -> None:
    with pytest.raises(ApplyError) as raised:
        report_end(_outcome(FAILED), verb, hint=hint)
    assert str(raised.value) == message and raised.value.report is FAILED
    assert capsys.readouterr() == (
        "failed        agent[a].core: HTTP 500\n"
        "not_attempted agent[a].notes[0]\n"
        "1 failed, 1 not attempted (1 requests)\n",
        UNDO,
    )


def test_apply_and_rollback_leave_the_report_to_it() -> None:
    cli = Path(__file__).resolve().parents[2] / "mhsync" / "cli"
    for name in ("apply.py", "rollback.py"):
        text = (cli / name).read_text(encoding="utf-8")
        assert "report_end(" in text
        assert "Snapshot saved" not in text and "apply_line" not in text, name
