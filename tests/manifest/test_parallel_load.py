"""Loading in several processes gives exactly what loading in one gives, and falls back safely.

``MHSYNC_LOAD_PROCESSES=1`` is the serial load (the loader as it always was); ``2`` and ``3``
force the parallel one on however few files. Every comparison covers the whole result: the
desired workspace, the diagnostics with their positions and order, the files, and every agent
document read (data, positions, what validated), for a project that mixes valid agents with
errors of every kind, fragments, ``${file:}`` prose, unrecognised files, cross-file duplicates
and pinned uuids.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mhsync.manifest.build as build
import mhsync.manifest.checks as checks
import mhsync.manifest.loader as loader
import mhsync.manifest.parallel as parallel
from bench.workload import bench_environment, write_project
from mhsync.errors import ConfigError
from mhsync.manifest import LoadResult, load_manifests
from mhsync.manifest.discover import discover
from mhsync.manifest.files import FileReader
from mhsync.manifest.fragments import ComposedDoc
from mhsync.manifest.parallel import PROCESSES_VAR, FileWork, LoadedFile, load_files
from mhsync.manifest.variables import Sources

from .conftest import EXAMPLE_ENV, EXAMPLES, agent

INVALID = Path(__file__).parent / "invalid"
UUID = "9d1e6b2a-4c7f-4e3a-8b5d-1f0a2c3e4d56"
VARIABLES = {
    "ext": "201",
    "service_desk_extension": "201",
    "roadside_number": "+46771112400",
    "dms_host": "dms.example",
    "booking_api_host": "booking.example",
}
ENV = {**EXAMPLE_ENV, **bench_environment(), "HOOK_SECRET": "set"}

FRAGMENT = """\
apiVersion: mhsync/v1
kind: Fragment
metadata:
  name: {name}
spec:
  tone: Warm
  guard_rules:
    - name: Legal
      when_condition: legal advice
      example_phrases: [a, b, c]
      then_action: end_conversation
"""

PINNED_SOURCE = """\
routing_rules:
  - department_name: Desk by uuid
    phrases: [desk]
    ai_prompt: Desk.
    destination_type: agent
    destination_agent_uuid: {uuid}
  - department_name: Elsewhere
    phrases: [far]
    ai_prompt: Far.
    destination_type: agent
    destination_agent_uuid: 00000000-0000-4000-8000-000000000000
