"""The HTTP face of the server: the SSE stream, the publish API, the page."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from sse_starlette import EventSourceResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import __version__
from server.config import DEFAULTS
from server.core.broker import Broker, UnknownMatch
from server.core.frames import in_chunks
from server.core.idempotency import IdempotencyKey, Keys
from server.core.idempotency import install as install_idempotency
from server.core.match_state import Conflict
from server.http.auth_failures import AuthFailureLimit, FailureBuckets
from server.http.limits import (
    MAX_DOWNLOADS,
    BodyLimit,
    StreamLimit,
    StreamSlots,
    TokenBuckets,
    answer,
    cors_options,
    retry_after,
    token_digest,
    token_matches,
)
from server.http.live_stream import (
    LiveStream,
    StreamHub,
    StreamResponse,
    answer_head,
    hide_send_timeouts,
)
from server.http.stream_query import QueryRefused, StreamQuery, parse_query
from server.resources import asset
from server.store.base import StoreUnavailable, Unreachable
from server.wire import EventIn, Match, MatchIn

log = logging.getLogger("touchline.server")


@dataclass
class Settings:
    """What ``create_app`` serves with; every default is server.config's (what each means is
    said there and in ``touchline-server --help``)."""

    publish_token: str | None = None
    heartbeat: float = DEFAULTS.heartbeat
    send_timeout: float = DEFAULTS.send_timeout
    history: int = DEFAULTS.history
    max_streams: int = DEFAULTS.max_streams
    max_body: int = DEFAULTS.max_body
    publish_rate: float = DEFAULTS.publish_rate
    publish_burst: int = DEFAULTS.publish_burst
    auth_failures: tuple[int, float] = DEFAULTS.auth_failures
    #: Origins allowed by CORS ("*" for any); empty = no CORS headers at all.
    cors_origins: list[str] = field(default_factory=list)


PAGE_HEADERS = {
    # No inline script, nothing from elsewhere: feed text can never become code.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class PageHeaders:
    """PAGE_HEADERS on the page and its files (not on /docs: Swagger UI loads its script
    from a CDN). Plain ASGI: an ``@app.middleware("http")`` would pipe every stream frame
    through an extra task and memory stream, costing memory per open stream and making a
    publish to a crowd many times slower (docs/performance.md)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/" or path.startswith("/static/")):
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(PAGE_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _problem(status: int, message: str, **headers: str) -> HTTPException:
    return HTTPException(status_code=status, detail=message, headers=headers or None)


#: Seconds a publisher refused for a store that cannot write is asked to wait.
STORE_RETRY_AFTER = 30


def _unstored(exc: StoreUnavailable) -> HTTPException:
    """503 for a publish the store could not keep (a full disk): the cause in the log, where
    whoever runs the server looks; the publisher learns that nothing was kept."""
    log.error("publish refused, the store cannot write: %s", exc)
    return _problem(
        503,
        "the event could not be stored (the server's store cannot write; its log says why) "
        f"and was not published; try again in {STORE_RETRY_AFTER} s",
        **{"Retry-After": str(STORE_RETRY_AFTER)},
    )


class OpenStream(Protocol):
    """``create_app``'s ``open_stream``: the stream a query asks for."""

    def __call__(
        self, query: StreamQuery, last_event_id_header: str | None, *, once: bool = False
    ) -> LiveStream: ...


class StreamFastPath:
    """Serves ``GET /live-scores`` in front of FastAPI: no router, no dependency injection,
    none of FastAPI's and Starlette's own middleware (error pages, telemetry, body limit).

    A crowd of viewers connecting at once spends much of its time in that machinery
    (benchmarks/fanout/bench.py; docs/performance.md), and the stream needs three optional
    parameters, read with the route's own model (server/http/stream_query.py). It sits inside
    CORS and the stream limit, answers a query beyond the stream's limits (414, 400) and a
    HEAD (the headers, nothing opened) itself, and hands anything the model refuses (a
    ``format`` it does not know) to the documented FastAPI route, which answers it.
    """

    def __init__(self, app: ASGIApp, open_stream: OpenStream) -> None:
        self.app, self.open_stream = app, open_stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != "/live-scores"
            or scope["method"] not in ("GET", "HEAD")  # HEAD: what an uptime check asks
        ):
            return await self.app(scope, receive, send)
        header = None
        for name, value in scope["headers"]:
            if name == b"last-event-id":
                header = value
            elif name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
                # Nothing would read a body but the disconnect listener, which takes it all.
                return await answer(send, 400, "a stream request has no body")
        try:
            query = parse_query(scope["query_string"])
        except QueryRefused as exc:
            return await answer(send, exc.status, str(exc))
        except ValidationError:
            return await self.app(scope, receive, send)  # the route's 422 says what is wrong
        if scope["method"] == "HEAD":  # what an uptime check asks: the headers, no snapshot
            return await answer_head(send)
        last_id = header.decode("latin-1") if header else None
        once = scope.get("http_version") == "1.0"
        await self.open_stream(query, last_id, once=once)(scope, receive, send)


