"""The live stream's response: a plain ASGI response, made cheap per connection.

sse-starlette's EventSourceResponse gives every response an anyio task group of four tasks
(the stream, a ping timer, a shutdown watcher, a disconnect listener) and wraps every send in
a cancel scope for its send timeout. With thousands of open streams that is most of the
server's memory per stream and a good share of its CPU per delivery (benchmarks/fanout/;
docs/performance.md); building its headers and lock was a share of a crowd's connect time,
and every frame was re-checked, logged at debug level and sent through two more calls. Here
each stream is its request's own task plus one disconnect listener, sending the frames as
they come, and what was per stream is shared:

- heartbeats: one timer in :class:`StreamHub` makes the broker wake every stream, which then
  writes a ping comment (``Broker.heartbeat``);
- shutdown: whoever runs the server calls ``Broker.end_streams()`` as its shutdown begins (the
  program does, from its uvicorn server: ``server/__main__.py``); every stream then sends a
  farewell (a jittered ``retry:``) and a proper end of body, so clients resume at once;
- send timeouts: a stream notes when a send started; one watchdog cancels a stream whose send
  has been stuck longer than ``send_timeout`` (a client that stopped reading), and than a
  second once the streams are ending. Its SendTimeoutError still reaches uvicorn, which closes
  the connection; the log filter below keeps that traceback out of the log, where it would
  read like a server fault.

What stays sse-starlette's: the headers (taken once from an EventSourceResponse, less its
``Connection: keep-alive``, which is uvicorn's to decide: with it, a client asking
``Connection: close``, and any HTTP/1.0 client, got two Connection headers), the encoding
(``ServerSentEvent``, done once per event by the broker) and SendTimeoutError.

An HTTP/1.0 client cannot take an endless body (chunked encoding is HTTP/1.1's): it gets
what there is now with a Content-Length and ``Connection: close`` (:meth:`StreamHub.once`),
and comes back after the retry hint, resuming by id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Iterable
from typing import Any

from sse_starlette import EventSourceResponse
from sse_starlette.sse import SendTimeoutError
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from server.core.broker import Broker

log = logging.getLogger("touchline.server")

#: Once the streams are ending, a client that does not take its farewell within this many
#: seconds is simply closed.
FAREWELL_TIMEOUT = 1.0


def _sse_headers() -> list[tuple[bytes, bytes]]:
    """The headers sse-starlette gives a stream (no-store, no proxy buffering), but its
    Connection header: whether the connection stays open is uvicorn's to say."""

    async def nothing() -> AsyncGenerator[bytes, None]:
        yield b""

    headers = EventSourceResponse(nothing(), ping=0).raw_headers
    return [(name, value) for name, value in headers if name.lower() != b"connection"]


async def answer_head(send: Send) -> None:
    """``HEAD /live-scores``: a stream's headers, with nothing opened or encoded."""
    start = {"type": "http.response.start", "status": 200, "headers": [*LiveStream.RAW_HEADERS]}
    await send(start)
    await send({"type": "http.response.body", "body": b""})


async def _body(pieces: Iterable[bytes]) -> AsyncGenerator[bytes, None]:
    for piece in pieces:
        yield piece


