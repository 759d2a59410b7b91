"""Sections of an agent as data: item models and the descriptor table that drives every engine."""

from mhsync.sections.descriptor import CORE_KEY, Ref, SectionDescriptor, slug_key
from mhsync.sections.table import (
    AGENT_READ_ONLY,
    BY_KEY,
    COLLECTIONS,
    CORE,
    OBJECTS,
    OPTIONAL_SECTIONS,
    REFERENCED,
    SECTIONS,
    WRITABLE_SETTINGS_GROUPS,
    ref_section,
    section,
    writable_groups,
)

__all__ = [
    "AGENT_READ_ONLY",
    "BY_KEY",
    "COLLECTIONS",
    "CORE",
    "CORE_KEY",
    "OBJECTS",
    "OPTIONAL_SECTIONS",
    "REFERENCED",
    "SECTIONS",
    "WRITABLE_SETTINGS_GROUPS",
    "Ref",
    "SectionDescriptor",
    "ref_section",
    "section",
    "slug_key",
    "writable_groups",
]
