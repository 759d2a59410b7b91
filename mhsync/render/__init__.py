"""Renderers: pure functions from a ``Plan`` to text. rich is used here and nowhere else.

``text`` (terminal, Terraform-like), ``markdown`` (pull-request comments) and ``json`` (the plan
file) all draw from the same Plan, after ``redact`` has masked every sensitive path.
"""

from mhsync.render.json import render_json
from mhsync.render.markdown import render_markdown
from mhsync.render.text import render_text

__all__ = ["render_json", "render_markdown", "render_text"]
