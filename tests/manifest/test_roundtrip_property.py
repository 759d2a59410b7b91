"""Property: a valid agent written out as YAML and loaded back gives the same canonical state.

The expected state is computed straight from the section models and ``convert`` (the oracle);
the loader's own path (YAML reading, positions, substitution, piecewise validation, checks)
must agree with it for any valid document, whatever quoting the YAML writer chose. The same
document written as JSON (valid YAML too) must load to the same state.
"""

from __future__ import annotations

import io
import json
import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from mhsync.convert import item_from_manifest, object_from_manifest
from mhsync.manifest import load_manifests
from mhsync.sections import CORE, section
from mhsync.state import AgentState

TRICKY = ["yes", "no", "null", "~", "1.5", "0x10", "2024-01-01", "- a", "a: b", "#x", "'q'", '"d"']
_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))
TEXT = st.one_of(
    st.sampled_from(TRICKY),
    st.text(_CHARS, min_size=1, max_size=20),
    st.text(_CHARS | st.just("\n"), min_size=1, max_size=20),
).filter(lambda s: "${" not in s and s.strip() == s and s != "")
KEY = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
HANDLE = st.from_regex(r"[a-z][a-z0-9-]{0,8}[a-z0-9]", fullmatch=True)
CHANNELS = ["phone", "instagram", "whatsapp", "facebook_messenger"]
EVENTS = ["conversation_status", "conversation_end_report", "intent_call", "text_evaluation"]


def _optional(**fields: st.SearchStrategy[Any]) -> dict[str, st.SearchStrategy[Any]]:
    return fields


CORE_FIELDS = st.fixed_dictionaries(
    {"name": TEXT},
    optional=_optional(
        description=TEXT,
        role=TEXT,
        objective=TEXT,
        tone=TEXT,
        language=st.sampled_from(["en", "sv", "no"]),
        speed=st.sampled_from(["normal", "fast"]),
        status=st.sampled_from(["pending", "ready", "paused"]),
        appointment_scheduling_enabled=st.booleans(),
    ),
)

POSITIONAL = st.lists(st.one_of(TEXT, st.builds(lambda c: {"content": c}, TEXT)), max_size=4)

GUARD_RULE = st.fixed_dictionaries(
    {"name": TEXT, "when_condition": TEXT, "then_action": st.just("end_conversation")},
    optional=_optional(
        example_phrases=st.lists(TEXT, max_size=3),
        selected_channels=st.lists(st.sampled_from(CHANNELS), min_size=1, unique=True),
        say_before_end=TEXT,
        is_active=st.booleans(),
    ),
)

ROUTING_RULE = st.fixed_dictionaries(
    {
        "department_name": TEXT,
        "destination_type": st.just("extension"),
        "destination": st.from_regex(r"[0-9]{2,4}", fullmatch=True),
    },
    optional=_optional(
        phrases=st.lists(TEXT, max_size=3),
        ai_prompt=TEXT,
        priority=st.integers(-100, 100),
        transfer_message=TEXT,
    ),
)

INTENT = st.fixed_dictionaries(
    {"name": TEXT, "key": KEY},
    optional=_optional(
        description=TEXT,
        confidence_threshold=st.floats(0, 1, allow_nan=False),
        intent_llm_handle_by_response=st.booleans(),
        parameters=st.lists(
            st.fixed_dictionaries(
                {"key": KEY},
                optional=_optional(type=st.just("string"), required=st.booleans(), default=TEXT),
            ),
            max_size=2,
        ),
    ),
)

WEBHOOK = st.fixed_dictionaries(
    {
        "url": st.builds(lambda s: f"https://hooks.example/{s}", KEY),
        "events": st.lists(st.sampled_from(EVENTS), min_size=1, unique=True),
    },
    optional=_optional(is_active=st.booleans()),
)

SETTINGS = st.fixed_dictionaries(
    {},
    optional=_optional(
        voice=st.fixed_dictionaries(
            {},
            optional=_optional(
                interaction=st.fixed_dictionaries(
                    {},
                    optional=_optional(
                        max_silence_prompts=st.integers(0, 9), inbound_first_message=TEXT
                    ),
                ),
                voice_advanced=st.fixed_dictionaries(
                    {}, optional=_optional(stability=st.floats(0, 1), speaker_boost=st.booleans())
                ),
            ),
        ),
        text=st.dictionaries(KEY, TEXT | st.integers() | st.booleans(), max_size=3),
    ),
)