"""


def _uses(text: str, fragments: str) -> str:
    """``text`` (an ``agent()``) with ``uses: <fragments>`` in its metadata."""
    head, rest = text.split("metadata:\n", 1)
    return f"{head}metadata:\n  uses: {fragments}\n{rest}"


def write_mixed_project(root: Path, agents: int = 80) -> Path:
    """A project of about 170 files: generated agents, the examples, the invalid corpus, and
    files for each path through composition (returns the manifests directory)."""
    write_project(root, agents)
    folder = root / "agents"
    shutil.copytree(EXAMPLES / "agents", folder / "examples")
    for case in sorted(INVALID.glob("*.yaml")):
        shutil.copy(case, folder / f"invalid-{case.name}")
    (folder / "prompts").mkdir()
    (folder / "prompts" / "long.md").write_text("Long prose, ${var:kept} literally.\n", "utf-8")
    (root / "outside.md").write_text("outside\n", "utf-8")
    files: dict[str, str | bytes] = {
        # prose read in, alone and in an agent that uses a fragment; one missing, one outside
        "bench-agent-0003x-prose.yaml": agent(
            "custom_prompt: ${file:prompts/long.md}\nnotes: ['${file:missing.md}']\n",
            name="prose-alone",
        ),
        "bench-agent-0041x-prose.yaml": _uses(
            agent("custom_prompt: ${file:../../outside.md}\n", name="prose-used"), "[shared]"
        ),
        # fragments: used, unused, broken; an agent using an unknown one; mixed documents
        "bench-agent-0010x-fragment.yaml": FRAGMENT.format(name="shared"),
        "bench-agent-0070x-unused.yaml": FRAGMENT.format(name="lonely") + "  tonee: x\n",
        "bench-agent-0020x-mixed.yaml": agent(name="mixed-first")
        + "---\n"
        + _uses(agent(name="mixed-second"), "[shared]")
        + "---\n"
        + FRAGMENT.format(name="inline-fragment")
        + "---\n"
        + agent("company_name: ${var:undefined}\n", name="mixed-third"),
        "bench-agent-0060x-unknown.yaml": _uses(agent(name="lost"), "[nowhere]"),
        # cross-file: a duplicate handle, and a uuid pinned in one file named in another
        "bench-agent-0001x-duplicate.yaml": agent(name="bench-agent-0050"),
        "bench-agent-0005x-pinned.yaml": agent(name="desk").replace(
            "  name: desk\n", f"  name: desk\n  uuid: {UUID}\n"
        ),
        "bench-agent-0075x-pin-user.yaml": agent(
            PINNED_SOURCE.format(uuid=UUID), name="pin-user"
        ),
        # YAML the fast reader leaves to the builder (aliases, merge keys), broken YAML
        "bench-agent-0030x-anchors.yaml": agent(name="anchors").replace(
            "  tone: Dry\n", "  tone: &t Dry\n  company_name: *t\n"
        ),
        "bench-agent-0031x-broken.yaml": agent(name="broken") + "  notes: [unclosed\n",
        "bench-agent-0032x-latin1.yaml": agent(name="latin").encode() + b"  tone: caf\xe9\n",
        # not manifests
        "ci.yaml": "on: push\njobs: {}\n",
        "empty.yaml": "",
        "comments.yml": "# nothing here\n",
    }
    (root / "named.yaml").write_text("just: data\n", "utf-8")  # named: read, not skipped
    config = "manifests: [agents]\ndefault_target: sandbox\ntargets:\n  sandbox:\n    vars:\n"
    config += "".join(f"      {name}: '{value}'\n" for name, value in VARIABLES.items())
    (root / "mhsync.yaml").write_text(config, "utf-8")  # for `mhsync validate` there
    for name, text in files.items():
        path = folder / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, "utf-8")
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mixed")
    write_mixed_project(root)
    return root


def load(root: Path, processes: int | str, paths: list[Path] | None = None, **kw: Any) -> Any:
    """``load_manifests`` of the project under ``MHSYNC_LOAD_PROCESSES=processes``."""
    old = os.environ.get(PROCESSES_VAR)
    os.environ[PROCESSES_VAR] = str(processes)
    try:
        return load_manifests(
            paths or [root / "agents", root / "named.yaml"],
            variables=VARIABLES,
            env=ENV,
            root=root,
            **kw,
        )
    finally:
        if old is None:
            del os.environ[PROCESSES_VAR]
        else:
            os.environ[PROCESSES_VAR] = old


def snapshot(result: LoadResult) -> dict[str, Any]:
    """Everything a load gives, as comparable values (positions asked for, so read if lazy)."""
    return {
        "diagnostics": [(d, str(d)) for d in result.diagnostics],
        "workspace": result.workspace,
        "files": result.files,
        "agents": [_agent(a) for a in result.agents],
    }


def _agent(parsed: Any) -> tuple[Any, ...]:
    doc = parsed.doc
    composed: tuple[Any, ...] = ()
    if isinstance(doc, ComposedDoc):
        composed = (
            doc.handle,
            doc.used_at,
            {
                loc: (o.fragment, o.loc, o.doc.file, o.doc.index, doc.value_mark(loc))
                for loc, o in doc.origins.items()
            },
        )
    return (
        type(doc).__name__,
        doc.file,
        doc.index,
        doc.data,
        dict(doc.keys),
        dict(doc.values),
        doc.line_span(),
        composed,
        parsed.handle,
        parsed.metadata,
        parsed.core,
        parsed.objects,
        parsed.collections,
        parsed.identities,
        parsed.errors,
    )


@pytest.fixture(scope="module")
def serial(project: Path) -> dict[str, Any]:
    return snapshot(load(project, 1))


# --- parity -------------------------------------------------------------------------------------


def test_the_mixed_project_has_every_kind_of_file(serial: dict[str, Any]) -> None:
    """The project below exercises what it claims to (so parity on it means something)."""
    codes = {d.code for d, _ in serial["diagnostics"]}
    assert {"not-a-manifest", "empty-file", "file-ref", "unused-fragment"} <= codes
    assert {"unknown-fragment", "duplicate-agent", "yaml", "file-encoding", "var-unset"} <= codes
    assert len(serial["files"]) > 150
    agents = serial["workspace"].agents
    rules = {r.key: r.fields for r in agents["pin-user"].collections["routing_rules"]}
    assert rules["Desk by uuid"]["destination_agent"] == "desk"  # a pin from another file
    assert any(kind == "ComposedDoc" for kind, *_ in serial["agents"])


@pytest.mark.parametrize("processes", [2, 3])
def test_parallel_load_gives_what_a_serial_load_gives(
    project: Path, serial: dict[str, Any], processes: int
) -> None:
    result = load(project, processes)
    lazy = [a.doc for a in result.agents if not a.doc.marks.held]
    assert lazy, "some positions must still be read in this process, after the workers"
    assert snapshot(result) == serial
    assert all(d.marks.held for d in lazy)  # they were read here, from the text sent back


@pytest.mark.parametrize("target", [None, "staging", "production"])
def test_examples_load_alike_in_parallel(target: str | None) -> None:
    paths = [EXAMPLES / "agents"]
    serial = snapshot(load(EXAMPLES, 1, paths, target=target))
    assert snapshot(load(EXAMPLES, 2, paths, target=target)) == serial


def test_check_env_off_loads_alike(project: Path) -> None:
    serial = snapshot(load(project, 1, check_env=False))
    assert snapshot(load(project, 2, check_env=False)) == serial


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_files_in_any_order_load_alike(project: Path, data: st.DataObject) -> None:
    """Files named in any order and number (so shares split anywhere) load as serially."""
    every = sorted(p for p in (project / "agents").rglob("*") if p.suffix in (".yaml", ".yml"))
    chosen = data.draw(st.lists(st.sampled_from(every), min_size=2, max_size=40, unique=True))
    processes = data.draw(st.integers(2, 4))
    assert snapshot(load(project, processes, chosen)) == snapshot(load(project, 1, chosen))


# --- the workers do the work --------------------------------------------------------------------


def _files_by_process(project: Path, processes: int) -> list[LoadedFile]:
    found, _ = discover([project / "agents"])
    work = FileWork(Sources(VARIABLES, ENV), None, project)
    os.environ[PROCESSES_VAR] = str(processes)
    try:
        return load_files(found, work)
    finally:
        del os.environ[PROCESSES_VAR]


PICKLED_PER_FILE = {True: (26_000, 1_060), False: (21_000, 750)}
"""Bytes and objects a worker sends back for one benchmark file (one agent of 60 items), with
the validated sections and without (``sections=False``), measured when set (24.2 kB and 984,
19.6 kB and 701) with a little room: everything this process then unpickles."""


@pytest.mark.parametrize("sections", [True, False])
def test_what_a_worker_sends_back_per_file_is_pinned(tmp_path: Path, sections: bool) -> None:
    """Machine-independent cost of the hand-over: the bytes and the objects (those the
    unpickler keeps in its memo: every dict, list, instance and string it makes) per file."""
    import pickle
    import pickletools

    write_project(tmp_path, 8)
    found, _ = discover([tmp_path / "agents"])
    work = FileWork(Sources({}, bench_environment()), None, tmp_path, sections)
    loaded = parallel._load_chunk(found, work, FileReader(tmp_path))
    prepared = [r for f in loaded for r in f.prepared]
    assert all(r is not None and r.state is not None and r.asked == frozenset() for r in prepared)
    assert all(bool(r.agent.collections) is sections for r in prepared if r and r.agent)
    sent = pickle.dumps((0, loaded), pickle.HIGHEST_PROTOCOL)  # as _serve sends a chunk
    objects = sum(1 for op, _, _ in pickletools.genops(sent) if op.name == "MEMOIZE")
    most_bytes, most_objects = PICKLED_PER_FILE[sections]
    assert len(sent) <= most_bytes * len(found)
    assert objects <= most_objects * len(found)


def _without_sections(snap: dict[str, Any]) -> dict[str, Any]:
    """A snapshot's agents with no validated sections (``objects``, ``collections``,
    ``identities``: see ``_agent``)."""
    agents = [(*a[:11], {}, {}, {}, *a[14:]) for a in snap["agents"]]
    return {**snap, "agents": agents}


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_a_load_without_sections_is_the_serial_load_without_them(
    project: Path, serial: dict[str, Any], processes: int
) -> None:
    """What plan, apply and validate load: everything else exactly as a serial load gives."""
    assert snapshot(load(project, processes, sections=False)) == _without_sections(serial)


def test_every_file_is_read_once_and_several_processes_read_them(project: Path) -> None:
    loaded = _files_by_process(project, 3)
    found, _ = discover([project / "agents"])
    assert len(loaded) == len(found)
    pairs = zip(loaded, found, strict=True)
    assert all(f.file is None or f.file.found == item for f, item in pairs)
    pids = [f.pid for f in loaded]
    assert os.getpid() in pids and len(set(pids)) >= 2  # chunks go to whoever is free
    chunks = [pids[i : i + parallel.CHUNK_FILES] for i in range(0, len(pids), parallel.CHUNK_FILES)]
    assert all(len(set(chunk)) == 1 for chunk in chunks)  # a chunk is read by one process
    worker_docs = [
        ready for f in loaded if f.pid != os.getpid() for ready in f.prepared if ready is not None
    ]
    assert any(r.state is not None for r in worker_docs)  # built there, not here


def test_no_document_is_validated_twice(
    project: Path, serial: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Machine-independent cost: this process validates the documents of the files it read
    and the composed ones, nothing the workers did; it builds only the agents it validated."""
    calls = {"parse": 0, "build": 0, "check": 0}

    def counted(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if os.getpid() == parent:
                calls[name] += 1
            return real(*args, **kwargs)

        return call

    parent = os.getpid()
    monkeypatch.setattr(parallel, "parse_document", counted("parse", parallel.parse_document))
    monkeypatch.setattr(loader, "parse_document", counted("parse", loader.parse_document))
    monkeypatch.setattr(parallel, "build_agent", counted("build", parallel.build_agent))
    monkeypatch.setattr(build, "build_agent", counted("build", build.build_agent))
    monkeypatch.setattr(parallel, "check_document", counted("check", parallel.check_document))
    monkeypatch.setattr(checks, "check_document", counted("check", checks.check_document))
    spied: list[list[LoadedFile]] = []
    real_load_files = loader.load_files

    def load_files_spy(*args: Any) -> list[LoadedFile]:
        spied.append(real_load_files(*args))
        return spied[-1]

    monkeypatch.setattr(loader, "load_files", load_files_spy)
    result = load(project, 2)
    assert snapshot(result) == serial
    (loaded,) = spied
    mine = [r for f in loaded if f.pid == parent for r in f.prepared if r is not None]
    theirs = [r for f in loaded if f.pid != parent for r in f.prepared if r is not None]
    composed = sum(1 for f in loaded if f.file for r in f.prepared if r is None)
    assert theirs
    assert calls["parse"] <= len(mine) + composed
    mine_agents = sum(1 for r in mine if r.agent is not None)
    composed_docs = sum(1 for a in result.agents if isinstance(a.doc, ComposedDoc))
    assert calls["check"] == mine_agents + composed_docs  # the workers checked theirs
    built_here = sum(1 for r in mine if r.state is not None)
    composed_agents = sum(
        1 for a in result.agents if isinstance(a.doc, ComposedDoc) and a.complete and a.handle
    )
    pins = {
        a.metadata.uuid_for(None) for a in result.agents if a.complete and a.handle and a.metadata
    }
    rebuilt = [
        r for r in mine + theirs if r.state and (r.asked is None or not r.asked.isdisjoint(pins))
    ]
    assert 1 <= len(rebuilt) < 5  # "pin-user", and corpus files naming a pinned uuid
    assert calls["build"] == built_here + composed_agents + len(rebuilt)
    assert sum(1 for r in theirs if r.state is not None) > 10


@pytest.mark.parametrize("sections", [True, False])
def test_a_pinned_uuid_rebuilds_only_the_agent_that_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sections: bool
) -> None:
    folder = tmp_path / "agents"
    folder.mkdir()
    (folder / "a-desk.yaml").write_text(
        agent(name="desk").replace("  name: desk\n", f"  name: desk\n  uuid: {UUID}\n")
    )
    (folder / "b-plain.yaml").write_text(agent(name="plain"))
    (folder / "c-user.yaml").write_text(agent(PINNED_SOURCE.format(uuid=UUID), name="user"))
    rebuilt: list[str] = []
    real = build.build_agent

    def spy(parsed: Any, pinned: Any, target: Any = None) -> Any:
        if isinstance(pinned, dict):  # the rebuild, here, against the real pins
            rebuilt.append(parsed.handle)
        return real(parsed, pinned, target)

    monkeypatch.setattr(build, "build_agent", spy)
    result = load(tmp_path, 3, [folder], sections=sections)
    assert rebuilt == ["user"]
    assert snapshot(result) == snapshot(load(tmp_path, 1, [folder], sections=sections))
    assert result.workspace == load(tmp_path, 1, [folder]).workspace


