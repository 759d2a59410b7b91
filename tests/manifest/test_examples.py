"""The shipped examples validate cleanly and together exercise every field group and section."""

from __future__ import annotations

from pathlib import Path

import pytest

from mhsync.config import load_project_config
from mhsync.manifest import load_manifests
from mhsync.manifest.document import Metadata
from mhsync.sections import SECTIONS

from .conftest import EXAMPLE_ENV, EXAMPLES

AGENT_FILES = sorted((EXAMPLES / "agents").glob("*.yaml"))
SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/{kind}.schema.json"


def _parsed_metadata() -> list[Metadata]:
    config = load_project_config(EXAMPLES)
    result = load_manifests(config.manifest_paths(), variables=config.target(None).vars)
    return [a.metadata for a in result.agents if a.metadata is not None]


def _load() -> tuple[list[Path], object]:
    config = load_project_config(EXAMPLES)
    target = config.target(None)
    result = load_manifests(config.manifest_paths(), variables=target.vars, env=EXAMPLE_ENV)
    return config.manifest_paths(), result


def test_examples_validate_without_any_diagnostic() -> None:
    config = load_project_config(EXAMPLES)
    for name in config.target_names:
        target = config.target(name)
        result = load_manifests(config.manifest_paths(), variables=target.vars, env=EXAMPLE_ENV)
        assert [str(d) for d in result.diagnostics] == [], name
        assert sorted(result.workspace.agents) == [
            "volvo-parts",
            "volvo-service",
            "whatsapp-support",
        ]


@pytest.mark.parametrize("path", AGENT_FILES, ids=[p.stem for p in AGENT_FILES])
def test_every_example_names_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    kind = "fragment" if "\nkind: Fragment\n" in text else "agent"
    assert text.splitlines()[0] == SCHEMA_LINE.format(kind=kind)


def test_examples_use_every_section_and_field_group() -> None:
    config = load_project_config(EXAMPLES)
    result = load_manifests(
        config.manifest_paths(), variables=config.target(None).vars, env=EXAMPLE_ENV
    )
    agents = result.workspace.agents.values()
    used = {key for a in agents for key in (*a.objects, *a.collections)}
    assert used == {d.key for d in SECTIONS}
    settings = [a.objects["settings"] for a in agents if "settings" in a.objects]
    assert {"voice", "text"} <= {group for s in settings for group in s}
    voice = next(s["voice"] for s in settings if "voice" in s)
    assert set(voice) == {
        "interaction",
        "interruption",
        "voice_profile",
        "voice_advanced",
        "call_behavior",
        "compliance",
        "normalizers",
    }
    metadata_used = {
        field
        for a in agents
        for field, value in (
            ("protected", a.protected),
            ("labels", a.labels),
            ("ignore", a.ignore),
            ("previous_names", a.previous_names),
        )
        if value
    }
    composition = {key for a in _parsed_metadata() for key in ("uses", "drop") if getattr(a, key)}
    assert metadata_used | composition == set(Metadata.model_fields) - {"name", "uuid"}
    secrets = [
        i.secrets for a in agents for items in a.collections.values() for i in items if i.secrets
    ]
    assert {path for s in secrets for path in s} == {"secret_key", "webhook.auth_token"}
    rules = result.workspace.agents["volvo-service"].collections["routing_rules"]
    assert {r.fields["destination_type"] for r in rules} == {"extension", "agent"}
    channels = {
        c
        for r in result.workspace.agents["whatsapp-support"].collections["guard_rules"]
        for c in r.fields["selected_channels"]
    }
    assert {"whatsapp", "instagram", "facebook_messenger"} <= channels


def test_examples_load_without_any_secret_variable() -> None:
    """Secrets are write-only references: validating and planning never need their values."""
    config = load_project_config(EXAMPLES)
    result = load_manifests(config.manifest_paths(), variables=config.target(None).vars, env={})
    assert result.errors == []
    assert len(result.workspace.agents) == 3


def test_examples_share_a_fragment_and_keep_a_prompt_in_markdown() -> None:
    """Every example agent uses the shared fragment; one prompt lives in a Markdown file."""
    metadata = _parsed_metadata()
    assert len(metadata) == 3
    assert all("nordstaden-defaults" in [u.fragment for u in m.uses] for m in metadata)
    config = load_project_config(EXAMPLES)
    result = load_manifests(
        config.manifest_paths(), variables=config.target(None).vars, env=EXAMPLE_ENV
    )
    service = result.workspace.agents["volvo-service"].objects["core"]
    prompt = (EXAMPLES / "agents" / "prompts" / "volvo-service.md").read_text(encoding="utf-8")
    assert service["custom_prompt"] == prompt.removesuffix("\n")
    assert service["company_name"] == "Volvo Cars Nordstaden"
