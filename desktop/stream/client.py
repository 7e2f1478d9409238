"""The live-score stream client: one long-lived SSE connection that survives anything.

Plain asyncio + httpx, no Qt. The client parses frames into typed items (wire models) and
hands them to ``on_item``; it never touches a :class:`~desktop.core.state.Scoreboard` itself
(:func:`desktop.core.items.apply_item` is the glue). Usage::

    client = StreamClient(url, on_item=lambda item: apply_item(board, item),
                          on_state=show_state, last_event_id=saved_id)
    task = asyncio.create_task(client.run())   # runs until stop() or cancellation
    ...
    client.stop(); await task                 # prompt; the httpx client is closed
    save(client.last_event_id)

Behaviour, and why:

* Bytes are read with ``response.aiter_bytes()`` and parsed by :mod:`desktop.stream.sse_parser`
  (the WHATWG processing model, step by step; httpx-sse departs from it where it matters):
  every chunk received, heartbeat comments included, pushes the *watchdog* back. A stream
  silent for ``3 × heartbeat`` (and at most a second more) is taken as dead (half-open TCP
  is otherwise never noticed) and reconnected. The httpx read timeout is off; only connecting
  has a timeout.
* Reconnecting sends ``Last-Event-ID`` (also from a saved id on the first connect; none after
  the server reset it with an empty ``id:``), honours the server's ``retry:`` as the base
  delay and backs off with full jitter (``uniform(0, min(max_delay, base × 2^n))``) while the
  server stays down. The backoff resets once a connection delivered an item or stayed up a
  heartbeat interval.
* Outcomes (:mod:`desktop.stream.exchange` says which is which): a lost connection, a silent
  stream or a server error → ``reconnecting`` (``offline`` once no connection was live for
  ``offline_after`` seconds); HTTP 204 → ``stopped`` for good; not a stream → ``failed`` with
  the reason, retried slowly (every ``failed_retry`` s, None = give up and ``run()`` returns).
* Blocks without data dispatch nothing but their id is kept, as the spec says. What an event
  becomes (classic ``message`` events included, bad ones skipped) is
  :mod:`desktop.stream.item_parser`.
  An event cut off by the end of the connection is discarded.
* Bursts (a resume that brings thousands of missed events) are delivered in runs of at most
  ``burst_seconds``, each inside ``batch()``, with a turn of the event loop between runs
  (:mod:`desktop.stream.bursts`): the window keeps painting while it catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable

import httpx

from desktop.core.items import StreamItem
from desktop.stream.bursts import BurstRuns
from desktop.stream.exchange import (
    Failed,
    Reconnect,
    Stopped,
    backoff_delay,
    check_response,
    connection_lost,
    last_event_id_header,
    trust_env,
)
from desktop.stream.item_parser import ItemParser
from desktop.stream.sse_parser import Dispatch, EventStreamParser
from desktop.stream.status import StateKind, StreamState, http_date, stream_url
from server.config import DEFAULTS

log = logging.getLogger("touchline.stream")

#: At most how late the watchdog may fire, after ``dead_after`` seconds of silence.
WATCHDOG_SLACK = 1.0


class StreamClient:
    """Reads ``/live-scores`` forever; see the module docstring for the rules."""

    def __init__(
        self,
        url: str,
        on_item: Callable[[StreamItem], None],
        on_state: Callable[[StreamState], None] | None = None,
        *,
        last_event_id: str | None = None,
        heartbeat: float = DEFAULTS.heartbeat,
        connect_timeout: float = 10.0,
        max_delay: float = 30.0,
        offline_after: float = 20.0,
        failed_retry: float | None = 300.0,
        rng: random.Random | None = None,
        batch: Callable[[], contextlib.AbstractContextManager[object]] | None = None,
        burst_seconds: float = 0.010,
    ) -> None:
        self.url = stream_url(url)
        self.on_item = on_item
        self.on_state = on_state
        self.last_event_id = last_event_id or None
        self.heartbeat = heartbeat
        self.connect_timeout = connect_timeout
        self.max_delay = max_delay
        self.offline_after = offline_after
        self.failed_retry = failed_retry
        self._runs = BurstRuns(batch, burst_seconds)
        self.retry_ms = 3000  # until the server says otherwise
        self.state = StreamState("connecting")
        #: ``time.monotonic()`` of the last byte received (heartbeats included).
        self.last_activity: float | None = None
        self._rng = rng or random.Random()
        self._attempt = 0
        self._delivered = False
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._items = ItemParser()

    @property
    def dead_after(self) -> float:
        """Seconds of silence after which the connection is taken as dead."""
        return 3 * self.heartbeat

    def stop(self) -> None:
        """Makes ``run()`` return promptly (call from the loop's thread)."""
        self._stop.set()

    def retry_now(self) -> None:
        """Skips the current wait and reconnects (e.g. after resume from sleep)."""
        self._wake.set()

    def _set_state(self, state: StreamState) -> None:
        self.state = state
        log.debug("stream %s: %s %s", self.url, state.kind, state.reason)
        if self.on_state is not None:
            try:
                self.on_state(state)
            except Exception:
                log.exception("on_state callback failed")

    async def run(self) -> None:
        """Connects and reads until ``stop()`` or cancellation; closes everything it opened.

        One run per client: after ``stop()`` (even one called before ``run()``) it returns at once.
        """
        worker = asyncio.create_task(self._loop(), name="touchline-stream")
        stopper = asyncio.create_task(self._stop.wait(), name="touchline-stream-stop")
        try:
            await asyncio.wait({worker, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (worker, stopper):
                task.cancel()
            await asyncio.gather(worker, stopper, return_exceptions=True)
        if self._stop.is_set() and self.state.kind not in ("stopped", "failed"):
            self._set_state(StreamState("stopped", "stopped by the viewer"))
        error = None if worker.cancelled() else worker.exception()
        if error is not None:
            raise error

    async def _loop(self) -> None:
        timeout = httpx.Timeout(self.connect_timeout, read=None)
        env = trust_env(self.url)
        client = httpx.AsyncClient(timeout=timeout, follow_redirects=True, trust_env=env)
        async with client:
            down_since = time.monotonic()
            self._set_state(StreamState("connecting"))
            while True:
                started = time.monotonic()
                self._delivered = False
                try:
                    await self._connect_once(client)
                    raise Reconnect("the server closed the stream")
                except Stopped:
                    self._set_state(StreamState("stopped", "the server ended the stream (204)"))
                    return
                except Failed as exc:
                    delay = self.failed_retry
                    if delay is None:
                        self._set_state(StreamState("failed", exc.reason, None, exc.status_code))
                        return
                    retry_at = time.monotonic() + delay
                    self._set_state(StreamState("failed", exc.reason, retry_at, exc.status_code))
                    log.warning("stream %s failed: %s", self.url, exc.reason)
                except Reconnect as exc:
                    now = time.monotonic()
                    if self.state.kind == "live":
                        down_since = now
                        if self._delivered or now - started >= self.heartbeat:
                            self._attempt = 0
                    delay = max(self._backoff(), exc.retry_after)
                    offline = now - down_since >= self.offline_after
                    kind: StateKind = "offline" if offline else "reconnecting"
                    self._set_state(StreamState(kind, exc.reason, now + delay, exc.status_code))
                    log.info("stream %s: %s; retrying in %.1f s", self.url, exc.reason, delay)
                await self._sleep(self.state.retry_at or time.monotonic())

    def _backoff(self) -> float:
        delay = backoff_delay(self.retry_ms, self._attempt, self.max_delay, self._rng)
        self._attempt = min(self._attempt + 1, 16)
        return delay

    async def _sleep(self, until: float) -> None:
        self._wake.clear()
        delay = until - time.monotonic()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _connect_once(self, client: httpx.AsyncClient) -> None:
        """One connection, until the server closes it (or it breaks: raises)."""
        # Bytes, all of them: the Last-Event-ID is UTF-8, which a str header value cannot be.
        headers: dict[bytes, bytes] = {
            b"Accept": b"text/event-stream",
            b"Cache-Control": b"no-store",
        }
        if resume := last_event_id_header(self.last_event_id):
            headers[b"Last-Event-ID"] = resume
        loop = asyncio.get_running_loop()
        slack = min(WATCHDOG_SLACK, self.dead_after / 4)
        try:
            async with asyncio.timeout(self.connect_timeout + self.dead_after) as watchdog:
                async with client.stream("GET", self.url, headers=headers) as response:
                    check_response(response, self.url)
                    opened = http_date(response.headers.get("date"))
                    self._set_state(StreamState("live", "", None, response.status_code, opened))
                    self._items.new_connection()
                    # A new stream, but the same event source: the last event ID carries over.
                    parser = EventStreamParser(self.last_event_id or "")
                    watchdog.reschedule(loop.time() + self.dead_after + slack)
                    async for chunk in response.aiter_bytes():
                        self.last_activity = time.monotonic()
                        # Pushed back with some slack, so not at every chunk: each
                        # reschedule is a new timer (a QTimer under qasync), and a
                        # catch-up is 10,000 chunks.
                        now = loop.time()
                        if (watchdog.when() or 0) < now + self.dead_after:
                            watchdog.reschedule(now + self.dead_after + slack)
                        await self._runs.deliver(parser.feed(chunk), self._dispatch)
                        if parser.retry is not None:
                            self.retry_ms = parser.retry
        except (TimeoutError, httpx.TransportError) as exc:  # TimeoutError: the watchdog
            raise connection_lost(exc, self.dead_after, self.url) from None

    def _dispatch(self, dispatch: Dispatch) -> None:
        """Handles one dispatch: remember the last event id, parse, deliver."""
        # The parser's last event ID string is authoritative: an empty ``id:`` resets it, and
        # the next reconnect then sends no Last-Event-ID (spec: "If the event source's last
        # event ID string is not the empty string, set (`Last-Event-ID`, ...)").
        event_id = self.last_event_id = dispatch.last_event_id or None
        items = self._items.parse(dispatch.type, dispatch.data, event_id)
        for item in items:
            try:
                self.on_item(item)
            except Exception:
                log.exception("on_item failed for %s", type(item).__name__)
        self._delivered |= bool(items)
