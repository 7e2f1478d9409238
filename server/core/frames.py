"""A stream's frames: each event's SSE frame, encoded once for every subscriber, and the
frames a stream says on its own (the retry hint, pings, the farewell).

Encoding is sse-starlette's (``ServerSentEvent``); the classic frame is the article's
``Match Summary:`` line for ``onmessage`` clients.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from sse_starlette import ServerSentEvent

RETRY_MS = 3000
RETRY_HINT = f"retry: {RETRY_MS}\n\n".encode()  # the first bytes of every stream
PING = b": ping\n\n"
#: Frames joined into one write when a subscriber has a backlog.
BACKLOG_FRAMES = 64


def farewell() -> bytes:
    """The last frame of a stream when the server shuts down: come back soon, not all at once."""
    return (
        b": the server is shutting down; reconnect with Last-Event-ID\n\n"
        + f"retry: {random.randint(1000, 5000)}\n\n".encode()
    )


@dataclass(slots=True)
class Frame:
    seq: int
    kind: str
    match_id: str
    data: str  # the JSON of the event's data
    encoded: bytes  # the SSE frame, encoded once for every subscriber
    _classic: bytes | None = field(default=None, repr=False)

    def classic(self) -> bytes:
        """The frame for ``onmessage`` clients of the original article (lazily, once)."""
        if self._classic is None:
            self._classic = classic_frame(self.kind, json.loads(self.data))
        return self._classic


def encode(event_id: str, kind: str, data: str) -> bytes:
    return ServerSentEvent(data=data, event=kind, id=event_id).encode()


def classic_frame(kind: str, data: dict) -> bytes:
    """``Match Summary: {"time", "scores", "event"}`` as an unnamed event, as the article had."""
    if kind == "match_added":
        summary = {
            "time": "00:00",
            "scores": f"{data['score']['home']}:{data['score']['away']}",
            "event": f"{data['home']['name']} v {data['away']['name']} ({data['competition']})",
        }
    else:
        minute, added = data.get("minute"), data.get("added")
        clock = "" if minute is None else f"{minute}'" if not added else f"{minute}+{added}'"
        summary = {
            "time": clock,
            "scores": f"{data['score']['home']}:{data['score']['away']}",
            "event": data.get("text") or kind,
        }
    line = "Match Summary: " + json.dumps(summary, ensure_ascii=False)
    return ServerSentEvent(data=line).encode()
