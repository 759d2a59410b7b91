"""``mhsync doctor``'s contract probes: each ASSUMED fact of CONTRACT.md, observed on a workspace.

They run after the round trip, on the doctor's temporary agent only (the agent list is read,
never written): reads first, then writes that leave the agent as it was (a PATCH with the
current values, a PUT of the same items). Request bodies are the ones mhsync itself builds
(``executor.bodies``), so "accepted" means mhsync's own requests work there. Raw answers are
read through ``ApiClient.request``, so the envelope is seen as the server sent it.

A probe reports what it saw in words; which facts exist and where each lives in the code is
the table in ``mhsync.planner.contract_facts``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mhsync.client import ApiClient
from mhsync.client.envelope import unwrap
from mhsync.convert import References, UnresolvedReferenceError, fields_to_api, identity_of
from mhsync.errors import ApiError, MhsyncError
from mhsync.executor.bodies import build_body
from mhsync.plan import Action, CallKind, Change, FieldChange
from mhsync.planner.contract_facts import (
    FACTS,
    META_KEYS,
    ROUTING_DESTINATION_FIELDS,
    FactResult,
    FactStatus,
)
from mhsync.roundtrip import FindingKind, compare_values, server_owned
from mhsync.sections import REFERENCED, SectionDescriptor, api_paths, section
from mhsync.state import AgentState, get_path

Observation = tuple[FactStatus, str]
PAGE_ASKED = 100


class _Refused(Exception):
    """A 4xx answer: for a probe, that is the observation, not a failure."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(str(error))
        self.status = error.status
        self.field = error.field

    def __str__(self) -> str:
        return f"{self.status}" + (f" on {self.field}" if self.field else "")


@dataclass(frozen=True)
class _Listing:
    shape: str
    items: list[Any]
    meta: dict[str, Any]
    """Meta keys found beside the items (``data``), or elsewhere in the body (``where``)."""
    where: str


def _listing(body: Any) -> _Listing:
    data = unwrap(body)
    holders: list[tuple[str, Any]] = [("", data), (" in the body", body)]
    for holder in (data, body):
        if isinstance(holder, dict) and isinstance(holder.get("meta"), dict):
            holders.append((" in a meta object", holder["meta"]))
    meta: dict[str, Any] = {}
    where = ""
    for name, holder in holders:
        if isinstance(holder, dict) and (found := {k: holder[k] for k in META_KEYS if k in holder}):
            meta, where = found, name
            break
    if isinstance(data, list):
        return _Listing("a plain list", data, meta, where)
    if isinstance(data, dict):
        for key in ("items", "data"):
            if isinstance(data.get(key), list):
                return _Listing(f"data.{key}", data[key], meta, where)
    return _Listing("no list", [], meta, where)


