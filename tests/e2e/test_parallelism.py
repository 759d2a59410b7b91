"""``--parallelism N`` has one meaning: at most N requests in flight at once, reading or writing.

Like Terraform's ``-parallelism`` and decK's ``--parallelism``, the number bounds concurrent
operations in every phase of the command: reading the workspace (list pages, sections) and
writing it (N agents at once, each agent one request at a time). A saved plan and a rollback
read the workspace too, so they are bounded by the same number.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mhsync.client.transport import LeanTransport
from mhsync.sandbox.faults import FaultConfig

from .conftest import Project, Result

Mh = Callable[..., Result]


class InFlight:
    """The most HTTP requests mhsync had open at the same time (counted at its transport)."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.now = self.peak = 0

    def enter(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self._lock:
            self.now -= 1


@pytest.fixture
def in_flight(monkeypatch: pytest.MonkeyPatch) -> Iterator[InFlight]:
    counter = InFlight()
    # httpx's own transport (a proxy is set) and mhsync's (the default: client/transport.py)
    for transport in (httpx.HTTPTransport, LeanTransport):
        original = transport.handle_request

        def counted(
            self: httpx.BaseTransport,
            request: httpx.Request,
            original: Callable[[Any, httpx.Request], httpx.Response] = original,
        ) -> httpx.Response:
            counter.enter()
            try:
                return original(self, request)
            finally:
                counter.leave()

        monkeypatch.setattr(transport, "handle_request", counted)
    yield counter


def _edit_tones(project: Project) -> None:
    for name, old in [
        ("volvo-parts.yaml", "tone: Knowledgeable and helpful"),
        ("volvo-service.yaml", "tone: Calm, friendly and precise"),
    ]:
        manifest = project.root / "agents" / name
        text = manifest.read_text(encoding="utf-8")
        assert text.count(old) == 1, (name, old)
        manifest.write_text(text.replace(old, "tone: Brisk"), encoding="utf-8")


def _slow(project: Project) -> None:
    """Every request takes a while, so requests sent concurrently are seen in flight together."""
    project.sandbox.set_faults(FaultConfig(latency_ms=30))


def _saved_plan(project: Project, mh: Mh, tmp_path: Path) -> Path:
    assert mh("apply", "agents", "--auto-approve").code == 0
    _edit_tones(project)
    plan_file = tmp_path / "plan.json"
    assert mh("plan", "agents", "--out", str(plan_file), "--detailed-exitcode").code == 2
    return plan_file


def test_apply_of_a_saved_plan_reads_within_parallelism(
    project: Project, mh: Mh, tmp_path: Path, in_flight: InFlight
) -> None:
    plan_file = _saved_plan(project, mh, tmp_path)
    _slow(project)
    in_flight.reset()
    result = mh("apply", str(plan_file), "--auto-approve", "--parallelism", "1")
    assert result.code == 0, result.text
    assert in_flight.peak == 1
    assert mh("plan", "agents", "--detailed-exitcode").code == 0


def test_apply_of_a_saved_plan_reads_concurrently_when_allowed(
    project: Project, mh: Mh, tmp_path: Path, in_flight: InFlight
) -> None:
    plan_file = _saved_plan(project, mh, tmp_path)
    _slow(project)
    in_flight.reset()
    result = mh("apply", str(plan_file), "--auto-approve", "--parallelism", "4")
    assert result.code == 0, result.text
    assert 1 < in_flight.peak <= 4


def test_apply_from_manifests_stays_within_parallelism(
    project: Project, mh: Mh, in_flight: InFlight
) -> None:
    assert mh("apply", "agents", "--auto-approve").code == 0
    _edit_tones(project)
    _slow(project)
    in_flight.reset()
    result = mh("apply", "agents", "--auto-approve", "--parallelism", "1")
    assert result.code == 0, result.text
    assert in_flight.peak == 1


def test_rollback_reads_within_parallelism(
    project: Project, mh: Mh, in_flight: InFlight
) -> None:
    assert mh("apply", "agents", "--auto-approve").code == 0
    _edit_tones(project)
    applied = mh("apply", "agents", "--auto-approve")
    found = re.search(r"Snapshot saved: (\S+)", applied.err)
    assert found, applied.text
    _slow(project)
    in_flight.reset()
    result = mh("rollback", found.group(1), "--auto-approve", "--parallelism", "1")
    assert result.code == 0, result.text
    assert in_flight.peak == 1
