"""mhsync: manage Mindhunters AI agents as code."""

__version__ = "0.1.0"
