"""Conditional field rules and advice, as data.

The API rejects some combinations (CONTRACT 3.1, 3.2, 5) and silently ignores others (a routing
rule in intent mode without an ``ai_prompt`` never fires). Each such fact is one row here; the
checker in ``checks.py`` evaluates rows without knowing any section. Conditions are read from the
model dump, so documented defaults (``detection_mode: intent``) count as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mhsync.manifest.diagnostics import Severity

SET = "<set>"
"""In a ``when`` condition: the field has a non-empty value."""

RuleKind = Literal["require", "forbid", "https", "url"]


@dataclass(frozen=True)
class Rule:
    """``kind`` over ``fields`` of the items of ``sections``, applied when every ``when`` holds.

    - ``require``: at least one of ``fields`` is set (reported on the first, at the item);
    - ``forbid``: none of ``fields`` is set (reported on each one set, at its value);
    - ``https``: each of ``fields`` that is set is an ``https://`` URL;
    - ``url``: each of ``fields`` that is set is an ``http://`` or ``https://`` URL with a host.

    ``when`` pairs a field with the values that trigger the rule (``None``: unset; ``SET``: set).
    ``message`` may name fields of the item in braces: ``{detection_mode}``.
    """

    sections: tuple[str, ...]
    kind: RuleKind
    fields: tuple[str, ...]
    message: str
    when: tuple[tuple[str, frozenset[str | None]], ...] = ()
    severity: Severity = "error"
    code: str = "conditional"


def _when(**conditions: set[str | None]) -> tuple[tuple[str, frozenset[str | None]], ...]:
    return tuple((name, frozenset(values)) for name, values in conditions.items())


_TRANSFERS = ("routing_rules", "guard_rules")
_AGENT_DESTINATION = ("destination_agent", "destination_agent_uuid")
_ADVISED_CORE = ("role", "objective", "tone", "behavior_guidelines", "language")

RULES: tuple[Rule, ...] = (
    # CONTRACT 3.1: exact/both detection matches a keyword.
    Rule(
        ("routing_rules",),
        "require",
        ("trigger_keyword",),
        "is required when detection_mode is {detection_mode}",
        _when(detection_mode={"exact", "both"}),
    ),
    # CONTRACT 3.2: forward needs somewhere to forward to.
    Rule(
        ("guard_rules",),
        "require",
        ("destination_type",),
        "is required when then_action is forward",
        _when(then_action={"forward"}),
    ),
    Rule(
        ("guard_rules",),
        "require",
        ("destination", *_AGENT_DESTINATION),
        "is required when then_action is forward (or destination_agent for an agent)",
        _when(then_action={"forward"}, destination_type={None}),
    ),
    # CONTRACT 3.1 / 3.2: the destination field that goes with each destination type.
    Rule(
        _TRANSFERS,
        "require",
        ("destination",),
        "is required when destination_type is {destination_type}",
        _when(destination_type={"extension", "phone_number"}),
    ),
    Rule(
        _TRANSFERS,
        "require",
        _AGENT_DESTINATION,
        "is required when destination_type is agent (or destination_agent_uuid)",
        _when(destination_type={"agent"}),
    ),
    Rule(
        _TRANSFERS,
        "require",
        ("destination_type",),
        "is required when destination is set",
        _when(destination={SET}),
    ),
    Rule(
        _TRANSFERS,
        "forbid",
        _AGENT_DESTINATION,
        "is only allowed with destination_type agent",
        _when(destination_type={"extension", "phone_number", None}),
    ),
    # CONTRACT 5: webhooks are https only.
    Rule(("webhooks",), "https", ("url",), "must be an https:// URL", code="https"),
    # CONTRACT 2.2: custom_llm_url is a URL (the API refuses a placeholder such as "<string>").
    Rule(
        ("core",),
        "url",
        ("custom_llm_url",),
        "must be an http:// or https:// URL with a host",
        code="url",
    ),
    # Advice from the API docs: warnings, failures only with --strict.
    Rule(
        ("routing_rules",),
        "require",
        ("ai_prompt",),
        "is not set: in {detection_mode} mode the rule never fires without it",
        _when(detection_mode={"intent", "both"}),
        severity="warning",
        code="never-fires",
    ),
    Rule(
        ("routing_rules",),
        "require",
        ("phrases",),
        "is empty: in {detection_mode} mode the rule needs example phrases (3-5 advised)",
        _when(detection_mode={"intent", "both"}),
        severity="warning",
        code="never-fires",
    ),
    Rule(
        ("guard_rules",),
        "require",
        ("example_phrases",),
        "is empty: a guard rule cannot fire reliably without example phrases (3-5 advised)",
        severity="warning",
        code="cannot-fire",
    ),
    *(
        Rule(
            ("core",),
            "require",
            (name,),
            "is not set: the API docs advise it for every agent",
            severity="warning",
            code="advised-field",
        )
        for name in _ADVISED_CORE
    ),
)
