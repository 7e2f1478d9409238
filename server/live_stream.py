"""The live stream's response: drops a client that stopped reading with one log line, and says
goodbye properly when the server shuts down."""

from __future__ import annotations

import logging
import random
from typing import Any

import anyio
from sse_starlette import EventSourceResponse
from sse_starlette.sse import SendTimeoutError

log = logging.getLogger("touchline.server")


class LiveStream(EventSourceResponse):
    """An EventSourceResponse that drops a client that stopped reading with one log line,
    and says goodbye properly when the server shuts down.

    sse-starlette raises SendTimeoutError out of the response; uvicorn must see it to close
    the connection, but its traceback would read like a server fault, so the filter below
    keeps it out of the log.

    On shutdown sse-starlette would cancel the stream mid-body (the client sees a broken
    chunked body). Instead each stream gets a farewell: a comment and a jittered ``retry:``
    (so a thousand browsers do not come back in the same millisecond), then the body's proper
    end. The client resumes with Last-Event-ID like after any clean end of stream.
    """

    FAREWELL_TIMEOUT = 1.0  # a client that does not read gets no farewell, just a close

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self._ended = self._started = False

        async def send_until_ended(message: Any) -> None:
            if not self._ended:  # after the farewell's end, a late frame is dropped
                await send(message)
                self._started = True

        self._raw_send = send
        try:
            await super().__call__(scope, receive, send_until_ended)
        except SendTimeoutError:
            log.info("dropped a client that stopped reading for %gs", self.send_timeout)
            raise

    async def _listen_for_exit_signal_with_grace(self) -> None:
        await self._listen_for_exit_signal()
        async with self._send_lock:  # never in the middle of a heartbeat
            if not self.active or not self._started:  # nothing to end: just close
                return
            self.active = False
            farewell = (
                ": the server is shutting down; reconnect with Last-Event-ID\n\n"
                f"retry: {random.randint(1000, 5000)}\n\n"
            ).encode()
            with anyio.move_on_after(self.FAREWELL_TIMEOUT):
                body = {"type": "http.response.body", "body": farewell, "more_body": True}
                await self._raw_send(body)
                self._ended = True
                await self._raw_send({"type": "http.response.body", "body": b""})


class _HideSendTimeouts(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], SendTimeoutError))


def hide_send_timeouts(logger: logging.Logger) -> None:
    """Keeps SendTimeoutError tracebacks (a client that stopped reading) out of ``logger``."""
    if not any(isinstance(f, _HideSendTimeouts) for f in logger.filters):
        logger.addFilter(_HideSendTimeouts())
