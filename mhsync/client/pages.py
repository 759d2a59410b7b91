"""Reading a whole list page by page so that no item is missed or invented (CONTRACT §1).

A server may cap ``per_page`` below what was asked, answer without paging meta, or answer a
plain list; the list may change while it is read (an agent created or deleted in the dashboard
shifts every later page). The rules, in the order a page is judged:

- An empty page ends the list. Otherwise a page ends it only when meta says so: its
  ``current_page`` reached ``last_page`` and, when ``total`` is given, that many items were read.
  Without any meta an *open-ended* list (one asked with ``?page=``) is read on until an empty
  page; a list not documented as paginated (``open_ended=False``) is complete in one answer.
- ``total`` is cross-checked: reading more items than it says, or ending with fewer, means the
  list moved (or the server contradicts itself).
- ``total`` and ``last_page`` must stay what page 1 said, and an item (by ``identity``) must not
  appear twice. A page that breaks this means the list changed while it was read.
- A read that saw the list change is thrown away and the list is read again from page 1, up to
  ``LIST_READS`` times; then :class:`ListChangedError` says what moved. So paging is bounded by
  what page 1 announced (``total``/``last_page``) and by growth, not by a page cap alone: a
  server whose ``last_page`` keeps growing ends the read after a few requests.
- A page repeating the one before, or answering another ``current_page`` than asked, means the
  server ignores ``?page=``: an error at once (reading again would see the same).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mhsync.client.envelope import Page
from mhsync.errors import ListChangedError, UnexpectedResponseError

logger = logging.getLogger("mhsync.client")

LIST_READS = 3
"""Reads of one list before giving up on it changing under the reader."""
MAX_PAGES = 100_000
"""Last resort for a list without any meta that never ends with an empty page."""

PREFETCH_PAGES = 1_000
"""At most this many pages are fetched ahead at once; the walk goes on one by one after them."""

FetchPage = Callable[[int], Page]
FetchPages = Callable[[Iterable[int]], Mapping[int, Page]]


def _prefetch_until(first: Page) -> int:
    """The last page worth fetching ahead: what page 1 announced, no more than ``total`` can
    fill at page 1's size (a server announcing 99,999 pages for 20 items is not believed)."""
    if not first.items or first.last_page is None:
        return 1
    last = first.last_page
    if first.total is not None:
        last = min(last, -(-first.total // len(first.items)))
    return min(last, PREFETCH_PAGES)


class _Changed(Exception):
    """This read saw the list move; ``reason`` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ListRead:
    """How to read one list: ``fetch(n)`` gets page ``n``; ``fetch_many`` (optional) gets
    several at once, used for pages 2..last_page once page 1 announced them."""

    path: str
    fetch: FetchPage
    fetch_many: FetchPages | None = None
    open_ended: bool = True
    identity: str | None = None
    reads: int = LIST_READS

    def items(self) -> list[dict[str, Any]]:
        """Every item, from one read in which the list did not move."""
        reason = ""
        for number in range(1, self.reads + 1):
            try:
                return self._read_once()
            except _Changed as changed:
                reason = changed.reason
                logger.debug("GET %s: read %d saw the list change: %s", self.path, number, reason)
        raise ListChangedError(
            f"the list changed while it was read, {self.reads} reads in a row (last: {reason}); "
            "nothing was planned from it: run again when the workspace is quiet",
            method="GET",
            path=self.path,
        )

    def _read_once(self) -> list[dict[str, Any]]:
        first = self.fetch(1)
        if first.last_page is not None and first.last_page > MAX_PAGES:
            raise self._error(f"page 1 announces {first.last_page} pages; refusing to read on")
        ahead: dict[int, Page] = {}
        last = _prefetch_until(first)
        if self.fetch_many is not None and last > 1:
            ahead = dict(self.fetch_many(range(2, last + 1)))
        items: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        page, page_no, previous = first, 1, None
        while True:
            self._check(first, page, page_no, previous)
            self._remember(seen, page, page_no)
            items += page.items
            if not self._more(first, page, page_no, len(items)):
                break
            page_no += 1
            if page_no > MAX_PAGES:
                raise self._error(f"more than {MAX_PAGES} pages; refusing to read on")
            previous = page.items
            page = ahead.pop(page_no) if page_no in ahead else self.fetch(page_no)
        if first.total is not None and len(items) != first.total:
            raise _Changed(f"the list ended after {len(items)} items but total said {first.total}")
        return items

    def _more(self, first: Page, page: Page, page_no: int, count: int) -> bool:
        """Whether page ``page_no + 1`` must be read (see the module docstring)."""
        if not page.items:
            return False
        total = first.total
        if total is not None and count > total:
            raise _Changed(f"{count} items read by page {page_no} but total said {total}")
        if page.last_page is not None and page_no < page.last_page:
            return True
        if total is not None:
            return count < total
        if page.last_page is not None:
            return False
        return self.open_ended

    def _check(self, first: Page, page: Page, page_no: int, previous: list[Any] | None) -> None:
        if page.current_page is not None and page.current_page != page_no:
            raise self._error(
                f"asked for page {page_no}, the answer is current_page {page.current_page}: "
                "the server ignores ?page="
            )
        if page_no > 1 and page.items and page.items == previous:
            raise self._error(
                f"page {page_no} repeats page {page_no - 1}: the server ignores ?page="
            )
        for name, before, now in (
            ("total", first.total, page.total),
            ("last_page", first.last_page, page.last_page),
        ):
            if before is not None and now is not None and before != now:
                raise _Changed(f"{name} went from {before} on page 1 to {now} on page {page_no}")

    def _remember(self, seen: dict[str, int], page: Page, page_no: int) -> None:
        if self.identity is None:
            return
        for item in page.items:
            key = item.get(self.identity)
            if not isinstance(key, str) or not key:
                continue
            if key in seen:
                raise _Changed(
                    f"{self.identity} {key} is on page {seen[key]} and again on page {page_no}"
                )
            seen[key] = page_no

    def _error(self, message: str) -> UnexpectedResponseError:
        return UnexpectedResponseError(message, method="GET", path=self.path)
