"""What a caller may tell the planner beyond the two states: the safety rails for deletes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanOptions:
    """``prune`` deletes live agents that no manifest names; ``protected`` (handles or uuids)
    are never deleted; ``max_deletes`` stops a plan with more delete changes than that.

    ``named_scope``: the caller narrowed the live side to agents named one by one (``--agent``),
    so an empty desired side means "only those", not "no manifests loaded"; without it, a prune
    with nothing desired is refused.

    ``confirmed_deletes`` (handles or uuids of live agents): deletes the user confirmed although
    they pair with a new protected agent as a possible rename (``planner.renames``).

    ``resend_secrets``: every secret a matched item's manifest references (webhook
    ``secret_key``, intent ``webhook.auth_token``) is sent again, changed or not (rotation).
    The API never returns them, so the planner cannot tell a rotated value from the old one.
    """

    prune: bool = False
    max_deletes: int | None = None
    protected: frozenset[str] = frozenset()
    named_scope: bool = False
    confirmed_deletes: frozenset[str] = frozenset()
    resend_secrets: bool = False
