"""A local emulator of the Mindhunters agent API, independent of the rest of mhsync.

It imports nothing from mhsync (only the standard library and httpx): it is a second, separate
reading of the API contract, so a misreading in the client cannot hide in the sandbox too.

    sb = Sandbox(db_path=":memory:", tokens=["tok"])
    client = httpx.Client(transport=sb.transport(), base_url="http://sandbox/api/v1")
"""

from .app import Sandbox
from .asgi import ConnectionDropped
from .faults import FaultConfig
from .main import serve_main
from .store import RequestLogEntry

__all__ = ["ConnectionDropped", "FaultConfig", "RequestLogEntry", "Sandbox", "serve_main"]
