"""A stream's frames: each event's SSE frame, encoded once for every subscriber, and the
frames a stream says on its own (the retry hint, pings, the farewell).

Encoding is sse-starlette's (``ServerSentEvent``); the classic frame is the article's
``Match Summary:`` line for ``onmessage`` clients (its text: server/wire_text.py): one line
per event that means something to a fan (no clock ticks), each naming its match in its
scores (``"Arsenal 1:0 Chelsea"``), since one stream carries every match.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sse_starlette import ServerSentEvent

from server.wire_text import FIXTURE_TIME, fixture_text, format_minute, summary_line

RETRY_MS = 3000
RETRY_HINT = f"retry: {RETRY_MS}\n\n".encode()  # the first bytes of every stream
PING = b": ping\n\n"
#: Frames joined into one write when a subscriber has a backlog.
BACKLOG_FRAMES = 64
#: What a classic stream leaves out: a clock tick every match minute of every match drowned
#: the article's page in lines that say nothing happened, and a goal's late detail
#: (``goal_update``) would read as a second goal, at a minute long gone, in a format that has
#: no way to say "this corrects that".
CLASSIC_SKIPS = frozenset({"clock", "goal_update"})
#: The most a stream writes at once. An opening larger than this (a snapshot of many
#: matches) goes out a piece at a time, each piece once the client has taken the one before
#: (uvicorn waits for the transport to drain): a client that reads nothing makes the server
#: hold a piece of it, never the whole.
WRITE_CHUNK = 64 * 1024


def farewell(why: str = "the server is shutting down") -> bytes:
    """The last frame of a stream the server ends (it shuts down, or the event history was
    reset): come back soon, not all at once."""
    return (
        f": {why}; reconnect with Last-Event-ID\n\n".encode()
        + f"retry: {random.randint(1000, 5000)}\n\n".encode()
    )


@dataclass(slots=True)
class Frame:
    seq: int
    kind: str
    match_id: str
    data: str  # the JSON of the event's data
    encoded: bytes  # the SSE frame, encoded once for every subscriber
    #: The match's home and away names when the frame was made (classic lines name them).
    teams: tuple[str, str] | None = None
    _classic: bytes | None = field(default=None, repr=False)

    @property
    def in_classic(self) -> bool:
        """Whether a classic stream carries this frame at all."""
        return self.kind not in CLASSIC_SKIPS

    def classic(self) -> bytes:
        """The frame for ``onmessage`` clients of the original article (lazily, once)."""
        if self._classic is None:
            self._classic = classic_frame(self.kind, json.loads(self.data), self.teams)
        return self._classic


def encode(event_id: str, kind: str, data: str) -> bytes:
    return ServerSentEvent(data=data, event=kind, id=event_id).encode()


def framing(event_id: str, kind: str) -> tuple[bytes, bytes]:
    """What comes before and after a one-line ``data`` in its frame, so that
    ``encode(event_id, kind, data) == before + data + after``: a frame can then be written
    from pieces of data encoded once (each match's JSON) without joining them first."""
    before, _, after = encode(event_id, kind, "@").rpartition(b"@")
    return before, after


def in_chunks(pieces: Iterable[bytes], size: int = WRITE_CHUNK) -> Iterator[bytes]:
    """``pieces`` as writes of ``size`` bytes (the last one shorter): small pieces joined,
    large ones cut (through memoryviews, so a large piece is never copied whole). A piece that
    is a write by itself is handed on as it is."""
    held: list[bytes | memoryview] = []
    room = size
    for piece in pieces:
        if not held and len(piece) == size:
            yield piece
            continue
        view = memoryview(piece)
        while len(view) > room:
            held.append(view[:room])
            yield b"".join(held)
            held, room, view = [], size, view[room:]
        if view:
            held.append(view if len(held) or len(view) != len(piece) else piece)
            room -= len(view)
            if room == 0:
                yield b"".join(held)
                held, room = [], size
    if held:
        yield held[0] if len(held) == 1 and isinstance(held[0], bytes) else b"".join(held)


def classic_frame(kind: str, data: dict[str, Any], teams: tuple[str, str] | None = None) -> bytes:
    """``Match Summary: {"time", "scores", "event"}`` as an unnamed event, as the article had
    (the line's format is server/wire_text.py's, which the viewer reads it back with); the
    scores name the match (``teams``; a match_added names its own)."""
    score = data["score"]
    if kind == "match_added":
        home, away = data["home"]["name"], data["away"]["name"]
        line = summary_line(
            FIXTURE_TIME,
            score["home"],
            score["away"],
            fixture_text(home, away, data["competition"]),
            (home, away),
        )
    else:
        clock = format_minute(data.get("minute"), data.get("added"))
        text = data.get("text") or kind
        line = summary_line(clock, score["home"], score["away"], text, teams)
    return ServerSentEvent(data=line).encode()
