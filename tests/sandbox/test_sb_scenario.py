"""The "done when" scenario, end to end, in-process and over a socket."""

from __future__ import annotations

import httpx


def test_full_agent_lifecycle(api: httpx.Client) -> None:
    target = api.post("/agents", json={"name": "Billing"}).json()["data"]
    body = {
        "name": "Front desk",
        "description": "internal note",
        "company_name": "Acme",
        "language": "en",
        "speed": "fast",
        "timezone": "Europe/Istanbul",
        "status": "ready",
        "settings": {"voice": {"voice_profile": {"language": "en"}}, "text": {"x": 1}},
        "guidelines": [{"content": "Be brief", "order": 1}, {"content": "Be kind", "order": 0}],
        "notes": [{"content": "Open 9-5"}],
        "procedures": [{"name": "Refund", "steps": [{"order": 0, "description": "Ask id"}]}],
        "training": [{"content": "Where is my order?", "intent": "track", "response": "..."}],
        "routing_rules": [
            {
                "detection_mode": "exact",
                "trigger_keyword": "billing",
                "destination_type": "agent",
                "destination_agent_uuid": target["agent_uuid"],
            }
        ],
        "guard_rules": [
            {
                "when_condition": "asks for a human",
                "then_action": "forward",
                "destination_type": "extension",
                "destination": "100",
                "selected_channels": ["phone", "whatsapp"],
            }
        ],
        "appointments": {"enabled": True, "schedule_assignments": [{"schedule_uuid": "s1"}]},
    }
    created = api.post("/agents", json=body)
    assert created.status_code == 201
    agent = created.json()["data"]
    path = f"/agents/{agent['agent_uuid']}"
    intent = api.post(f"{path}/intents", json={"name": "Book Appointment!"}).json()["data"]
    assert intent["key"] == "book_appointment"
    for index in range(5):
        hook = {"url": f"https://hooks.test/{index}", "events": ["intent_call"], "secret_key": "s"}
        assert api.post(f"{path}/webhooks", json=hook).status_code == 201

    read = api.get(path).json()["data"]
    assert read["name"] == "Front desk" and read["speed"] == "fast" and read["status"] == "ready"
    assert [g["content"] for g in read["guidelines"]] == ["Be kind", "Be brief"]
    for key in ("notes", "procedures", "training", "routing_rules", "guard_rules"):
        assert len(read[key]) == 1, key
    assert read["routing_rules"][0]["destination_agent_uuid"] == target["agent_uuid"]
    assert read["appointments"]["schedule_assignments"] == [{"schedule_uuid": "s1"}]
    assert read["updated_at"] > agent["updated_at"]

    old_uuid = read["guard_rules"][0]["uuid"]
    replaced = api.put(
        f"{path}/guard-rules",
        json={"guard_rules": [{"when_condition": "abuse", "then_action": "end_conversation"}]},
    ).json()["data"]
    assert [r["when_condition"] for r in replaced["guard_rules"]] == ["abuse"]
    assert replaced["guard_rules"][0]["uuid"] != old_uuid
    assert replaced["notes"] == read["notes"]

    sixth = api.post(f"{path}/webhooks", json={"url": "https://h.test", "events": ["intent_call"]})
    assert sixth.status_code == 409
    assert sixth.json()["error"]["code"] == "webhook_limit_reached"

    assert api.delete(path).status_code == 200
    assert api.get(path).status_code == 404
    assert api.get(f"{path}/intents/{intent['intent_uuid']}").status_code == 404
    listed = api.get("/agents").json()["data"]["items"]
    assert [a["agent_uuid"] for a in listed] == [target["agent_uuid"]]
