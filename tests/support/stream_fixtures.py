"""Helpers for the stream client tests: a tiny scripted HTTP server, a cuttable TCP proxy,
a scorer publishing through the real API, and a viewer's stream client following a board.
Real sockets throughout; nothing is mocked."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Awaitable, Callable

import httpx

from desktop.core.items import StreamItem, apply_item
from desktop.core.state import Scoreboard
from desktop.stream.client import StreamClient
from desktop.stream.status import StreamState

Script = Callable[[asyncio.StreamWriter, int], Awaitable[None]]


class Publisher:
    """Publishes through the API, as a live scorer does."""

    def __init__(self, url: str, token: str) -> None:
        auth = {"Authorization": f"Bearer {token}"}
        self.http = httpx.AsyncClient(base_url=url, headers=auth, timeout=5, trust_env=False)

    async def match(self, match_id: str, home: str = "Arsenal", away: str = "Chelsea") -> None:
        body = {"id": match_id, "competition": "Premier League", "home": home, "away": away}
        r = await self.http.post("/api/matches", json=body)
        assert r.status_code == 201, r.text

    async def event(self, match_id: str, **event: object) -> str:
        r = await self.http.post(f"/api/matches/{match_id}/events", json=event)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    async def server_state(self) -> dict:
        """``GET /api/matches``: the matches and the last event id."""
        r = await self.http.get("/api/matches")
        assert r.status_code == 200, r.text
        return r.json()

    async def server_matches(self) -> list[dict]:
        return (await self.server_state())["matches"]

    async def aclose(self) -> None:
        await self.http.aclose()


def board_json(board: Scoreboard) -> list[dict]:
    return [m.model_dump(mode="json") for m in board.matches.values()]


def free_port() -> int:
    """A port nothing listens on (servers take port 0 and say which port they got)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sse_head(status: str = "200 OK", ctype: str = "text/event-stream") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nCache-Control: no-cache\r\n"
        "Connection: close\r\n\r\n"
    ).encode()


def header_of(head: str, name: str) -> str | None:
    """A header's value in a recorded request head (latin-1 text), or None if absent."""
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def scripted(*connections: bytes | list[bytes], ctype: str = "text/event-stream") -> Script:
    """A TinyServer script: connection n gets ``connections[n]`` after the head, then the body
    ends (connection closed), except for the last, which is then held open. A list is written
    piece by piece, with a pause between pieces so they tend to arrive as separate reads.
    Connections past the last get the last one's head and are held open silently."""

    async def script(writer: asyncio.StreamWriter, n: int) -> None:
        writer.write(sse_head(ctype=ctype))
        body = connections[n] if n < len(connections) else b""
        for piece in [body] if isinstance(body, bytes) else body:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.01)
        if n >= len(connections) - 1:
            await asyncio.sleep(60)

    return script


class Follower:
    """A StreamClient wired to a Scoreboard, recording items and states (async context)."""

    def __init__(self, url: str, **kw: object) -> None:
        self.board = Scoreboard()
        self.items: list[StreamItem] = []
        self.states: list[StreamState] = []
        kw.setdefault("max_delay", 0.3)
        self.client = StreamClient(url, self._item, self.states.append, **kw)  # type: ignore[arg-type]
        self.task: asyncio.Task | None = None

    def _item(self, item: StreamItem) -> None:
        self.items.append(item)
        apply_item(self.board, item)

    async def __aenter__(self) -> Follower:
        self.task = asyncio.create_task(self.client.run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.client.stop()
        assert self.task is not None
        await asyncio.wait_for(self.task, 5)


class TinyServer:
    """Serves each connection with ``script(writer, n)`` (n counts from 0); records the
    request heads and the monotonic time each connection arrived."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[str] = []
        self.arrivals: list[float] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> TinyServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        n = len(self.requests)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.requests.append(head.decode("latin-1"))
            self.arrivals.append(time.monotonic())
            await self.script(writer, n)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def header(self, n: int, name: str) -> str | None:
        return header_of(self.requests[n], name)


class CuttableProxy:
    """Forwards TCP to ``target_port``; ``cut()`` drops every open connection (as a Wi-Fi
    change would), ``refuse`` turns new ones away, and each request head is recorded.

    ``cut_mid_frame(marker)`` arms a one-shot cut: the first server-to-client read containing
    ``marker`` is forwarded only up to the middle of the line after it, then the connection
    is closed (``partial`` holds what went through of that frame, from its ``id:`` line).
    ``freeze()`` makes the open connections swallow what the server sends while staying
    open: a half-open connection, as after a NAT timeout. New connections pass normally."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.requests: list[str] = []
        self.refuse = False
        self.refused = 0
        self.partial = b""
        self.cut_done = asyncio.Event()
        self._cut_marker: bytes | None = None
        self._frozen: set[asyncio.StreamWriter] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def header(self, n: int, name: str) -> str | None:
        return header_of(self.requests[n], name)

    async def __aenter__(self) -> CuttableProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        self.cut()

    def cut(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def cut_mid_frame(self, marker: bytes) -> None:
        self._cut_marker, self.partial = marker, b""
        self.cut_done.clear()

    def freeze(self) -> None:
        self._frozen |= self._writers

    def _split(self, data: bytes) -> int | None:
        """Where to cut ``data`` (an armed marker in it), or None to forward it all."""
        if self._cut_marker is None or (at := data.find(self._cut_marker)) < 0:
            return None
        line = at + len(self._cut_marker)
        end = data.find(b"\n", line)
        end = len(data) if end < 0 else end
        self._cut_marker = None
        return line + max(1, (end - line) // 2)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        first = True

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            nonlocal first
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    if first and src is reader:
                        self.requests.append(data.decode("latin-1"))
                        first = False
                    if dst in self._frozen:
                        continue
                    cut = self._split(data) if dst is writer else None
                    if cut is not None:
                        self.partial = data[max(0, data.rfind(b"id:", 0, cut)) : cut]
                        dst.write(data[:cut])
                        await dst.drain()
                        dst.close()  # what was written goes out, then FIN: a partial frame
                        up_writer.transport.abort()
                        self.cut_done.set()
                        return
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
