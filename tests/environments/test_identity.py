"""Per-target identity: one set of exported manifests for staging and production (issue 15).

Before: ``export --target staging`` pinned ``metadata.uuid`` to staging's uuids, so the same
files applied to production failed with "pinned to uuid ... not in the workspace".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mhsync.manifest.loader import load_manifests

from .conftest import Mh, Server, load_yaml


def uuids_of(server: Server) -> dict[str, str]:
    """Display name -> uuid, read from the server's own store through its API."""
    import httpx

    from .conftest import TOKEN

    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        items = api.get("/agents", params={"per_page": 100}).json()["data"]["items"]
    return {a["name"]: a["agent_uuid"] for a in items}


def set_placeholders(env: pytest.MonkeyPatch, directory: Path) -> None:
    """Export writes write-only secrets as ${env:MHSYNC_SECRET_...}; give them a value."""
    for path in directory.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        for name in set(part.split("}")[0] for part in text.split("${env:")[1:]):
            env.setenv(name, "sec-PLACEHOLDER-0000")


def pins(directory: Path) -> dict[str, Any]:
    out = {}
    for path in sorted(directory.glob("*.yaml")):
        document: Any = load_yaml(path)
        out[document["metadata"]["name"]] = document["metadata"].get("uuid")
    return out


def empty_plan(mh: Mh, *args: str) -> None:
    result = mh("plan", *args, "--detailed-exitcode")
    assert result.code == 0, result.text
    assert "No changes." in result.out, result.text


def test_export_from_staging_applies_to_production_and_both_plans_are_empty(
    envs: tuple[Path, Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    root, staging, production = envs
    assert mh("apply", "--target", "staging", "--auto-approve").code == 0
    exported = mh("export", "--target", "staging", "--all", "-o", "exported")
    assert exported.code == 0, exported.text
    out = root / "exported"
    set_placeholders(env, out)

    applied = mh("apply", "exported", "--target", "production", "--auto-approve")
    assert "not in the workspace" not in applied.text  # before: "pinned to uuid ..."
    assert applied.code == 0, applied.text
    on_staging = uuids_of(staging)
    assert pins(out) == {
        "front-desk": {"staging": on_staging["Front desk"]},
        "parts-desk": {"staging": on_staging["Parts desk"]},
    }
    assert sorted(uuids_of(production)) == ["Front desk", "Parts desk"]
    empty_plan(mh, "exported", "--target", "production")
    empty_plan(mh, "exported", "--target", "staging")

    again = mh("export", "--target", "production", "--all", "-o", "exported")
    assert again.code == 0, again.text
    assert "created" not in again.out
    on_production = uuids_of(production)
    assert pins(out) == {
        handle: {"staging": on_staging[name], "production": on_production[name]}
        for handle, name in (("front-desk", "Front desk"), ("parts-desk", "Parts desk"))
    }
    empty_plan(mh, "exported", "--target", "production")
    empty_plan(mh, "exported", "--target", "staging")


def test_pull_writes_only_its_own_target_entry(
    envs: tuple[Path, Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    root, _, production = envs
    assert mh("apply", "--target", "staging", "--auto-approve").code == 0
    assert mh("export", "--target", "staging", "--all", "-o", "exported").code == 0
    out = root / "exported"
    set_placeholders(env, out)
    assert mh("apply", "exported", "--target", "production", "--auto-approve").code == 0
    before = pins(out)
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.yaml")}

    pulled = mh("pull", "exported", "--target", "production")
    assert pulled.code == 0, pulled.text
    on_production = uuids_of(production)
    after = pins(out)
    for handle, name in (("front-desk", "Front desk"), ("parts-desk", "Parts desk")):
        assert after[handle] == {**before[handle], "production": on_production[name]}
        text = texts[f"{name.lower().replace(' ', '-')}.yaml"]
        expected = text.replace(
            f"    staging: {before[handle]['staging']}\n",
            f"    staging: {before[handle]['staging']}\n"
            f"    production: {on_production[name]}\n",
        )
        assert (out / f"{name.lower().replace(' ', '-')}.yaml").read_text("utf-8") == expected
    empty_plan(mh, "exported", "--target", "production")
    empty_plan(mh, "exported", "--target", "staging")
    again = mh("pull", "exported", "--target", "production")
    assert again.code == 0 and "updated" not in again.out, again.text


def test_matching_uses_the_entry_of_the_current_target_else_the_name(tmp_path: Path) -> None:
    staging_uuid = "3f2c8a4e-1b7d-4c3e-9a1f-2b6d8e0c4a51"
    manifest = tmp_path / "a.yaml"
    manifest.write_text(
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: desk\n"
        f"  uuid: {{staging: {staging_uuid}}}\n"
        "spec:\n  name: Desk\n  role: R\n  objective: O\n  tone: T\n"
        "  behavior_guidelines: B\n  language: en\n",
        encoding="utf-8",
    )
    for target, expected in (("staging", staging_uuid), ("production", None), (None, None)):
        result = load_manifests([manifest], target=target)
        assert result.errors == [], result.errors
        assert result.workspace.agents["desk"].uuid == expected, target


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("{staging: 3f2c8a4e-1b7d}", "metadata.uuid.staging: must be a UUID like"),
        ("3f2c8a4e-1b7d", "metadata.uuid: must be a UUID like"),
        ("[a, b]", "metadata.uuid: must be a string"),
    ],
)
def test_a_bad_pin_names_its_place(tmp_path: Path, pin: str, message: str) -> None:
    manifest = tmp_path / "a.yaml"
    manifest.write_text(
        f"apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: desk\n  uuid: {pin}\n"
        "spec:\n  name: Desk\n  role: R\n  objective: O\n  tone: T\n"
        "  behavior_guidelines: B\n  language: en\n",
        encoding="utf-8",
    )
    errors = [str(d) for d in load_manifests([manifest], target="staging").errors]
    assert any(message in e and "a.yaml:5:" in e for e in errors), errors
