"""mhsync.yaml: discovery, targets, the built-in sandbox, errors that name the place."""

from __future__ import annotations

from pathlib import Path

import pytest

from mhsync.config import ProjectConfig, Target, load_project_config
from mhsync.errors import ConfigError

CONFIG = """\
manifests: [agents, "more/*.yaml"]
default_target: staging
ignore: [spec.notes]
targets:
  staging:
    base_url: https://staging.example/api/v1
    token_env: STAGING_TOKEN
    vars: {ext: 201, flag: true, name: desk}
  prod:
    base_url: https://prod.example/api/v1
"""


def test_no_config_means_sandbox_under_the_start_directory(tmp_path: Path) -> None:
    config = load_project_config(tmp_path)
    assert config.file is None and config.root == tmp_path.resolve()
    target = config.target(None)
    assert target == Target(
        "sandbox", None, "MHSYNC_TOKEN", {}, True, tmp_path.resolve() / ".mhsync" / "sandbox.db"
    )
    with pytest.raises(ConfigError, match=r"no mhsync\.yaml found .* Nothing was scanned"):
        config.manifest_paths()
    assert config.manifest_paths([Path("agents")]) == [Path("agents")]


def test_config_is_found_by_walking_up(tmp_path: Path) -> None:
    (tmp_path / "mhsync.yaml").write_text(CONFIG)
    deep = tmp_path / "agents" / "nested"
    deep.mkdir(parents=True)
    config = load_project_config(deep)
    assert config.file == tmp_path.resolve() / "mhsync.yaml"
    assert config.root == tmp_path.resolve()
    assert config.ignore == ("spec.notes",)
    assert config.target_names == ["prod", "sandbox", "staging"]
    staging = config.target(None)
    assert staging == Target(
        "staging",
        "https://staging.example/api/v1",
        "STAGING_TOKEN",
        {"ext": "201", "flag": "true", "name": "desk"},
        False,
        None,
    )
    assert config.target("prod").token_env == "MHSYNC_TOKEN"
    assert config.target("sandbox").is_sandbox


def test_manifest_globs_are_expanded_from_the_root(tmp_path: Path) -> None:
    (tmp_path / "mhsync.yaml").write_text(CONFIG)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "b.yaml").write_text("")
    (tmp_path / "more" / "a.yaml").write_text("")
    config = load_project_config(tmp_path)
    root = tmp_path.resolve()
    assert config.manifest_paths() == [
        root / "agents",
        root / "more" / "a.yaml",
        root / "more" / "b.yaml",
    ]


def test_targets_without_default_demand_a_choice(tmp_path: Path) -> None:
    (tmp_path / "mhsync.yaml").write_text(CONFIG.replace("default_target: staging\n", ""))
    config = load_project_config(tmp_path)
    with pytest.raises(
        ConfigError, match=r"no target chosen: pass --target \(one of prod, sandbox, staging\)"
    ):
        config.target(None)
    assert config.target("sandbox").is_sandbox


def test_config_without_targets_defaults_to_sandbox(tmp_path: Path) -> None:
    (tmp_path / "mhsync.yaml").write_text("manifests: [agents]\n")
    config = load_project_config(tmp_path)
    assert config.target(None).is_sandbox
    assert config.manifests == ("agents",)


def test_unknown_target_lists_known_ones(tmp_path: Path) -> None:
    (tmp_path / "mhsync.yaml").write_text(CONFIG)
    with pytest.raises(
        ConfigError, match="unknown target `production`; known targets: prod, sandbox, staging"
    ):
        load_project_config(tmp_path).target("production")


def test_unknown_default_target(tmp_path: Path) -> None:
    (tmp_path / "mhsync.yaml").write_text(
        CONFIG.replace("default_target: staging", "default_target: qa")
    )
    with pytest.raises(ConfigError, match="default_target `qa` is not a target"):
        load_project_config(tmp_path)


def test_own_sandbox_entry(tmp_path: Path) -> None:
    (tmp_path / "mhsync.yaml").write_text(
        "targets:\n  sandbox:\n    vars: {ext: '9'}\n  other:\n    base_url: https://o.example\n"
        "default_target: sandbox\n"
    )
    config = load_project_config(tmp_path)
    sandbox = config.target(None)
    assert sandbox.is_sandbox and sandbox.vars == {"ext": "9"}
    (tmp_path / "mhsync.yaml").write_text(
        "targets:\n  sandbox:\n    base_url: https://remote.example\n"
    )
    remote = load_project_config(tmp_path).target("sandbox")
    assert not remote.is_sandbox and remote.base_url == "https://remote.example"


def test_base_url_override_applies_only_to_an_explicit_target(tmp_path: Path) -> None:
    (tmp_path / "mhsync.yaml").write_text(CONFIG)
    config = load_project_config(tmp_path)
    env = {"MHSYNC_BASE_URL": "https://override.example/api/v1"}
    assert config.target("staging", env=env).base_url == "https://override.example/api/v1"
    assert config.target(None, env=env).base_url == "https://staging.example/api/v1"
    assert config.target("sandbox", env=env).base_url is None


def test_target_without_base_url(tmp_path: Path) -> None:
    (tmp_path / "mhsync.yaml").write_text("targets:\n  prod: {}\ndefault_target: prod\n")
    config = load_project_config(tmp_path)
    with pytest.raises(ConfigError, match="target `prod` has no base_url"):
        config.target(None)
    assert (
        config.target("prod", env={"MHSYNC_BASE_URL": "https://x.example"}).base_url
        == "https://x.example"
    )


def test_invalid_config_names_every_place(tmp_path: Path) -> None:
    path = tmp_path / "mhsync.yaml"
    path.write_text(
        "manifest: [a]\ntargets:\n  prod:\n    base_ur: https://x\n    token_env: 1BAD\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_project_config(tmp_path)
    assert str(caught.value).splitlines() == [
        "invalid project file:",
        f"  {path.resolve()}:1:1: manifest: unknown field (did you mean `manifests`?)",
        f"  {path.resolve()}:4:5: targets.prod.base_ur: unknown field (did you mean `base_url`?)",
        f"  {path.resolve()}:5:16: targets.prod.token_env: must be a variable name:"
        " letters, digits and _, not starting with a digit",
    ]


def test_broken_yaml_config(tmp_path: Path) -> None:
    (tmp_path / "mhsync.yaml").write_text("targets: [\n")
    with pytest.raises(ConfigError, match="YAML syntax error"):
        load_project_config(tmp_path)


def test_empty_config_is_fine(tmp_path: Path) -> None:
    (tmp_path / "mhsync.yaml").write_text("# nothing yet\n")
    assert load_project_config(tmp_path) == ProjectConfig(
        root=tmp_path.resolve(),
        file=tmp_path.resolve() / "mhsync.yaml",
        targets={"sandbox": load_project_config(tmp_path).target("sandbox")},
        default_target="sandbox",
    )


def test_given_paths_win_and_configured_ones_read_from_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mhsync.yaml").write_text("manifests: [agents]\n")
    (tmp_path / "agents").mkdir()
    config = load_project_config(tmp_path)
    assert config.manifest_paths([Path("one.yaml")]) == [Path("one.yaml")]
    monkeypatch.chdir(tmp_path)
    assert config.manifest_paths() == [Path("agents")]
    monkeypatch.chdir(tmp_path / "agents")
    assert config.manifest_paths() == [Path(".")]