APPOINTMENTS = st.fixed_dictionaries(
    {},
    optional=_optional(
        enabled=st.booleans(),
        schedule_assignments=st.lists(
            st.fixed_dictionaries(
                {"schedule_uuid": KEY},
                optional=_optional(priority=st.just("primary"), slot_rules=st.just({"x": 1})),
            ),
            max_size=2,
        ),
    ),
)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = draw(CORE_FIELDS)
    optional = {
        "guidelines": POSITIONAL,
        "notes": POSITIONAL,
        "training": st.lists(
            st.fixed_dictionaries(
                {"content": TEXT}, optional=_optional(intent=TEXT, response=TEXT)
            ),
            max_size=3,
            unique_by=lambda t: t["content"],
        ),
        "guard_rules": st.lists(GUARD_RULE, max_size=3, unique_by=lambda r: r["name"]),
        "routing_rules": st.lists(
            ROUTING_RULE, max_size=3, unique_by=lambda r: r["department_name"]
        ),
        "intents": st.lists(INTENT, max_size=3, unique_by=lambda i: i["key"]),
        "webhooks": st.lists(WEBHOOK, max_size=5, unique_by=lambda w: w["url"]),
        "settings": SETTINGS,
        "appointments": APPOINTMENTS,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            spec[key] = draw(strategy)
    keys = [i["key"] for i in spec.get("intents", [])]
    if draw(st.booleans()):
        steps = st.fixed_dictionaries(
            {},
            optional=_optional(
                description=TEXT, intent=st.sampled_from(keys) if keys else st.nothing()
            ),
        )
        spec["procedures"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"name": TEXT}, optional=_optional(steps=st.lists(steps, max_size=3))
                ),
                max_size=2,
                unique_by=lambda p: p["name"],
            )
        )
    return {
        "apiVersion": "mhsync/v1",
        "kind": "Agent",
        "metadata": {"name": draw(HANDLE)},
        "spec": spec,
    }


def oracle(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Objects and collections straight from the models, without the loader."""
    spec = doc["spec"]
    sections = {
        k: v for k, v in spec.items() if k in ("settings", "appointments") or isinstance(v, list)
    }
    core = {k: v for k, v in spec.items() if k not in sections}
    objects = {
        "core": object_from_manifest(CORE, CORE.model.model_validate(core).model_dump(mode="json"))[
            0
        ]
    }
    collections: dict[str, Any] = {}
    for key, value in sections.items():
        descriptor = section(key)
        if descriptor.kind == "object":
            dump = descriptor.model.model_validate(value).model_dump(mode="json")
            objects[key] = object_from_manifest(descriptor, dump)[0]
            continue
        items = [
            item_from_manifest(
                descriptor,
                descriptor.model.model_validate(
                    {"content": v} if isinstance(v, str) else v
                ).model_dump(mode="json"),
            )
            for v in value
        ]
        if descriptor.identity is not None:
            items.sort(key=lambda i: i.key)
        collections[key] = [(i.key, i.fields) for i in items]
    return objects, collections


def _dump_yaml(doc: dict[str, Any]) -> str:
    writer = YAML(typ="safe", pure=True)
    writer.default_flow_style = False
    writer.allow_unicode = True
    stream = io.StringIO()
    writer.dump(doc, stream)
    return stream.getvalue()


def _load(path: Path, text: str) -> AgentState:
    path.write_text(text, encoding="utf-8")
    result = load_manifests([path], env={})
    assert result.errors == [], [str(d) for d in result.errors]
    [state] = result.workspace.agents.values()
    return state


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents())
def test_yaml_round_trip_gives_the_same_canonical_state(
    doc: dict[str, Any], tmp_path_factory: Any
) -> None:
    folder = tmp_path_factory.mktemp("rt")
    from_yaml = _load(folder / "agent.yaml", _dump_yaml(doc))
    objects, collections = oracle(doc)
    assert from_yaml.handle == doc["metadata"]["name"]
    assert from_yaml.objects == objects
    assert {
        k: [(i.key, i.fields) for i in v] for k, v in from_yaml.collections.items()
    } == collections
    from_json = _load(folder / "agent.json.yaml", json.dumps(doc, ensure_ascii=False))
    assert (from_json.objects, from_json.collections) == (from_yaml.objects, from_yaml.collections)


def test_printable_ascii_strings_survive(tmp_path: Path) -> None:
    """A deterministic companion: every printable ASCII character in a value."""
    text = "".join(c for c in string.printable if c not in "\r\x0b\x0c").strip()
    name = text.replace("${", "$ {")
    doc = {"apiVersion": "mhsync/v1", "kind": "Agent", "metadata": {"name": "a"}}
    state = _load(tmp_path / "a.yaml", _dump_yaml({**doc, "spec": {"name": name}}))
    assert state.objects["core"]["name"] == name
