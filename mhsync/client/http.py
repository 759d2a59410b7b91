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
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any

import httpx

from mhsync import __version__
from mhsync.client import envelope, pages
from mhsync.client.base_url import validate_base_url
from mhsync.client.limits import (
    DEADLINE_VAR,
    MAX_RESPONSE_MB_VAR,
    DeadlineExceeded,
    RequestDeadline,
    ResponseLimits,
    TooLargeError,
    read_body,
)
from mhsync.client.outcome import Answer, Attempt, Call
from mhsync.client.requests import Params, RequestBuilder
from mhsync.client.retry import Failure, RetryPolicy, classify_transport_error
from mhsync.client.scrub import Scrubber
from mhsync.client.token import Token
from mhsync.client.transport import default_transport
from mhsync.errors import ApiError, UnexpectedResponseError

logger = logging.getLogger("mhsync.client")

OnRequest = Callable[[str, str, int | None], None]

DEFAULT_USER_AGENT = f"mhsync/{__version__}"
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 100


class _BearerAuth(httpx.Auth):
    """Adds ``Authorization: Bearer`` at send time, so the header never sits in our own state."""

    def __init__(self, token: Token) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.apply(request)
        yield request

    def apply(self, request: httpx.Request) -> None:
        """Write the header into ``request``, the moment before it is sent."""
        request.headers["Authorization"] = "Bearer " + self._token.reveal()

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
        limits: ResponseLimits | None = None,
    ) -> None:
        if not isinstance(token, Token):
            raise TypeError("token must be a mhsync.client.Token")
        self.base_url = validate_base_url(base_url)
        self.retry = retry if retry is not None else RetryPolicy()
        self.limits = limits if limits is not None else ResponseLimits()
        self._token = token
        self._scrubber = Scrubber((token.reveal(),))
        self._on_request = on_request
        self._auth = _BearerAuth(token)
        chosen = transport if transport is not None else default_transport()
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            auth=self._auth,
            headers={"Accept": "application/json", "User-Agent": user_agent},
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
            transport=chosen,
            follow_redirects=False,
            verify=True,
        )
        if chosen is None:  # httpx's own pools: a proxy from the environment applies
            from mhsync.client.deadline_backend import install_deadline

            install_deadline(self._http)
        self._requests = RequestBuilder(self._http, self.base_url + "/")
        self._route = _router(self._http)

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
        identity: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The items of a paginated list, asking ``?page=N&per_page=...``, in the server's order.

        The whole list is read before the first item is yielded, under the rules of
        :mod:`mhsync.client.pages`: a short page is the last only when meta says so, ``total``
        is cross-checked, and a list that changes while it is read (``total``/``last_page``
        moved, an item by ``identity`` seen twice) is read again; :class:`ListChangedError`
        when it never holds still. ``per_page`` must be 1..100 (the ASSUMED maximum; a server
        may cap lower). With ``parallelism`` above 1, pages 2..``last_page`` are fetched
        concurrently once page 1 announced them.
        """
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        base = dict(params or {})
        base["per_page"] = per_page
        clean = _clean_path(path)

        def fetch(page_no: int) -> envelope.Page:
            return self._fetch_page(path, base, page_no, with_number=True)

        def fetch_many(numbers: Iterable[int]) -> dict[int, envelope.Page]:
            wanted = list(numbers)
            with ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(wanted)))) as pool:
                return dict(zip(wanted, pool.map(fetch, wanted), strict=True))

        reader = pages.ListRead(
            clean, fetch, fetch_many if parallelism > 1 else None, identity=identity
        )
        return iter(reader.items())

    def get_list(self, path: str, params: Params | None = None) -> list[dict[str, Any]]:
        """Items of a list endpoint without documented pagination (intents, webhooks).

        Accepts ``data`` as a list, ``data.items`` or ``data.data``. Should the server paginate
        after all (meta says more pages, or ``total`` says more items), the other pages are
        fetched too: no item goes missing.
        """
        query: dict[str, Any] = dict(params or {})

        def fetch(page_no: int) -> envelope.Page:
            page = self._fetch_page(path, query, page_no, with_number=False)
            if page.per_page is not None:
                query["per_page"] = page.per_page
            return page

        return pages.ListRead(_clean_path(path), fetch, open_ended=False).items()

    # -- machinery ----------------------------------------------------------------------------

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
        deadline = RequestDeadline(self.limits.deadline)
        attempts = 0
        maybe_applied = False
        while True:
            attempts += 1
            attempt = self._attempt(call, path, params, payload, attempts, deadline)
            verdict = call.judge(attempt, attempts, maybe_applied)
            if verdict.error is None:
                return verdict.value
            if not verdict.retry:
                raise verdict.error
            maybe_applied = maybe_applied or verdict.maybe_applied
            delay = self.retry.next_delay(attempts, verdict.retry_after, started)
            if delay is None or delay >= deadline.remaining():
                raise call.exhausted(attempt, attempts, self.retry.clock() - started)
            self.retry.sleep(delay)

    def _attempt(
        self,
        call: Call,
        path: str,
        params: Params | None,
        payload: _Payload,
        number: int,
        deadline: RequestDeadline,
    ) -> Attempt:
        """Send once; log and report the attempt. Transport errors become an :class:`Attempt`."""
        started = time.perf_counter()
        status: int | None = None
        try:
            with deadline:
                response = self._send(self._build(call.method, path, params, payload))
                try:
                    status = response.status_code
                    body = read_body(response, self.limits, deadline)
                finally:
                    response.close()
            result = Attempt(Answer(status, response.headers, body))
        except TooLargeError as exc:
            result = Attempt(None, Failure.REFUSED, self._too_large(status, exc.seen))
        except (DeadlineExceeded, httpx.TimeoutException) as exc:
            if not deadline.passed() and isinstance(exc, httpx.TimeoutException):
                result = self._transport_failure(exc)
            else:
                result = Attempt(None, Failure.MAYBE_SENT, self._past_deadline(status))
        except httpx.RequestError as exc:
            result = self._transport_failure(exc)
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

    def _build(
        self, method: str, path: str, params: Params | None, payload: _Payload
    ) -> httpx.Request:
        """The request ``httpx.Client.build_request`` would make, for a fraction of its CPU
        (:mod:`mhsync.client.requests`)."""
        return self._requests.build(method, path, params, payload.value)

    def _send(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` (streamed) through the transport httpx chose for its URL.

        ``Client.send`` wraps that call in layers mhsync does not use (a cookie jar filled from
        every answer, redirect handling for redirects never followed, event hooks, httpx's own
        log line) that cost about as much CPU as the HTTP exchange itself; the transport (the
        connection pool, or the proxy's for ``HTTPS_PROXY``), TLS and the auth hook are
        httpx's. Without httpx's transport lookup, ``Client.send`` is used as is.
        """
        if self._route is None:
            return self._http.send(request, stream=True)
        if self._http.is_closed:
            raise RuntimeError("the API client is closed")
        self._auth.apply(request)
        response = self._route(request.url).handle_request(request)
        response.request = request
        return response

    def _transport_failure(self, exc: httpx.RequestError) -> Attempt:
        kind = classify_transport_error(exc)
        return Attempt(None, kind, self._scrub(f"{type(exc).__name__}: {exc}".rstrip(": ")))

    def _too_large(self, status: int | None, seen: int) -> str:
        return (
            f"the answer (HTTP {status}) is larger than the {self.limits.describe_size()} cap "
            f"(at least {seen:,} bytes); refusing to read it. Raise {MAX_RESPONSE_MB_VAR} if "
            "the workspace really answers this much"
        )

    def _past_deadline(self, status: int | None) -> str:
        got = "no answer" if status is None else f"the HTTP {status} answer did not finish"
        return (
            f"{got} within the {self.limits.deadline:g} s deadline of one request "
            f"({DEADLINE_VAR}); the server is too slow or trickling"
        )

    def protect(self, secret: str) -> None:
        """Scrub ``secret`` (a webhook secret, an intent auth token this client will send) from
        every error text, as the token is."""
        self._scrubber.add(secret)

    def _scrub(self, text: str) -> str:
        return self._scrubber.scrub(text)


def _router(client: httpx.Client) -> Callable[[httpx.URL], httpx.BaseTransport] | None:
    """httpx's choice of transport for a URL (its pool, or a proxy mount), if it offers one."""
    route = getattr(client, "_transport_for_url", None)
    return route if callable(route) else None


def _clean_path(path: str) -> str:
    """The path as errors and logs show it: leading slash, no query string, no fragment."""
    clean = path.split("?", 1)[0].split("#", 1)[0]
    return clean if clean.startswith("/") else "/" + clean

