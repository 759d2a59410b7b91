"""Print the first ```sh block of a README section, so CI runs the commands users read.

Usage: python .ci/readme_block.py README.md Quickstart
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def first_sh_block(text: str, heading: str) -> str:
    """The body of the first ```sh fence below ``## heading`` and above the next ``## ``."""
    section = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if section is None:
        raise SystemExit(f"no section '## {heading}'")
    block = re.search(r"^```(?:sh|bash|console)\n(.*?)^```", section.group(1), re.M | re.S)
    if block is None:
        raise SystemExit(f"no ```sh block in section '## {heading}'")
    return block.group(1)


if __name__ == "__main__":
    readme, heading = sys.argv[1:3]
    sys.stdout.write(first_sh_block(Path(readme).read_text(encoding="utf-8"), heading))