# --- when loading stays in one process ----------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "expected"), [("", None), ("auto", None), (" 3 ", 3), ("1", 1)]
)
def test_the_variable_names_a_count_or_auto(setting: str, expected: int | None) -> None:
    assert parallel.configured_processes({PROCESSES_VAR: setting}) == expected


@pytest.mark.parametrize("setting", ["0", "-2", "two", "1.5"])
def test_a_bad_count_is_refused_with_the_variable_named(setting: str) -> None:
    with pytest.raises(ConfigError, match=PROCESSES_VAR):
        parallel.configured_processes({PROCESSES_VAR: setting})


def test_automatic_count_depends_on_files_and_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PROCESSES_VAR, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert parallel.process_count(parallel.MIN_FILES - 1) == 1
    assert parallel.process_count(parallel.MIN_FILES) == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert parallel.process_count(10_000) == parallel.MAX_PROCESSES
    assert parallel.process_count(parallel.MIN_FILES) == 2  # 32 files a process at least
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert parallel.process_count(10_000) == 1


def test_one_process_when_asked(project: Path, serial: dict[str, Any]) -> None:
    assert {f.pid for f in _files_by_process(project, 1)} == {0}  # read as serially: no share
    assert snapshot(load(project, 1)) == serial


@pytest.fixture
def forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESSES_VAR, "2")


