"""Property: expanding fragments then planning equals planning the hand-expanded manifests.

The hand expansion below is an independent, deliberately plain restatement of the documented
merge rules (docs/manifests.md, Fragments), so the loader's merge is checked against the spec.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mhsync.manifest import load_manifests
from mhsync.planner import plan
from mhsync.state import WorkspaceState

NAMES = ["Legal", "Abuse", "Medical"]
NOTES = ["Open 8-17", "No refunds", "Be brief"]

guard = st.builds(
    lambda name, when: {
        "name": name,
        "when_condition": when,
        "example_phrases": ["a", "b", "c"],
        "then_action": "end_conversation",
    },
    st.sampled_from(NAMES),
    st.sampled_from(["first", "second"]),
)
spec_part = st.fixed_dictionaries(
    {},
    optional={
        "tone": st.sampled_from(["Warm", "Dry"]),
        "company_name": st.sampled_from(["Volvo", "Acme"]),
        "settings": st.fixed_dictionaries(
            {},
            optional={
                "voice": st.fixed_dictionaries(
                    {},
                    optional={
                        "interaction": st.fixed_dictionaries(
                            {},
                            optional={
                                "silence_message": st.sampled_from(["Hello?", "Still there?"]),
                                "max_silence_prompts": st.integers(1, 3),
                            },
                        ),
                        "voice_profile": st.fixed_dictionaries(
                            {}, optional={"language": st.sampled_from(["en", "sv"])}
                        ),
                    },
                )
            },
        ),
        "guard_rules": st.lists(guard, max_size=3, unique_by=lambda g: g["name"]),
        "notes": st.lists(st.sampled_from(NOTES), max_size=3),
    },
)


def _deep(lower: dict[str, Any], upper: dict[str, Any]) -> dict[str, Any]:
    out = dict(lower)
    for key, value in upper.items():
        below = out.get(key)
        out[key] = (
            _deep(below, value) if isinstance(below, dict) and isinstance(value, dict) else value
        )
    return out


def hand_drop(spec: dict[str, Any], names: list[str], notes: list[str]) -> dict[str, Any]:
    out = dict(spec)
    if "guard_rules" in out:
        out["guard_rules"] = [r for r in out["guard_rules"] if r["name"] not in names]
    if "notes" in out:
        out["notes"] = [n for n in out["notes"] if n not in notes]
    return out


def hand_expand(layers: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    for part in layers:
        for key, value in part.items():
            if key == "notes" and key in spec:
                spec[key] = [*spec[key], *value]
            elif key == "guard_rules" and key in spec:
                merged = list(spec[key])
                for rule in value:
                    at = [i for i, r in enumerate(merged) if r["name"] == rule["name"]]
                    if at:
                        merged[at[0]] = rule
                    else:
                        merged.append(rule)
                spec[key] = merged
            elif key == "settings" and key in spec:
                spec[key] = _deep(spec[key], value)
            else:
                spec[key] = value
    return spec


def _agent(
    name: str, spec: dict[str, Any], uses: list[str] | None = None, drop: Any = None
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if uses is not None:
        metadata["uses"] = uses
    if drop:
        metadata["drop"] = drop
    return {"apiVersion": "mhsync/v1", "kind": "Agent", "metadata": metadata, "spec": spec}


def _load(documents: list[dict[str, Any]]) -> WorkspaceState:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "all.yaml"
        path.write_text("\n---\n".join(json.dumps(d) for d in documents), encoding="utf-8")
        result = load_manifests([path], env={})
    assert result.errors == []
    for state in result.workspace.agents.values():
        state.source = None
    return result.workspace


@settings(max_examples=40, deadline=None)
@given(
    fragments=st.lists(spec_part, min_size=1, max_size=3),
    own=spec_part,
    order=st.permutations(range(3)),
    dropped=st.lists(st.sampled_from(NAMES), max_size=2, unique=True),
    dropped_notes=st.lists(st.sampled_from(NOTES), max_size=1),
)
def test_expanding_fragments_then_planning_equals_planning_hand_expanded(
    fragments: list[dict[str, Any]],
    own: dict[str, Any],
    order: list[int],
    dropped: list[str],
    dropped_notes: list[str],
) -> None:
    uses = [f"f{i}" for i in order if i < len(fragments)]
    own = {"name": "Agent A", **own}
    docs = [
        {"apiVersion": "mhsync/v1", "kind": "Fragment", "metadata": {"name": f"f{i}"}, "spec": s}
        for i, s in enumerate(fragments)
    ]
    drop = [{"guard_rules": dropped, "notes": dropped_notes}] if dropped or dropped_notes else []
    composed = _load([*docs, _agent("a", own, uses, drop)])
    layers = [fragments[int(u[1:])] for u in uses]
    inherited = hand_drop(hand_expand(layers), dropped, dropped_notes)
    expanded = _load([_agent("a", hand_expand([inherited, own]))])
    assert composed == expanded
    live = WorkspaceState()
    from_fragments = plan(composed, live, target="t")
    by_hand = plan(expanded, live, target="t")
    # the only difference: the plan of the composed agents says which values fragments wrote
    unmarked = tuple(a.model_copy(update={"fragments": {}}) for a in from_fragments.agents)
    assert from_fragments.model_copy(update={"agents": unmarked}) == by_hand
    assert all(not a.fragments for a in by_hand.agents)
