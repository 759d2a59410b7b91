"""The CI sharding recipe of docs/scope.md: one job per team plus a catch-all with ``!=``.

The shards partition the agents (each planned by exactly one job, none missed), each job reads
only its own agents, and applying every shard converges like one unsharded apply.
"""

from __future__ import annotations

import json

from tests.e2e.conftest import Project
from tests.scope.helpers import Mh, apply_all, touch_every_agent, touched, uuids

SHARDS = ("team=service", "team=support", "team!=service,team!=support")
"""The recipe's matrix: named teams, then everything else (parts, unlabelled agents)."""


def shard(mh: Mh, selector: str) -> list[str]:
    """Handles of the agents one shard's plan covers."""
    result = mh("plan", "--json", "--selector", selector)
    assert result.code == 0, result.text
    return [agent["handle"] for agent in json.loads(result.out)["agents"]]


def test_shards_cover_every_agent_exactly_once(project: Project, mh: Mh) -> None:
    apply_all(mh)
    touch_every_agent(project)
    everyone = sorted(shard(mh, "team!=__none__"))
    covered = [handle for selector in SHARDS for handle in shard(mh, selector)]
    assert sorted(covered) == everyone == ["volvo-parts", "volvo-service", "whatsapp-support"]


def test_two_jobs_partition_the_agents(project: Project, mh: Mh) -> None:
    apply_all(mh)
    touch_every_agent(project)
    first = set(shard(mh, "channel=voice"))
    second = set(shard(mh, "channel!=voice"))
    assert first.isdisjoint(second)
    assert first | second == {"volvo-parts", "volvo-service", "whatsapp-support"}


def test_applying_every_shard_converges_and_each_reads_only_its_agents(
    project: Project, mh: Mh
) -> None:
    apply_all(mh)
    touch_every_agent(project)
    live = uuids(project)
    owners = {"team=service": "volvo-service", "team=support": "whatsapp-support"}
    for selector in SHARDS:
        project.sandbox.clear_request_log()
        result = mh("apply", "--auto-approve", "--selector", selector)
        assert result.code == 0, result.text
        mine = owners.get(selector, "volvo-parts")
        for handle, uuid in live.items():
            if handle != mine:
                assert touched(project, uuid) == [], (selector, handle)
    assert mh("plan", "--detailed-exitcode").code == 0
