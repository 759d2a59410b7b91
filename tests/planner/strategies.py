"""Hypothesis strategies for random desired and live workspaces.

Values come from small alphabets so that items collide often: equal notes, renames through
``previous_keys``, duplicate live keys, moved positions, secrets on one side only.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from mhsync.state import SECRET_SET, AgentState, Item, WorkspaceState

from .factories import desired_agent, have, live_agent, want

HANDLES = ("alpha", "beta", "gamma")
BOOLS = st.booleans()
COUNTS = {n: st.integers(0, n) for n in (2, 3, 4)}
HANDLE_SETS = st.lists(st.sampled_from(HANDLES), unique=True, max_size=3)
PARAMETERS = st.sampled_from([[], [{"key": "date", "required": True}]])
ASSIGNMENTS = st.sampled_from([[], [{"schedule_uuid": "s-1", "priority": "primary"}]])
Draw = st.DrawFn

IGNORABLE = (
    "spec.notes",
    "spec.description",
    "spec.settings.voice.voice_profile",
    "spec.guard_rules.when_condition",
    "spec.routing_rules",
    "spec.appointments.enabled",
)


@functools.cache
def _sampled(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    """Strategies are cached: building one per draw costs more than the draw itself."""
    return st.sampled_from(values)


@functools.cache
def _optional(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.none() | st.sampled_from(values)


@functools.cache
def _subsets(values: tuple[str, ...], min_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=min_size, max_size=3, unique=True)


def _pick(draw: Draw, values: Sequence[Any]) -> Any:
    return draw(_sampled(tuple(values)))


def _maybe(draw: Draw, values: Sequence[Any]) -> Any:
    return draw(_optional(tuple(values)))


def _subset(draw: Draw, values: Sequence[str], min_size: int = 0) -> list[str]:
    return draw(_subsets(tuple(values), min_size))


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


# --- items (as the manifest or the API spells them) ----------------------------------------------


def training(draw: Draw) -> dict[str, Any]:
    return _without_none(
        {"content": _pick(draw, ["hi", "bye", "help"]), "response": _maybe(draw, ["ok"])}
    )


def routing_rule(draw: Draw, targets: Sequence[str]) -> dict[str, Any]:
    destination = _maybe(draw, targets) if targets else None
    return _without_none(
        {
            "department_name": _pick(draw, ["Sales", "Support", "Billing"]),
            "priority": _maybe(draw, [1, 2, 3]),
            "is_active": draw(BOOLS),
            "phrases": _subset(draw, ["buy", "price", "help"]),
            "destination_type": "agent" if destination else None,
            "destination_agent": destination,
        }
    )


def guard_rule(draw: Draw, targets: Sequence[str]) -> dict[str, Any]:
    return {
        "name": _pick(draw, ["Legal", "Abuse", "VIP"]),
        "when_condition": _pick(draw, ["lawyer", "threat"]),
        "then_action": "end_conversation",
        "selected_channels": _subset(draw, ["phone", "whatsapp", "instagram"], 1),
    }


def intent(draw: Draw, secret: str) -> dict[str, Any]:
    webhook = _maybe(draw, ["https://i/1", "https://i/2"])
    return _without_none(
        {
            "name": _pick(draw, ["Book", "Cancel", "Ask"]),
            "description": _maybe(draw, ["d1", "d2"]),
            "parameters": draw(PARAMETERS),
            "webhook": {"url": webhook, "auth_token": secret} if webhook else None,
        }
    )


def procedure(draw: Draw, intent_keys: Sequence[str]) -> dict[str, Any]:
    steps = [
        _without_none(
            {
                "description": _pick(draw, ["ask", "check", "close"]),
                "intent": _maybe(draw, intent_keys) if intent_keys else None,
            }
        )
        for _ in range(draw(COUNTS[3]))
    ]
    return {"name": _pick(draw, ["Onboard", "Refund"]), "steps": steps}


def webhook(draw: Draw, secret: str) -> dict[str, Any]:
    return _without_none(
        {
            "url": _pick(draw, [f"https://h/{n}" for n in range(1, 7)]),
            "events": _subset(draw, ["intent_call", "conversation_end_report"], 1),
            "secret_key": _pick(draw, [None, secret]),
            "is_active": draw(BOOLS),
        }
    )


KEYS = {
    "training": "content",
    "routing_rules": "department_name",
    "guard_rules": "name",
    "intents": "name",
    "procedures": "name",
    "webhooks": "url",
}


def _rows(draw: Draw, key: str, targets: Sequence[str], side: str) -> list[dict[str, Any]]:
    """Raw rows of one identity section; desired rows are unique, live rows may repeat."""
    secret = "${env:MHSYNC_TEST_SECRET}" if side == "desired" else SECRET_SET
    makers = {
        "training": lambda: training(draw),
        "routing_rules": lambda: routing_rule(draw, targets),
        "guard_rules": lambda: guard_rule(draw, targets),
        "intents": lambda: intent(draw, secret),
        "webhooks": lambda: webhook(draw, secret),
    }
    count = draw(COUNTS[4])
    rows = [makers[key]() for _ in range(count)]
    if side == "desired" or key == "webhooks":
        seen: set[str] = set()
        rows = [r for r in rows if not (r[KEYS[key]] in seen or seen.add(r[KEYS[key]]))]
    if side == "desired" and key in ("routing_rules", "guard_rules", "procedures", "intents"):
        for row in rows:
            if draw(BOOLS):
                row["previous_keys"] = [_pick(draw, ["Sales", "Legal", "Book", "Ask"])]
    return rows


# --- agents ---------------------------------------------------------------------------------------

TEXTS = ("one", "two", "three", "four")
TEXT_LISTS = st.lists(st.sampled_from(TEXTS), max_size=5)


@st.composite
def desired_agents(draw: Draw, handle: str, targets: Sequence[str]) -> AgentState:
    collections: dict[str, list[Item]] = {}
    for key in ("guidelines", "notes"):
        if draw(BOOLS):
            collections[key] = [want(key, content=t) for t in draw(TEXT_LISTS)]
    for key in ("training", "routing_rules", "guard_rules", "intents", "webhooks"):
        if draw(BOOLS):
            collections[key] = [want(key, **r) for r in _rows(draw, key, targets, "desired")]
    if draw(BOOLS):
        keys = [i.key for i in collections.get("intents", [])]
        rows = [procedure(draw, keys) for _ in range(draw(COUNTS[3]))]
        unique = {r["name"]: r for r in rows}
        collections["procedures"] = [want("procedures", **r) for r in unique.values()]
    objects: dict[str, dict[str, Any]] = {}
    if draw(BOOLS):
        objects["settings"] = settings(draw)
    if draw(BOOLS):
        objects["appointments"] = appointments(draw)
    return desired_agent(
        handle,
        _pick(draw, ["Alpha", "Beta"]),
        core=core(draw, live=False),
        objects=objects,
        ignore=_subset(draw, IGNORABLE) if draw(BOOLS) else (),
        **collections,
    )


@st.composite
def live_agents(draw: Draw, handle: str, targets: Sequence[str]) -> AgentState:
    collections: dict[str, list[Item]] = {}
    counter = iter(range(1000))
    for key in ("guidelines", "notes"):
        texts = draw(TEXT_LISTS)
        positions = draw(_positions(_pick(draw, ["index", "none", "random"]), len(texts)))
        rows = sorted(
            zip(texts, positions, strict=True),
            key=lambda p: p[1] if p[1] is not None else float("inf"),
        )
        collections[key] = [
            have(key, f"{handle}-{key}-{next(counter)}", pos, content=text) for text, pos in rows
        ]
    for key in ("training", "routing_rules", "guard_rules", "intents", "webhooks"):
        collections[key] = [
            have(key, f"{handle}-{key}-{next(counter)}", **r)
            for r in _rows(draw, key, targets, "live")
        ]
    keys = [i.key for i in collections["intents"]]
    rows = {p["name"]: p for p in (procedure(draw, keys) for _ in range(draw(COUNTS[2])))}
    collections["procedures"] = [
        have("procedures", f"{handle}-p-{next(counter)}", **r) for r in rows.values()
    ]
    return live_agent(
        handle,
        f"uuid-{handle}",
        _pick(draw, ["Alpha", "Beta"]),
        core=core(draw, live=True),
        objects={"settings": settings(draw), "appointments": appointments(draw)},
        **collections,
    )


@functools.cache
def _positions(kind: str, n: int) -> st.SearchStrategy[list[int | None]]:
    if kind == "index":
        return st.just(list(range(n)))
    if kind == "none":
        return st.just([None] * n)
    return st.lists(st.integers(0, 6), min_size=n, max_size=n).map(sorted)


def core(draw: Draw, *, live: bool) -> dict[str, Any]:
    return _without_none(
        {
            "tone": _maybe(draw, ["warm", "formal"]),
            "description": _maybe(draw, ["internal", "other"]),
            "speed": _pick(draw, ["normal", "fast"]),
            "status": _maybe(draw, ["pending", "ready"]) if live or draw(BOOLS) else None,
        }
    )


def settings(draw: Draw) -> dict[str, Any]:
    interaction = _without_none(
        {
            "silence_message": _maybe(draw, ["Hello?", "Are you there?"]),
            "max_silence_prompts": _maybe(draw, [2, 3]),
        }
    )
    profile = _without_none({"voice_name": _maybe(draw, ["Ava", "Bo"])})
    return {"voice": {"interaction": interaction, "voice_profile": profile}}


def appointments(draw: Draw) -> dict[str, Any]:
    assignments = draw(ASSIGNMENTS)
    return {"enabled": draw(BOOLS), "schedule_assignments": assignments}


@st.composite
def workspaces(draw: Draw, side: str) -> WorkspaceState:
    """Agents under a random subset of ``HANDLES``; references only point backwards (no cycles)."""
    handles = draw(HANDLE_SETS)
    agents = []
    for handle in sorted(handles):
        targets = [h for h in sorted(handles) if h <= handle]
        maker = desired_agents if side == "desired" else live_agents
        agents.append(draw(maker(handle, targets)))
    return WorkspaceState({a.handle: a for a in agents})
