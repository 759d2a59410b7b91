"""The synchronous HTTP client for the Mindhunters API: auth, envelopes, errors, retries, pages.

One :class:`ApiClient` wraps one ``httpx.Client`` (a thread-safe connection pool), so a single
instance may be shared by the threads of a ``ThreadPoolExecutor``.

Secrets: the token is held by a :class:`Token` and written into the request only inside an
``httpx.Auth`` hook; nothing here logs headers or bodies, every error message is built from the
method, the path and server-provided text (scrubbed of the token), and no httpx exception (whose
``request`` carries the headers) is ever chained onto an exception raised here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any

import httpx

from mhsync import __version__
from mhsync.client import envelope
from mhsync.client.outcome import Attempt, Call
from mhsync.client.retry import RetryPolicy, classify_transport_error
from mhsync.client.settings import validate_base_url
from mhsync.client.token import Token
from mhsync.errors import ApiError, UnexpectedResponseError

logger = logging.getLogger("mhsync.client")

OnRequest = Callable[[str, str, int | None], None]
Params = Mapping[str, str | int | float | bool]

DEFAULT_USER_AGENT = f"mhsync/{__version__}"
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 100
MAX_PAGES = 100_000


class _BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` at send time, so the header never sits in our own state."""

    def __init__(self, token: Token) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = "Bearer " + self._token.reveal()
        yield request

    def __repr__(self) -> str:
        return "_BearerAuth(Token(***))"


