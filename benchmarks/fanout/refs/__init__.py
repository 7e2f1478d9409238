"""Reference servers for the fan-out benchmark: the same stream and publish contract as
touchline-server, written two other ways.

Both speak what the load generator needs: ``GET /live-scores`` answers a chunked SSE stream
that opens with ``retry:`` and an ``event: snapshot`` frame; ``POST /publish`` (bearer token)
takes one event's JSON, gives it an id and streams it as ``event: <type>``; ``GET /healthz``
reports ``subscribers``. They keep no match state: the snapshot is a fixed match of the size
touchline sends.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime

from server.wire import Match, MatchEvent, Score, Snapshot, Team

# Built from the wire models: the one definition of the format, as touchline sends it.
SNAPSHOT_JSON = Snapshot(
    matches=[
        Match(
            id="bench",
            competition="Benchmark Cup",
            home=Team(name="Mexico"),
            away=Team(name="South Africa"),
            kickoff=datetime(2026, 6, 11, 19, tzinfo=UTC),
            status="live",
            minute=0,
            events=[
                MatchEvent(
                    id="ref-1",
                    type="kickoff",
                    match="bench",
                    minute=0,
                    text="Kick-off",
                    score=Score(),
                    status="live",
                    at=datetime(2026, 6, 11, 19, tzinfo=UTC),
                )
            ],
        )
    ]
).model_dump_json()


def listen(host: str, port: int, name: str) -> socket.socket:
    """Binds first (so ``--port 0`` works) and logs the URL as touchline-server does."""
    sock = socket.create_server((host, port))
    bound = sock.getsockname()[1]
    logging.basicConfig(level="INFO", format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger(name).info("%s listening on http://%s:%d", name, host, bound)
    return sock
