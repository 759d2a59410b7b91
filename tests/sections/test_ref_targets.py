"""References and object sections are table data: a section others name is one entry away.

The trial table adds sections the way docs/ARCHITECTURE.md ("How to add a section") says:
``faqs`` (replace + per-item endpoints, read from its own endpoint), ``faq_links``, whose items
name a faq by its question, and an object section ``faq_settings``. Every consumer must handle
them from the table alone: the live converter, the planner (ordering, create-time resolution,
dangling warnings), the executor's run context and the manifest checks. Nothing here edits a
consumer; the table is swapped where each module imported it, as if it had held the entries
from the start.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mhsync import sections
from mhsync.convert import References, agent_from_api, fields_from_api, fields_to_api
from mhsync.executor.context import AgentRun
from mhsync.manifest.checks import check_all
from mhsync.manifest.diagnostics import Diagnostic
from mhsync.manifest.parse import ParsedAgent, ParsedItem
from mhsync.manifest.yamlio import parse_text
from mhsync.plan import Action, AgentPlan, Change
from mhsync.planner.ordering import order_changes
from mhsync.planner.refs import dangling_after, resolvable_at_create
from mhsync.sections import table
from mhsync.sections.descriptor import Ref, SectionDescriptor
from mhsync.sections.models import Strict
from mhsync.state import AgentState, Item


class Faq(Strict):
    question: str
    answer: str | None = None


class FaqLink(Strict):
    topic: str
    faq: str | None = None
    faq_uuid: str | None = None


FAQS = SectionDescriptor(
    key="faqs",
    kind="collection",
    model=Faq,
    path="/faqs",
    level=1,
    identity="question",
    uuid_field="faq_uuid",
    replace="put_wrapped",
    wrapper="faqs",
    item_ops=True,
)

FAQ_LINKS = SectionDescriptor(
    key="faq_links",
    kind="collection",
    model=FaqLink,
    path="/faq-links",
    level=2,
    identity="topic",
    embedded_as="faq_links",
    replace="put_wrapped",
    wrapper="faq_links",
    item_ops=True,
    refs=(Ref("faq_uuid", "faq", "faqs"),),
    create_with_agent=True,
)

FAQ_SETTINGS = SectionDescriptor(
    key="faq_settings",
    kind="object",
    model=Faq,
    path="/faq-settings",
    level=1,
    embedded_as="faq_settings",
    replace="put_bare",
)
"""An object section: read from the agent JSON like settings and appointments."""

_VIEWS = {
    "BY_KEY": "by_key",
    "COLLECTIONS": "collections",
    "OBJECTS": "objects",
    "OPTIONAL_SECTIONS": "optional",
    "REFERENCED": "referenced",
}


EMBEDDED_FAQS = dataclasses.replace(FAQS, embedded_as="faqs", uuid_field="uuid")
"""The variant the Agent JSON carries (so ``POST /agents`` answers with its uuids)."""


@pytest.fixture
def trial_table(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The table with the three trial sections, wherever an ``mhsync`` module bound the table.

    ``faqs`` is read from its own endpoint unless the test asks for ``EMBEDDED_FAQS``.
    """
    added = (getattr(request, "param", FAQS), FAQ_LINKS, FAQ_SETTINGS)
    keys = {d.key for d in added}  # a real section of the same key gives way to the trial one
    trial = (*(d for d in table.SECTIONS if d.key not in keys), *added)
    views = table.views(trial)
    swap: dict[int, Any] = {id(table.SECTIONS): trial}
    for name, view in _VIEWS.items():
        swap[id(getattr(table, name))] = getattr(views, view)
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith("mhsync"):
            continue
        for attribute, value in list(vars(module).items()):
            if id(value) in swap:
                monkeypatch.setattr(module, attribute, swap[id(value)])
    yield


def _raw_agent(**extra: Any) -> dict[str, Any]:
    embedded = {d.embedded_as: [] for d in sections.COLLECTIONS if d.embedded_as}
    return {"agent_uuid": "a-1", "name": "Help", **embedded, **extra}


