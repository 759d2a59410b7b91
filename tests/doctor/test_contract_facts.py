"""``mhsync doctor`` reports the contract: every ASSUMED fact it probes, against the sandbox (all
hold) and against hostile servers that answer otherwise (each difference reported as such)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from mhsync.planner.contract_facts import FACTS, FactStatus
from mhsync.workflows import doctor_contract
from tests.doctor.hostile import Difference, Exchange, HostileProxy, agents_in, error, segments
from tests.doctor.test_doctor_cli import SECRET_MARKER, doctor_agents
from tests.e2e.conftest import Project, Result

Mh = Callable[..., Result]
REPO = Path(__file__).resolve().parents[2]


def test_every_fact_has_a_probe_and_its_place_exists() -> None:
    assert [f.key for f in FACTS] == list(doctor_contract._PROBES)
    for fact in FACTS:
        path, symbol = fact.place.split(": ")
        assert (REPO / path).is_file(), fact.place
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        target: Any = module
        for attribute in symbol.split("."):
            assert hasattr(target, attribute), fact.place
            target = getattr(target, attribute)


def test_the_readme_shows_every_fact_and_its_place() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Checking a workspace: `mhsync doctor`", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) == len(FACTS)
    for row, fact in zip(rows, FACTS, strict=True):
        assert row.startswith(f"| `{fact.fact}` ({fact.contract}) | {fact.assumption} | holds")
        assert row.endswith(f"| `{fact.place}` |")


def _facts(result: Result) -> dict[str, dict[str, Any]]:
    report = json.loads(result.out)
    return {fact["key"]: fact for fact in report["facts"]}


def test_every_fact_holds_on_the_sandbox_over_a_socket(project: Project, mh: Mh) -> None:
    result = mh("doctor", "--json")
    assert result.code == 0, result.text
    facts = _facts(result)
    assert list(facts) == [f.key for f in FACTS]
    assert {key: fact["status"] for key, fact in facts.items()} == {f.key: "holds" for f in FACTS}
    assert facts["webhooks.patch_requires"]["observed"] == "422 on url"
    assert doctor_agents(project) == []


def test_the_table_on_the_builtin_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mh: Mh
) -> None:
    monkeypatch.chdir(tmp_path)
    result = mh("doctor", "--target", "sandbox")
    assert result.code == 0, result.text
    assert "status  fact " in result.out and "  change in\n" in result.out
    row = next(line for line in result.out.splitlines() if "PATCH .../webhooks/{uuid}" in line)
    assert row.split() == [
        "holds", "PATCH", ".../webhooks/{uuid}", "422", "without", "url", "and", "events",
        "422", "on", "url", "mhsync/sections/table.py:", "WEBHOOKS.patch_requires",
    ]  # fmt: skip
    assert f"Contract as assumed ({len(FACTS)} holds)." in result.out


# --- hostile servers -----------------------------------------------------------------------------


def _is(exchange: Exchange, method: str, *below_agent: str) -> bool:
    """``method /agents/{uuid}/<below_agent...>``; ``*`` matches any one segment."""
    parts = segments(exchange)
    tail = parts[2:]
    return (
        exchange.method == method
        and parts[:1] == ["agents"]
        and len(parts) >= 2
        and len(tail) == len(below_agent)
        and all(want in ("*", got) for want, got in zip(below_agent, tail, strict=True))
    )


def _cap_per_page(exchange: Exchange) -> None:
    if exchange.path == "/agents" and int(exchange.query.get("per_page", "15")) > 10:
        exchange.query["per_page"] = "10"


def _agent_pages(reshape: Callable[[dict[str, Any]], Any]) -> Callable[[Exchange, Any], Any]:
    def answer(exchange: Exchange, body: Any) -> Any:
        if exchange.method == "GET" and exchange.path == "/agents":
            return reshape(body)
        return body

    return answer


def _laravel(body: dict[str, Any]) -> Any:
    body["data"]["data"] = body["data"].pop("items")
    return body


def _plain(body: dict[str, Any]) -> Any:
    return {"success": True, "data": body["data"]["items"]}


def _list_items(section: str, rewrite: Callable[[Any], Any]) -> Callable[[Exchange, Any], Any]:
    def answer(exchange: Exchange, body: Any) -> Any:
        if _is(exchange, "GET", section):
            body["data"] = rewrite(body["data"])
        return body

    return answer


def _rename_in_agents(rename: Callable[[dict[str, Any]], None]) -> Callable[[Exchange, Any], Any]:
    def answer(exchange: Exchange, body: Any) -> Any:
        for agent in agents_in(body):
            rename(agent)
        return body

    return answer


def _transfer_to(agent: dict[str, Any]) -> None:
    for rule in agent.get("routing_rules") or []:
        rule["transfer_to"] = rule.pop("destination", None)


def _appointment_settings(agent: dict[str, Any]) -> None:
    agent["appointment_settings"] = agent.pop("appointments", None)


def _event_is_the_inline_webhook(exchange: Exchange) -> tuple[int, Any] | None:
    if not _is(exchange, "GET", "intents", "*", "event"):
        return None
    agent, intent = segments(exchange)[1], segments(exchange)[3]
    _, found = exchange.forward(
        Exchange("GET", f"/agents/{agent}/intents/{intent}", {}, None, exchange.forward)
    )
    webhook = {"url": found["data"]["webhook"]["url"]}
    data = {"event_type": "webhook", "status": "deployed", "webhook": webhook}
    return 200, {"success": True, "message": "ok", "data": data}


def _lenient_webhook_patch(exchange: Exchange) -> None:
    if _is(exchange, "PATCH", "webhooks", "*") and "url" not in exchange.body:
        _, stored = exchange.forward(Exchange("GET", exchange.path, {}, None, exchange.forward))
        exchange.body = {k: stored["data"][k] for k in ("url", "events")} | exchange.body


def _patch_clears_secret(exchange: Exchange) -> None:
    if _is(exchange, "PATCH", "webhooks", "*"):
        exchange.body.setdefault("secret_key", None)


def _webhook_id(hooks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{("id" if k == "webhook_uuid" else k): v for k, v in h.items()} for h in hooks]


EVERYTHING_DIFFERENT = [
    Difference(request=_cap_per_page),
    Difference(answer=_agent_pages(_laravel)),
    Difference(respond=lambda e: error(404) if _is(e, "GET") else None),
    Difference(answer=_list_items("intents", lambda items: {"items": items})),
    Difference(answer=_rename_in_agents(_transfer_to)),
    Difference(answer=_rename_in_agents(_appointment_settings)),
    Difference(respond=_event_is_the_inline_webhook),
    Difference(respond=lambda e: error(405) if _is(e, "PATCH", "guidelines", "*") else None),
    Difference(
        respond=lambda e: (
            error(422, "items") if _is(e, "PUT", "notes") and "items" not in e.body else None
        )
    ),
    Difference(request=_lenient_webhook_patch),
    Difference(request=_patch_clears_secret),
]
PLAIN_LISTS_AND_OTHER_IDS = [
    Difference(answer=_agent_pages(_plain)),
    Difference(answer=_list_items("webhooks", _webhook_id)),
]


def _hostile_target(project: Project, base_url: str) -> None:
    yaml = YAML()
    config_file = project.root / "mhsync.yaml"
    config = yaml.load(config_file.read_text(encoding="utf-8"))
    config["targets"]["hostile"] = {**config["targets"]["local"], "base_url": base_url}
    with config_file.open("w", encoding="utf-8") as handle:
        yaml.dump(config, handle)


def _run_hostile(project: Project, mh: Mh, differences: list[Difference]) -> Result:
    with HostileProxy(project.sandbox, differences).serve() as base_url:
        _hostile_target(project, base_url)
        result = mh("doctor", "--target", "hostile", "--json")
    assert doctor_agents(project) == []
    return result


def test_a_server_unlike_the_contract_is_reported_fact_by_fact(project: Project, mh: Mh) -> None:
    result = _run_hostile(project, mh, EVERYTHING_DIFFERENT)
    assert result.code == 1, result.text
    facts = _facts(result)
    expected = {
        "list.per_page": ("differs", "asked 100, answered per_page 10 (a cap)"),
        "list.meta": ("tolerated", "data.data + current_page, last_page, per_page, total"),
        "agent.get": ("differs", "answered 404"),
        "intents.list": ("tolerated", "data.items, items with intent_uuid"),
        "webhooks.list": ("holds", "a plain list, items with webhook_uuid"),
        "routing_rules.fields": (
            "differs",
            "not returned: destination; unknown fields returned: transfer_to",
        ),
        "appointments.key": ("differs", "under the key appointment_settings, not appointments"),
        "intents.event": ("differs", "the event shows the inline intent webhook"),
        "guidelines.patch": ("differs", "answered 405"),
        "notes.patch": ("holds", "updated, uuid kept"),
        "notes.put": ("differs", "answered 422 on items"),
        "procedures.put": ("holds", "replaced, 1 as sent"),
        "routing_rules.put": ("holds", "replaced, 2 as sent"),
        "webhooks.patch_requires": ("differs", "accepted a PATCH without url and events"),
        "webhooks.secret_kept": ("differs", "the secret was cleared"),
    }
    assert set(facts) == set(expected)
    for key, (status, observed) in expected.items():
        assert facts[key]["status"] == status, (key, facts[key])
        assert facts[key]["observed"].startswith(observed), (key, facts[key]["observed"])
    report = json.loads(result.out)
    assert report["ok"] is False
    assert {c["name"]: c["ok"] for c in report["checks"]}["delete the agent"] is True


def test_plain_lists_and_unknown_ids_are_tolerated_or_named(project: Project, mh: Mh) -> None:
    result = _run_hostile(project, mh, PLAIN_LISTS_AND_OTHER_IDS)
    assert result.code == 1, result.text
    facts = {key: (f["status"], f["observed"]) for key, f in _facts(result).items()}
    assert facts.pop("list.meta") == (
        "tolerated",
        "a plain list, no meta; read on until an empty page",
    )
    assert facts.pop("list.per_page")[0] == FactStatus.UNCHECKED.value
    assert facts.pop("webhooks.list") == (
        "differs",
        "items carry no webhook_uuid (fields: created_at, events, has_secret, id, is_active, "
        "updated_at, url)",
    )
    for key in ("webhooks.patch_requires", "webhooks.secret_kept"):
        assert facts.pop(key) == ("not checked", "the doctor's webhook was not listed")
    assert {status for status, _ in facts.values()} == {"holds"}


def test_the_json_report_never_holds_a_secret(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = iter(range(10))
    monkeypatch.setattr(
        "mhsync.workflows.doctor.secrets.token_urlsafe",
        lambda _: f"{SECRET_MARKER}-{next(counter)}",
    )
    result = _run_hostile(project, mh, EVERYTHING_DIFFERENT)
    assert SECRET_MARKER not in result.out + result.err
    assert next(counter) >= 2  # both generated secrets were used
