"""``mhsync doctor``: round-trip self-test against a workspace (exit 0 clean, 1 otherwise)."""

from __future__ import annotations

import click

from mhsync.cli.common import note, target_option
from mhsync.errors import ExitCode
from mhsync.render.doctor import render_doctor
from mhsync.workflows.doctor import DoctorRequest, run_doctor


@click.command("doctor")
@target_option
@click.option("--keep", is_flag=True, help="Do not delete the temporary agent (for debugging).")
def doctor_command(target: str | None, keep: bool) -> None:
    """Create a temporary agent using every field, read it back, plan again, delete it.

    Reports every field the workspace changed, dropped or defaulted, and fields it returns that
    mhsync does not know. Writes to the target: use a workspace where a short-lived agent named
    mhsync-doctor-<random> is acceptable.
    """
    report = run_doctor(DoctorRequest(target=target, keep=keep), on_step=note)
    click.echo(render_doctor(report), nl=False)
    if not report.ok:
        raise SystemExit(ExitCode.ERROR)