def _agent(**collections: list[Item]) -> AgentState:
    return AgentState("help", "a-1", objects={"core": {"name": "Help"}}, collections=collections)


REFUND = Item("How do I get a refund?", {"question": "How do I get a refund?"}, "f-1")
LINK = Item("refunds", {"topic": "refunds", "faq": "How do I get a refund?"}, "l-1")


# --- the rule --------------------------------------------------------------------------------


def test_every_ref_target_is_a_section_key() -> None:
    for descriptor in sections.SECTIONS:
        for ref in descriptor.refs:
            assert ref.target in sections.BY_KEY, f"{descriptor.key}.{ref.name_field}"


def test_an_agent_reference_targets_the_core_section() -> None:
    routing = sections.section("routing_rules").refs[0]
    assert routing.target == sections.CORE.key and routing.names_agent
    assert sections.ref_section(routing) is None
    step = sections.section("procedures").refs[0]
    assert sections.ref_section(step) is sections.section("intents")
    assert "intents" in sections.REFERENCED and "procedures" not in sections.REFERENCED


def test_the_table_refuses_a_reference_it_cannot_resolve() -> None:
    ghost = dataclasses.replace(FAQ_LINKS, refs=(Ref("faq_uuid", "faq", "fags"),))
    with pytest.raises(ValueError, match="no section 'fags'"):
        table.views((*table.SECTIONS, FAQS, ghost))
    positional = dataclasses.replace(FAQ_LINKS, refs=(Ref("uuid", "note", "notes"),))
    with pytest.raises(ValueError, match="no item identity"):
        table.views((*table.SECTIONS, positional))


# --- every consumer, from the table alone ---------------------------------------------------


@pytest.mark.usefixtures("trial_table")
def test_convert_reads_and_writes_names_of_a_new_section() -> None:
    raw = _raw_agent(faq_links=[{"uuid": "l-1", "topic": "refunds", "faq_uuid": "f-1"}])
    separate = {"faqs": [{"faq_uuid": "f-1", "question": "How do I get a refund?"}]}
    live = agent_from_api(raw, handle="help", agent_handles={}, separate=separate)
    assert [i.key for i in live.collections["faqs"]] == ["How do I get a refund?"]
    assert live.collections["faq_links"][0].fields == LINK.fields
    refs = References(agents={}, items={"faqs": {"f-1": "How do I get a refund?"}})
    body = fields_to_api(FAQ_LINKS, LINK.fields, refs=refs, secrets={}, resolve_secret=str)
    assert body == {"topic": "refunds", "faq_uuid": "f-1"}


@pytest.mark.usefixtures("trial_table")
def test_convert_loops_over_object_sections() -> None:
    raw = _raw_agent(faq_settings={"question": "Why?", "server_field": 1})
    live = agent_from_api(raw, handle="help", agent_handles={}, separate={})
    assert live.objects["faq_settings"] == {"question": "Why?"}
    assert set(live.objects) == {d.key for d in sections.OBJECTS}


@pytest.mark.usefixtures("trial_table")
def test_planner_holds_back_deletes_of_a_named_section_and_warns_of_dangling_names() -> None:
    delete = Change(address="x", agent="help", section="faqs", action=Action.DELETE, key="Q")
    create = Change(address="y", agent="help", section="faq_links", action=Action.CREATE)
    assert [c.section for c in order_changes([delete, create])] == ["faq_links", "faqs"]
    desired = _agent(faq_links=[LINK])
    assert not resolvable_at_create(desired, FAQ_LINKS)  # the faq exists only after the agent
    live = _agent(faqs=[REFUND], faq_links=[LINK])
    gone = delete.model_copy(update={"key": REFUND.key})
    agent_plan = AgentPlan(handle="help", name="Help", changes=(gone,))
    warnings = dangling_after(agent_plan, _agent(faqs=[]), live)
    assert warnings == [
        "agent[help]: faqs 'How do I get a refund?' is deleted but faq_links "
        "(not in the manifest) still names it"
    ]


class _Directory:
    def handles_by_uuid(self) -> dict[str, str]:
        return {"a-1": "help"}


