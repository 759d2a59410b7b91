"""``mhsync doctor``: round-trip self-test and contract probes (exit 0 clean, 1 otherwise)."""

from __future__ import annotations

import click

from mhsync.cli.common import chosen_workspace, note, target_option
from mhsync.errors import ExitCode
from mhsync.render.doctor import render_doctor, render_doctor_json
from mhsync.workflows.doctor import DoctorRequest, run_doctor


@click.command("doctor")
@target_option
@click.option("--keep", is_flag=True, help="Do not delete the temporary agent (for debugging).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def doctor_command(target: str | None, keep: bool, as_json: bool) -> None:
    """Create a temporary agent using every field, read it back, plan again, probe the
    contract's ASSUMED facts on it, delete it.

    Reports every field the workspace changed, dropped or defaulted, fields it returns that
    mhsync does not know, and a table of CONTRACT.md's ASSUMED facts: what the contract assumes,
    what this workspace did, and the place in mhsync's code that holds the assumption. Writes to
    the target: use a workspace where a short-lived agent named mhsync-doctor-<random> is
    acceptable.
    """
    report = run_doctor(chosen_workspace(target), DoctorRequest(keep=keep), on_step=note)
    click.echo(render_doctor_json(report) if as_json else render_doctor(report), nl=False)
    if not report.ok:
        raise SystemExit(ExitCode.ERROR)
