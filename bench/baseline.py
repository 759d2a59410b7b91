"""The two baselines of issue 16, each run as its own process, with nothing of mhsync imported.

    python -m bench.baseline get BASE_URL TOKEN_ENV PATHS_FILE PARALLELISM
    python -m bench.baseline yaml DIRECTORY

``get``: a minimal client (standard library only: ``http.client``, one keep-alive connection per
thread, ``PARALLELISM`` threads) makes the GET requests listed in ``PATHS_FILE`` (one
path-and-query a line, as the sandbox logged them for a plan). The first line (page 1 of the agent
list) is requested alone, as any client must learn the agents before reading them; every other
line then goes through the threads. Every response is read to its end and its status checked.
That is the network bound plus the server's own cost, measured against the same server.

``yaml``: PyYAML's C loader (``CSafeLoader``) alone parses every ``*.yaml`` file under
``DIRECTORY``; nothing is validated.
"""

from __future__ import annotations

import http.client
import os
import sys
import threading
from pathlib import Path
from queue import Empty, SimpleQueue
from urllib.parse import urlsplit


def get_all(base_url: str, token: str, paths: list[str], parallelism: int) -> int:
    """Make every GET; returns how many answered 200 (a failure raises)."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def fetch(connection: http.client.HTTPConnection, path: str) -> None:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status}")

    first = http.client.HTTPConnection(host, port, timeout=60)
    fetch(first, paths[0])
    first.close()
    queue: SimpleQueue[str] = SimpleQueue()
    for path in paths[1:]:
        queue.put(path)
    errors: list[BaseException] = []

    def worker() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        try:
            while True:
                try:
                    path = queue.get_nowait()
                except Empty:
                    return
                fetch(connection, path)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(parallelism)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return len(paths)


def parse_all(directory: Path) -> int:
    """Parse every YAML file under ``directory`` with libyaml; returns the number of documents."""
    import yaml

    documents = 0
    for path in sorted(directory.rglob("*.yaml")):
        with path.open("rb") as stream:
            documents += sum(1 for _ in yaml.load_all(stream, Loader=yaml.CSafeLoader))
    return documents


def main(argv: list[str]) -> int:
    if argv[:1] == ["get"] and len(argv) == 5:
        _, base_url, token_env, paths_file, parallelism = argv
        paths = Path(paths_file).read_text(encoding="utf-8").split()
        get_all(base_url, os.environ[token_env], paths, int(parallelism))
        return 0
    if argv[:1] == ["yaml"] and len(argv) == 2:
        parse_all(Path(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
