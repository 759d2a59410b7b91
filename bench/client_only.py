"""mhsync's own HTTP client alone making the GET requests of a plan (no manifests, no planning).

    python -m bench.client_only BASE_URL TOKEN_ENV PATHS_FILE PARALLELISM

The same requests as ``bench.baseline get`` (page 1 alone, then the rest through
``PARALLELISM`` threads), through ``mhsync.client.ApiClient`` (httpx, retries, envelope
checks): the difference in CPU between the two is what the client costs per request.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from mhsync.client import ApiClient, Token


def main(argv: list[str]) -> int:
    base_url, token_env, paths_file, parallelism = argv
    prefix = urlsplit(base_url).path.rstrip("/")
    lines = Path(paths_file).read_text(encoding="utf-8").split()
    requests = []
    for line in lines:
        parts = urlsplit(line)
        requests.append((parts.path.removeprefix(prefix), dict(parse_qsl(parts.query))))
    with ApiClient(base_url, Token.from_env(token_env)) as client:
        client.get(*requests[0])
        with ThreadPoolExecutor(int(parallelism)) as pool:
            for _ in pool.map(lambda request: client.get(*request), requests[1:]):
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
