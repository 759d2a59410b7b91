"""The JSON rendering: the plan file itself (sorted keys, stable), after masking."""

from __future__ import annotations

from mhsync.plan import Plan
from mhsync.render.redact import redact


def render_json(plan: Plan) -> str:
    return redact(plan).to_json()
