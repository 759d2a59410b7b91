"""Pairs desired items of one section with live ones (docs/ARCHITECTURE.md, "Matching").

Identity sections pair by the descriptor's identity key; a desired item left over may claim a
live item named by one of its ``previous_keys`` (a rename that keeps the live uuid). Positional
sections (guidelines, notes) pair equal content first, in order, then pair what is left by
position - the k-th leftover desired item with the k-th leftover live item, which reads as an
edit - and the rest are creates and deletes. Duplicate keys pair in order, so a list that holds
the same key twice converges like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mhsync.sections import SectionDescriptor
from mhsync.state import Item


@dataclass(frozen=True)
class Pair:
    """A desired item and the live item it becomes; ``renamed``: matched by ``previous_keys``."""

    desired_index: int
    desired: Item
    live_index: int
    live: Item
    renamed: bool = False


@dataclass(frozen=True)
class ItemMatching:
    pairs: tuple[Pair, ...]
    creates: tuple[tuple[int, Item], ...]
    """(desired index, item) of desired items without a live counterpart."""
    deletes: tuple[tuple[int, Item], ...]
    """(live index, item) of live items no desired item claims."""


def match_items(
    descriptor: SectionDescriptor, desired: Sequence[Item], live: Sequence[Item]
) -> ItemMatching:
    pairs: list[Pair] = []
    free_live = dict(enumerate(live))
    free_desired = dict(enumerate(desired))
    by_key: dict[str, list[int]] = {}
    for l_index, live_item in enumerate(live):
        by_key.setdefault(live_item.key, []).append(l_index)

    def first(key: str) -> int | None:
        """The lowest free live index holding ``key`` (one dict look-up, not a scan)."""
        return next((i for i in by_key.get(key, ()) if i in free_live), None)

    def claim(d_index: int, l_index: int, renamed: bool = False) -> None:
        desired_item, live_item = free_desired.pop(d_index), free_live.pop(l_index)
        pairs.append(Pair(d_index, desired_item, l_index, live_item, renamed))

    for d_index, item in list(free_desired.items()):
        found = first(item.key)
        if found is not None:
            claim(d_index, found)
    if descriptor.positional:
        for d_index, l_index in zip(list(free_desired), list(free_live), strict=False):
            claim(d_index, l_index)
    else:
        for d_index, item in list(free_desired.items()):
            for previous in item.previous_keys:
                found = first(previous)
                if found is not None:
                    claim(d_index, found, renamed=True)
                    break
    return ItemMatching(
        pairs=tuple(sorted(pairs, key=lambda p: p.desired_index)),
        creates=tuple(free_desired.items()),
        deletes=tuple(free_live.items()),
    )