class ContractProbe:
    """The probes of one doctor run; ``agent_uuid`` None means the agent was never read back."""

    def __init__(self, client: ApiClient, sent: AgentState, agent_uuid: str | None) -> None:
        self.client = client
        self.sent = sent
        self.agent_uuid = agent_uuid
        self.item_uuids: dict[str, str] = {}
        """Section key -> uuid of the doctor's own item, learnt from the list probes."""
        self.get_one_works = False
        """Whether ``GET /agents/{uuid}`` answered the agent (learnt by its probe)."""

    def run(self, on_fact: Callable[[FactResult], None] | None = None) -> list[FactResult]:
        results = []
        for fact in FACTS:
            probe = _PROBES[fact.key]
            try:
                status, observed = probe(self)
            except _Refused as exc:
                status, observed = FactStatus.DIFFERS, f"answered {exc}"
            except (MhsyncError, _Missing, UnresolvedReferenceError) as exc:
                status, observed = FactStatus.UNCHECKED, str(exc)
            result = FactResult(fact, status, observed)
            results.append(result)
            if on_fact is not None:
                on_fact(result)
        return results

    # -- requests ------------------------------------------------------------------------------

    def call(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> Any:
        """The decoded body; a 4xx raises ``_Refused`` (5xx and transport errors propagate)."""
        try:
            return self.client.request(method, path, params=params, json=json)
        except ApiError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                raise _Refused(exc) from None
            raise

    @property
    def agent_path(self) -> str:
        if self.agent_uuid is None:
            raise _Missing("the doctor agent was not created and read back")
        return api_paths.agent_path(self.agent_uuid)

    def agent(self) -> dict[str, Any]:
        """The doctor agent's JSON: by ``GET /agents/{uuid}`` when that probe held, else from
        the agent list (DOC: its items are full agents)."""
        if self.get_one_works:
            data = unwrap(self.call("GET", self.agent_path))
            if isinstance(data, dict):
                return data
        path = self.agent_path  # raises when there is no agent
        for raw in self.client.paginate(api_paths.AGENTS):
            if raw.get("agent_uuid") == self.agent_uuid:
                return raw
        raise _Missing(f"the doctor agent is not in the agent list ({path})")

    def refs(self) -> References:
        """The doctor agent is its own routing target; its own items are the ones names name."""
        items = {key: {uuid: self._own(key)} for key in REFERENCED if (uuid := self._own_uuid(key))}
        return References({str(self.agent_uuid): self.sent.handle}, items)

    def _own_uuid(self, key: str) -> str | None:
        """The uuid of the doctor's item of ``key``: from its list probe, else (a section the
        agent JSON embeds) from the agent."""
        descriptor = section(key)
        if key not in self.item_uuids and descriptor.embedded_as and self.sent.collections.get(key):
            for raw in self.agent().get(descriptor.embedded_as) or []:
                uuid = raw.get(descriptor.uuid_field) if isinstance(raw, dict) else None
                if uuid and identity_of(descriptor, dict(raw)) == self._own(key):
                    self.item_uuids[key] = str(uuid)
        return self.item_uuids.get(key)

    def _own(self, key: str) -> str:
        return self.sent.collections[key][0].key

    def api_items(self, descriptor: SectionDescriptor) -> list[dict[str, Any]]:
        """The doctor's items of a section as mhsync sends them (names as uuids)."""
        refs = self.refs()
        return [
            fields_to_api(descriptor, item.fields, refs=refs, secrets={}, resolve_secret=_no_secret)
            for item in self.sent.collections.get(descriptor.key, [])
        ]

    # -- reads ---------------------------------------------------------------------------------

    def _agents_page(self, per_page: int, page: int) -> Any:
        return self.call("GET", api_paths.AGENTS, params={"per_page": per_page, "page": page})

    def per_page(self) -> Observation:
        first = _listing(self._agents_page(PAGE_ASKED, 1))
        answered = first.meta.get("per_page")
        if isinstance(answered, int) and not isinstance(answered, bool):
            if answered == PAGE_ASKED:
                return FactStatus.HOLDS, f"answered per_page {answered}"
            return FactStatus.DIFFERS, f"asked {PAGE_ASKED}, answered per_page {answered} (a cap)"
        count = len(first.items)
        if count >= PAGE_ASKED:
            return FactStatus.HOLDS, f"{count} agents on page 1"
        second = _listing(self._agents_page(PAGE_ASKED, 2))
        if second.items:
            return FactStatus.DIFFERS, f"page 1 held {count} agents and page 2 more: a cap"
        return FactStatus.UNCHECKED, f"{count} agents and no per_page in the answer: too few to see"

    def meta(self) -> Observation:
        listing = _listing(self._agents_page(1, 1))
        missing = [k for k in META_KEYS if k not in listing.meta]
        seen = listing.shape + (
            f" + {', '.join(listing.meta)}{listing.where}" if listing.meta else ", no meta"
        )
        if listing.shape == "no list":
            return FactStatus.DIFFERS, "no list of agents in the answer"
        if len(listing.items) > 1:
            return FactStatus.DIFFERS, f"{seen}; per_page=1 answered {len(listing.items)} agents"
        if listing.shape == "data.items" and not missing and not listing.where:
            return FactStatus.HOLDS, seen
        # CONTRACT 1: Laravel's data.data and plain lists are tolerated, meta or not.
        return FactStatus.TOLERATED, seen + ("; read on until an empty page" if missing else "")

    def get_agent(self) -> Observation:
        data = unwrap(self.call("GET", self.agent_path))
        if isinstance(data, dict) and data.get("agent_uuid") == self.agent_uuid:
            self.get_one_works = True
            return FactStatus.HOLDS, "200, the agent in data"
        return FactStatus.DIFFERS, "answered without the agent (no matching agent_uuid in data)"

    def separate_list(self, key: str) -> Observation:
        descriptor = section(key)
        listing = _listing(self.call("GET", api_paths.section_path(self.agent_path, descriptor)))
        own = next(
            (
                raw
                for raw in listing.items
                if isinstance(raw, dict) and raw.get(descriptor.identity or "") == self._own(key)
            ),
            None,
        )
        if own is None:
            return FactStatus.DIFFERS, f"{listing.shape}, without the doctor's {key[:-1]}"
        if not own.get(descriptor.uuid_field):
            names = ", ".join(sorted(own))
            return FactStatus.DIFFERS, f"items carry no {descriptor.uuid_field} (fields: {names})"
        self.item_uuids[key] = str(own[descriptor.uuid_field])
        seen = f"{listing.shape}, items with {descriptor.uuid_field}"
        if listing.shape == "a plain list":
            return FactStatus.HOLDS, seen
        if listing.shape == "data.items":  # CONTRACT 4: tolerant of data.items
            return FactStatus.TOLERATED, seen
        return FactStatus.DIFFERS, seen

    def routing_fields(self) -> Observation:
        descriptor = section("routing_rules")
        returned = {
            str(rule.get(descriptor.identity or "")): rule
            for rule in self.agent().get(descriptor.embedded_as or descriptor.key) or []
            if isinstance(rule, dict)
        }
        dropped: set[str] = set()
        changed: set[str] = set()
        for sent in self.api_items(descriptor):
            rule = returned.get(str(sent.get(descriptor.identity or "")), {})
            pick = {k: v for k, v in sent.items() if k in ROUTING_DESTINATION_FIELDS}
            back = {k: rule[k] for k in ROUTING_DESTINATION_FIELDS if k in rule}
            for finding in compare_values("", pick, back):
                if finding.kind is FindingKind.DROPPED:
                    dropped.add(finding.path)
                elif finding.kind is FindingKind.CHANGED:
                    changed.add(finding.path)
        if not dropped and not changed:
            return FactStatus.HOLDS, "returned as sent"
        known = set(descriptor.model.model_fields) | server_owned(descriptor)
        unknown = sorted({k for rule in returned.values() for k in rule} - known)
        parts = [f"not returned: {', '.join(sorted(dropped))}"] if dropped else []
        parts += [f"another value: {', '.join(sorted(changed))}"] if changed else []
        parts += [f"unknown fields returned: {', '.join(unknown)}"] if unknown else []
        return FactStatus.DIFFERS, "; ".join(parts)

    def appointments_key(self) -> Observation:
        descriptor = section("appointments")
        agent = self.agent()
        schedule = get_path(self.sent.objects.get("appointments", {}), "schedule_assignments")
        wanted = schedule[0].get("schedule_uuid") if isinstance(schedule, list) else None

        def holds_ours(value: Any) -> bool:
            assignments = value.get("schedule_assignments") if isinstance(value, dict) else None
            return isinstance(assignments, list) and any(
                isinstance(a, dict) and a.get("schedule_uuid") == wanted for a in assignments
            )

        key = descriptor.embedded_as or descriptor.key
        if holds_ours(agent.get(key)):
            return FactStatus.HOLDS, f"under the key {key}"
        elsewhere = sorted(name for name, value in agent.items() if holds_ours(value))
        if elsewhere:
            return FactStatus.DIFFERS, f"under the key {', '.join(elsewhere)}, not {key}"
        return FactStatus.DIFFERS, "the agent JSON shows no appointment settings"

    def intent_event(self) -> Observation:
        if "intents" not in self.item_uuids:
            raise _Missing("the doctor's intent was not listed")
        path = api_paths.item_event_path(self._own_item_path("intents"))
        try:
            event = unwrap(self.call("GET", path))
        except _Refused as exc:
            if exc.status == 404:
                return FactStatus.HOLDS, "404: not served here"
            raise
        inline = get_path(self.sent.collections["intents"][0].fields, "webhook.url")
        if isinstance(event, dict) and get_path(event, "webhook.url") == inline:
            return FactStatus.DIFFERS, "the event shows the inline intent webhook: they are one"
        kind = event.get("event_type") if isinstance(event, dict) else None
        return FactStatus.HOLDS, f"served (event_type {kind}), apart from the inline webhook"

    # -- writes that leave the agent as it was -------------------------------------------------

    def patch_one(self, key: str) -> Observation:
        descriptor = section(key)
        embedded = descriptor.embedded_as or key
        items = [i for i in self.agent().get(embedded) or [] if isinstance(i, dict)]
        if not items or not items[0].get(descriptor.uuid_field):
            raise _Missing(f"the agent shows no {key} with a {descriptor.uuid_field}")
        first = items[0]
        uuid = str(first[descriptor.uuid_field])
        body = {k: first[k] for k in ("content", descriptor.order_field or "") if k in first}
        answer = unwrap(
            self.call("PATCH", api_paths.item_path(self.agent_path, descriptor, uuid), json=body)
        )
        kept = isinstance(answer, dict) and any(
            isinstance(i, dict) and i.get(descriptor.uuid_field) == uuid
            for i in answer.get(embedded) or []
        )
        if kept:
            return FactStatus.HOLDS, "updated, uuid kept"
        return FactStatus.DIFFERS, "accepted, but the answer shows no item with that uuid"

    def put_section(self, key: str) -> Observation:
        descriptor = section(key)
        path = api_paths.section_path(self.agent_path, descriptor)
        sent = self.sent.collections.get(key, [])
        change = Change(
            address=f"doctor.{key}",
            agent=self.sent.handle,
            section=key,
            action=Action.REPLACE,
            after=[item.fields for item in sent],
        )
        body = build_body(CallKind.SECTION_REPLACE, change, self.refs(), _no_secret)
        answer = unwrap(self.call("PUT", path, json=body))
        items = answer.get(descriptor.embedded_as or key) if isinstance(answer, dict) else None
        if isinstance(items, list) and len(items) == len(sent):
            return FactStatus.HOLDS, f"replaced, {len(items)} as sent"
        return FactStatus.DIFFERS, "accepted, but the answer does not show the items sent"

    def webhook_patch_requires(self) -> Observation:
        hook = self._own_webhook_path()
        is_active = self.sent.collections["webhooks"][0].fields.get("is_active", True)
        try:
            self.call("PATCH", hook, json={"is_active": is_active})
        except _Refused as exc:
            if exc.status == 422:
                return FactStatus.HOLDS, f"422 on {exc.field or 'an unnamed field'}"
            raise
        return FactStatus.DIFFERS, "accepted a PATCH without url and events (mhsync sends them)"

    def webhook_secret_kept(self) -> Observation:
        hook = self._own_webhook_path()
        own = self.sent.collections["webhooks"][0]
        change = Change(
            address="doctor.webhooks",
            agent=self.sent.handle,
            section="webhooks",
            action=Action.UPDATE,
            after=own.fields,
            fields=(FieldChange(path="is_active"),),
        )
        body = build_body(CallKind.ITEM_UPDATE, change, self.refs(), _no_secret)
        try:
            self.call("PATCH", hook, json=body)
        except _Refused as exc:
            return FactStatus.DIFFERS, f"mhsync's webhook PATCH was refused: {exc}"
        after = unwrap(self.call("GET", hook))
        if isinstance(after, dict) and after.get("has_secret") is True:
            return FactStatus.HOLDS, "kept (has_secret true)"
        return FactStatus.DIFFERS, "the secret was cleared (has_secret not true)"

    def _own_webhook_path(self) -> str:
        if "webhooks" not in self.item_uuids:
            raise _Missing("the doctor's webhook was not listed")
        return self._own_item_path("webhooks")

    def _own_item_path(self, key: str) -> str:
        """The path of the doctor's own item of section ``key`` (learnt by a list probe)."""
        return api_paths.item_path(self.agent_path, section(key), self.item_uuids[key])


class _Missing(Exception):
    """Something a probe needs is not there (an earlier step failed): the fact is not checked."""


def _no_secret(reference: str) -> str:
    """Probe bodies never carry a secret: an unchanged one is left out of every body."""
    raise _Missing("a probe body would need a secret value")


Probe = Callable[[ContractProbe], Observation]
_PROBES: dict[str, Probe] = {
    "list.per_page": ContractProbe.per_page,
    "list.meta": ContractProbe.meta,
    "agent.get": ContractProbe.get_agent,
    "intents.list": lambda p: p.separate_list("intents"),
    "webhooks.list": lambda p: p.separate_list("webhooks"),
    "routing_rules.fields": ContractProbe.routing_fields,
    "appointments.key": ContractProbe.appointments_key,
    "intents.event": ContractProbe.intent_event,
    "guidelines.patch": lambda p: p.patch_one("guidelines"),
    "notes.patch": lambda p: p.patch_one("notes"),
    "notes.put": lambda p: p.put_section("notes"),
    "procedures.put": lambda p: p.put_section("procedures"),
    "routing_rules.put": lambda p: p.put_section("routing_rules"),
    "webhooks.patch_requires": ContractProbe.webhook_patch_requires,
    "webhooks.secret_kept": ContractProbe.webhook_secret_kept,
}
"""Fact key -> its probe; a test checks that every fact in the table has one."""
