"""Deterministic synthetic agents for the benchmarks: manifests on disk and canonical states.

Every agent is written in the manifest language and validated through the manifest models
(``mhsync.sections.models``), so the benchmarks exercise what users write, not a shortcut.
The mix of sections follows the example agents: mostly prose sections, a few intents with
parameters, procedures whose steps name intents, webhooks with secrets.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from mhsync.convert import item_from_manifest, object_from_manifest
from mhsync.sections import COLLECTIONS, section
from mhsync.state import AgentState, Item, JSONDict, WorkspaceState, canonical_fields

WEBHOOK_SECRET_ENV = "BENCH_WEBHOOK_SECRET"
INTENT_TOKEN_ENV = "BENCH_INTENT_TOKEN"
TOKEN_ENV = "BENCH_API_TOKEN"

SHARES = {
    "guidelines": 0.20,
    "notes": 0.14,
    "training": 0.18,
    "routing_rules": 0.07,
    "guard_rules": 0.10,
    "intents": 0.13,
    "procedures": 0.10,
    "webhooks": 0.05,
}
"""Share of an agent's items per section (the example agents' proportions)."""

WEBHOOK_LIMIT = 5


def section_counts(items: int) -> dict[str, int]:
    """How many items of each section make ``items`` in total (webhooks capped at 5)."""
    counts = {key: max(1, round(items * share)) for key, share in SHARES.items()}
    counts["webhooks"] = min(counts["webhooks"], WEBHOOK_LIMIT)
    counts["guidelines"] += items - sum(counts.values())
    return counts


def handle_of(index: int) -> str:
    return f"bench-agent-{index:04d}"


def agent_spec(index: int, items: int = 60) -> dict[str, Any]:
    """The ``spec`` of synthetic agent ``index`` with about ``items`` collection items."""
    n = section_counts(items)
    tag = f"a{index}"
    intents = [
        {
            "name": f"Intent {i} of {tag}",
            "key": f"intent_{i}",
            "description": f"The caller wants thing {i}.",
            "confidence_threshold": 0.7,
            "parameters": [{"key": "registration_number", "type": "string", "required": True}],
            **(
                {
                    "webhook": {
                        "url": f"https://hooks.bench.example/{tag}/intent/{i}",
                        "auth_token": f"${{env:{INTENT_TOKEN_ENV}}}",
                    }
                }
                if i == 0
                else {}
            ),
        }
        for i in range(n["intents"])
    ]
    procedures = [
        {
            "name": f"Procedure {i}",
            "description": f"How to handle case {i} of {tag}.",
            "steps": [
                {"description": f"Step one of procedure {i}."},
                {"description": "Use the intent.", "intent": f"intent_{i % n['intents']}"}
                if i % 2 == 0
                else {"description": "Confirm with the caller."},
            ],
        }
        for i in range(n["procedures"])
    ]
    return {
        "name": f"Bench Agent {index:04d}",
        "description": f"Synthetic agent {index} for the benchmarks.",
        "company_name": "Bench Motors",
        "role": "Service advisor",
        "objective": "Book service appointments and answer questions.",
        "tone": "Calm and precise",
        "behavior_guidelines": "Ask one question at a time.",
        "custom_prompt": f"You are agent {index}. Keep answers short and friendly.",
        "language": "en",
        "timezone": "Europe/Stockholm",
        "settings": {
            "voice": {
                "interaction": {"customer_speak_first": False, "max_silence_prompts": 2},
                "voice_profile": {"language": "en-GB", "voice_name": "Ava"},
            }
        },
        "guidelines": [f"Guideline {i} of {tag}: be precise." for i in range(n["guidelines"])],
        "notes": [f"Note {i} of {tag}: the workshop opens at 07:00." for i in range(n["notes"])],
        "training": [
            {"content": f"Utterance {i} of {tag}", "intent": "repair", "response": "Sure."}
            for i in range(n["training"])
        ],
        "routing_rules": [
            {
                "department_name": f"Department {i}",
                "detection_mode": "intent",
                "phrases": [f"Put me through to department {i}"],
                "ai_prompt": f"The caller asks for department {i}.",
                "destination_type": "extension",
                "destination": str(200 + i),
                "priority": i + 1,
            }
            for i in range(n["routing_rules"])
        ],
        "guard_rules": [
            {
                "name": f"Guard {i}",
                "when_condition": f"The caller mentions danger {i}.",
                "example_phrases": [f"danger {i}"],
                "then_action": "forward" if i % 2 == 0 else "end_conversation",
                **(
                    {"destination_type": "phone_number", "destination": "+46771112400"}
                    if i % 2 == 0
                    else {"say_before_end": "Goodbye."}
                ),
            }
            for i in range(n["guard_rules"])
        ],
        "intents": intents,
        "procedures": procedures,
        "webhooks": [
            {
                "url": f"https://hooks.bench.example/{tag}/{i}",
                "events": ["conversation_end_report"],
                "secret_key": f"${{env:{WEBHOOK_SECRET_ENV}}}",
            }
            for i in range(n["webhooks"])
        ],
        "appointments": {"enabled": False},
    }


def manifest(index: int, items: int = 60) -> dict[str, Any]:
    return {
        "apiVersion": "mhsync/v1",
        "kind": "Agent",
        "metadata": {"name": handle_of(index)},
        "spec": agent_spec(index, items),
    }


def write_project(root: Path, agents: int, items: int = 60, *, base_url: str | None = None) -> Path:
    """A project directory: ``mhsync.yaml`` (target ``bench``) and one manifest per agent."""
    (root / "agents").mkdir(parents=True, exist_ok=True)
    for index in range(agents):
        write_manifest(root, manifest(index, items))
    yaml = _yaml()
    config: dict[str, Any] = {"manifests": ["agents"], "default_target": "bench", "targets": {}}
    if base_url is not None:
        config["targets"]["bench"] = {"base_url": base_url, "token_env": TOKEN_ENV}
    with (root / "mhsync.yaml").open("w", encoding="utf-8") as out:
        yaml.dump(config, out)
    return root


def _yaml() -> YAML:
    """Block-style YAML through libyaml's emitter (the pure one takes 30 ms per manifest)."""
    yaml = YAML(typ="safe", pure=False)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    return yaml


