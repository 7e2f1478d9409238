"""A scripted data provider: a real local HTTP server (the standard library's) that answers
every GET with the current step of a script, for ``touchline-server --provider-url``.

    with ScriptedProvider([fd_body(...), Reply(429, headers={"Retry-After": "2"}), ...]) as p:
        run_server("--provider", "football-data", "--provider-url", p.url, ...)
        p.wait_served(3)

Each request is answered with the current step, then the script moves on (``advance="each"``,
the default; the last step repeats) or stays until the test calls :meth:`advance`
(``advance="manual"``). Every request is recorded (when, path, query, headers), so a test can
check the pace, the token and that ``Retry-After`` was honoured.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    """One answer: a status, a JSON body (or raw text), headers; ``drop`` closes the
    connection without answering (a provider that went away)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class Seen:
    at: float  # time.monotonic()
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    step: int


class ScriptedProvider:
    def __init__(self, script: list[Any], *, advance: str = "each") -> None:
        self.script = [s if isinstance(s, Reply) else Reply(body=s) for s in script]
        self.mode = advance
        self.step = 0
        self.requests: list[Seen] = []
        self._lock = threading.Condition()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # the name http.server calls
                reply = provider._take(self)
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                body = reply.body
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:  # quiet
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _take(self, handler: BaseHTTPRequestHandler) -> Reply:
        parts = urlsplit(handler.path)
        with self._lock:
            index = self.step
            self.requests.append(
                Seen(
                    time.monotonic(),
                    parts.path,
                    parse_qs(parts.query),
                    dict(handler.headers),
                    index,
                )
            )
            if self.mode == "each" and self.step < len(self.script) - 1:
                self.step += 1
            self._lock.notify_all()
            return self.script[index]

    # --- the test's side ------------------------------------------------------------------------
    def advance(self, to: int | None = None) -> None:
        """Moves to the next step (or step ``to``)."""
        with self._lock:
            self.step = min(self.step + 1 if to is None else to, len(self.script) - 1)

    def wait_served(self, step: int, times: int = 1, timeout: float = 20.0) -> None:
        """Waits until step ``step`` has been served ``times`` times."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while sum(r.step == step for r in self.requests) < times:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"step {step} served {sum(r.step == step for r in self.requests)} "
                        f"times in {timeout}s, not {times} (at step {self.step})"
                    )
                self._lock.wait(left)

    def wait_finished(self, timeout: float = 60.0) -> None:
        """Waits until the last step has been served (``advance="each"``)."""
        self.wait_served(len(self.script) - 1, timeout=timeout)

    def __enter__(self) -> ScriptedProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
