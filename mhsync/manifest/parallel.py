"""The per-file work of loading manifests, shared between processes.

Loading a large repository is CPU-bound Python (reading YAML, validating, building each desired
agent), and nothing may be sent to the API before it ends, so on a machine with a second core
that core would sit idle. Most of the work is per file, so on Linux, with enough files, the files
are split into contiguous shares: the first is worked on in this process, each other one in a
forked worker process, and the results come back pickled, in file order. Per file that is:

- reading it (``discover.read_manifest_file``: YAML, positions kept for later, the
  empty/not-a-manifest warnings);
- for each document composition would hand back untouched (no fragment, no ``uses``, no
  ``drop``): its ``${file:}`` prose read in, then ``parse.parse_document``, then, when it
  validated, ``build.build_agent`` against no pinned uuid, noting the uuids it asked about.

Everything across files stays with the caller (``loader.load_manifests``): fragments and the
agents using them, the checks across documents, the order of the diagnostics, and the pinned
uuids (a state a worker built is kept only when none of the uuids it asked about is pinned by
some manifest; otherwise it is built again here). The results are those of a serial load
(``tests/manifest/test_parallel_load.py`` holds them equal): pickling keeps every object that
two results share shared, and a document's positions still load when first asked (its file's
text travels with it, see ``yamlio.Marks``).

A worker that fails in any way (an exception, a crash, a result that does not pickle, no answer
within a generous time) has its share read again in this process, which then gives whatever a
serial load gives, error included; Ctrl-C stops the workers (they ignore SIGINT themselves, and
are terminated when loading ends by any exception). Loading stays in one process when fork is
not available, when other threads run (forking them is unsafe), inside a daemonic process (a
worker of some other pool), with fewer than ``MIN_FILES`` files, or when ``MHSYNC_LOAD_PROCESSES``
says so.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mhsync.errors import ConfigError
from mhsync.manifest.build import build_agent
from mhsync.manifest.diagnostics import Diagnostic
from mhsync.manifest.discover import Found, ManifestFile, read_manifest_file
from mhsync.manifest.files import MARKER, FileReader, inline_files
from mhsync.manifest.fragment_model import FRAGMENT_KIND
from mhsync.manifest.parse import ParsedAgent, parse_document
from mhsync.manifest.variables import Sources
from mhsync.manifest.yamlio import SourceDoc
from mhsync.state import AgentState, WorkspaceState

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkProcess

PROCESSES_VAR = "MHSYNC_LOAD_PROCESSES"
"""``1``: load in this process only; ``N``: in ``N`` processes (this one and ``N - 1`` workers)
whenever there are at least ``N`` files; unset, empty or ``auto``: decided as below."""

MIN_FILES = 64
"""Fewest files loaded in parallel without ``MHSYNC_LOAD_PROCESSES``: below this, starting a
worker and pickling its results costs about what it saves (a file of the benchmark takes about
4 ms, a worker 20-40 ms to start, import ``multiprocessing`` and send its share back)."""

FILES_PER_PROCESS = 32
"""Fewest files for each process of an automatic split."""

MAX_PROCESSES = 4
"""Most processes of an automatic split: what stays serial (composition, the checks across
documents, unpickling the workers' results) bounds the gain beyond a few."""

PARENT_SHARE = 1.1
"""How much more (by bytes) this process reads than each worker: a worker also pickles its
results, this process unpickles them, and pickling costs about twice what unpickling does."""

MIN_PATIENCE = 60.0
"""Seconds a worker is waited for at least, after this process finished its own share; then
``PATIENCE_FACTOR`` times as long as that share took, if longer. Past that the worker is stopped
and its share read here: a correct result, late, rather than a wait without end."""

PATIENCE_FACTOR = 20.0


@dataclass(frozen=True)
class FileWork:
    """What the per-file work needs besides the file: how to substitute, the target, the root
    ``${file:}`` paths must stay in."""

    sources: Sources
    target: str | None
    root: Path


@dataclass
class Prepared:
    """A document composition leaves alone, taken as far as one document goes on its own."""

    inlined: list[Diagnostic]
    """The problems of its ``${file:}`` references."""
    agent: ParsedAgent | None
    problems: list[Diagnostic]
    """What ``parse_document`` reported."""
    state: AgentState | None = None
    """Built when the agent validated, against no pinned uuid."""
    asked: frozenset[str] | None = None
    """The uuids building asked whether a manifest pins (``None``: it looked at all of them)."""

    def state_for(self, pinned: Mapping[str, str]) -> AgentState | None:
        """The state built, when building it against ``pinned`` gives the same one."""
        if self.state is None or self.asked is None or not self.asked.isdisjoint(pinned):
            return None
        return self.state


@dataclass
class LoadedFile:
    """One candidate file: as read (``None`` when skipped), the warning about it, and what each
    of its documents gave on its own (``None`` where composition is needed first)."""

    file: ManifestFile | None
    problem: Diagnostic | None
    prepared: list[Prepared | None] = field(default_factory=list)
    pid: int = 0
    """The process that read it (tests tell the workers' files by it)."""


def load_files(found: Sequence[Found], work: FileWork) -> list[LoadedFile]:
    """Every file of ``found`` read, in order: in several processes when that pays, else as a
    serial load reads them (no document prepared)."""
    count = process_count(len(found))
    if count <= 1:
        return [LoadedFile(*read_manifest_file(item)) for item in found]
    return _in_processes(_shares(found, count), work)


def prepared_documents(loaded: Sequence[LoadedFile]) -> dict[int, Prepared]:
    """``id`` of each document read -> what it gave on its own, for those prepared."""
    out: dict[int, Prepared] = {}
    for item in loaded:
        if item.file is not None:
            for doc, ready in zip(item.file.read.docs, item.prepared, strict=False):
                if ready is not None:
                    out[id(doc)] = ready
    return out


def workspace_of(
    agents: list[ParsedAgent], target: str | None, prepared: Mapping[int, Prepared]
) -> WorkspaceState:
    """``build.build_workspace``, taking the states the workers built where they hold."""
    complete = [a for a in agents if a.complete and a.handle]
    pinned = {
        uuid: a.metadata.name
        for a in complete
        if a.metadata and (uuid := a.metadata.uuid_for(target))
    }
    workspace = WorkspaceState()
    for agent in complete:
        ready = prepared.get(id(agent.doc))
        state = ready.state_for(pinned) if ready is not None else None
        if state is None:
            state = build_agent(agent, pinned, target)
        workspace.agents.setdefault(state.handle, state)
    return workspace


# --- how many processes -------------------------------------------------------------------------


def process_count(files: int) -> int:
    """How many processes load ``files`` files (1: this one alone)."""
    wanted = configured_processes(os.environ)
    if wanted is not None:
        count = min(wanted, files)
    elif files < MIN_FILES:
        return 1
    else:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        count = min(cpus, MAX_PROCESSES, files // FILES_PER_PROCESS)
    return count if count > 1 and _can_fork() else 1


def configured_processes(env: Mapping[str, str]) -> int | None:
    """``MHSYNC_LOAD_PROCESSES`` as a count, ``None`` for automatic; ``ConfigError`` when it is
    neither a positive whole number nor ``auto``."""
    text = env.get(PROCESSES_VAR, "").strip()
    if not text or text.lower() == "auto":
        return None
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise ConfigError(f"{PROCESSES_VAR} must be a positive whole number or `auto`, got {text!r}")


def _can_fork() -> bool:
    """Whether a worker may be forked from here: Linux, no other thread running, not itself a
    daemonic process (a pool's worker, or one of ours)."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return False
    import multiprocessing  # here: loading a few files never pays for importing it

    return (
        "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def _shares(found: Sequence[Found], count: int) -> list[list[Found]]:
    """``found`` cut into ``count`` contiguous shares of about equal bytes (the first, this
    process's, ``PARENT_SHARE`` times as large), none empty."""
    sizes = [_size(item.path) + 1 for item in found]
    weights = [PARENT_SHARE] + [1.0] * (count - 1)
    total, whole = float(sum(sizes)), sum(weights)
    shares: list[list[Found]] = [[] for _ in range(count)]
    done, share, bound = 0.0, 0, total * weights[0] / whole
    for index, (item, size) in enumerate(zip(found, sizes, strict=True)):
        left = len(found) - index  # files not yet placed, this one included
        must_move = count - 1 - share >= left  # every later share still needs one file
        if share < count - 1 and shares[share] and (done + size / 2 > bound or must_move):
            share += 1
            bound += total * weights[share] / whole
        shares[share].append(item)
        done += size
    return shares


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# --- the work of one share ----------------------------------------------------------------------


def _load_share(share: Sequence[Found], work: FileWork) -> list[LoadedFile]:
    """The files of one share, in order; one ``FileReader`` for the share, as a serial load
    has one for all files."""
    reader = FileReader(work.root)
    return [_load_file(item, work, reader) for item in share]


def _load_file(item: Found, work: FileWork, reader: FileReader) -> LoadedFile:
    file, problem = read_manifest_file(item)
    loaded = LoadedFile(file, problem, pid=os.getpid())
    if file is not None:
        inline = MARKER in file.read.text
        for doc in file.read.docs:
            loaded.prepared.append(_prepare(doc, file, work, reader, inline))
    return loaded


def _prepare(
    doc: SourceDoc, file: ManifestFile, work: FileWork, reader: FileReader, inline: bool
) -> Prepared | None:
    """What ``doc`` gives on its own, or ``None`` when composition must see it first."""
    if not _alone(doc):
        return None
    inlined = inline_files(doc, file.found.path, reader) if inline else []
    agent, problems = parse_document(doc, work.sources)
    ready = Prepared(inlined, agent, problems)
    if agent is not None and agent.complete and agent.handle:
        unpinned = _Unpinned()
        ready.state = build_agent(agent, unpinned, work.target)
        ready.asked = None if unpinned.asked is None else frozenset(unpinned.asked)
    return ready


def _alone(doc: SourceDoc) -> bool:
    """Whether composition hands ``doc`` back as it is whatever the other documents hold (and
    none of them depends on it): not a fragment, and no ``uses`` or ``drop`` (``fragments.compose``
    passes such an agent through; a document it would compose, or might, is left to it)."""
    data = doc.data
    if not isinstance(data, dict):
        return True
    if data.get("kind") == FRAGMENT_KIND:
        return False
    metadata = data.get("metadata")
    return not isinstance(metadata, dict) or not (metadata.get("uses") or metadata.get("drop"))


class _Unpinned(Mapping[str, str]):
    """No uuid pinned, noting every uuid asked for: a state built against it is the one built
    against any mapping that pins none of those (``asked`` is ``None`` once it was listed)."""

    def __init__(self) -> None:
        self.asked: set[str] | None = set()

    def __getitem__(self, key: str) -> str:
        if self.asked is not None:
            self.asked.add(key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        self.asked = None
        return iter(())

    def __len__(self) -> int:
        self.asked = None
        return 0


# --- processes ----------------------------------------------------------------------------------


def _in_processes(shares: list[list[Found]], work: FileWork) -> list[LoadedFile]:
    """This process's share here, the others in forked workers; a failed share read again here."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    workers: list[_Worker] = []
    try:
        for share in shares[1:]:
            workers.append(_Worker(context, share, work))
        started = time.monotonic()
        out = _load_share(shares[0], work)
        patience = max(MIN_PATIENCE, PATIENCE_FACTOR * (time.monotonic() - started))
        for worker in workers:
            found = worker.result(patience)
            out.extend(found if found is not None else _load_share(worker.share, work))
        return out
    finally:
        for worker in workers:
            worker.stop()


class _Worker:
    """A forked process working on one share; its result comes back through a pipe."""

    def __init__(self, context: Any, share: list[Found], work: FileWork) -> None:
        self.share = share
        self.receiver, sender = context.Pipe(duplex=False)
        self.process: ForkProcess = context.Process(
            target=_serve, args=(share, work, sender), daemon=True, name="mhsync-load"
        )
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:  # a Ctrl-C now waits for the parent; the worker ignores it before unblocking
            self.process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
            sender.close()

    def result(self, patience: float) -> list[LoadedFile] | None:
        """The share's files, or ``None`` when the worker failed or took longer than ``patience``
        seconds more."""
        from multiprocessing.connection import wait

        receiver: Connection = self.receiver
        if not wait([receiver, self.process.sentinel], timeout=patience):
            return None
        if not receiver.poll(0):
            return None  # exited without a word
        try:
            answer = receiver.recv_bytes()
        except (EOFError, OSError):
            return None  # died while sending
        ok, files = pickle.loads(answer)
        return files if ok else None

    def stop(self) -> None:
        """End the worker (at once, if it still runs) and free its pipe."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
            if self.process.is_alive():
                self.process.kill()
        self.process.join()
        self.receiver.close()


def _serve(share: list[Found], work: FileWork, sender: Connection) -> None:
    """A worker's life: its share worked on, pickled, sent; any failure sent as one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        answer = pickle.dumps((True, _load_share(share, work)), pickle.HIGHEST_PROTOCOL)
    except BaseException:  # the parent reads the share again and meets it there
        answer = pickle.dumps((False, None))
    try:
        sender.send_bytes(answer)
    except OSError:
        pass  # the parent is gone or gave up on us
    finally:
        sender.close()
