"""Allow ``python -m mhsync``."""

from mhsync.cli.main import main

main()
