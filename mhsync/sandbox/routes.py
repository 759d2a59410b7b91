"""The route table: which function serves which method on which path under ``/api/v1``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import agents, intents, section_api, webhooks
from .context import Ctx
from .sections import BY_SEGMENT
from .wire import Response

BASE_PATH = "/api/v1"
Endpoint = Callable[[Ctx], Response]
Methods = dict[str, Endpoint]

_AGENTS: Methods = {"GET": agents.list_agents, "POST": agents.create_agent}
_AGENT: Methods = {
    "GET": agents.get_agent,
    "PATCH": agents.update_agent,
    "PUT": agents.update_agent,
    "DELETE": agents.delete_agent,
}
_CHILD_LISTS: dict[str, Methods] = {
    "intents": {"GET": intents.list_intents, "POST": intents.create_intent},
    "webhooks": {"GET": webhooks.list_webhooks, "POST": webhooks.create_webhook},
    "appointments": {"PUT": section_api.put_appointments},
}
_CHILD_ITEMS: dict[str, Methods] = {
    "intents": {
        "GET": intents.get_intent,
        "PATCH": intents.patch_intent,
        "DELETE": intents.delete_intent,
    },
    "webhooks": {
        "GET": webhooks.get_webhook,
        "PATCH": webhooks.patch_webhook,
        "DELETE": webhooks.delete_webhook,
    },
}
_SECTION_LIST: Methods = {
    "PUT": section_api.replace_section,
    "POST": section_api.add_section_item,
}
_SECTION_ITEM: Methods = {
    "PATCH": section_api.patch_section_item,
    "DELETE": section_api.delete_section_item,
}


@dataclass(frozen=True)
class Match:
    """A known path: its parameters and the methods it accepts."""

    params: dict[str, str]
    methods: Methods


def match(path: str) -> Match | None:
    """Match a request path (without query string); a trailing slash is tolerated."""
    if path != BASE_PATH and not path.startswith(BASE_PATH + "/"):
        return None
    segments = [segment for segment in path[len(BASE_PATH) :].split("/") if segment]
    if not segments or segments[0] != "agents":
        return None
    rest = segments[1:]
    if not rest:
        return Match({}, _AGENTS)
    params = {"agent": rest[0]}
    if len(rest) == 1:
        return Match(params, _AGENT)
    child = rest[1]
    if len(rest) == 2:
        if child in _CHILD_LISTS:
            return Match(params, _CHILD_LISTS[child])
        if child in BY_SEGMENT:
            return Match({**params, "section": child}, _SECTION_LIST)
        return None
    if len(rest) == 3:
        params["item"] = rest[2]
        if child in _CHILD_ITEMS:
            return Match(params, _CHILD_ITEMS[child])
        if child in BY_SEGMENT:
            return Match({**params, "section": child}, _SECTION_ITEM)
    return None
