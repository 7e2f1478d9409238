"""Parses what a subscriber received: an HTTP response (chunked or not) carrying SSE frames.

The load generator only stamps and keeps the raw chunks while it runs; this turns them into
``(receipt time, event, id)`` afterwards. A frame's receipt time is the time of the chunk that
completed it, however TCP split it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

_FRAME_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
_LINE = re.compile(rb"\r\n|\r|\n")


@dataclass
class Received:
    status: int | None = None  # None: the response headers never arrived
    frames: list[tuple[float, str, str]] = field(default_factory=list)  # (time, event, id)
    error: str | None = None  # a malformed response


def parse(chunks: list[tuple[float, bytes]]) -> Received:
    raw = b"".join(data for _, data in chunks)
    ends, total = [], 0  # where each raw chunk ends, to find the chunk that completed a frame
    for _, data in chunks:
        total += len(data)
        ends.append(total)
    out = Received()
    head_end = raw.find(b"\r\n\r\n")
    if head_end < 0:
        return out
    head = raw[:head_end].decode("latin-1").split("\r\n")
    try:
        out.status = int(head[0].split()[1])
    except (IndexError, ValueError):
        out.error = f"bad status line {head[0]!r}"
        return out
    chunked = any(
        h.lower().startswith("transfer-encoding:") and "chunked" in h.lower() for h in head[1:]
    )
    # The body, and for each piece of it the raw offset where it starts.
    pieces: list[tuple[int, bytes]] = []
    pos = head_end + 4
    if not chunked:
        pieces.append((pos, raw[pos:]))
    else:
        while pos < len(raw):
            line_end = raw.find(b"\r\n", pos)
            if line_end < 0:
                break
            try:
                size = int(raw[pos:line_end].split(b";")[0], 16)
            except ValueError:
                out.error = f"bad chunk size at byte {pos}"
                break
            if size == 0 or line_end + 2 + size > len(raw):
                break
            pieces.append((line_end + 2, raw[line_end + 2 : line_end + 2 + size]))
            pos = line_end + 2 + size + 2
    body = b"".join(p for _, p in pieces)
    starts, acc = [], 0  # body offset where each piece starts
    for _, p in pieces:
        starts.append(acc)
        acc += len(p)

    def raw_offset(body_pos: int) -> int:
        i = max(0, bisect_left(starts, body_pos + 1) - 1)
        return pieces[i][0] + (body_pos - starts[i])

    begin = 0
    for m in _FRAME_END.finditer(body):
        block, begin = body[begin : m.start()], m.end()
        kind, ident = "message", ""
        for line in _LINE.split(block):
            name, _, value = line.partition(b":")
            value = value[1:] if value.startswith(b" ") else value
            if name == b"event":
                kind = value.decode()
            elif name == b"id":
                ident = value.decode()
        if not any(line and not line.startswith(b":") for line in _LINE.split(block)):
            continue  # a comment (heartbeat) only
        when = chunks[bisect_left(ends, raw_offset(m.end() - 1) + 1)][0]
        out.frames.append((when, kind, ident))
    return out
