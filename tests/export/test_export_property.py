"""Property: for any live workspace, the exported manifests plan no changes against it.

Random agents are created through the API of an in-process sandbox (as a dashboard would make
them, tricky text included: line breaks, ``${``, quotes, YAML look-alikes), read back, exported,
written as YAML, loaded by the manifest loader and planned against the same live state.
"""

from __future__ import annotations

import string
import tempfile
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mhsync.client import ApiClient, Token
from mhsync.export import ExportOptions, export_agent, manifest_text, unique_handles
from mhsync.live import list_agents, read_separate_sections
from mhsync.manifest import load_manifests
from mhsync.planner import plan
from mhsync.sandbox import Sandbox
from mhsync.state import WorkspaceState
from mhsync.workflows.livestate import canonical_live

TOKEN = "prop-token"
BASE = "http://127.0.0.1/api/v1"
TRICKY = ["yes", "null", "1.5", "0x10", "- a", "a: b", "#x", "'q'", '"d"', "${x}", "$${y}", "~"]
TEXT = st.one_of(
    st.sampled_from(TRICKY),
    st.text(string.ascii_letters + " :#'\"${}\n-", min_size=1, max_size=16),
).filter(lambda s: s.strip() != "")
CHANNELS = ["phone", "instagram", "whatsapp", "facebook_messenger"]
EVENTS = ["conversation_status", "conversation_end_report", "intent_call", "text_evaluation"]


def _optional(**fields: st.SearchStrategy[Any]) -> dict[str, st.SearchStrategy[Any]]:
    return fields


AGENT = st.fixed_dictionaries(
    {"name": st.sampled_from(["Alpha", "Beta", "Beta", "Gamma desk"])},
    optional=_optional(
        description=TEXT,
        tone=TEXT,
        custom_prompt=TEXT,
        speed=st.sampled_from(["normal", "fast"]),
        status=st.sampled_from(["pending", "ready"]),
        appointment_scheduling_enabled=st.booleans(),
        settings=st.fixed_dictionaries(
            {},
            optional=_optional(
                voice=st.fixed_dictionaries(
                    {"interaction": st.fixed_dictionaries(
                        {}, optional=_optional(silence_message=TEXT,
                                               max_silence_prompts=st.integers(0, 5)))}
                ),
                text=st.dictionaries(st.sampled_from(["a", "b"]), TEXT, max_size=2),
            ),
        ),
        guidelines=st.lists(st.builds(lambda c: {"content": c}, TEXT), max_size=3),
        notes=st.lists(st.builds(lambda c: {"content": c}, TEXT), max_size=2),
        training=st.lists(
            st.fixed_dictionaries({"content": TEXT}, optional=_optional(response=TEXT)),
            max_size=2, unique_by=lambda r: r["content"],
        ),
        guard_rules=st.lists(
            st.fixed_dictionaries(
                {"name": TEXT, "when_condition": TEXT,
                 "then_action": st.just("end_conversation")},
                optional=_optional(
                    selected_channels=st.lists(st.sampled_from(CHANNELS), min_size=1, unique=True),
                    is_active=st.booleans(),
                    example_phrases=st.lists(TEXT, max_size=2),
                ),
            ),
            max_size=2, unique_by=lambda r: r["name"],
        ),
    ),
)
INTENTS = st.lists(
    st.fixed_dictionaries(
        {"name": st.sampled_from(["Book", "Cancel it", "Ask"])},
        optional=_optional(
            description=TEXT,
            confidence_threshold=st.sampled_from([0.5, 0.75]),
            webhook=st.fixed_dictionaries(
                {"url": st.just("https://i.example/x"), "auth_token": st.just("sec-PROP-1")}
            ),
            parameters=st.lists(
                st.fixed_dictionaries({"key": st.sampled_from(["a", "b"])},
                                      optional=_optional(required=st.booleans())),
                max_size=2, unique_by=lambda p: p["key"],
            ),
        ),
    ),
    max_size=2, unique_by=lambda i: i["name"],
)
WEBHOOKS = st.lists(
    st.fixed_dictionaries(
        {"url": st.sampled_from(["https://h.example/1", "https://h.example/2"]),
         "events": st.lists(st.sampled_from(EVENTS), min_size=1, max_size=2, unique=True)},
        optional=_optional(secret_key=st.just("sec-PROP-2"), is_active=st.booleans()),
    ),
    max_size=2, unique_by=lambda w: w["url"],
)
APPOINTMENTS = st.none() | st.fixed_dictionaries(
    {"enabled": st.booleans()},
    optional=_optional(
        schedule_assignments=st.lists(
            st.fixed_dictionaries(
                {"schedule_uuid": st.just("s-1")},
                optional=_optional(priority=st.just("primary"),
                                   slot_rules=st.just({"max": 3, "note": "${x}"})),
            ),
            max_size=1,
        )
    ),
)
WORKSPACE = st.lists(
    st.tuples(AGENT, INTENTS, WEBHOOKS, st.booleans(), st.booleans(), APPOINTMENTS),
    min_size=1,
    max_size=3,
)


