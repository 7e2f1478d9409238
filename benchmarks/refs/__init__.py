"""Reference servers for the fan-out benchmark: the same stream and publish contract as
touchline-server, written two other ways.

Both speak what the load generator needs: ``GET /live-scores`` answers a chunked SSE stream
that opens with ``retry:`` and an ``event: snapshot`` frame; ``POST /publish`` (bearer token)
takes one event's JSON, gives it an id and streams it as ``event: <type>``; ``GET /healthz``
reports ``subscribers``. They keep no match state: the snapshot is a fixed match of the size
touchline sends.
"""

from __future__ import annotations

import json
import logging
import socket

SNAPSHOT_JSON = json.dumps(
    {
        "matches": [
            {
                "id": "bench",
                "competition": "Benchmark Cup",
                "round": None,
                "home": {"name": "Mexico", "code": None},
                "away": {"name": "South Africa", "code": None},
                "kickoff": "2026-06-11T19:00:00Z",
                "status": "live",
                "minute": 0,
                "added": None,
                "score": {"home": 0, "away": 0},
                "penalties": None,
                "events": [
                    {
                        "id": "ref-1",
                        "type": "kickoff",
                        "match": "bench",
                        "minute": 0,
                        "added": None,
                        "team": None,
                        "player": None,
                        "text": "Kick-off",
                        "score": {"home": 0, "away": 0},
                        "status": "live",
                        "penalties": None,
                        "penalty": False,
                        "own_goal": False,
                        "card": None,
                        "player_in": None,
                        "player_out": None,
                        "scored": None,
                        "cancels": None,
                        "at": "2026-06-11T19:00:00Z",
                    }
                ],
            }
        ]
    },
    separators=(",", ":"),
)


def listen(host: str, port: int, name: str) -> socket.socket:
    """Binds first (so ``--port 0`` works) and logs the URL as touchline-server does."""
    sock = socket.create_server((host, port))
    bound = sock.getsockname()[1]
    logging.basicConfig(level="INFO", format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger(name).info("%s listening on http://%s:%d", name, host, bound)
    return sock
