"""Sections of an agent as data: item models and the descriptor table that drives every engine."""

from mhsync.sections.descriptor import Ref, SectionDescriptor, slug_key
from mhsync.sections.table import (
    AGENT_READ_ONLY,
    BY_KEY,
    COLLECTIONS,
    CORE,
    OBJECTS,
    OPTIONAL_SECTIONS,
    SECTIONS,
    WRITABLE_SETTINGS_GROUPS,
    section,
)

__all__ = [
    "AGENT_READ_ONLY",
    "BY_KEY",
    "COLLECTIONS",
    "CORE",
    "OBJECTS",
    "OPTIONAL_SECTIONS",
    "SECTIONS",
    "WRITABLE_SETTINGS_GROUPS",
    "Ref",
    "SectionDescriptor",
    "section",
    "slug_key",
]
