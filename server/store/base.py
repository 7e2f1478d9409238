"""Where the broker keeps what must outlive a connection: the event log and match state.

One small interface so the embedded default (SQLite), the throw-away memory store and a
Redis backend can sit behind the same broker. The broker keeps the hot copy in memory
(match state and a bounded log of encoded frames); a store only has to persist and reload.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Protocol

from server.wire import Match


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One numbered stream event: its type, match and the JSON of its ``data:``."""

    seq: int
    kind: str
    match_id: str
    data: str


@dataclass(frozen=True, slots=True)
class StoredReply:
    """The answer to a publish made with an ``Idempotency-Key``, kept to answer its retries
    (see server/core/idempotency.py); ``seq`` is the event it published."""

    scope: str  # where the key was used: the route, with its match (idempotency.Keys)
    key: str
    fingerprint: str  # the request's body, hashed: a retry must match it
    status: int
    body: str
    seq: int


@dataclass
class Loaded:
    """What a store hands the broker at start-up."""

    epoch: str
    last_seq: int
    matches: list[Match]
    recent: list[StoredEvent]  # the tail of the log, oldest first, for resume
    #: Answers to keyed publishes whose events are among the ``keep`` recent ones.
    replies: list[StoredReply] = field(default_factory=list)


class StoreUnavailable(Exception):
    """A write the store could not make, for a reason outside the request: a full disk, an
    I/O error, a store that went away. Nothing of it was kept; the message says why, and the
    same write may work later (the API answers 503)."""


class Store(Protocol):
    def load(self, keep: int) -> Loaded:
        """The epoch, the last sequence number, every match, up to ``keep`` recent events and
        the stored answers of keyed publishes among them."""
        ...

    async def append(
        self,
        event: StoredEvent,
        match: Match,
        progress: tuple[str, str] | None = None,
        reply: StoredReply | None = None,
    ) -> None:
        """Persists one event and the match state after it, before it is streamed. Raises
        StoreUnavailable when it cannot (then nothing of it was kept).

        ``progress`` (key, value) is stored in the same transaction: a publisher such as the
        feed replay records how far it got, so after a crash it neither skips nor repeats.
        So is ``reply``, a keyed publish's answer: after a crash its retry is still known.
        """
        ...

    def progress(self, key: str) -> str | None:
        """The last progress value stored under ``key``."""
        ...

    async def close(self) -> None: ...


def new_epoch() -> str:
    """A fresh epoch: sortable by start time, unique across restarts of the same second."""
    return f"{int(time.time()):x}{secrets.token_hex(2)}"
