"""A project of 20 agents applied to a sandbox, reached through the hostile proxy.

``world.seed()`` applies the manifests honestly (the proxy starts well-behaved); tests then
set ``world.hostile.behaviour`` and run commands through ``mh``. ``world.names()`` counts the
live agents by name straight from the sandbox, not through mhsync's reader.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mhsync.sandbox import Sandbox
from tests.e2e.conftest import Result
from tests.proof.conftest import TOKEN, in_directory, make_project, mh, proof_env

from .double import Hostile, hostile_proxy

AGENTS = 20
__all__ = ["proof_env"]


def manifest(index: int) -> dict[str, Any]:
    return {
        "apiVersion": "mhsync/v1",
        "kind": "Agent",
        "metadata": {"name": f"agent-{index:02d}"},
        "spec": {
            "name": f"Agent {index:02d}",
            "role": "Receptionist",
            "guidelines": [f"Greet caller {index}."],
            "guard_rules": [
                {
                    "name": "Abuse",
                    "when_condition": "The caller is abusive.",
                    "then_action": "end_conversation",
                    "say_before_end": "Goodbye.",
                }
            ],
        },
    }


@dataclass
class World:
    root: Path
    sandbox: Sandbox
    upstream: str
    hostile: Hostile

    def seed(self) -> None:
        result = mh("apply", "--auto-approve")
        assert result.code == 0, result.text
        self.hostile.reset()

    def create_agent(self, name: str) -> str:
        """An agent made outside mhsync (in the dashboard), straight in the sandbox."""
        with httpx.Client(
            base_url=self.upstream, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as api:
            answer = api.post("/agents", json={"name": name})
            answer.raise_for_status()
            return str(answer.json()["data"]["agent_uuid"])

    def names(self) -> Counter[str]:
        return Counter(str(agent["name"]) for agent in self.hostile.all_agents())

    def run(self, *args: str) -> Result:
        return mh(*args)


@pytest.fixture
def world(tmp_path: Path, proof_env: None) -> Iterator[World]:
    sandbox = Sandbox(db_path=str(tmp_path / "remote.db"), tokens=[TOKEN])
    try:
        with sandbox.serve_in_thread() as upstream, hostile_proxy(upstream, TOKEN) as hostile:
            root = make_project(
                tmp_path / "project", hostile.base_url, [manifest(i) for i in range(AGENTS)]
            )
            with in_directory(root):
                yield World(root, sandbox, upstream, hostile)
    finally:
        sandbox.close()
