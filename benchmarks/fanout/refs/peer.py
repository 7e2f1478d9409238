"""The peer: fan-out the usual sse-starlette way.

One ``asyncio.Queue`` per subscriber; a publish puts the event in every queue, and every
subscriber's generator encodes it for itself (``model_dump_json`` and a ``ServerSentEvent``
each). sse-starlette's default ping. Served by uvicorn the way touchline-server is: a socket
bound first, uvicorn's "auto" loop and HTTP (uvloop, httptools), backlog 2048.

    python -m benchmarks.fanout.refs.peer --port 0 --token T
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, Header, HTTPException
from sse_starlette import EventSourceResponse, ServerSentEvent

from benchmarks.fanout.loadgen import raise_nofile
from benchmarks.fanout.refs import SNAPSHOT_JSON, listen
from server.wire import MatchEvent


def create_app(token: str) -> FastAPI:
    app = FastAPI()
    queues: set[asyncio.Queue[MatchEvent]] = set()
    state = {"seq": 1}

    @app.get("/live-scores")
    async def live_scores() -> EventSourceResponse:
        queue: asyncio.Queue[MatchEvent] = asyncio.Queue()
        queues.add(queue)

        async def events() -> AsyncIterator[ServerSentEvent]:
            try:
                yield ServerSentEvent(retry=3000)
                snapshot_id = f"ref-{state['seq']}"
                yield ServerSentEvent(data=SNAPSHOT_JSON, event="snapshot", id=snapshot_id)
                while True:
                    ev = await queue.get()
                    yield ServerSentEvent(data=ev.model_dump_json(), event=ev.type, id=ev.id)
            finally:
                queues.discard(queue)

        return EventSourceResponse(events())

    @app.post("/publish", status_code=201)
    async def publish(
        body: dict[str, Any], authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, str]:
        if authorization != f"Bearer {token}":
            raise HTTPException(401, "wrong token")
        state["seq"] += 1
        event = MatchEvent.model_validate({**body, "id": f"ref-{state['seq']}"})
        for queue in queues:
            queue.put_nowait(event)
        return {"id": event.id}

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "subscribers": len(queues)}

    return app


def main() -> None:
    p = argparse.ArgumentParser(description="sse-starlette fan-out reference (the peer)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token", required=True)
    args = p.parse_args()
    raise_nofile()
    sock = listen(args.host, args.port, "peer")
    config = uvicorn.Config(
        create_app(args.token), access_log=False, timeout_graceful_shutdown=3, lifespan="on"
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
