"""Limits with clear answers: open streams (503), body size (413), publish rate (429), and the
publish token's comparison.

The two middlewares are plain ASGI, so they answer before FastAPI parses anything and their
bookkeeping cannot leak: a stream slot is held exactly as long as its request runs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# --- the token ------------------------------------------------------------------------------


def token_digest(token: str) -> bytes:
    """What the server keeps and keys buckets by: never the token itself."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def token_matches(given: str, expected: str) -> bool:
    """Whether ``given`` is the publish token, in time that does not depend on how much of it
    is right. Both sides are hashed first (so not even the token's length leaks), then the
    digests are compared with :func:`hmac.compare_digest`."""
    return hmac.compare_digest(token_digest(given), token_digest(expected))


# --- token buckets ----------------------------------------------------------------------------


class TokenBuckets:
    """A token bucket per key, bounded in the number of keys: the publish rate per token, and
    failed authentications per address (server/http/auth_failures.py).

    Each bucket holds up to ``capacity`` tokens and gets ``tokens`` back every ``per`` seconds
    (kept as that pair, not one rate, so the arithmetic is exact for both uses: 20 a second,
    one every 6 s). A key not seen yet has a full bucket. Past ``max_keys`` the least recently
    used bucket is forgotten: by then it has most likely refilled anyway. With
    ``forget_full``, a bucket that is full again is forgotten at once: the same as one never
    seen, so only keys that spent tokens lately take memory.
    """

    def __init__(
        self,
        capacity: float,
        *,
        tokens: float = 1.0,
        per: float = 1.0,
        max_keys: int = 1024,
        forget_full: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity, self.tokens, self.per = float(capacity), tokens, per
        self.max_keys, self.forget_full, self.clock = max_keys, forget_full, clock
        #: key -> (tokens left, when counted, whether it ran dry since it was last full)
        self._buckets: OrderedDict[Hashable, tuple[float, float, bool]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def _refilled(self, key: Hashable, now: float) -> tuple[float, bool]:
        entry = self._buckets.pop(key, None)
        if entry is None:
            return self.capacity, False
        left, stamp, dry = entry
        left = min(self.capacity, left + (now - stamp) * self.tokens / self.per)
        # A full bucket starts afresh: running dry again is news again.
        return left, dry and left < self.capacity

    def _keep(self, key: Hashable, left: float, now: float, dry: bool) -> None:
        if left < self.capacity or not self.forget_full:
            self._buckets[key] = (left, now, dry)  # (re)inserted last: most recent
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)

    def _wait(self, left: float) -> float:
        return 0.0 if left >= 1 else (1 - left) * self.per / self.tokens

    def take(self, key: Hashable) -> float:
        """Takes one token: 0 when there was one, else the seconds until one is available
        (and nothing is taken)."""
        now = self.clock()
        left, dry = self._refilled(key, now)
        wait = self._wait(left)
        if not wait:
            left -= 1
        self._keep(key, left, now, dry)
        return wait

    def wait(self, key: Hashable) -> float:
        """The seconds until ``key`` has a token: 0 while it has one. Takes nothing."""
        now = self.clock()
        left, dry = self._refilled(key, now)
        self._keep(key, left, now, dry)
        return self._wait(left)

    def spend(self, key: Hashable) -> bool:
        """Takes one token, or empties the bucket when it holds less than one. True only when
        that left it without a whole token for the first time since it was last full (so a
        caller can report each time a key runs dry once)."""
        now = self.clock()
        left, dry = self._refilled(key, now)
        left = max(0.0, left - 1)
        newly = left < 1 and not dry
        self._keep(key, left, now, dry or newly)
        return newly


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1 (0 would invite a busy loop)."""
    return str(max(1, math.ceil(seconds)))


# --- raw ASGI answers -------------------------------------------------------------------------


async def answer(send: Send, status: int, message: str, **headers: str) -> None:
    """A JSON ``{"detail": message}`` answer, the same shape as every other API error."""
    body = json.dumps({"detail": message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _header(scope: Scope, name: bytes) -> bytes | None:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


class BodyLimit:
    """413 for a request body over ``max_body`` bytes, decided before the app sees it.

    A declared Content-Length over the limit is refused without reading a byte; a body
    without one (chunked) is read only up to the limit, never whole. The (small) body is
    then handed to the app as one message.
    """

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = _header(scope, b"content-length")
        if length is None and _header(scope, b"transfer-encoding") is None:
            return await self.app(scope, receive, send)  # no body (a stream, a GET...)
        if length is not None and length.isdigit() and int(length) > self.max_body:
            return await self._too_large(send)
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left while sending: nobody to answer
            body += message.get("body", b"")
            if len(body) > self.max_body:
                return await self._too_large(send)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: disconnect, as usual
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await answer(
            send,
            413,
            f"request body too large: at most {self.max_body} bytes (--max-body)",
        )


class StreamSlots:
    """Counts open streams; the middleware below holds a slot per running stream request."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0


#: ``GET /api/matches`` and ``/api/matches/{id}`` answered at once at most. Written as a stream
#: is, as the client takes them, a download lasts as long as its client takes to read it (one
#: that reads nothing: until the send timeout), so they are counted like streams, in a small
#: pool of their own within the descriptors kept for the API (server/__main__.py).
MAX_DOWNLOADS = 64


class StreamLimit:
    """503 with ``Retry-After`` for a stream request (``GET path``, or any path under it with
    ``prefix``) when every slot is taken, before the stream opens. A slot is held while the
    request runs and freed however it ends. ``what`` and ``option`` name the limit in the
    answer."""

    def __init__(
        self,
        app: ASGIApp,
        slots: StreamSlots,
        path: str = "/live-scores",
        *,
        prefix: bool = False,
        what: str = "open streams",
        option: str = "--max-streams",
    ) -> None:
        self.app, self.slots, self.path, self.prefix = app, slots, path, prefix
        self.what = f"{what} ({option})" if option else what

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not (path == self.path or (self.prefix and path.startswith(self.path)))
        ):
            return await self.app(scope, receive, send)
        if self.slots.open >= self.slots.limit:
            # Jittered, so a crowd turned away together does not come back together.
            wait = random.randint(5, 15)
            return await answer(
                send,
                503,
                f"the server is at its limit of {self.slots.limit} {self.what}; "
                f"try again in {wait} s",
                **{"Retry-After": str(wait), "Cache-Control": "no-store"},
            )
        self.slots.open += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.open -= 1


# --- CORS -------------------------------------------------------------------------------------


class CorsOptions(TypedDict):
    """The keywords :func:`cors_options` gives Starlette's CORSMiddleware."""

    allow_origins: list[str]
    allow_credentials: bool
    allow_methods: list[str]
    allow_headers: list[str]
    expose_headers: list[str]
    max_age: int


def cors_options(origins: list[str]) -> CorsOptions:
    """Starlette CORSMiddleware options for ``--cors-origin``: the stream and the publish API.

    Never credentials: the publish API takes a bearer token in a header, not a cookie, so a
    browser never needs to send cookies, and ``*`` can never be combined with them.
    """
    return {
        "allow_origins": origins,
        "allow_credentials": False,
        "allow_methods": ["GET", "POST"],
        "allow_headers": [
            "Authorization",
            "Content-Type",
            "Idempotency-Key",
            "Last-Event-ID",
            "Cache-Control",
        ],
        "expose_headers": ["Retry-After", "Idempotent-Replayed"],
        "max_age": 600,
    }