def _directory() -> Any:
    return _Directory()


@pytest.mark.usefixtures("trial_table")
def test_executor_context_learns_names_of_a_new_section() -> None:
    run = AgentRun.start(AgentPlan(handle="help", name="Help", uuid="a-1"), _agent(faqs=[REFUND]))
    directory = _directory()
    assert run.references(directory).uuid_for("faqs", REFUND.key) == "f-1"
    run.absorb_item(FAQS, {"faq_uuid": "f-2", "question": "Is it free?"}, "Is it free?")
    assert run.references(directory).uuid_for("faqs", "Is it free?") == "f-2"
    run.forget_item(FAQS, "f-1")
    assert run.references(directory).uuid_for("faqs", REFUND.key) is None
    assert run.references(directory).uuid_for("core", "help") == "a-1"


@pytest.mark.parametrize("trial_table", [EMBEDDED_FAQS], indirect=True)
@pytest.mark.usefixtures("trial_table")
def test_executor_context_learns_names_of_an_embedded_section_from_agent_answers() -> None:
    run = AgentRun.start(AgentPlan(handle="help", name="Help"), None)
    answer = _raw_agent(faqs=[{"uuid": "f-9", "question": "Open on Sundays?"}])
    assert run.absorb_agent(answer)["faqs"] == {"f-9"}
    refs = run.references(_directory())
    body = fields_to_api(
        FAQ_LINKS, {"faq": "Open on Sundays?"}, refs=refs, secrets={}, resolve_secret=str
    )
    assert body == {"faq_uuid": "f-9"}
    run.absorb_agent(_raw_agent(faqs=[]))
    assert run.references(_directory()).uuid_for("faqs", "Open on Sundays?") is None


@pytest.mark.usefixtures("trial_table")
def test_checks_resolve_names_of_a_new_section() -> None:
    text = (
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: help\nspec:\n  name: Help\n"
        "  faq_links:\n    - topic: refunds\n      faq: How do I get a refnd?\n"
    )
    doc = parse_text(text, "help.yaml").docs[0]
    item = ParsedItem(0, {"topic": "refunds", "faq": "How do I get a refnd?"})
    agent = ParsedAgent(doc, handle="help", core={"name": "Help"})
    agent.collections = {"faq_links": [item]}
    agent.identities = {"faqs": {"How do I get a refund?"}, "faq_links": {"refunds"}}
    [problem] = _ref_problems(agent)
    assert (problem.code, problem.path, problem.line) == (
        "unresolved-ref",
        "spec.faq_links[0].faq",
        9,
    )
    assert (
        problem.message == "no faq with question `How do I get a refnd?` in this agent's spec.faqs"
    )
    assert problem.hint == "did you mean `How do I get a refund?`?"
    del agent.identities["faqs"]
    [warning] = _ref_problems(agent)
    assert warning.code == "unchecked-ref" and "does not manage spec.faqs" in warning.message


def _ref_problems(agent: ParsedAgent) -> list[Diagnostic]:
    return [d for d in check_all([agent]) if d.code != "advised-field"]


# --- settings groups: one statement -----------------------------------------------------------


def test_writable_settings_groups_are_derived_from_the_settings_descriptor() -> None:
    settings = sections.section("settings")
    assert sections.writable_groups(settings) == sections.WRITABLE_SETTINGS_GROUPS
    assert set(sections.WRITABLE_SETTINGS_GROUPS).isdisjoint(settings.read_only)
    narrower = dataclasses.replace(settings, read_only=settings.read_only | {"text"})
    assert sections.writable_groups(narrower) == ("voice",)
    raw = {"voice": {"llm": {"model": "m"}}, "text": {"a": 1}, "memorize": {"b": 2}}
    assert set(fields_from_api(narrower, raw, References(agents={}))) == {"voice"}


def test_table_states_the_settings_groups_once() -> None:
    source = Path(table.__file__).read_text(encoding="utf-8")
    literals = [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and node.value in ("voice", "text", "memorize")
    ]
    assert sorted(literals) == ["memorize"], "group names belong to SETTINGS.read_only only"
