"""Every API path mhsync requests, spelt in this one module.

Paths are relative to the base URL (``https://{tenant}.mindhunters.ai/api/v1``). A section's
own path below its agent (``/guard-rules``) is data in the descriptor table; the functions here
join it to the agent's. They sit beside the table (layer 1) so that every layer that talks to
the API (``convert``, ``live``, ``planner``, ``executor``, ``workflows``) takes its paths from
here; a test (``tests/architecture/test_api_paths.py``) keeps path literals out of the rest of
mhsync. The sandbox keeps its own routes: it is an independent reading of the contract.
"""

from __future__ import annotations

from mhsync.sections.descriptor import SectionDescriptor

AGENTS = "/agents"
"""The agent list: ``GET`` it page by page, ``POST`` to it to create an agent."""

UUID = "{uuid}"
"""Stands for any uuid in a path template (``/agents/{uuid}/webhooks``), for messages."""


def agent_path(uuid: str) -> str:
    """``/agents/{uuid}``: one agent, read, patched or deleted."""
    return f"{AGENTS}/{uuid}"


def new_agent_path(handle: str) -> str:
    """The path of an agent created earlier in the same apply, unknown at plan time.

    ``{agent:HANDLE}`` is the placeholder the executor replaces with the uuid the create
    answered (``mhsync.executor.context``).
    """
    return agent_path(f"{{agent:{handle}}}")


def section_path(agent: str, descriptor: SectionDescriptor) -> str:
    """A section of the agent at ``agent``: its list, or where the whole section is put."""
    return f"{agent}{descriptor.path}"


def item_path(agent: str, descriptor: SectionDescriptor, item_uuid: str) -> str:
    """One item of a section of the agent at ``agent``."""
    return f"{agent}{descriptor.item_path(item_uuid)}"


def item_event_path(item: str) -> str:
    """The event configuration of an intent (CONTRACT section 4), below the item's path."""
    return f"{item}/event"
