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
