"""The limit: what fan-out costs with no framework at all.

A bare asyncio Protocol on uvloop (the loop uvicorn picks here) answers ``GET /live-scores``
with the headers and opening frames and keeps the transport; ``POST /publish`` encodes the
event once (SSE frame and HTTP chunk) and writes those bytes to every transport. One shared
heartbeat for all streams. Just enough HTTP/1.1 (keep-alive, Content-Length bodies) for the
load generator and the publisher.

    python -m benchmarks.fanout.refs.limit --port 0 --token T
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal

from benchmarks.fanout.loadgen import raise_nofile
from benchmarks.fanout.refs import SNAPSHOT_JSON, listen

HEARTBEAT = 15.0
STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\ncache-control: no-store\r\nconnection: keep-alive\r\n"
    b"x-accel-buffering: no\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
    b"transfer-encoding: chunked\r\n\r\n"
)


def chunk(frame: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(frame), frame)


def sse(event: str, ident: str, data: str) -> bytes:
    return f"id: {ident}\r\nevent: {event}\r\ndata: {data}\r\n\r\n".encode()


def reply(status: str, body: dict) -> bytes:
    data = json.dumps(body).encode()
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(data)}\r\n\r\n"
    ).encode() + data


class Hub:
    def __init__(self, token: str) -> None:
        self.auth = f"Bearer {token}"
        self.streams: set[asyncio.Transport] = set()
        self.seq = 1

    def opening(self) -> bytes:
        return (
            STREAM_HEAD
            + chunk(b"retry: 3000\r\n\r\n")
            + chunk(sse("snapshot", f"ref-{self.seq}", SNAPSHOT_JSON))
        )

    def publish(self, body: bytes) -> str:
        event = json.loads(body)
        self.seq += 1
        event["id"] = ident = f"ref-{self.seq}"
        frame = chunk(sse(event["type"], ident, json.dumps(event, separators=(",", ":"))))
        for transport in self.streams:
            transport.write(frame)
        return ident

    async def heartbeat(self) -> None:
        ping = chunk(b": ping\r\n\r\n")
        while True:
            await asyncio.sleep(HEARTBEAT)
            for transport in self.streams:
                transport.write(ping)


class Connection(asyncio.Protocol):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.buffer = b""
        self.streaming = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.hub.streams.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        if self.streaming:
            return
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            lines = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, target, _ = lines[0].split(" ", 2)
            self.handle(method, target.split("?")[0], headers, body)
            if self.streaming:
                return

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        hub = self.hub
        if method == "GET" and path == "/live-scores":
            self.streaming = True
            hub.streams.add(self.transport)
            self.transport.write(hub.opening())
        elif method == "GET" and path == "/healthz":
            self.transport.write(reply("200 OK", {"status": "ok", "subscribers": len(hub.streams)}))
        elif method == "POST" and path == "/publish":
            if headers.get("authorization") != hub.auth:
                self.transport.write(reply("401 Unauthorized", {"detail": "wrong token"}))
            else:
                self.transport.write(reply("201 Created", {"id": hub.publish(body)}))
        else:
            self.transport.write(reply("404 Not Found", {"detail": "not found"}))


async def serve(host: str, port: int, token: str) -> None:
    loop = asyncio.get_running_loop()
    hub = Hub(token)
    server = await loop.create_server(
        lambda: Connection(hub), sock=listen(host, port, "limit"), backlog=2048
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    beat = asyncio.create_task(hub.heartbeat())
    await stop.wait()
    beat.cancel()
    server.close()
    for transport in list(hub.streams):
        transport.abort()


def main() -> None:
    p = argparse.ArgumentParser(description="raw asyncio fan-out reference (the limit)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token", required=True)
    args = p.parse_args()
    raise_nofile()
    import uvloop

    uvloop.run(serve(args.host, args.port, args.token))


if __name__ == "__main__":
    main()
