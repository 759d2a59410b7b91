"""The rules table checker reports what it reported before it stopped making a place per item.

``checks._rules`` now tests each item first and builds its place only for a diagnostic. The
old checker, kept here as the oracle, built the place of every item for every rule; on items
drawn over every field and value the rules read, both must give the same diagnostics, in the
same order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mhsync.manifest import checks
from mhsync.manifest.diagnostics import Diagnostic
from mhsync.manifest.document import spec_loc
from mhsync.manifest.parse import ParsedAgent, ParsedItem
from mhsync.manifest.rules import RULES
from mhsync.manifest.yamlio import Loc, parse_text
from mhsync.sections import CORE, section

URLS = ["https://a.example", "http://h.example/x", "ftp://h", "http:// spaced"]
CHOICES = ["extension", "phone_number", "agent", "forward", "end_conversation", "exact", "intent"]
VALUES = st.sampled_from([None, "", "x", *URLS, *CHOICES, "both", [], ["p"], 3])
FIELDS = sorted({f for r in RULES for f in r.fields} | {f for r in RULES for f, _ in r.when})
ITEM = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6)
SECTION_KEYS = sorted({s for r in RULES for s in r.sections} - {CORE.key})


def _old_items(agent: ParsedAgent, section_key: str) -> Iterator[tuple[Loc, Mapping[str, Any]]]:
    if section_key == CORE.key:
        if agent.core is not None:
            yield spec_loc(CORE), agent.core
        return
    descriptor = section(section_key)
    for item in agent.collections.get(section_key, []):
        yield agent.item_loc(descriptor, item.index), item.data


def _old_rules(agent: ParsedAgent) -> Iterator[Diagnostic]:
    for rule in RULES:
        for section_key in rule.sections:
            for loc, data in _old_items(agent, section_key):
                if all(checks._holds(data.get(f), values) for f, values in rule.when):
                    yield from checks._apply(agent, rule, loc, data)


@settings(max_examples=150, deadline=None)
@given(
    core=ITEM,
    sections=st.fixed_dictionaries({k: st.lists(ITEM, max_size=3) for k in SECTION_KEYS}),
)
def test_rules_report_what_the_old_checker_reported(
    core: dict[str, Any], sections: dict[str, list[dict[str, Any]]]
) -> None:
    spec = {"name": "A", **core, **sections}
    text = json.dumps({"apiVersion": "mhsync/v1", "kind": "Agent", "metadata": {}, "spec": spec})
    doc = parse_text(text, "a.yaml").docs[0]
    agent = ParsedAgent(doc, handle="a", core={"name": "A", **core})
    for key, items in sections.items():
        agent.collections[key] = [ParsedItem(i, data) for i, data in enumerate(items)]
    assert list(checks._rules(agent)) == list(_old_rules(agent))