#: Something run for as long as the app is: a publisher (the feed replay, a data provider)
#: or a service of the program's (the GC policy). Called once the app starts; cancel to stop.
Background = Callable[[], Coroutine[Any, Any, None]]


def create_app(
    settings: Settings,
    broker: Broker | None = None,
    *,
    background: Mapping[str, Background] | None = None,
    on_stream_open: Callable[[], None] | None = None,
    health: Mapping[str, Callable[[], object]] | None = None,
) -> ASGIApp:
    """The server as uvicorn runs it: FastAPI for the API and the page, and in front of it
    the limits and the stream's own fast path.

    ``background``: named coroutines the app's lifespan runs as tasks, started in order once
    the app starts (after its own stream hub), cancelled and awaited in the same order when
    it stops, before the store closes: the program's replay, stopped between two publishes (a
    publish in flight completes or never started). ``on_stream_open`` is called as each stream
    opens. ``health``: more sections for ``/healthz``, each read when it is asked (a data
    provider's state). Nothing here changes the process (its GC, its signals): that is the program's
    business (``server/__main__.py``), and whoever serves the app calls
    ``broker.end_streams()`` as its shutdown begins, so each stream ends with a farewell.
    """
    broker = broker or Broker(history=settings.history)
    hub = StreamHub(broker, heartbeat=settings.heartbeat, send_timeout=settings.send_timeout)
    publish_rate = TokenBuckets(settings.publish_burst, tokens=settings.publish_rate)
    runs = dict(background or {})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(hub.run(), name="stream-hub")]
        tasks += [asyncio.create_task(run(), name=name) for name, run in runs.items()]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await broker.close()

    app = FastAPI(
        title="Touchline server",
        version=__version__,
        summary="Live football events over Server-Sent Events, and a publish API for scorers.",
        lifespan=lifespan,
    )
    app.state.broker = broker
    hide_send_timeouts(logging.getLogger("uvicorn.error"))
    app.state.settings = settings
    install_idempotency(app)  # answers retries (Idempotency-Key) and keys reused
    keys = Keys()

    @app.exception_handler(Unreachable)
    async def _unreachable(request: Request, exc: Unreachable) -> JSONResponse:
        # A shared store (Redis) cannot take the write: nothing was published, or, if the
        # connection broke after the store took it, it reaches every stream all the same
        # (an Idempotency-Key makes the retry safe either way).
        message = f"the event store cannot be reached; try again in {exc.retry_after} s"
        headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(status_code=503, content={"detail": message}, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # One readable sentence first, the structured errors after it.
        # Never the input itself: it may be long, and it is the sender's, not ours, to echo.
        errors = exc.errors()
        first = errors[0] if errors else {}
        msg = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
        if first.get("type") == "json_invalid":
            where, msg = "", f"the body is not valid JSON ({first.get('ctx', {}).get('error')})"
        else:
            where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        message = f"{where}: {msg}" if where else msg
        detail = [{k: e[k] for k in ("loc", "msg", "type") if k in e} for e in errors]
        return JSONResponse(status_code=422, content={"detail": message, "errors": detail})

    def require_publisher(authorization: Annotated[str | None, Header()] = None) -> None:
        token = settings.publish_token
        if not token:
            raise _problem(
                403,
                "publishing is disabled: start the server with --publish-token TOKEN "
                "or set TOUCHLINE_PUBLISH_TOKEN",
            )
        scheme, _, given = (authorization or "").partition(" ")
        # Constant-time compare (see limits.token_matches); the token itself is never logged.
        # Each 401 counts against the client's address (auth_failures.AuthFailureLimit).
        # The scheme's name is case-insensitive (RFC 9110, 11.1).
        if not (scheme.lower() == "bearer" and token_matches(given.strip(" "), token)):
            raise _problem(
                401,
                "missing or wrong token: send 'Authorization: Bearer <token>'",
                **{"WWW-Authenticate": "Bearer"},
            )
        # Rate per token, keyed by its digest: the token itself is kept nowhere else.
        wait = publish_rate.take(token_digest(token))
        if wait:
            after = retry_after(wait)
            raise _problem(
                429,
                f"too many publishes: at most {settings.publish_rate:g} a second on average, "
                f"{settings.publish_burst} at once (--publish-rate); try again in {after} s",
                **{"Retry-After": after},
            )

    def open_stream(
        query: StreamQuery, last_event_id_header: str | None, *, once: bool = False
    ) -> LiveStream:
        """The stream asked for; ``once``: for an HTTP/1.0 client, which cannot take an
        endless body (no chunked encoding): what there is now, with its length, then the
        end; it comes back after the retry hint and resumes by id."""
        if on_stream_open is not None:
            on_stream_open()
        resume = query.resume_from(last_event_id_header)
        classic = query.format == "classic"
        if once:
            length, body = broker.catch_up(resume, query.only(), classic=classic)
            return hub.once(body, length)
        return hub.stream(broker.subscribe(resume, query.only(), classic=classic))

    @app.get("/live-scores", tags=["stream"], response_class=EventSourceResponse)
    async def live_scores(
        query: Annotated[StreamQuery, Query()],
        last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    ) -> StreamResponse:
        """The live stream: a snapshot (or the events after Last-Event-ID), then live events.

        Served by StreamFastPath; this route documents it (and answers what it passes on)."""
        return StreamResponse(open_stream(query, last_event_id_header))

    # Both from each match's JSON as the broker keeps it for snapshots (encoded once per
    # change), never encoded afresh per request, so a client asking in a loop costs little;
    # and written as a stream's snapshot is, as the client takes it (a client that reads
    # nothing holds a piece, not every match), holding one of MAX_DOWNLOADS slots meanwhile.
    @app.get("/api/matches", tags=["matches"])
    async def list_matches() -> StreamResponse:
        pieces = [b'{"matches":[']
        for i, data in enumerate(broker.matches_json()):
            pieces += (b",", data) if i else (data,)
        pieces.append(b'],"last_event_id":%s}' % json.dumps(broker.last_event_id).encode())
        return hub.download(in_chunks(pieces), sum(map(len, pieces)))

    @app.get("/api/matches/{match_id}", tags=["matches"], response_model=Match)
    async def get_match(match_id: str) -> StreamResponse:
        found = broker.matches.get(match_id)
        if found is None:
            raise _problem(404, f"no match with id {match_id!r}")
        data = broker.match_json(found)
        return hub.download(in_chunks([data]), len(data))

    @app.post(
        "/api/matches",
        tags=["publish"],
        status_code=201,
        response_model=Match,
        dependencies=[Depends(require_publisher)],
    )
    async def create_match(body: MatchIn, key: IdempotencyKey) -> Match:
        try:
            return await broker.add_match(body, new=True, once=keys.for_match(key, body))
        except Conflict as exc:  # the id is taken (checked under the broker's lock)
            raise _problem(409, str(exc)) from None
        except StoreUnavailable as exc:
            raise _unstored(exc) from None

    @app.post(
        "/api/matches/{match_id}/events",
        tags=["publish"],
        status_code=201,
        dependencies=[Depends(require_publisher)],
    )
    async def publish_event(match_id: str, body: EventIn, key: IdempotencyKey) -> dict[str, str]:
        try:
            event = await broker.publish(match_id, body, once=keys.for_event(key, match_id, body))
        except UnknownMatch:
            raise _problem(404, f"no match with id {match_id!r}") from None
        except Conflict as exc:
            raise _problem(409, str(exc)) from None
        except ValueError as exc:
            raise _problem(422, str(exc)) from None
        except StoreUnavailable as exc:
            raise _unstored(exc) from None
        return {"id": event.id}

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, Any]:
        """Liveness: the server runs and serves its streams (200 even while a shared store
        is unreachable: the streams go on). ``ready`` is the readiness answer's."""
        return {
            "status": "ok",
            "version": __version__,
            "matches": len(broker.matches),
            "subscribers": broker.subscribers,
            "last_event_id": broker.last_event_id,
            "ready": broker.ready,
            **{name: read() for name, read in (health or {}).items()},
        }

    @app.get("/healthz/ready", tags=["ops"])
    async def ready() -> JSONResponse:
        """Readiness, for a load balancer: 503 while publishes cannot be stored (a shared
        store unreachable), 200 otherwise."""
        if broker.ready:
            return JSONResponse({"ready": True})
        content = {"ready": False, "detail": broker.problem}
        return JSONResponse(content, status_code=503, headers={"Retry-After": "2"})

    web = asset("web")
    if web.is_dir():
        app.mount("/static", StaticFiles(directory=web), name="static")

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)  # HEAD: uptime checks
    async def page() -> FileResponse:
        return FileResponse(web / "index.html", media_type="text/html")

    # What uvicorn calls, outermost first: CORS (so that a browser script can read the
    # limits' answers, a 503's or 429's Retry-After), the stream limit, the stream itself,
    # then the page's headers, failed authentications and the body limit around FastAPI.
    failures = FailureBuckets(*settings.auth_failures)
    inner = AuthFailureLimit(BodyLimit(app, max_body=settings.max_body), failures)
    entry: ASGIApp = StreamFastPath(PageHeaders(inner), open_stream)
    entry = StreamLimit(entry, slots=StreamSlots(settings.max_streams))
    downloads = StreamSlots(MAX_DOWNLOADS)
    entry = StreamLimit(
        entry, downloads, "/api/matches", prefix=True, what="match downloads at once", option=""
    )
    if settings.cors_origins:
        entry = CORSMiddleware(entry, **cors_options(settings.cors_origins))
    return entry
