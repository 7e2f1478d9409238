"""A test-side SSE reader: follows a real stream in a thread and hands events over a queue."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import connect_sse


@dataclass
class Event:
    event: str
    id: str
    data: str
    retry: int | None

    @property
    def json(self) -> Any:
        return json.loads(self.data)


class StreamReader:
    """Reads ``url`` until closed. ``next()`` returns the next event (skipping retry-only
    blocks unless ``keep_empty``), raising AssertionError on timeout."""

    def __init__(self, url: str, *, headers: dict[str, str] | None = None, keep_empty=False):
        self.url, self.headers, self.keep_empty = url, headers or {}, keep_empty
        self.events: queue.Queue[Event | BaseException | None] = queue.Queue()
        self.status: int | None = None
        self.response_headers: httpx.Headers | None = None
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=None))
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._opened.wait(10)

    def _run(self) -> None:
        try:
            with connect_sse(self._client, "GET", self.url, headers=self.headers) as source:
                self._response = source.response
                self.status = source.response.status_code
                self.response_headers = source.response.headers
                self._opened.set()
                for sse in source.iter_sse():
                    if sse.data or self.keep_empty:
                        self.events.put(Event(sse.event, sse.id, sse.data, sse.retry))
        except BaseException as exc:  # closed by us, or the server went away
            self.events.put(exc)
        finally:
            self._opened.set()
            self.events.put(None)

    def next(self, timeout: float = 10.0) -> Event:
        try:
            item = self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event within {timeout}s from {self.url}") from None
        if not isinstance(item, Event):
            raise AssertionError(f"stream ended: {item!r}")
        return item

    def until(self, kind: str, timeout: float = 10.0) -> list[Event]:
        """Every event up to and including the first of type ``kind``."""
        seen = []
        while True:
            seen.append(self.next(timeout))
            if seen[-1].event == kind:
                return seen

    def assert_quiet(self, seconds: float) -> None:
        try:
            item = self.events.get(timeout=seconds)
        except queue.Empty:
            return
        raise AssertionError(f"expected no event, got {item!r}")

    def close(self) -> None:
        # Shut the socket down: a read blocked in another thread wakes up at once.
        response = getattr(self, "_response", None)
        stream = response.extensions.get("network_stream") if response is not None else None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._client.close()
        self._thread.join(5)

    def __enter__(self) -> StreamReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
