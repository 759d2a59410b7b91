"""``python -m mhsync.sandbox --port 8765 --db .mhsync/sandbox.db --token TOKEN``."""

import sys

from .main import main

sys.exit(main())
