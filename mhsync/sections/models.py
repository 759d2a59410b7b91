"""Pydantic models of one agent as a manifest spells it.

These models are the manifest language (field names are the API's, so readers of the Mindhunters
docs recognise them) and the source of the JSON Schema. Defaults written here are the server's
documented defaults: a manifest that omits a field means "the server default", so both sides agree
after normalisation. References are by name (``destination_agent``, step ``intent``); the raw uuid
forms stay available for objects outside the repository.

Conditional rules (a forward guard rule needs a destination, ...) live in the manifest validator,
not here, so that every violation can be reported with its location instead of the first one only.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DetectionMode = Literal["exact", "intent", "both"]
DestinationType = Literal["extension", "phone_number", "agent"]
ThenAction = Literal["forward", "end_conversation"]
Channel = Literal["phone", "instagram", "whatsapp", "facebook_messenger"]
WebhookEvent = Literal[
    "conversation_status",
    "conversation_end_report",
    "conversation_update",
    "voice_evaluation",
    "text_evaluation",
    "intent_call",
]
Speed = Literal["normal", "fast"]
AgentStatus = Literal["pending", "in_progress", "ready", "paused", "completed"]


NOT_BLANK = r"\S"
"""Required text holds at least one character that is not whitespace (the server refuses
whitespace-only values with a 422, after earlier changes of the same apply have landed)."""


def _default_channels() -> list[Channel]:
    return ["phone"]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OpenEnded(BaseModel):
    """Groups the API documents only partly: unknown keys pass through as plain data."""

    model_config = ConfigDict(extra="allow")


# --- ordered text sections ---------------------------------------------------------------------


class Guideline(Strict):
    """One guideline; its order is its position in the list."""

    content: str = Field(min_length=1, pattern=NOT_BLANK)


class Note(Strict):
    """One note; its order is its position in the list."""

    content: str = Field(min_length=1, pattern=NOT_BLANK)


# --- procedures ---------------------------------------------------------------------------------


class ProcedureStep(Strict):
    """One step; ``intent`` names an intent of the same agent by its key."""

    description: str | None = None
    intent: str | None = Field(default=None, description="Key of an intent of this agent.")
    intent_uuid: str | None = Field(
        default=None, description="Raw uuid, only for intents not managed in this repository."
    )


class Procedure(Strict):
    name: str = Field(min_length=1, pattern=NOT_BLANK)
    description: str | None = None
    steps: list[ProcedureStep] = Field(default_factory=list)
    previous_keys: list[str] = Field(
        default_factory=list, description="Earlier names, so a rename keeps the live procedure."
    )


# --- training -----------------------------------------------------------------------------------


class TrainingRow(Strict):
    content: str = Field(min_length=1, pattern=NOT_BLANK, description="The customer utterance.")
    intent: str | None = Field(default=None, description="Free-text label.")
    response: str | None = None


# --- routing and guard rules --------------------------------------------------------------------


class RoutingRule(Strict):
    department_name: str = Field(min_length=1, pattern=NOT_BLANK)
    detection_mode: DetectionMode = "intent"
    trigger_keyword: str | None = None
    phrases: list[str] = Field(default_factory=list)
    ai_prompt: str | None = None
    transfer_message: str | None = None
    destination_type: DestinationType | None = None
    destination: str | None = None
    destination_agent: str | None = Field(
        default=None, description="metadata.name of another agent in this repository."
    )
    destination_agent_uuid: str | None = None
    priority: int | None = Field(
        default=None, description="Lower fires first; server picks if omitted."
    )
    is_active: bool = True
    previous_keys: list[str] = Field(default_factory=list)


class GuardRule(Strict):
    name: str = Field(min_length=1, pattern=NOT_BLANK)
    when_condition: str = Field(min_length=1, pattern=NOT_BLANK)
    example_phrases: list[str] = Field(default_factory=list)
    then_action: ThenAction
    selected_channels: list[Channel] = Field(default_factory=_default_channels)
    say_before_forwarding: str | None = None
    say_before_end: str | None = None
    destination_type: DestinationType | None = None
    destination: str | None = None
    destination_agent: str | None = Field(
        default=None, description="metadata.name of another agent in this repository."
    )
    destination_agent_uuid: str | None = None
    is_active: bool = True
    is_default: bool = False
    previous_keys: list[str] = Field(default_factory=list)


# --- intents ------------------------------------------------------------------------------------


class IntentParameter(Strict):
    key: str = Field(min_length=1, pattern=NOT_BLANK)
    default: Any = None
    type: str | None = None
    required: bool = False


class IntentWebhook(Strict):
    url: str | None = None
    auth_token: str | None = Field(
        default=None, description="Must be ${env:NAME}; never a literal."
    )


class Intent(Strict):
    name: str = Field(min_length=1, pattern=NOT_BLANK)
    key: str | None = Field(default=None, description="Derived from name by the server if omitted.")
    description: str | None = None
    recommendation_actions: str | None = None
    confidence_threshold: float | None = Field(default=None, ge=0, le=1)
    intent_llm_handle_by_response: bool | None = None
    webhook: IntentWebhook | None = None
    parameters: list[IntentParameter] = Field(default_factory=list)
    previous_keys: list[str] = Field(default_factory=list)


# --- webhooks -----------------------------------------------------------------------------------


class Webhook(Strict):
    url: str = Field(min_length=1, pattern=NOT_BLANK, description="https only.")
    events: list[WebhookEvent] = Field(min_length=1)
    secret_key: str | None = Field(default=None, description="Must be ${env:NAME}; write-only.")
    is_active: bool = True


# --- appointments -------------------------------------------------------------------------------


class CustomQuestion(Strict):
    name: str = Field(min_length=1, pattern=NOT_BLANK)
    type: str = "text"
    description: str | None = None
    required: bool = False


class AppointmentQuestions(Strict):
    inherit_from_schedule: bool | None = None
    custom_questions: list[CustomQuestion] = Field(default_factory=list)


class ScheduleAssignment(Strict):
    schedule_uuid: str = Field(min_length=1, pattern=NOT_BLANK)
    priority: str | None = None
    status: str | None = None
    name: str | None = None
    description: str | None = None
    slot_rules: dict[str, Any] | None = None
    rescheduling: dict[str, Any] | None = None
    cancellation: dict[str, Any] | None = None
    questions: AppointmentQuestions | None = None
    approval: dict[str, Any] | None = None


class Appointments(Strict):
    enabled: bool = False
    random_assignment: bool = False
    schedule_assignments: list[ScheduleAssignment] = Field(default_factory=list)


# --- settings -----------------------------------------------------------------------------------


class Interaction(OpenEnded):
    customer_speak_first: bool | None = None
    inbound_first_message: str | None = None
    outbound_first_message: str | None = None
    voice_mail_message: str | None = None
    end_call_message: str | None = None
    silence_message: str | None = None
    max_silence_prompts: int | None = None


class InterruptionAdvanced(OpenEnded):
    allow_interruptions: bool | None = None
    preemptive_generation: bool | None = None
    manual_word_count_interrupt: bool | None = None
    resume_after_false_interruption: bool | None = None
    min_endpointing_delay: float | None = None
    max_endpointing_delay: float | None = None
    min_interruption_duration: float | None = None
    false_interruption_timeout: float | None = None
    min_interruption_words: int | None = None
    balanced_interrupt_word_count: int | None = None


class Interruption(OpenEnded):
    mode: str | None = None
    advanced: InterruptionAdvanced | None = None


class VoiceProfile(OpenEnded):
    language: str | None = None
    voice_uuid: str | None = None
    voice_name: str | None = None


class VoiceAdvanced(OpenEnded):
    stability: float | None = None
    similarity: float | None = None
    style: float | None = None
    speed: float | None = None
    speaker_boost: bool | None = None


class CallBehavior(OpenEnded):
    audio_recording: bool | None = None
    background_sound: bool | None = None
    noise_cancellation: bool | None = None
    background_sound_ambience: str | None = None
    background_sound_volume: float | None = None
    silence_timeout_seconds: int | None = None
    max_call_duration_seconds: int | None = None
    max_call_duration_message: str | None = None


class Compliance(OpenEnded):
    eu_gdpr_compliance: bool | None = None
    hipaa_compliance: bool | None = None


class VoiceSettings(OpenEnded):
    interaction: Interaction | None = None
    interruption: Interruption | None = None
    voice_profile: VoiceProfile | None = None
    voice_advanced: VoiceAdvanced | None = None
    call_behavior: CallBehavior | None = None
    compliance: Compliance | None = None
    normalizers: dict[str, Any] | None = None


class Settings(Strict):
    """Only ``voice`` and ``text`` are writable through the agent endpoints."""

    voice: VoiceSettings | None = None
    text: dict[str, Any] | None = None


# --- the agent core -----------------------------------------------------------------------------


class AgentCore(Strict):
    """Scalar fields of the agent (everything that is not a section)."""

    name: str = Field(min_length=1, pattern=NOT_BLANK)
    description: str | None = Field(default=None, description="Internal; not used by the AI.")
    company_name: str | None = None
    role: str | None = None
    objective: str | None = None
    tone: str | None = None
    behavior_guidelines: str | None = None
    company_service: str | None = None
    topic: str | None = None
    length_detail: str | None = None
    interest_of_product: str | None = None
    negative_response: str | None = None
    custom_prompt: str | None = None
    language: str | None = Field(default=None, description="ISO code, e.g. en.")
    speed: Speed = "normal"
    timezone: str | None = Field(default=None, description="IANA name, e.g. Europe/Stockholm.")
    appointment_scheduling_enabled: bool = False
    appointment_scheduling_randomly: bool = False
    custom_llm_url: str | None = None
    status: AgentStatus | None = Field(
        default=None, description="Managed only when set; the server starts agents as pending."
    )
