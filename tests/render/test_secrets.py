"""No rendering ever shows a secret value, whatever the plan holds.

Desired states carry ``${env:NAME}`` references only; the environment holds the values (set
here, so that any code resolving references by mistake would leak them into the output).
A plan built by hand with a raw value at a sensitive path is masked too (defence in depth).
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st
from planner.factories import desired_agent, have, live_agent, want, workspace

from mhsync.plan import Action
from mhsync.planner import plan
from mhsync.render import render_json, render_markdown, render_text

from .helpers import change, field, one_agent

SECRETS = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=12, max_size=24).map(
    lambda s: "sk_" + s
)


def renderings(made: object) -> list[str]:
    return [
        render_text(made, color=False),  # type: ignore[arg-type]
        render_text(made, color=True),  # type: ignore[arg-type]
        render_markdown(made),  # type: ignore[arg-type]
        render_json(made),  # type: ignore[arg-type]
    ]


@settings(max_examples=25, deadline=None)
@given(hook=SECRETS, token=SECRETS, new_agent=st.booleans())
def test_secret_values_never_appear(hook: str, token: str, new_agent: bool) -> None:
    os.environ["MHSYNC_T_HOOK"] = hook
    os.environ["MHSYNC_T_TOKEN"] = token
    try:
        desired = desired_agent(
            "a",
            webhooks=[
                want(
                    "webhooks",
                    url="https://h/1",
                    events=["intent_call"],
                    secret_key="${env:MHSYNC_T_HOOK}",
                )
            ],
            intents=[
                want(
                    "intents",
                    name="Book",
                    webhook={"url": "https://i", "auth_token": "${env:MHSYNC_T_TOKEN}"},
                )
            ],
        )
        live = (
            workspace()
            if new_agent
            else workspace(
                live_agent(
                    "a",
                    "u-1",
                    webhooks=[have("webhooks", "w-1", url="https://h/2", events=["intent_call"])],
                )
            )
        )
        made = plan(workspace(desired), live, target="t")
        assert made.has_changes
        for text in renderings(made):
            assert hook not in text and token not in text
        for text in renderings(made)[:3]:
            assert "${env:" not in text
            assert "(sensitive value)" in text
    finally:
        del os.environ["MHSYNC_T_HOOK"], os.environ["MHSYNC_T_TOKEN"]


def test_raw_values_at_sensitive_paths_are_masked_everywhere() -> None:
    leaked = "sk_live_SHOULD_NEVER_PRINT"
    made = one_agent(
        change(
            Action.CREATE,
            'agent[a].webhooks["https://h/1"]',
            after={"url": "https://h/1", "secret_key": leaked},
            sensitive=("secret_key",),
        ),
        change(
            Action.UPDATE,
            'agent[a].intents["book"]',
            before={"webhook": {"url": "u"}},
            after={"webhook": {"url": "u", "auth_token": leaked}},
            fields=(field("webhook", {"url": "u"}, {"url": "u", "auth_token": leaked}),),
            sensitive=("webhook.auth_token",),
        ),
        change(
            Action.REPLACE,
            "agent[a].webhooks",
            before=[],
            after=[{"url": "https://h/1", "secret_key": leaked}],
            sensitive=("0.secret_key",),
        ),
    )
    for text in renderings(made):
        assert leaked not in text


def test_a_plan_file_with_an_odd_index_in_a_sensitive_path_renders_masked() -> None:
    """``"²".isdigit()`` is true and ``int("²")`` fails: the mask walked lists with ``isdigit``
    and crashed on a hand-edited plan file. A list index is ``str(int)`` in every reader now;
    any other part names no list element, and the rest of the change is still masked."""
    leaked = "sk_live_SHOULD_NEVER_PRINT"
    made = one_agent(
        change(
            Action.REPLACE,
            "agent[a].webhooks",
            before=[],
            after=[{"url": "https://h/1", "secret_key": leaked}],
            sensitive=("².secret_key", "0.secret_key"),
        ),
    )
    for text in renderings(made):
        assert leaked not in text
