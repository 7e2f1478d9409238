"""A keep-alive HTTP/1.1 client on a raw socket, for the fan-out benchmark's publisher."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

IDLE_PING = 1.0  # seconds between the publisher's keep-alive requests


class Http:
    """A keep-alive HTTP/1.1 client on a raw socket: the cheapest, same for every server.

    ``kept_alive()`` holds the connection open with a ``/healthz`` a second from a thread: a
    server whose file descriptors are all taken by streams cannot accept a new one, so the
    publisher connects before the subscribers and stays. ``sent_at`` is when the last request
    went out: the origin of the delivery latencies, taken under the lock that orders the
    thread's requests and the publisher's."""

    #: Servers close idle keep-alive connections (uvicorn after 5 s): reconnect before that.
    IDLE = 2.0

    def __init__(self, host: str, port: int) -> None:
        self.addr = (host, port)
        self.sock: socket.socket | None = None
        self.used = 0.0
        self.sent_at = 0.0
        self.lock = threading.RLock()

    def fresh(self) -> None:
        """Connects now if the next request might find its connection closed."""
        with self.lock:
            if self.sock is None or time.monotonic() - self.used > self.IDLE:
                self.close()
                self.sock = socket.create_connection(self.addr, timeout=120)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.used = time.monotonic()

    @contextlib.contextmanager
    def kept_alive(self) -> Iterator[None]:
        self.fresh()
        stop = threading.Event()

        def ping() -> None:
            while not stop.wait(IDLE_PING):
                with contextlib.suppress(OSError):
                    self.request("GET", "/healthz")

        thread = threading.Thread(target=ping, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        *,
        new: bool = False,
    ) -> tuple[int, Any]:
        """One request and its answer: (status, JSON body). ``new``: on a new connection
        (its connect is not timed: ``sent_at`` is taken once it is open)."""
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.addr[0]}\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        head += f"Content-Length: {len(data)}\r\n\r\n"
        with self.lock:
            if new:
                self.close()
            self.fresh()
            assert self.sock is not None
            self.sent_at = time.monotonic()
            self.sock.sendall(head.encode() + data)
            buf = b""
            while b"\r\n\r\n" not in buf:
                buf += self._recv()
            end = buf.index(b"\r\n\r\n")
            lines = buf[:end].decode("latin-1").split("\r\n")
            pairs = (h.partition(":") for h in lines[1:])
            headers = {k.strip().lower(): v.strip() for k, _, v in pairs}
            length = int(headers.get("content-length", "0"))
            rest = buf[end + 4 :]
            while len(rest) < length:
                rest += self._recv()
            self.used = time.monotonic()
            if headers.get("connection", "").lower() == "close":
                self.close()
            return int(lines[0].split()[1]), json.loads(rest) if rest else None

    def _recv(self) -> bytes:
        assert self.sock is not None
        got = self.sock.recv(65536)
        if not got:
            self.close()
            raise ConnectionError("server closed the connection")
        return got

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
