"""Where the broker keeps what must outlive a connection: the event log and match state.

One small interface so the embedded default (SQLite), the throw-away memory store and a
Redis backend can sit behind the same broker. The broker keeps the hot copy in memory
(match state and a bounded log of encoded frames); a store only has to persist and reload.

A store that several servers share (Redis, server/store/redis.py) is a :class:`SharedLog`
too: its append is optimistic (it refuses a sequence number another server took first) and
the broker follows what every server appends. That is the only extension, and why it is
needed: one server alone numbers events itself, so nothing can conflict and nothing can
arrive from elsewhere; several must agree on the numbering, and each must read the others'
events, in order and without gaps, to keep its own hot copy.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

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


# --- several servers on one store -------------------------------------------------------------


class Unreachable(Exception):
    """The store cannot be reached (or refuses writes) now: answer publishes with 503 and
    ``Retry-After``; streams go on from the server's own copy."""

    def __init__(self, reason: str, retry_after: int = 2) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Behind(Exception):
    """Another server appended first: catch up with the log, apply the rules again, retry."""


class Stale(Exception):
    """The log is not the one this server follows any more (a new epoch, a restarted store):
    check the store (``SharedLog.check``) before anything else."""


class Trimmed(Exception):
    """The events after this server's position left the bounded log: reload everything."""


class Answered(Exception):
    """The publish's ``Idempotency-Key`` was already used, through another server."""

    def __init__(self, reply: StoredReply) -> None:
        super().__init__(reply.key)
        self.reply = reply


class LeaseLost(Exception):
    """A publisher that must run on one server at a time (the feed replay) lost its lease:
    its append was refused, so two servers never both publish its steps."""


@dataclass(frozen=True, slots=True)
class Appended:
    """An event as every server reads it back from a shared log, with the keyed publish's
    answer it was stored with, and the match's state after it when the event alone cannot
    rebuild it (``match_state.folds``)."""

    event: StoredEvent
    reply: StoredReply | None = None
    state: str | None = None  # the match's JSON


#: The lease held by the publisher running now (server/core/lease.py sets it for the task it
#: runs): a shared store refuses its appends once another server holds that lease.
fence: ContextVar[str | None] = ContextVar("touchline_fence", default=None)


@dataclass(frozen=True, slots=True)
class Seed:
    """A server's own copy, for a new epoch when the store lost events that server had seen:
    the matches as they were after its last event, and the answers to keyed publishes."""

    matches: list[Match]
    replies: list[StoredReply]


@runtime_checkable
class SharedLog(Protocol):
    """A store several servers append to at once (Redis). ``append`` raises Behind, Stale,
    Answered, LeaseLost or Unreachable; ``load`` runs before the event loop starts."""

    #: Why the store cannot be used now (None when it can): the readiness answer.
    problem: str | None

    async def append(
        self,
        event: StoredEvent,
        match: Match,
        progress: tuple[str, str] | None = None,
        reply: StoredReply | None = None,
        *,
        state: bool = False,
    ) -> None:
        """Store.append, checked against the log (Behind, Stale, Answered, LeaseLost,
        Unreachable). ``state``: the entry carries the match's state too, for the servers
        that read it back (an event they cannot fold into the match)."""
        ...

    async def read(self, after: int, *, block: float) -> list[Appended]:
        """The events after ``after``, waiting up to ``block`` seconds for one (an empty
        list when none came). Raises Stale, Trimmed or Unreachable."""
        ...

    async def read_range(self, after: int) -> list[Appended]:
        """Every event after ``after`` there is now, without waiting."""
        ...

    async def check(self, seen: int, seed: Callable[[], Seed]) -> Loaded | None:
        """Confirms the log is the one this server follows and has every event up to
        ``seen``; if not (the store restarted and may have lost writes, came back empty, or
        another server began a new epoch), settles on an epoch and returns all of it."""
        ...

    async def reload(self) -> Loaded: ...

    async def acquire(self, name: str, ttl: float) -> bool:
        """Takes the lease ``name`` for ``ttl`` seconds if no server holds it."""
        ...

    async def renew(self, name: str, ttl: float) -> bool:
        """Extends a lease this server holds; False if it was lost."""
        ...

    async def release(self, name: str) -> None: ...


def new_epoch() -> str:
    """A fresh epoch: sortable by start time, unique across restarts of the same second."""
    return f"{int(time.time()):x}{secrets.token_hex(2)}"
