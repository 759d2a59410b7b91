"""Appointment settings of an agent (CONTRACT 6): always replaced whole, shown on the agent.

The nested rule objects are open-ended data, so assignments are stored as sent: only the known
keys are type-checked, and custom questions get their documented defaults (``type`` text,
``required`` false).
"""

from __future__ import annotations

import copy
from typing import Any

from .validation import Field, build, check_value, require_list, require_object

TOP_FIELDS = (
    Field("enabled", "bool", default=False),
    Field("random_assignment", "bool", default=False),
    Field("schedule_assignments", "list", default=[]),
)
ASSIGNMENT_FIELDS = (
    Field("schedule_uuid"),
    Field("priority"),
    Field("status"),
    Field("name"),
    Field("description"),
    Field("slot_rules", "object"),
    Field("rescheduling", "object"),
    Field("cancellation", "object"),
    Field("questions", "object"),
    Field("approval", "object"),
)
QUESTIONS_FIELDS = (
    Field("inherit_from_schedule", "bool"),
    Field("custom_questions", "list"),
)
CUSTOM_QUESTION_FIELDS = (
    Field("name"),
    Field("type", default="text"),
    Field("description"),
    Field("required", "bool", default=False),
)


def _check_known(fields: tuple[Field, ...], data: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Type-check the known keys that are present; keep every key (open-ended data)."""
    result = copy.deepcopy(data)
    for spec in fields:
        if data.get(spec.name) is not None:
            result[spec.name] = check_value(spec, data[spec.name], prefix + spec.name)
    return result


def build_appointments(raw: Any, prefix: str = "") -> dict[str, Any]:
    """The stored appointment settings for a PUT body (or the agent's ``appointments`` key)."""
    body = require_object(raw, prefix.rstrip("."))
    top = build(TOP_FIELDS, body, prefix)
    assignments = []
    for index, raw_assignment in enumerate(
        require_list(top["schedule_assignments"], prefix + "schedule_assignments")
    ):
        item_prefix = f"{prefix}schedule_assignments.{index}."
        assignment = _check_known(
            ASSIGNMENT_FIELDS, require_object(raw_assignment, item_prefix.rstrip(".")), item_prefix
        )
        questions = assignment.get("questions")
        if isinstance(questions, dict):
            assignment["questions"] = _questions(questions, item_prefix + "questions.")
        assignments.append(assignment)
    top["schedule_assignments"] = assignments
    return top


def _questions(questions: dict[str, Any], prefix: str) -> dict[str, Any]:
    result = _check_known(QUESTIONS_FIELDS, questions, prefix)
    custom = result.get("custom_questions")
    if isinstance(custom, list):
        filled = []
        for index, raw in enumerate(custom):
            q_prefix = f"{prefix}custom_questions.{index}."
            question = require_object(raw, q_prefix.rstrip("."))
            filled.append(
                {**copy.deepcopy(question), **build(CUSTOM_QUESTION_FIELDS, question, q_prefix)}
            )
        result["custom_questions"] = filled
    return result
