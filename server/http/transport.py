"""Limits on connections, below the app: what uvicorn leaves unbounded.

uvicorn has no deadline for receiving a request (``timeout_keep_alive`` covers the time
between two requests, and every byte received resets it), and its fast parser, httptools,
takes a request head of any size. So a client trickling bytes holds a connection for ever,
a never-ending header line is buffered whole, and enough idle connections take every file
descriptor, ``/healthz`` and the publish API included. :func:`protocol` makes uvicorn's
httptools protocol with three limits added, all applied before any of the app runs:

- a **deadline for receiving a request** whole (head and body), counted from the
  connection's opening or the request's first byte: 408 past it (a connection that never
  said anything is just closed);
- at most **MAX_HEAD bytes of request head** (request line and headers): 431 past it;
- at most ``max_pending`` **connections not being served** (opening, sending a request, or
  resting between two requests): past it the one that has waited longest is closed, so a
  flood of idle or slow connections never takes the descriptors the API needs.

A connection is being served from the moment its request has fully arrived until its
response ends (a stream's: for as long as it is open); neither limit applies to it then.

This subclasses uvicorn's ``HttpToolsProtocol`` (uvicorn takes a protocol class as its
documented ``http`` setting): it adds to the parser callbacks httptools documents
(``on_message_begin``, ``on_headers_complete``, ``on_message_complete``), to uvicorn's
``data_received``, ``connection_made``, ``connection_lost`` and ``on_response_complete``, and
reads its ``transport``, ``cycle``, ``pipeline`` and ``server_state``. pyproject.toml keeps
uvicorn to the versions this was tested with (tests/server/test_transport_limits.py).
"""

from __future__ import annotations

import asyncio
import http
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from server.config import DEFAULTS

log = logging.getLogger("touchline.server")

#: The most a request's head (its line and headers) may take. Browsers send a few hundred
#: bytes; h11 and nginx default to 16 and 32 KiB (8 KiB a line).
MAX_HEAD = 16 * 1024
#: After a refusal (408, 431) the connection is half-closed and what still comes is read and
#: dropped this long before it closes: closing with unread input would send a reset, which
#: can make the client lose the answer before it reads it.
LINGER = 2.0
#: A flood is logged once, then at most once in this many seconds.
WARN_EVERY = 60.0


@dataclass(frozen=True)
class TransportLimits:
    request_timeout: float = DEFAULTS.request_timeout
    max_pending: int = DEFAULTS.max_pending
    max_head: int = MAX_HEAD


class Pending:
    """The connections not being served, the one waiting longest first; past ``limit`` that
    one is closed to make room."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._waiting: OrderedDict[GuardedProtocol, None] = OrderedDict()
        self._warned = -WARN_EVERY

    def __len__(self) -> int:
        return len(self._waiting)

    def wait(self, conn: GuardedProtocol) -> None:
        """``conn`` waits from now on (it opened, or its response ended)."""
        self._waiting.pop(conn, None)
        self._waiting[conn] = None
        while len(self._waiting) > self.limit:
            oldest, _ = self._waiting.popitem(last=False)
            oldest.evict()
            now = time.monotonic()
            if now - self._warned >= WARN_EVERY:
                self._warned = now
                log.warning(
                    "at the limit of %d connections not being served (--max-pending): "
                    "closing the ones waiting longest",
                    self.limit,
                )

    def served(self, conn: GuardedProtocol) -> None:
        """``conn`` is being served (or is gone)."""
        self._waiting.pop(conn, None)


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of this module; :func:`protocol` gives
    it its limits and its share of :class:`Pending`."""

    limits = TransportLimits()
    pending = Pending(DEFAULTS.max_pending)

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._head = 0  # bytes received while a head is being read
        self._fields = 0  # bytes of the request line and headers parsed so far
        self._in_head = True  # between two requests, or reading one's head
        self._begun = False  # a request has started arriving and has not arrived whole
        self._asked = 0  # requests fully received
        self._answered = 0  # responses ended
        self._refused = False  # answered 408 or 431: input is dropped until the close
        self._deadline: asyncio.TimerHandle | None = None

    # --- the connection ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()
        self.pending.wait(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.pending.served(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head:
            self._head += len(data)
        super().data_received(data)
        if self._in_head and self._head > self.limits.max_head:
            self._head_too_large()  # the parser holds an unfinished head: before it holds more

    def _head_too_large(self) -> None:
        kib = self.limits.max_head // 1024
        self._refuse(431, f"the request's line and headers take more than {kib} KiB")

    # --- httptools' callbacks -----------------------------------------------------------------
    # Once a request is refused, the parser's further callbacks (it may have more of the same
    # input to parse) are dropped: nothing of that request reaches the app.
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._begun, self._fields = True, 0
        if self._deadline is None:
            self._arm()

    def on_url(self, url: bytes) -> None:
        self._fields += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._fields += len(name) + len(value) + 4  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head, self._head = False, 0
        if self._refused:
            return
        if self._fields > self.limits.max_head:  # a head that arrived in one piece
            return self._head_too_large()
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        super().on_message_complete()
        self._in_head, self._begun = True, False
        self._disarm()
        self._asked += 1
        self._update()

    def on_response_complete(self) -> None:
        self._answered += 1
        self._update()
        super().on_response_complete()

    # --- the limits -----------------------------------------------------------------------
    def _update(self) -> None:
        if self._asked > self._answered:  # a request arrived whole and is being answered
            self.pending.served(self)
        elif not self.transport.is_closing():
            self.pending.wait(self)

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.limits.request_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _answering(self) -> bool:
        """A response is under way (a stream, or one a pipelined request waits behind)."""
        return bool(self.pipeline) or (
            self.cycle is not None
            and self.cycle.response_started
            and not self.cycle.response_complete
        )

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self._refused:
            return
        if not self._begun:  # nothing was asked: nothing to answer
            self.transport.close()
            return
        self._refuse(
            408,
            f"the request did not arrive whole within {self.limits.request_timeout:g} s "
            "(--request-timeout)",
        )

    def _refuse(self, status: int, message: str) -> None:
        """Answers ``status`` (the same JSON as the app's errors) and ends the connection;
        in the middle of another response there is no room for an answer: just ends it."""
        if self.transport.is_closing():
            return
        self._refused = True
        self._disarm()
        if self._answering():
            self.transport.close()
            return
        body = json.dumps({"detail": message}).encode()
        head = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n".encode()]
        defaults = self.server_state.default_headers  # the Date header, as on every answer
        head += [name + b": " + value + b"\r\n" for name, value in defaults]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.flow.resume_reading()
        self.loop.call_later(LINGER, self.transport.close)

    def evict(self) -> None:
        """Closed to make room for a newer connection (it was waiting longest)."""
        if self.transport.get_write_buffer_size():
            # An answer it is not reading (a closing transport waits for it to be read):
            # dropped with the socket.
            self.transport.abort()
        elif not self.transport.is_closing():
            self.transport.close()


def protocol(limits: TransportLimits) -> type[GuardedProtocol]:
    """The protocol class for uvicorn's ``http`` setting: :class:`GuardedProtocol` with
    ``limits``, and one count of waiting connections for every connection of the server."""
    return type(
        "GuardedProtocol",
        (GuardedProtocol,),
        {"limits": limits, "pending": Pending(limits.max_pending)},
    )
