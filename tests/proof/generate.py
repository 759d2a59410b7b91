"""Seeded random manifests and random edits of them, in the manifest language.

Small pools of names make items collide across runs (a renamed procedure, a guideline that
moves, a webhook whose URL changes), which is what exercises matching and lost answers.
"""

from __future__ import annotations

import copy
import random
from typing import Any

Doc = dict[str, Any]
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india")


def _phrase(rng: random.Random, size: int = 3) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(size)).capitalize() + "."


def agent(rng: random.Random, index: int, handles: list[str]) -> Doc:
    """Random agent ``index``; its routing rules may transfer to the agents before it."""
    handle = handles[index]
    spec: Doc = {"name": f"Proof agent {handle}", "role": _phrase(rng), "language": "en"}
    if rng.random() < 0.8:
        spec["guidelines"] = [f"G{i} {_phrase(rng)}" for i in range(rng.randint(0, 6))]
    if rng.random() < 0.8:
        spec["notes"] = [f"N{i} {_phrase(rng)}" for i in range(rng.randint(0, 5))]
    if rng.random() < 0.6:
        spec["training"] = [
            {"content": f"T{i} {_phrase(rng)}", "response": "Sure."}
            for i in range(rng.randint(0, 4))
        ]
    intents = [
        {
            "name": f"Intent {i}",
            "key": f"intent_{i}",
            "parameters": [{"key": "plate", "type": "string", "required": True}],
            **(
                {
                    "webhook": {
                        "url": "https://hooks.example.com/i",
                        "auth_token": "${env:PROOF_INTENT_TOKEN}",
                    }
                }
                if rng.random() < 0.3
                else {}
            ),
        }
        for i in range(rng.randint(0, 3))
    ]
    if intents or rng.random() < 0.5:
        spec["intents"] = intents
    if rng.random() < 0.7:
        spec["procedures"] = [
            {
                "name": f"Procedure {i}",
                "steps": [
                    {"description": _phrase(rng)},
                    *(
                        [{"description": "Use it.", "intent": rng.choice(intents)["key"]}]
                        if intents and rng.random() < 0.6
                        else []
                    ),
                ],
            }
            for i in range(rng.randint(0, 3))
        ]
    if rng.random() < 0.7:
        spec["guard_rules"] = [
            {
                "name": f"Guard {i}",
                "when_condition": _phrase(rng),
                "then_action": "end_conversation",
                "say_before_end": "Goodbye.",
            }
            for i in range(rng.randint(0, 3))
        ]
    others = handles[:index]  # earlier agents only: new agents must not point at each other
    if rng.random() < 0.6:
        spec["routing_rules"] = [
            (
                {
                    "department_name": f"Dept {i}",
                    "destination_type": "agent",
                    "destination_agent": rng.choice(others),
                }
                if others and rng.random() < 0.4
                else {
                    "department_name": f"Dept {i}",
                    "destination_type": "extension",
                    "destination": str(100 + i),
                }
            )
            for i in range(rng.randint(0, 3))
        ]
    if rng.random() < 0.7:
        spec["webhooks"] = [
            {
                "url": f"https://hooks.example.com/{handle}/{i}",
                "events": ["conversation_end_report"],
                **({"secret_key": "${env:PROOF_HOOK_SECRET}"} if rng.random() < 0.5 else {}),
            }
            for i in range(rng.randint(0, 5))
        ]
    return {"apiVersion": "mhsync/v1", "kind": "Agent", "metadata": {"name": handle}, "spec": spec}


def workspace(seed: int, agents: int | None = None) -> list[Doc]:
    rng = random.Random(seed)
    count = agents if agents is not None else rng.randint(1, 4)
    handles = [f"proof-{seed}-{i}" for i in range(count)]
    return [agent(rng, i, handles) for i in range(count)]


def edit(documents: list[Doc], seed: int) -> list[Doc]:
    """A copy of ``documents`` with a few random edits of the kinds users make."""
    rng = random.Random(seed * 7919 + 1)
    out = copy.deepcopy(documents)
    for document in out:
        spec = document["spec"]
        for _ in range(rng.randint(1, 4)):
            rng.choice(_EDITS)(rng, spec)
    return out


def _reorder(rng: random.Random, spec: Doc) -> None:
    for key in ("guidelines", "notes"):
        if spec.get(key):
            rng.shuffle(spec[key])


def _drop(rng: random.Random, spec: Doc) -> None:
    key = rng.choice(
        ["guidelines", "notes", "training", "guard_rules", "webhooks", "routing_rules"]
    )
    if spec.get(key):
        spec[key].pop(rng.randrange(len(spec[key])))


def _add(rng: random.Random, spec: Doc) -> None:
    spec.setdefault("notes", []).append(f"Added {_phrase(rng)}")
    rules = spec.setdefault("guard_rules", [])
    name = f"Guard added {rng.randint(0, 99)}"
    if all(r["name"] != name for r in rules):
        rules.append({"name": name, "when_condition": "Added.", "then_action": "end_conversation"})


def _rename(rng: random.Random, spec: Doc) -> None:
    key = rng.choice(["procedures", "guard_rules"])
    if spec.get(key):
        item = rng.choice(spec[key])
        item["previous_keys"] = [item["name"]]
        item["name"] = item["name"] + " renamed"


def _rewrite(rng: random.Random, spec: Doc) -> None:
    if spec.get("guidelines"):
        spec["guidelines"][rng.randrange(len(spec["guidelines"]))] = f"Rewritten {_phrase(rng)}"
    spec["role"] = _phrase(rng)


def _move_webhook(rng: random.Random, spec: Doc) -> None:
    if spec.get("webhooks"):
        spec["webhooks"][0]["url"] += "-moved"


_EDITS = (_reorder, _drop, _add, _rename, _rewrite, _move_webhook)