class LiveStream:
    """One open stream, as a plain ASGI app. Takes frames the broker encoded once (with
    sse-starlette's ``ServerSentEvent``) and sends each as is: no per-connection header
    building, task group or lock, and no per-frame encoding, logging or cancel scope."""

    RAW_HEADERS = _sse_headers()

    def __init__(
        self,
        content: AsyncGenerator[bytes, None],
        *,
        hub: StreamHub,
        length: int | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
        close: bool = False,
    ) -> None:
        self.body_iterator = content
        self.hub = hub
        #: Known for a body that ends (HTTP/1.0's, a download's): sent as Content-Length.
        self.length = length
        self.headers = self.RAW_HEADERS if headers is None else headers
        self.close = close  # the connection closes after the body (HTTP/1.0)
        self.sending_since = 0.0  # monotonic start of the send in progress, 0 when none
        self.timed_out = False
        self._task: asyncio.Task[Any] | None = None
        self._stopping = False

    def stop(self, *, timed_out: bool = False) -> None:
        """Ends the stream from outside (the client left, or stopped reading)."""
        if self._task is not None and not self._stopping:
            self._stopping, self.timed_out = True, timed_out
            self._task.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A copy: CORS middleware adds its headers to the list it is given.
        headers = [*self.headers]
        if self.length is not None:
            headers.append((b"content-length", b"%d" % self.length))
        if self.close:
            headers.append((b"connection", b"close"))
        start = {"type": "http.response.start", "status": 200, "headers": headers}
        if scope.get("method", "").upper() == "HEAD":  # the headers alone
            await self.body_iterator.aclose()
            await send(start)
            return await send({"type": "http.response.body", "body": b""})
        self._task = task = asyncio.current_task()
        assert task is not None
        listener = task.get_loop().create_task(self._until_disconnect(receive))
        self.hub.streams.add(self)
        try:
            await self._watched(send, start)
            async for frame in self.body_iterator:
                # What _watched does, inline: this runs once per subscriber and event.
                self.sending_since = time.monotonic()
                await send({"type": "http.response.body", "body": frame, "more_body": True})
                self.sending_since = 0.0
            await self._watched(send, {"type": "http.response.body", "body": b""})
        except asyncio.CancelledError:
            if not self._stopping:  # the server is cancelling us: let it
                raise
            task.uncancel()
        finally:
            self._stopping = True  # the listener finishing now must not cancel anything
            self.hub.streams.discard(self)
            listener.cancel()
            # Stopped while sending, the generator waits at a ``yield``: its cleanup (the
            # subscriber count) runs now, not whenever the collector finds it.
            await self.body_iterator.aclose()
        if self.timed_out:
            log.info("dropped a client that stopped reading for %gs", self.hub.timeout)
            raise SendTimeoutError()

    async def _watched(self, send: Send, message: Message) -> None:
        # No cancel scope per send: the hub's watchdog looks at ``sending_since``.
        self.sending_since = time.monotonic()
        await send(message)
        self.sending_since = 0.0

    async def _until_disconnect(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.stop()


class StreamHub:
    """What all streams share: the heartbeat timer and the send watchdog."""

    def __init__(self, broker: Broker, *, heartbeat: float, send_timeout: float) -> None:
        self.broker = broker
        self.heartbeat = heartbeat
        self.send_timeout = send_timeout
        self.streams: set[LiveStream] = set()

    @property
    def timeout(self) -> float:
        """The send timeout in force: ``send_timeout``, cut to FAREWELL_TIMEOUT once the broker
        ends the streams, so a shutdown does not wait on a client that stopped reading."""
        if self.broker.ending:
            return min(self.send_timeout, FAREWELL_TIMEOUT)
        return self.send_timeout

    def stream(self, content: AsyncGenerator[bytes, None]) -> LiveStream:
        return LiveStream(content, hub=self)

    def once(self, pieces: Iterable[bytes], length: int) -> LiveStream:
        """A stream's body that ends: ``pieces``, ``length`` bytes in all, and the connection
        closes (HTTP/1.0). Its sends are watched like a stream's, so a client that stops
        reading is dropped."""
        return LiveStream(_body(pieces), hub=self, length=length, close=True)

    def download(self, pieces: Iterable[bytes], length: int) -> StreamResponse:
        """A JSON answer written as a stream is (``pieces``, ``length`` bytes in all): as the
        client takes it, so one that reads nothing holds a piece of it, never the whole, and
        is dropped after the send timeout."""
        return StreamResponse(LiveStream(_body(pieces), hub=self, length=length, headers=JSON))

    async def run(self) -> None:
        """The shared timers; cancel to stop."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self._beat())
            group.create_task(self._watch_sends())

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            self.broker.heartbeat()

    async def _watch_sends(self) -> None:
        period = min(1.0, self.send_timeout / 4)
        while True:
            await asyncio.sleep(period)
            limit = time.monotonic() - self.timeout
            for stream in [s for s in self.streams if 0 < s.sending_since < limit]:
                stream.stop(timed_out=True)


JSON = [(b"content-type", b"application/json")]


class StreamResponse(Response):
    """A live stream as a Starlette response, for a route that must return one (FastAPI's
    documented ``/live-scores``, the downloads of ``/api/matches``; the fast path calls the
    LiveStream itself). Its raw headers are the stream's; answering is the stream's own."""

    def __init__(self, stream: LiveStream) -> None:
        super().__init__(headers=None)
        self.raw_headers = [*stream.headers]
        self.stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.stream(scope, receive, send)


class _HideSendTimeouts(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], SendTimeoutError))


def hide_send_timeouts(logger: logging.Logger) -> None:
    """Keeps SendTimeoutError tracebacks (a client that stopped reading) out of ``logger``."""
    if not any(isinstance(f, _HideSendTimeouts) for f in logger.filters):
        logger.addFilter(_HideSendTimeouts())
