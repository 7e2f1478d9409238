"""The live-score stream client: one long-lived SSE connection that survives anything.

Plain asyncio + httpx, no Qt. The client parses frames into typed items (wire models) and
hands them to ``on_item``; it never touches a :class:`~desktop.state.Scoreboard` itself
(:func:`apply_item` is the glue). Usage::

    client = StreamClient(url, on_item=lambda item: apply_item(board, item),
                          on_state=show_state, last_event_id=saved_id)
    task = asyncio.create_task(client.run())   # runs until stop() or cancellation
    ...
    client.stop(); await task                 # prompt; the httpx client is closed
    save(client.last_event_id)

Behaviour, and why:

* Bytes are read with ``response.aiter_bytes()`` and parsed by :mod:`desktop.sse_parser`
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
* Outcomes: connection errors, drops (``ReadError``/``RemoteProtocolError``), a silent stream,
  HTTP 5xx/408/429 → ``reconnecting`` (``offline`` once no connection was live for
  ``offline_after`` seconds). HTTP 204 → ``stopped`` for good, as EventSource does.
  404, other 4xx, or a 200 that is not ``text/event-stream`` → ``failed`` with the reason; unlike
  EventSource we keep retrying, slowly (every ``failed_retry`` s, None = give up), because for a
  tray app a proxy's error page during a redeploy must not need a restart by hand.
  A URL httpx cannot use at all → ``failed`` and ``run()`` returns.
* Blocks without data dispatch nothing but their id is kept, as the spec says; events with
  empty data carry nothing and are skipped. A malformed or unknown event is logged and
  skipped; the stream goes on. An event cut off by the end of the connection is discarded.
* Unnamed ``message`` events are the article's classic format; :mod:`desktop.classic` turns
  them into the same items.
* Bursts (a resume that brings thousands of missed events in a few reads) are delivered in
  runs of at most ``burst_seconds`` of work, each run inside ``batch()`` (e.g.
  :meth:`desktop.state.Scoreboard.batch`, so the window redraws once per run), with a turn of
  the event loop between runs: the window keeps painting and answering while it catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from typing import get_args
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from server.wire import EventType, Match, MatchEvent, Snapshot

from .classic import ClassicAdapter
from .items import EventItem, MatchAddedItem, SnapshotItem, StreamItem, apply_item
from .sse_parser import Dispatch, EventStreamParser
from .stream_status import StreamState, base_url, http_date, stream_url

__all__ = [
    "EventItem",
    "MatchAddedItem",
    "SnapshotItem",
    "StreamClient",
    "StreamItem",
    "StreamState",
    "apply_item",
    "base_url",
    "stream_url",
]

log = logging.getLogger("touchline.stream")

MATCH_EVENT_TYPES = frozenset(get_args(EventType))
#: A read that came back sooner than this after the last delivery did not wait for data.
RUN_GAP = 0.001
#: At most how late the watchdog may fire, after ``dead_after`` seconds of silence.
WATCHDOG_SLACK = 1.0


def _header_value(last_event_id: str | None) -> bytes | None:
    """``Last-Event-ID`` as sent: UTF-8 (the spec's encoding; httpx would raise on a non-ASCII
    str), without the leading/trailing whitespace HTTP cannot carry; None if nothing is left."""
    value = (last_event_id or "").encode().strip(b" \t")
    return value or None


# --- the client -----------------------------------------------------------------------------


class _Reconnect(Exception):
    """The connection ended; try again. ``retry_after`` overrides the backoff (Retry-After)."""

    def __init__(self, reason: str, status_code: int | None = None, retry_after: float = 0):
        super().__init__(reason)
        self.reason, self.status_code, self.retry_after = reason, status_code, retry_after


class _Failed(Exception):
    """A permanent error: the URL does not serve a stream."""

    def __init__(self, reason: str, status_code: int | None = None):
        super().__init__(reason)
        self.reason, self.status_code = reason, status_code


class _Stopped(Exception):
    """HTTP 204: the server asks us to stop."""


class StreamClient:
    """Reads ``/live-scores`` forever; see the module docstring for the rules."""

    def __init__(
        self,
        url: str,
        on_item: Callable[[StreamItem], None],
        on_state: Callable[[StreamState], None] | None = None,
        *,
        last_event_id: str | None = None,
        heartbeat: float = 15.0,
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
        self.batch = batch or contextlib.nullcontext
        self.burst_seconds = burst_seconds
        self._run_start = self._run_end = 0.0  # the current run of dispatches (monotonic)
        self.retry_ms = 3000  # until the server says otherwise
        self.state = StreamState("connecting")
        #: ``time.monotonic()`` of the last byte received (heartbeats included).
        self.last_activity: float | None = None
        self._rng = rng or random.Random()
        self._attempt = 0
        self._delivered = False
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._classic = ClassicAdapter()

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
        if not worker.cancelled() and worker.exception() is not None:
            raise worker.exception()  # type: ignore[misc]

    async def _loop(self) -> None:
        timeout = httpx.Timeout(self.connect_timeout, read=None)
        # Proxies from the environment apply to remote servers, never to a loopback one.
        host = urlsplit(self.url).hostname or ""
        local = host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")
        client = httpx.AsyncClient(timeout=timeout, follow_redirects=True, trust_env=not local)
        async with client:
            down_since = time.monotonic()
            self._set_state(StreamState("connecting"))
            while True:
                started = time.monotonic()
                self._delivered = False
                try:
                    await self._connect_once(client)
                    raise _Reconnect("the server closed the stream")
                except _Stopped:
                    self._set_state(StreamState("stopped", "the server ended the stream (204)"))
                    return
                except _Failed as exc:
                    delay = self.failed_retry
                    if delay is None:
                        self._set_state(StreamState("failed", exc.reason, None, exc.status_code))
                        return
                    retry_at = time.monotonic() + delay
                    self._set_state(StreamState("failed", exc.reason, retry_at, exc.status_code))
                    log.warning("stream %s failed: %s", self.url, exc.reason)
                except _Reconnect as exc:
                    now = time.monotonic()
                    if self.state.kind == "live":
                        down_since = now
                        if self._delivered or now - started >= self.heartbeat:
                            self._attempt = 0
                    delay = max(self._backoff(), exc.retry_after)
                    kind = "offline" if now - down_since >= self.offline_after else "reconnecting"
                    self._set_state(StreamState(kind, exc.reason, now + delay, exc.status_code))
                    log.info("stream %s: %s; retrying in %.1f s", self.url, exc.reason, delay)
                await self._sleep(self.state.retry_at or time.monotonic())

    def _backoff(self) -> float:
        """Full jitter on the server's retry delay, doubling per failed attempt, capped."""
        base = max(self.retry_ms, 250) / 1000  # a ``retry: 0`` must not become a busy loop
        ceiling = min(self.max_delay, base * 2**self._attempt)
        self._attempt = min(self._attempt + 1, 16)
        return self._rng.uniform(0, ceiling)

    async def _sleep(self, until: float) -> None:
        self._wake.clear()
        delay = until - time.monotonic()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _connect_once(self, client: httpx.AsyncClient) -> None:
        """One connection, until the server closes it (or it breaks: raises)."""
        headers: dict[str, str | bytes] = {
            "Accept": "text/event-stream",
            "Cache-Control": "no-store",
        }
        if resume := _header_value(self.last_event_id):
            headers["Last-Event-ID"] = resume
        loop = asyncio.get_running_loop()
        slack = min(WATCHDOG_SLACK, self.dead_after / 4)
        try:
            async with asyncio.timeout(self.connect_timeout + self.dead_after) as watchdog:
                async with client.stream("GET", self.url, headers=headers) as response:
                    self._check(response)
                    opened = http_date(response.headers.get("date"))
                    self._set_state(StreamState("live", "", None, response.status_code, opened))
                    self._classic.new_connection()
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
                        await self._deliver(parser.feed(chunk))
                        if parser.retry is not None:
                            self.retry_ms = parser.retry
        except TimeoutError:
            raise _Reconnect(f"no data for {self.dead_after:g} s") from None
        except httpx.UnsupportedProtocol as exc:
            raise _Failed(f"not a usable URL: {exc}") from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _Reconnect(f"server unreachable ({exc or type(exc).__name__})") from None
        except httpx.TransportError as exc:  # ReadError, RemoteProtocolError...
            raise _Reconnect(f"connection lost ({exc or type(exc).__name__})") from None

    def _check(self, response: httpx.Response) -> None:
        code = response.status_code
        if code == 204:
            raise _Stopped()
        if code in (408, 429) or code >= 500:
            after = response.headers.get("retry-after", "")
            wait = min(float(after), 3600.0) if after.isdigit() else 0.0
            raise _Reconnect(f"server error (HTTP {code})", code, wait)
        if code == 404:
            raise _Failed(f"no stream at {self.url} (HTTP 404): check the server address", code)
        if code != 200:
            raise _Failed(f"the server refused the stream (HTTP {code})", code)
        # The MIME type's essence, which is case-insensitive ("Text/Event-Stream" is fine).
        ctype = response.headers.get("content-type", "").partition(";")[0].strip().lower()
        if ctype != "text/event-stream":
            raise _Failed(f"not an event stream ({ctype or 'no content type'})", code)

    async def _deliver(self, dispatches: list[Dispatch]) -> None:
        """Dispatches in runs of at most ``burst_seconds``, each inside ``batch()``, with a
        turn of the event loop between runs (nothing is dispatched twice or skipped: a
        cancellation at the turn drops only what was not dispatched, ids included).

        A run spans reads: httpx hands over one HTTP chunk at a time (one event each, from
        this server) and returns buffered ones without a turn of the loop, so a run only
        starts afresh after a read that had to wait for data."""
        now = time.monotonic()
        if now - self._run_end > RUN_GAP:
            self._run_start = now
        done, total = 0, len(dispatches)
        while done < total:
            if time.monotonic() - self._run_start >= self.burst_seconds:
                await asyncio.sleep(0)
                self._run_start = time.monotonic()
            with self.batch():
                while done < total:
                    self._dispatch(dispatches[done])
                    done += 1
                    if time.monotonic() - self._run_start >= self.burst_seconds:
                        break
        self._run_end = time.monotonic()

    def _dispatch(self, dispatch: Dispatch) -> None:
        """Handles one dispatch: remember the last event id, parse, deliver."""
        # The parser's last event ID string is authoritative: an empty ``id:`` resets it, and
        # the next reconnect then sends no Last-Event-ID (spec: "If the event source's last
        # event ID string is not the empty string, set (`Last-Event-ID`, ...)").
        event_id = self.last_event_id = dispatch.last_event_id or None
        name, data = dispatch.type, dispatch.data
        items: list[StreamItem] = []
        if data:  # None: no event, only the id moved; "": an event that carries nothing
            try:
                items = self._parse(name, data, event_id)
            except (ValidationError, ValueError) as exc:
                log.warning("skipping malformed %r event %s: %s", name, event_id, exc)
        for item in items:
            try:
                self.on_item(item)
            except Exception:
                log.exception("on_item failed for %s", type(item).__name__)
        self._delivered |= bool(items)

    def _parse(self, name: str, data: str, event_id: str | None) -> list[StreamItem]:
        if name == "snapshot":
            return [SnapshotItem(Snapshot.model_validate_json(data), event_id)]
        if name == "match_added":
            return [MatchAddedItem(Match.model_validate_json(data), event_id)]
        if name in MATCH_EVENT_TYPES:
            ev = MatchEvent.model_validate_json(data)
            if ev.type != name:
                raise ValueError(f"event named {name!r} carries a {ev.type!r} event")
            return [EventItem(ev, event_id)]
        if name == "message":
            return list(self._classic.feed(data))
        log.warning("skipping unknown event %r (id %s)", name, event_id)
        return []
