"""The throwaway agent ``mhsync doctor`` creates: every field of every section, set once.

Values are chosen away from the documented defaults (``is_active: false``, ``speed: fast``,
booleans flipped), so a server that drops a field cannot hide behind a default that happens to
match. A test walks the manifest models and fails when a field is added to them but not here, so
the self-test keeps covering the whole contract. The only fields left out are alternative
spellings of a reference that read back as the name form (``UNCOVERED``).

Secrets are never values here: the manifest names two environment variables that exist only in
the private environment doctor hands to the loader and the executor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WEBHOOK_SECRET_VAR = "MHSYNC_DOCTOR_WEBHOOK_SECRET"
INTENT_TOKEN_VAR = "MHSYNC_DOCTOR_INTENT_TOKEN"
INTENT_KEY = "doctor_check"

UNCOVERED: dict[str, str] = {
    "destination_agent_uuid": "raw-uuid form of destination_agent; reads back as the name",
    "intent_uuid": "raw-uuid form of a step's intent; reads back as the key",
    "previous_keys": "steers mhsync's matching; never sent to the API",
}
"""Model fields the doctor agent does not set, and why."""


@dataclass(frozen=True)
class DoctorAgent:
    """Who the throwaway agent is: its handle (also its display name) and the ids it uses."""

    handle: str
    webhook_url: str
    schedule_uuid: str


def doctor_manifest(agent: DoctorAgent) -> dict[str, Any]:
    """The manifest document (plain data, ready to dump as YAML)."""
    return {
        "apiVersion": "mhsync/v1",
        "kind": "Agent",
        "metadata": {"name": agent.handle, "labels": {"mhsync": "doctor"}},
        "spec": {**_core(agent), **_sections(agent)},
    }


def _core(agent: DoctorAgent) -> dict[str, Any]:
    return {
        "name": agent.handle,
        "description": "Temporary agent of `mhsync doctor`; deleted when the check ends.",
        "company_name": "mhsync doctor",
        "role": "Round-trip self-test",
        "objective": "Exercise every field once.",
        "tone": "Plain",
        "behavior_guidelines": "Never answer a real customer.",
        "company_service": "None",
        "topic": "Self-test",
        "length_detail": "One sentence",
        "interest_of_product": "None",
        "negative_response": "End the conversation",
        "custom_prompt": "This agent only exists while mhsync doctor runs.",
        "language": "en",
        "speed": "fast",
        "timezone": "Europe/Stockholm",
        "appointment_scheduling_enabled": True,
        "appointment_scheduling_randomly": True,
        "custom_llm_url": "https://llm.example.com/mhsync-doctor",
        "status": "paused",
        "settings": _settings(),
    }


def _settings() -> dict[str, Any]:
    return {
        "voice": {
            "interaction": {
                "customer_speak_first": True,
                "inbound_first_message": "Doctor inbound.",
                "outbound_first_message": "Doctor outbound.",
                "voice_mail_message": "Doctor voice mail.",
                "end_call_message": "Doctor goodbye.",
                "silence_message": "Doctor silence.",
                "max_silence_prompts": 3,
            },
            "interruption": {
                "mode": "advance",
                "advanced": {
                    "allow_interruptions": False,
                    "preemptive_generation": True,
                    "manual_word_count_interrupt": True,
                    "resume_after_false_interruption": False,
                    "min_endpointing_delay": 0.6,
                    "max_endpointing_delay": 2.5,
                    "min_interruption_duration": 0.3,
                    "false_interruption_timeout": 1.25,
                    "min_interruption_words": 2,
                    "balanced_interrupt_word_count": 4,
                },
            },
            "voice_profile": {
                "language": "en-GB",
                "voice_uuid": "doctor-voice",
                "voice_name": "Doc",
            },
            "voice_advanced": {
                "stability": 0.55,
                "similarity": 0.75,
                "style": 0.1,
                "speed": 1.1,
                "speaker_boost": False,
            },
            "call_behavior": {
                "audio_recording": False,
                "background_sound": True,
                "noise_cancellation": False,
                "background_sound_ambience": "office",
                "background_sound_volume": 0.3,
                "silence_timeout_seconds": 15,
                "max_call_duration_seconds": 120,
                "max_call_duration_message": "Doctor time is up.",
            },
            "compliance": {"eu_gdpr_compliance": True, "hipaa_compliance": True},
            "normalizers": {"numbers": "spell_out"},
        },
        "text": {"greeting": "Doctor text greeting."},
    }


def _sections(agent: DoctorAgent) -> dict[str, Any]:
    return {
        "guidelines": ["First doctor guideline.", {"content": "Second doctor guideline."}],
        "notes": ["First doctor note.", {"content": "Second doctor note."}],
        "training": [
            {"content": "Is this a test?", "intent": "doctor", "response": "Yes, a self-test."}
        ],
        "routing_rules": _routing_rules(agent),
        "guard_rules": _guard_rules(agent),
        "intents": [_intent()],
        "procedures": [
            {
                "name": "Doctor procedure",
                "description": "Uses the doctor intent.",
                "steps": [
                    {"description": "Greet."},
                    {"description": "Run the check.", "intent": INTENT_KEY},
                ],
            }
        ],
        "webhooks": [
            {
                "url": agent.webhook_url,
                "events": ["intent_call", "conversation_status"],
                "secret_key": f"${{env:{WEBHOOK_SECRET_VAR}}}",
                "is_active": False,
            }
        ],
        "appointments": _appointments(agent),
    }


def _routing_rules(agent: DoctorAgent) -> list[dict[str, Any]]:
    return [
        {
            "department_name": "Doctor desk",
            "detection_mode": "both",
            "trigger_keyword": "doctor desk",
            "phrases": ["Doctor desk please", "Put me through", "Talk to the desk"],
            "ai_prompt": "The caller asks for the doctor desk.",
            "transfer_message": "Transferring to the desk.",
            "destination_type": "extension",
            "destination": "101",
            "priority": 1,
            "is_active": False,
        },
        {
            "department_name": "Doctor agent",
            "detection_mode": "exact",
            "trigger_keyword": "doctor agent",
            "destination_type": "agent",
            "destination_agent": agent.handle,
            "priority": 2,
        },
    ]


def _guard_rules(agent: DoctorAgent) -> list[dict[str, Any]]:
    return [
        {
            "name": "Doctor forward",
            "when_condition": "The caller asks for an emergency doctor.",
            "example_phrases": ["Emergency", "I need help now", "Urgent"],
            "then_action": "forward",
            "selected_channels": ["whatsapp", "phone"],
            "say_before_forwarding": "Forwarding you now.",
            "destination_type": "extension",
            "destination": "102",
            "is_active": False,
        },
        {
            "name": "Doctor end",
            "when_condition": "The caller is abusive.",
            "example_phrases": ["Abuse one", "Abuse two", "Abuse three"],
            "then_action": "end_conversation",
            "selected_channels": ["instagram", "facebook_messenger"],
            "say_before_end": "Ending the conversation.",
            "is_default": True,
        },
        {
            "name": "Doctor agent forward",
            "when_condition": "The caller asks for the doctor agent.",
            "example_phrases": ["Doctor agent", "The other agent", "Agent please"],
            "then_action": "forward",
            "destination_type": "agent",
            "destination_agent": agent.handle,
        },
    ]


def _intent() -> dict[str, Any]:
    return {
        "name": "Doctor check",
        "key": INTENT_KEY,
        "description": "The doctor's own intent.",
        "recommendation_actions": "Nothing to do.",
        "confidence_threshold": 0.8,
        "intent_llm_handle_by_response": True,
        "webhook": {
            "url": "https://hooks.example.com/mhsync-doctor/intent",
            "auth_token": f"${{env:{INTENT_TOKEN_VAR}}}",
        },
        "parameters": [{"key": "case", "default": "routine", "type": "string", "required": True}],
    }


def _appointments(agent: DoctorAgent) -> dict[str, Any]:
    return {
        "enabled": True,
        "random_assignment": True,
        "schedule_assignments": [
            {
                "schedule_uuid": agent.schedule_uuid,
                "priority": "primary",
                "status": "active",
                "name": "Doctor schedule",
                "description": "Never booked.",
                "slot_rules": {"max_appointments_per_day": 1},
                "rescheduling": {"allowed": False},
                "cancellation": {"allowed": True, "min_notice_hours": 2},
                "questions": {
                    "inherit_from_schedule": True,
                    "custom_questions": [
                        {
                            "name": "Case number",
                            "type": "number",
                            "description": "Any number",
                            "required": True,
                        }
                    ],
                },
                "approval": {"required": True},
            }
        ],
    }
