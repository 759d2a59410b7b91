"""``${file:...}``: prose read from files next to the manifests."""

from __future__ import annotations

from pathlib import Path

from mhsync.manifest import load_manifests

from .conftest import Writer, agent


def objective(tmp_path: Path, **kwargs: object) -> str:
    result = load_manifests([tmp_path], env={}, **kwargs)  # type: ignore[arg-type]
    assert [str(d) for d in result.diagnostics] == []
    return str(result.workspace.agents["test-agent"].objects["core"]["objective"])


def with_objective(value: str) -> str:
    return agent().replace("objective: Find bugs", f'objective: "{value}"')


def test_the_file_is_read_relative_to_the_manifest(write: Writer, tmp_path: Path) -> None:
    write("agents/prompts/objective.md", "Book service.\n\nNever on Sundays.\n")
    write("agents/a.yaml", with_objective("${file:prompts/objective.md}"))
    assert objective(tmp_path) == "Book service.\n\nNever on Sundays."


def test_one_final_line_break_is_removed_and_crlf_normalised(write: Writer, tmp_path: Path) -> None:
    write("p.md", b"one\r\ntwo\r\n\r\n")
    write("a.yaml", with_objective("${file:p.md}"))
    assert objective(tmp_path) == "one\ntwo\n"


def test_embedded_references_and_literal_text(write: Writer, tmp_path: Path) -> None:
    write("p.md", "Use ${var:x} and $${ as written\n")
    write("a.yaml", with_objective("Intro. ${file:p.md} End. $${file:p.md}"))
    assert objective(tmp_path, variables={"x": "X"}) == (
        "Intro. Use ${var:x} and $${ as written End. ${file:p.md}"
    )


def test_files_in_fragments_are_relative_to_the_fragment(write: Writer, tmp_path: Path) -> None:
    write("shared/prompts/tone.md", "Warm and brief\n")
    write(
        "shared/f.yaml",
        "apiVersion: mhsync/v1\nkind: Fragment\nmetadata: {name: f}\n"
        "spec:\n  custom_prompt: ${file:prompts/tone.md}\n",
    )
    write("a.yaml", agent().replace("  name: test-agent\n", "  name: test-agent\n  uses: [f]\n"))
    result = load_manifests([tmp_path], env={})
    assert result.diagnostics == []
    assert (
        result.workspace.agents["test-agent"].objects["core"]["custom_prompt"] == "Warm and brief"
    )


def test_a_missing_file_is_an_error_at_the_reference(write: Writer, tmp_path: Path) -> None:
    write("a.yaml", with_objective("${file:prompts/nope.md}"))
    (error,) = load_manifests([tmp_path], env={}).errors
    assert (error.code, error.line, error.path) == ("file-ref", 8, "spec.objective")
    assert "prompts/nope.md: no such file" in error.message


def test_a_file_outside_the_project_is_refused(write: Writer, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("do not read", encoding="utf-8")
    write("project/a.yaml", with_objective("${file:../secret.txt}"))
    (error,) = load_manifests([tmp_path / "project"], env={}, root=tmp_path / "project").errors
    assert error.code == "file-ref" and "outside the project" in error.message
    assert "do not read" not in str(error)
    write("project/b.yaml", with_objective(f"${{file:{outside}}}").replace("test-agent", "b"))
    problems = load_manifests([tmp_path / "project"], env={}, root=tmp_path / "project").errors
    assert any("must be a path relative" in d.message for d in problems)


def test_a_file_that_is_not_utf8_names_its_line(write: Writer, tmp_path: Path) -> None:
    write("p.md", b"fine\nbad \xff here\n")
    write("a.yaml", with_objective("${file:p.md}"))
    (error,) = load_manifests([tmp_path], env={}).errors
    assert error.line == 8 and "p.md:2:5: file is not valid UTF-8" in error.message


def test_secret_fields_never_read_files(write: Writer, tmp_path: Path) -> None:
    write("key.txt", "hunter2\n")
    hook = """\
        webhooks:
          - url: https://crm.example.com/hook
            events: [conversation_end_report]
            secret_key: ${file:key.txt}
        """
    write("a.yaml", agent(hook))
    errors = load_manifests([tmp_path], env={}).errors
    assert [d.code for d in errors] == ["literal-secret"]
    assert "hunter2" not in str(errors[0])
