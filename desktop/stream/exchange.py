"""What one HTTP exchange means to the stream client. Plain Python (httpx), no Qt.

The request's ``Last-Event-ID``, the proxy rule, the reading of a response (:func:`check_response`)
and of a broken connection (:func:`connection_lost`) into the three outcomes the client acts on,
and the backoff between attempts:

* :class:`Reconnect`: connection errors, drops (``ReadError``/``RemoteProtocolError``), a silent
  stream, HTTP 5xx/408/429 (``Retry-After`` honoured, capped at an hour).
* :class:`Stopped`: HTTP 204, the server asks us to stop for good, as EventSource does.
* :class:`Failed`: 404, other 4xx, a 200 that is not ``text/event-stream``, or a URL httpx cannot
  use at all. Unlike EventSource the client keeps retrying, slowly, because for a tray app a
  proxy's error page during a redeploy must not need a restart by hand.
"""

from __future__ import annotations

import random
import socket
from urllib.parse import urlsplit

import httpx


class Reconnect(Exception):
    """The connection ended; try again. ``retry_after`` overrides the backoff (Retry-After)."""

    def __init__(self, reason: str, status_code: int | None = None, retry_after: float = 0):
        super().__init__(reason)
        self.reason, self.status_code, self.retry_after = reason, status_code, retry_after


class Failed(Exception):
    """A permanent error: the URL does not serve a stream."""

    def __init__(self, reason: str, status_code: int | None = None):
        super().__init__(reason)
        self.reason, self.status_code = reason, status_code


class Stopped(Exception):
    """HTTP 204: the server asks us to stop."""


def last_event_id_header(last_event_id: str | None) -> bytes | None:
    """``Last-Event-ID`` as sent: UTF-8 (the spec's encoding; httpx would raise on a non-ASCII
    str), without the leading/trailing whitespace HTTP cannot carry; None if nothing is left."""
    value = (last_event_id or "").encode().strip(b" \t")
    return value or None


def trust_env(url: str) -> bool:
    """Proxies from the environment apply to remote servers, never to a loopback one."""
    host = urlsplit(url).hostname or ""
    return not (host in ("localhost", "127.0.0.1", "::1") or host.startswith("127."))


def check_response(response: httpx.Response, url: str) -> None:
    """Returns if ``response`` is an event stream; raises the outcome otherwise."""
    code = response.status_code
    if code == 204:
        raise Stopped()
    if code in (408, 429) or code >= 500:
        after = response.headers.get("retry-after", "")
        wait = min(float(after), 3600.0) if after.isdigit() else 0.0
        raise Reconnect(f"server error (HTTP {code})", code, wait)
    if code == 404:
        raise Failed(f"no stream at {url} (HTTP 404): check the server address", code)
    if code != 200:
        raise Failed(f"the server refused the stream (HTTP {code})", code)
    # The MIME type's essence, which is case-insensitive ("Text/Event-Stream" is fine).
    ctype = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if ctype != "text/event-stream":
        raise Failed(f"not an event stream ({ctype or 'no content type'})", code)


def connection_lost(
    exc: TimeoutError | httpx.TransportError, dead_after: float, url: str = ""
) -> Exception:
    """The outcome of a connection that broke: ``TimeoutError`` is the silence watchdog. The
    reason is in words a user can act on, not the HTTP library's ("All connection attempts
    failed" is what httpx says for a refused connection)."""
    if isinstance(exc, TimeoutError):
        return Reconnect(f"no data for {dead_after:g} s")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return Failed(f"not a usable URL: {exc}")
    if isinstance(exc, httpx.ConnectTimeout):
        return Reconnect(f"{_where(url)} did not answer")
    if isinstance(exc, httpx.ConnectError):
        return Reconnect(_cannot_connect(exc, url))
    return Reconnect(f"connection lost ({str(exc) or type(exc).__name__})")  # ReadError, ...


def _where(url: str) -> str:
    parts = urlsplit(url)
    if not parts.hostname:
        return "the server"
    return parts.netloc.rpartition("@")[2]  # host:port, without any credentials


def _cannot_connect(exc: httpx.ConnectError, url: str) -> str:
    """Why a connection could not be made, from the operating system's error underneath."""
    cause: BaseException | None = exc
    while cause is not None:  # httpx → httpcore → anyio's OSError → the socket's own error
        if isinstance(cause, socket.gaierror):
            host = urlsplit(url).hostname
            return f"no computer called {host} was found" if host else "the name was not found"
        if isinstance(cause, ConnectionRefusedError):
            return f"nothing is listening at {_where(url)} (is the server running?)"
        if isinstance(cause, OSError) and cause.strerror:
            return f"cannot connect to {_where(url)} ({cause.strerror.lower()})"
        cause = cause.__cause__ or cause.__context__
    return f"cannot connect to {_where(url)}"


def backoff_delay(retry_ms: int, attempt: int, max_delay: float, rng: random.Random) -> float:
    """Full jitter on the server's retry delay, doubling per failed ``attempt``, capped."""
    base = max(retry_ms, 250) / 1000  # a ``retry: 0`` must not become a busy loop
    return rng.uniform(0, min(max_delay, base * 2**attempt))