class _Payload:
    """A request body kept out of reprs (it may hold webhook secrets)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<request body>"


class ApiClient:
    """A client for one API base URL and token.

    Every call returns the unwrapped ``data`` of the answer, or raises an :class:`ApiError`
    subclass naming the method and path (never the base URL, the query or the token).
    ``on_request(method, path, status_or_None)`` is called after every attempt, retries included.
    """

    def __init__(
        self,
        base_url: str,
        token: Token,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        on_request: OnRequest | None = None,
    ) -> None:
        if not isinstance(token, Token):
            raise TypeError("token must be a mhsync.client.Token")
        self.base_url = validate_base_url(base_url)
        self.retry = retry if retry is not None else RetryPolicy()
        self._token = token
        self._on_request = on_request
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            auth=_BearerAuth(token),
            headers={"Accept": "application/json", "User-Agent": user_agent},
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
            transport=transport,
            follow_redirects=False,
            verify=True,
        )

    def __repr__(self) -> str:
        return f"ApiClient(base_url={self.base_url!r})"

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- public verbs -------------------------------------------------------------------------

    def get(self, path: str, params: Params | None = None) -> Any:
        """GET ``path``; returns the unwrapped ``data``."""
        return envelope.unwrap(self._request("GET", path, params, _Payload(None)))

    def post(self, path: str, json: Any = None) -> Any:
        """POST ``json``; a lost answer raises OutcomeUnknownError (re-read, then adopt)."""
        payload = _Payload(json)
        del json
        return envelope.unwrap(self._request("POST", path, None, payload))

    def put(self, path: str, json: Any = None) -> Any:
        """PUT ``json``; returns the unwrapped ``data``."""
        payload = _Payload(json)
        del json
        return envelope.unwrap(self._request("PUT", path, None, payload))

    def patch(self, path: str, json: Any = None) -> Any:
        """PATCH ``json``; returns the unwrapped ``data``."""
        payload = _Payload(json)
        del json
        return envelope.unwrap(self._request("PATCH", path, None, payload))

    def delete(self, path: str) -> Any:
        """DELETE ``path``; returns the unwrapped ``data`` (usually None).

        If an earlier attempt got no answer and a retry then answers 404, the first attempt is
        taken to have deleted it: the wanted end state holds, so None is returned.
        """
        return envelope.unwrap(self._request("DELETE", path, None, _Payload(None)))

    def paginate(
        self,
        path: str,
        per_page: int = DEFAULT_PER_PAGE,
        params: Params | None = None,
        *,
        parallelism: int = 1,
    ) -> Iterator[dict[str, Any]]:
        """Yield the items of a paginated list, asking ``?page=N&per_page=...``.

        ``per_page`` must be 1..100 (the documented maximum), so a short page really is the
        last. With ``parallelism`` 1 pages are fetched lazily, one after another. With more,
        and when page 1 says how many pages there are (``last_page``), pages 2..last are
        fetched concurrently: on a large workspace the list would otherwise be a chain of
        round trips nothing can overlap. Items keep the server's order either way.
        """
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        base = dict(params or {})
        base["per_page"] = per_page
        if parallelism > 1:
            return self._pages_concurrently(path, base, per_page, parallelism)
        return self._pages(path, base, per_page, first_page_params=True)

    def get_list(self, path: str, params: Params | None = None) -> list[dict[str, Any]]:
        """Items of a list endpoint without documented pagination (intents, webhooks).

        Accepts ``data`` as a list, ``data.items`` or ``data.data``. Should the server paginate
        after all (meta says more pages), the other pages are fetched too: no item goes missing.
        """
        return list(self._pages(path, dict(params or {}), None, first_page_params=False))

    # -- machinery ----------------------------------------------------------------------------

    def _pages(
        self,
        path: str,
        params: dict[str, Any],
        per_page: int | None,
        *,
        first_page_params: bool,
        start_page: int = 1,
        previous: list[dict[str, Any]] | None = None,
    ) -> Iterator[dict[str, Any]]:
        clean = _clean_path(path)
        page_no = start_page
        while True:
            page = self._fetch_page(path, params, page_no, with_number=first_page_params)
            repeated = _repeated_page(previous, page, page_no, clean)
            if repeated is not None:
                raise repeated
            yield from page.items
            if not page.has_more(per_page):
                return
            if page_no >= MAX_PAGES:
                raise _too_many_pages(clean)
            if per_page is None and page.per_page is not None:
                params = {**params, "per_page": page.per_page}
            previous = page.items
            page_no += 1

    def _pages_concurrently(
        self, path: str, params: dict[str, Any], per_page: int, parallelism: int
    ) -> Iterator[dict[str, Any]]:
        clean = _clean_path(path)
        pages = [self._fetch_page(path, params, 1, with_number=True)]
        first = pages[0]
        last = first.last_page if first.current_page == 1 and first.has_more(per_page) else None
        if last is not None:
            if last > MAX_PAGES:
                raise _too_many_pages(clean)
            with ThreadPoolExecutor(max_workers=max(1, min(parallelism, last - 1))) as pool:
                pages += pool.map(
                    lambda n: self._fetch_page(path, params, n, with_number=True),
                    range(2, last + 1),
                )
            for page_no in range(2, len(pages) + 1):
                repeated = _repeated_page(
                    pages[page_no - 2].items, pages[page_no - 1], page_no, clean
                )
                if repeated is not None:
                    raise repeated
        for page in pages:
            yield from page.items
        if pages[-1].has_more(per_page):
            # No page count on page 1, or the list grew while it was read: walk on from here.
            yield from self._pages(
                path,
                params,
                per_page,
                first_page_params=True,
                start_page=len(pages) + 1,
                previous=pages[-1].items,
            )

    def _fetch_page(
        self, path: str, params: dict[str, Any], page_no: int, *, with_number: bool
    ) -> envelope.Page:
        """Page ``page_no``; ``?page=`` is sent for every page after the first, and for the
        first too when ``with_number`` (lists not documented as paginated are asked plainly)."""
        query = dict(params)
        if with_number or page_no > 1:
            query["page"] = page_no
        # The body is never a local here: this frame raises, and tracebacks show locals.
        page = self._page(
            self._request("GET", path, query, _Payload(None)), _clean_path(path), page_no
        )
        if isinstance(page, ApiError):
            raise page
        return page

    @staticmethod
    def _page(body: Any, clean: str, page_no: int) -> envelope.Page | ApiError:
        try:
            return envelope.decode_page(body)
        except envelope.EnvelopeError as exc:
            return UnexpectedResponseError(
                f"page {page_no} is not a list response: {exc}", method="GET", path=clean
            )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
    ) -> Any:
        """Send with retries and return the decoded JSON body (envelope not yet unwrapped).

        Exceptions are built in helpers and only raised here, so a traceback rendered with its
        locals shows no response body, and the request body sits in an opaque holder.
        """
        payload = _Payload(json)
        del json
        return self._request(method.upper(), path, params, payload)

    def _request(self, method: str, path: str, params: Params | None, payload: _Payload) -> Any:
        call = Call(method, _clean_path(path), self._scrub)
        started = self.retry.clock()
        attempts = 0
        maybe_applied = False
        while True:
            attempts += 1
            attempt = self._attempt(call, path, params, payload, attempts)
            verdict = call.judge(attempt, attempts, maybe_applied)
            if verdict.error is None:
                return verdict.value
            if not verdict.retry:
                raise verdict.error
            maybe_applied = maybe_applied or verdict.maybe_applied
            delay = self.retry.next_delay(attempts, verdict.retry_after, started)
            if delay is None:
                raise call.exhausted(attempt, attempts, self.retry.clock() - started)
            self.retry.sleep(delay)

    def _attempt(
        self, call: Call, path: str, params: Params | None, payload: _Payload, number: int
    ) -> Attempt:
        """Send once; log and report the attempt. Transport errors become an :class:`Attempt`."""
        started = time.perf_counter()
        status: int | None = None
        try:
            response = self._http.request(
                call.method,
                path.lstrip("/"),
                params=dict(params) if params else None,
                json=payload.value,
            )
            status = response.status_code
            result = Attempt(response)
        except httpx.RequestError as exc:
            kind = classify_transport_error(exc)
            result = Attempt(None, kind, self._scrub(f"{type(exc).__name__}: {exc}".rstrip(": ")))
        elapsed = time.perf_counter() - started
        logger.debug(
            "%s %s -> %s in %.3fs (attempt %d)",
            call.method,
            call.path,
            status if status is not None else result.detail,
            elapsed,
            number,
        )
        if self._on_request is not None:
            self._on_request(call.method, call.path, status)
        return result

    def _scrub(self, text: str) -> str:
        return text.replace(self._token.reveal(), "***")


def _clean_path(path: str) -> str:
    """The path as errors and logs show it: leading slash, no query string, no fragment."""
    clean = path.split("?", 1)[0].split("#", 1)[0]
    return clean if clean.startswith("/") else "/" + clean


def _repeated_page(
    previous: list[dict[str, Any]] | None, page: envelope.Page, page_no: int, clean: str
) -> ApiError | None:
    """The error for a page that repeats the one before: a server ignoring ``?page=`` would
    otherwise be read forever (or, concurrently, return one page many times)."""
    if page_no > 1 and page.items and page.items == previous:
        return UnexpectedResponseError(
            f"page {page_no} repeats page {page_no - 1}: the server ignores ?page=",
            method="GET",
            path=clean,
        )
    return None


def _too_many_pages(clean: str) -> ApiError:
    return UnexpectedResponseError(
        f"more than {MAX_PAGES} pages; refusing to read on", method="GET", path=clean
    )