@pytest.mark.usefixtures("forced")
def test_one_process_while_another_thread_runs() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, args=(10,))
    thread.start()
    try:
        assert parallel.process_count(100) == 1
    finally:
        stop.set()
        thread.join()
    assert parallel.process_count(100) == 2


@pytest.mark.usefixtures("forced")
def test_one_process_without_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert parallel.process_count(100) == 1


@pytest.mark.usefixtures("forced")
def test_one_process_off_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel.sys, "platform", "darwin")
    assert parallel.process_count(100) == 1


def _count_in_daemon(sender: Any) -> None:
    sender.send(parallel.process_count(100))


@pytest.mark.usefixtures("forced")
def test_one_process_inside_a_daemonic_process() -> None:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_count_in_daemon, args=(sender,), daemon=True)
    child.start()
    try:
        assert receiver.poll(30)
        assert receiver.recv() == 1
    finally:
        child.join(30)


# --- workers that fail --------------------------------------------------------------------------


@pytest.fixture
def in_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Callable[[], Any]], None]]:
    """``in_worker(act)``: ``act()`` runs in each worker before its first file."""
    parent = os.getpid()
    real = parallel._load_file

    def install(act: Callable[[], Any]) -> None:
        def load_file(*args: Any) -> Any:
            if os.getpid() != parent:
                act()
            return real(*args)

        monkeypatch.setattr(parallel, "_load_file", load_file)

    yield install
    assert multiprocessing.active_children() == []  # no worker outlives loading


