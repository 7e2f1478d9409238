"""Idempotent publishing: the ``Idempotency-Key`` request header (IETF draft "The
Idempotency-Key HTTP Header Field").

A scorer whose POST timed out, or whose connection dropped, cannot know whether the server
stored the event; with a key it can simply retry. The first request with a key is processed
as usual and its answer (status and body) is stored with the event, in the same store
transaction, so the answer survives ``kill -9``. A retry with the same key and the same body
gets that answer again, marked ``Idempotent-Replayed: true``: nothing is published twice.

Keys are checked by the broker under its publish lock (``Replies.check``), so of two
identical requests at once the first publishes and the second, which waited for the lock,
gets the first one's answer. Only successes are kept: a 409 or 422 stores nothing, so a
corrected retry with the same key goes through. A key is remembered while the event it
published is among the newest ``--history`` events.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, NoReturn

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from server.store.base import StoredReply

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY = 255
#: 1 to 255 printable ASCII characters; HTTP strips spaces at either end, so none are there.
KEY_PATTERN = r"^[!-~](?:[ -~]{0,253}[!-~])?$"
_KEY = re.compile(KEY_PATTERN)


class Replayed(Exception):
    """A retry of a publish that was already made: answer it with the stored answer."""

    def __init__(self, reply: StoredReply) -> None:
        super().__init__(reply.key)
        self.reply = reply


class KeyReused(Exception):
    """The key was used before, for a request with another body."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class Once:
    """A publish made with a key: whose key and where (``scope``), and what it asked."""

    scope: str
    key: str
    fingerprint: str
    #: The 201's body from the new event's id and data (the route's answer).
    answer: Callable[[str, str], str]

    def reply(self, seq: int, event_id: str, data: str) -> StoredReply:
        body = self.answer(event_id, data)
        return StoredReply(self.scope, self.key, self.fingerprint, 201, body, seq)


class Replies:
    """The answers kept for retries, oldest first, for the newest ``limit`` events."""

    def __init__(self, kept: Iterable[StoredReply], limit: int) -> None:
        self.limit = limit
        self._by_key: OrderedDict[tuple[str, str], StoredReply] = OrderedDict(
            ((r.scope, r.key), r) for r in sorted(kept, key=lambda r: r.seq)
        )

    def __len__(self) -> int:
        return len(self._by_key)

    def check(self, once: Once | None) -> None:
        """Raises Replayed for a retry and KeyReused for a key used on another request."""
        if once is None:
            return
        found = self._by_key.get((once.scope, once.key))
        if found is not None:
            self.answer(found, once)

    @staticmethod
    def answer(found: StoredReply, once: Once) -> NoReturn:
        """Raises Replayed, or KeyReused if ``found`` answered a request with another body."""
        if found.fingerprint != once.fingerprint:
            raise KeyReused(once.key)
        raise Replayed(found)

    def kept(self) -> list[StoredReply]:
        """The answers kept, oldest first."""
        return list(self._by_key.values())

    def add(self, reply: StoredReply | None, seq: int) -> None:
        """Remembers ``reply`` (if any) for event ``seq``; forgets those whose event left the
        history (the store trims its copies with the event log)."""
        if reply is not None:
            self._by_key[reply.scope, reply.key] = reply
        oldest_kept = seq - self.limit
        while self._by_key:
            first = next(iter(self._by_key.values()))
            if first.seq > oldest_kept:
                break
            self._by_key.popitem(last=False)


def fingerprint(body: BaseModel) -> str:
    """The request as parsed: bodies that mean the same (key order, spacing) are the same."""
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


def _event_answer(event_id: str, data: str) -> str:
    # Byte for byte what FastAPI sends for the route's {"id": ...} (Starlette's JSONResponse).
    return json.dumps({"id": event_id}, ensure_ascii=False, separators=(",", ":"))


def _match_answer(event_id: str, data: str) -> str:
    return data  # the match_added event's data is the match, which the route answers


class Keys:
    """Makes a publish's ``Once``, scoped by route and match. A server has one publish token,
    so keys are not scoped by it: nothing derived from the token is written to the store,
    where a digest of a weak token could be guessed offline."""

    def for_match(self, key: str | None, body: BaseModel) -> Once | None:
        return Once("POST /api/matches", key, fingerprint(body), _match_answer) if key else None

    def for_event(self, key: str | None, match_id: str, body: BaseModel) -> Once | None:
        scope = f"POST /api/matches/{match_id}/events"
        return Once(scope, key, fingerprint(body), _event_answer) if key else None


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias=KEY_HEADER,
            description="Optional. A retry with the same key and body is answered with the "
            f"first answer (marked `{REPLAYED_HEADER}: true`) and publishes nothing again. "
            "1 to 255 printable ASCII characters, e.g. a UUID; one per publish.",
            json_schema_extra={"minLength": 1, "maxLength": MAX_KEY, "pattern": KEY_PATTERN},
        ),
    ] = None,
) -> str | None:
    """The request's key, checked here so that a bad one gets a message naming the header."""
    if key is not None and not _KEY.match(key):
        shown = (
            "an empty value"
            if not key
            else f"{len(key)} characters"
            if len(key) > MAX_KEY
            else "a character outside printable ASCII"
        )
        raise HTTPException(
            422,
            f"{KEY_HEADER} must be 1 to {MAX_KEY} printable ASCII characters (got {shown})",
        )
    return key


#: A route's parameter for the header: ``key: IdempotencyKey``.
IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]


def install(app: FastAPI) -> None:
    """Answers the broker's Replayed and KeyReused for every publish route."""

    @app.exception_handler(Replayed)
    async def _replayed(request: Request, exc: Replayed) -> Response:
        return Response(
            exc.reply.body,
            exc.reply.status,
            headers={REPLAYED_HEADER: "true"},
            media_type="application/json",
        )

    @app.exception_handler(KeyReused)
    async def _reused(request: Request, exc: KeyReused) -> JSONResponse:
        message = (
            f"{KEY_HEADER} {exc.key!r} was used for a different request: "
            "send a new key for a new publish"
        )
        return JSONResponse(status_code=422, content={"detail": message})