def _create(api: httpx.Client, spec: tuple[Any, ...], others: list[str]) -> None:
    body, intents, webhooks, points_at_other, with_procedure, appointments = spec
    body = dict(body)
    for key in ("guidelines", "notes"):
        if key in body:
            body[key] = [{**item, "order": i} for i, item in enumerate(body[key])]
    if points_at_other and others:
        body["routing_rules"] = [
            {"department_name": "Other", "destination_type": "agent",
             "destination_agent_uuid": others[-1], "phrases": ["x"], "ai_prompt": "y"}
        ]
    answer = api.post("/agents", json=body)
    assert answer.status_code < 300, answer.text
    uuid = answer.json()["data"]["agent_uuid"]
    intent_uuids = []
    for intent in intents:
        answer = api.post(f"/agents/{uuid}/intents", json=intent)
        assert answer.status_code < 300, answer.text
        intent_uuids.append(answer.json()["data"]["intent_uuid"])
    if with_procedure:
        steps = [{"description": "first", "order": 0}]
        steps += [{"description": "then", "intent_uuid": u, "order": 1} for u in intent_uuids[:1]]
        procedures = {"procedures": [{"name": "Flow", "steps": steps}]}
        assert api.put(f"/agents/{uuid}/procedures", json=procedures).status_code < 300
    if appointments is not None:
        assert api.put(f"/agents/{uuid}/appointments", json=appointments).status_code < 300
    for webhook in webhooks:
        assert api.post(f"/agents/{uuid}/webhooks", json=webhook).status_code < 300
    others.append(uuid)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(workspace=WORKSPACE)
def test_export_of_any_live_workspace_plans_no_changes(
    tmp_path: Path, workspace: list[tuple[Any, ...]]
) -> None:
    with Sandbox(db_path=":memory:", tokens=[TOKEN]) as sandbox:
        with httpx.Client(
            transport=sandbox.transport(), base_url=BASE,
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as api:
            created: list[str] = []
            for spec in workspace:
                _create(api, spec, created)
        client = ApiClient(BASE, Token(TOKEN), transport=sandbox.transport())
        try:
            raws = list_agents(client)
            read_separate_sections(client, raws)
        finally:
            client.close()
    handles = unique_handles([(raw.uuid, raw.name) for raw in raws])
    live = canonical_live({handles[raw.uuid]: raw for raw in raws}, handles)
    uuids = {handle: uuid for uuid, handle in handles.items()}
    with tempfile.TemporaryDirectory(dir=tmp_path) as name:
        _check_round_trip(Path(name), live, uuids)


def _check_round_trip(directory: Path, live: WorkspaceState, uuids: dict[str, str]) -> None:
    env: dict[str, str] = {}
    for agent in live.agents.values():
        exported = export_agent(agent, ExportOptions(known_handles=set(uuids), uuids=uuids))
        text = manifest_text(exported)
        assert "sec-PROP" not in text
        env.update({slot.variable: "value" for slot in exported.secrets})
        (directory / f"{agent.handle}.yaml").write_text(text, encoding="utf-8")
    loaded = load_manifests([directory], env=env)
    assert not loaded.errors, [str(d) for d in loaded.errors]
    made = plan(loaded.workspace, live, target="sandbox")
    assert not made.has_changes, made.to_json()