def write_manifest(root: Path, document: Mapping[str, Any]) -> Path:
    """Write one agent manifest under ``root/agents`` (named after its handle)."""
    path = root / "agents" / f"{document['metadata']['name']}.yaml"
    with path.open("w", encoding="utf-8") as out:
        _yaml().dump(dict(document), out)
    return path


def bench_environment() -> dict[str, str]:
    """Secret values the generated manifests reference (throwaway, for the sandbox only)."""
    return {WEBHOOK_SECRET_ENV: "bench-webhook-secret", INTENT_TOKEN_ENV: "bench-intent-token"}


def set_bench_environment(token: str) -> None:
    os.environ.update(bench_environment())
    os.environ[TOKEN_ENV] = token


# --- canonical states, for the planner benchmark (no YAML, no network) ----------------------


def _dump(key: str, data: Mapping[str, Any]) -> JSONDict:
    expanded = {"content": data} if isinstance(data, str) else dict(data)
    dumped: JSONDict = section(key).model.model_validate(expanded).model_dump(mode="json")
    return dumped


def desired_agent(index: int, items: int) -> AgentState:
    """What the manifest loader would build from ``manifest(index, items)``."""
    spec = agent_spec(index, items)
    objects: dict[str, JSONDict] = {}
    secrets: dict[str, dict[str, str]] = {}
    core_data = {k: v for k, v in spec.items() if k not in {d.key for d in COLLECTIONS}}
    for key in ("settings", "appointments"):
        core_data.pop(key, None)
    for key, data in (("core", core_data), *((k, spec[k]) for k in ("settings", "appointments"))):
        objects[key], found = object_from_manifest(section(key), _dump(key, data))
        if found:
            secrets[key] = found
    collections: dict[str, list[Item]] = {}
    for descriptor in COLLECTIONS:
        made = [
            item_from_manifest(descriptor, _dump(descriptor.key, d)) for d in spec[descriptor.key]
        ]
        if descriptor.identity is not None:
            made.sort(key=lambda i: i.key)
        collections[descriptor.key] = made
    return AgentState(
        handle=handle_of(index),
        uuid=None,
        objects=objects,
        collections=collections,
        secrets=secrets,
    )


def live_twin(desired: AgentState, index: int) -> AgentState:
    """The live agent a converged workspace holds for ``desired``: uuids, positions, no refs."""

    def live_items(key: str, items: list[Item]) -> Iterator[Item]:
        positional = section(key).positional
        for i, item in enumerate(items):
            yield Item(
                key=item.key,
                fields=canonical_fields(section(key), item.fields),
                uuid=f"{key}-{index}-{i}",
                position=i if positional else None,
            )

    return AgentState(
        handle=desired.handle,
        uuid=f"uuid-{index:06d}",
        objects={k: dict(v) for k, v in desired.objects.items()},
        collections={k: list(live_items(k, v)) for k, v in desired.collections.items()},
    )


def edit(agent: AgentState) -> None:
    """Two typical edits to a desired agent: one guideline reworded, one guard rule added."""
    guidelines = agent.collections["guidelines"]
    first = guidelines[0]
    guidelines[0] = item_from_manifest(
        section("guidelines"), _dump("guidelines", first.fields["content"] + " Always.")
    )
    agent.collections["guard_rules"].append(
        item_from_manifest(
            section("guard_rules"),
            _dump(
                "guard_rules",
                {
                    "name": "Zz new rule",
                    "when_condition": "Lawyer.",
                    "then_action": "end_conversation",
                },
            ),
        )
    )


def planner_states(
    agents: int, items: int, *, edited: bool
) -> tuple[WorkspaceState, WorkspaceState]:
    """Desired and live workspaces of ``agents`` agents; ``edited``: two edits per agent."""
    desired = WorkspaceState()
    live = WorkspaceState()
    for index in range(agents):
        want = desired_agent(index, items)
        live.agents[want.handle] = live_twin(want, index)
        if edited:
            edit(want)
        desired.agents[want.handle] = want
    return desired, live