def _raise() -> None:
    raise RuntimeError("worker bug")


def _sleep() -> None:
    time.sleep(60)


@pytest.mark.parametrize(
    "act",
    [_raise, lambda: os._exit(3), lambda: os.kill(os.getpid(), signal.SIGKILL)],
    ids=["exception", "exit", "killed"],
)
def test_a_failed_worker_share_is_read_here(
    project: Path, serial: dict[str, Any], in_worker: Any, act: Callable[[], Any]
) -> None:
    in_worker(act)
    assert {f.pid for f in _files_by_process(project, 2)} == {os.getpid()}  # all read here
    assert snapshot(load(project, 2)) == serial


def test_no_fork_now_loads_here(
    project: Path, serial: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Any) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.get_context("fork").Process, "start", refuse)
    assert {f.pid for f in _files_by_process(project, 3)} == {os.getpid()}
    assert snapshot(load(project, 3)) == serial


def test_an_unpicklable_result_is_read_here(
    project: Path, serial: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    real = parallel._load_file

    def load_file(*args: Any) -> Any:
        loaded = real(*args)
        if os.getpid() != parent:
            loaded.problem = lambda: None  # type: ignore[assignment]
        return loaded

    monkeypatch.setattr(parallel, "_load_file", load_file)
    assert snapshot(load(project, 2)) == serial
    assert multiprocessing.active_children() == []


def test_a_worker_that_never_answers_is_stopped(
    project: Path, serial: dict[str, Any], in_worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_PATIENCE", 0.5)
    monkeypatch.setattr(parallel, "PATIENCE_FACTOR", 0.0)
    in_worker(_sleep)
    started = time.monotonic()
    assert snapshot(load(project, 2)) == serial
    assert {f.pid for f in _files_by_process(project, 2)} == {os.getpid()}
    assert time.monotonic() - started < 30


def test_an_error_raised_anywhere_is_the_serial_one(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug met reading one file (here, the last: a worker's) raises as a serial load does."""
    real = parallel.read_manifest_file
    last = max(p for p in (project / "agents").glob("*.yaml"))

    def read(item: Any) -> Any:
        if item.path == last:
            raise ValueError(f"cannot read {item.path.name}")
        return real(item)

    monkeypatch.setattr(parallel, "read_manifest_file", read)
    for processes in (1, 2):
        with pytest.raises(ValueError, match=f"cannot read {last.name}"):
            load(project, processes)
    assert multiprocessing.active_children() == []


def test_ctrl_c_stops_the_workers(
    project: Path, in_worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C reaches the whole process group: the workers ignore it, this process stops them."""
    started: list[Any] = []
    real_init = parallel._Worker.__init__

    def init(self: Any, *args: Any) -> None:
        real_init(self, *args)
        started.append(self.process)

    monkeypatch.setattr(parallel._Worker, "__init__", init)
    in_worker(_sleep)
    parent = os.getpid()
    real_file = parallel._load_file  # the fixture's, which sleeps in the worker

    def load_file(*args: Any) -> Any:
        if os.getpid() == parent and started:
            os.kill(started[0].pid, signal.SIGINT)  # the worker carries on...
            time.sleep(0.2)
            assert started[0].is_alive()
            raise KeyboardInterrupt  # ...while this process stops
        return real_file(*args)

    monkeypatch.setattr(parallel, "_load_file", load_file)
    began = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        load(project, 2)
    assert time.monotonic() - began < 30
    assert started and started[0].exitcode == -signal.SIGTERM


def test_a_worker_ignores_ctrl_c_and_still_answers(
    project: Path, serial: dict[str, Any], in_worker: Any
) -> None:
    in_worker(lambda: os.kill(os.getpid(), signal.SIGINT))
    loaded = _files_by_process(project, 2)
    assert len({f.pid for f in loaded}) == 2  # the worker's own results, not read again here
    assert snapshot(load(project, 2)) == serial


# --- end to end ---------------------------------------------------------------------------------


def _validate(project: Path, processes: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **ENV, PROCESSES_VAR: processes}
    return subprocess.run(
        [sys.executable, "-m", "mhsync", "validate", "--format", "json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_validate_prints_the_same_in_parallel(project: Path) -> None:
    serial, parallel_run = _validate(project, "1"), _validate(project, "2")
    assert serial.returncode == parallel_run.returncode == 1  # the project has errors
    assert serial.stdout == parallel_run.stdout and len(serial.stdout) > 1000
    assert serial.stderr == parallel_run.stderr


def test_validate_refuses_a_bad_process_count(project: Path) -> None:
    run = _validate(project, "many")
    assert run.returncode == 1
    assert f"{PROCESSES_VAR} must be a positive whole number or `auto`, got 'many'" in run.stderr
