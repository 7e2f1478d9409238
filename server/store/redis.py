"""The shared store: Redis, for several ``touchline-server`` instances acting as one
(``--broker redis://HOST:PORT/DB``). Talks to Redis with redis-py's asyncio client.

What lives in Redis, all under the ``{touchline}`` hash tag:

- ``meta`` (hash): the epoch, the last sequence number and the ``run_id`` of the Redis that
  took the epoch's last write;
- ``log:<epoch>`` (stream): the newest ``--history`` events, entry id ``<seq>-0``, fields
  ``k`` (type), ``m`` (match), ``d`` (the event's JSON) and, when published with them, ``p``/
  ``v`` (a publisher's progress) and ``r`` (the answer to a keyed publish);
- ``matches`` (hash) and ``order`` (sorted set): each match's state after its last event;
- ``replies`` (hash) and ``replies_by_seq`` (sorted set): the answers to keyed publishes
  (``Idempotency-Key``) whose event is still in the log;
- ``progress`` (hash): each publisher's progress (the feed replay's step);
- ``lease:<name>``: which server runs a publisher that must run once (the feed replay).

A publish is one Lua script (redis_scripts.APPEND): it checks the epoch, the run_id, the
key and that the sequence number the server applied the rules to is still the last, then
writes the event, the match state, the progress and the answer together. The rules stay in
Python: a server that was behind gets ``Behind``, catches up and runs them again.

Each server follows the log with ``XREAD BLOCK`` from the last sequence number it has, on a
connection of its own (ARCHITECTURE.md says why not PUB/SUB). Trouble with Redis becomes
:class:`~server.store.base.Unreachable` (publishes answer 503), logged once when it starts and
once when it ends; :attr:`problem` is the readiness answer meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import BlockingConnectionPool, ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError

from server.config import DEFAULTS
from server.store import redis_scripts
from server.store.base import (
    Answered,
    Appended,
    Behind,
    LeaseLost,
    Loaded,
    Seed,
    Stale,
    StoredEvent,
    StoredReply,
    Trimmed,
    Unreachable,
    fence,
    new_epoch,
)
from server.wire import Match

log = logging.getLogger("touchline.store")

T = TypeVar("T")

#: Every key's prefix: one hash tag, so every key of a script is in one Cluster slot.
PREFIX = "{touchline}:"
LOG_PREFIX = PREFIX + "log:"
#: How long a command may take before Redis counts as unreachable (publishes answer 503).
COMMAND_TIMEOUT = 2.0
CONNECT_TIMEOUT = 2.0
#: Connections for commands (publishes, reads); a publish waits for a free one (a bounded
#: BlockingConnectionPool: the plain pool raises "Too many connections" instead).
POOL_SIZE = 16
#: Events one read hands over at most.
READ_COUNT = 1000
#: Tries at settling on an epoch while other servers are doing the same.
SETTLE_TRIES = 5


def shown_url(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def check_url(url: str) -> str:
    """``url`` if redis-py can use it, else ValueError saying what is wrong."""
    scheme = urlsplit(url).scheme
    if scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"expected redis://HOST:PORT/DB (or rediss://, unix://), got {url!r}")
    ConnectionPool.from_url(url)  # raises ValueError on a bad port, database...
    return url


def _reply_field(reply: StoredReply) -> str:
    return f"{reply.scope}\n{reply.key}"


def _dump_reply(reply: StoredReply) -> str:
    return json.dumps(
        {"scope": reply.scope, "key": reply.key, "fingerprint": reply.fingerprint}
        | {"status": reply.status, "body": reply.body, "seq": reply.seq}
    )


def _load_reply(text: str, seq: int | None = None) -> StoredReply:
    r = json.loads(text)
    seq = r["seq"] if seq is None else seq
    return StoredReply(r["scope"], r["key"], r["fingerprint"], r["status"], r["body"], seq)


def _pairs(flat: list[Any]) -> list[tuple[Any, Any]]:
    return list(zip(flat[::2], flat[1::2], strict=True))


class RedisStore:
    """The Store and SharedLog of server/store/base.py on Redis."""

    def __init__(self, url: str, *, keep: int = DEFAULTS.history) -> None:
        self.url = check_url(url)
        self.shown = shown_url(url)
        self.keep = keep
        self.epoch = ""  # the epoch this server follows ("" before the first load)
        self.problem: str | None = None
        self._trouble_since = 0.0
        self._progress: dict[str, str] = {}
        self._leases: dict[str, str] = {}  # lease name -> this server's token
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Redis | None = None
        self._reader: Redis | None = None
        self._block = 0.0
        self._scripts: dict[str, Any] = {}

    # --- connections ------------------------------------------------------------------------
    def _connect(self) -> Redis:
        """The command client of the running loop (made on first use: redis-py's asyncio
        connections belong to the loop that opened them, and ``load`` runs its own)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._client is None:
            # No retries inside redis-py: a publish script re-sent after a lost answer
            # could have run twice. Every failure surfaces here, and the caller decides.
            common: dict[str, Any] = {
                "decode_responses": True,
                "socket_connect_timeout": CONNECT_TIMEOUT,
                "retry": Retry(NoBackoff(), 0),
            }
            pool = BlockingConnectionPool.from_url(
                self.url,
                max_connections=POOL_SIZE,
                timeout=COMMAND_TIMEOUT,
                socket_timeout=COMMAND_TIMEOUT,
                **common,
            )
            self._client = client = Redis(connection_pool=pool)
            self._reader = None
            self._loop = loop
            for name in ("APPEND", "LOAD", "CHECK", "ADOPT", "NEW_EPOCH", "RENEW", "RELEASE"):
                self._scripts[name] = client.register_script(getattr(redis_scripts, name))
            self._common = common
        return self._client

    def _reading(self, block: float) -> Redis:
        """The follower's own connection: a blocking read ties up its connection, and its
        socket timeout must outlast the block (redis-py #2807)."""
        self._connect()
        if self._reader is None or self._block != block:
            pool = ConnectionPool.from_url(
                self.url,
                max_connections=1,
                socket_timeout=block + COMMAND_TIMEOUT,
                **self._common,
            )
            self._reader, self._block = Redis(connection_pool=pool), block
        return self._reader

    async def _close_clients(self) -> None:
        for client in (self._reader, self._client):
            if client is not None:
                await client.aclose(close_connection_pool=True)
        self._client = self._reader = None
        self._loop = None

    async def _run(self, call: Awaitable[T]) -> T:
        """Awaits a Redis call: trouble becomes Unreachable, logged when it starts and ends."""
        try:
            result = await call
        except RedisError as exc:
            raise self._trouble(exc) from None
        if self.problem is not None:
            log.warning(
                "Redis at %s is back after %.1f s; publishing again",
                self.shown,
                time.monotonic() - self._trouble_since,
            )
            self.problem = None
        return result

    def _trouble(self, exc: RedisError) -> Unreachable:
        reason = f"Redis at {self.shown}: {str(exc).rstrip('.') or type(exc).__name__}"
        if self.problem is None:
            self._trouble_since = time.monotonic()
            log.warning("%s; publishes answer 503 until it is back, streams go on", reason)
        self.problem = reason
        return Unreachable(reason)

    def _script(self, name: str, keys: list[str], args: list[Any]) -> Awaitable[Any]:
        self._connect()
        call: Awaitable[Any] = self._scripts[name](keys=keys, args=args)
        return call

    # --- the Store interface ---------------------------------------------------------------
    def load(self, keep: int) -> Loaded:
        """Settles on an epoch and reads it all, at start-up (blocking: up to 10 s while
        Redis is still starting)."""
        self.keep = keep

        async def first() -> Loaded:
            try:
                deadline = time.monotonic() + 10  # a Redis still starting, or loading its file
                while True:
                    try:
                        loaded = await self.check(0, lambda: Seed([], []))
                        assert loaded is not None  # a first check always loads
                        await self._advise()
                        return loaded
                    except (Unreachable, Stale):
                        if time.monotonic() > deadline:
                            raise
                        await asyncio.sleep(0.5)
            finally:
                await self._close_clients()

        # On a thread of its own: the caller may be on a running loop (a host building the
        # broker inside its own), where asyncio.run cannot run.
        with ThreadPoolExecutor(1, thread_name_prefix="redis-load") as thread:
            return thread.submit(asyncio.run, first()).result()

    async def append(
        self,
        event: StoredEvent,
        match: Match,
        progress: tuple[str, str] | None = None,
        reply: StoredReply | None = None,
        *,
        state: bool = False,
    ) -> None:
        key, value = progress or ("", "")
        lease = fence.get() or ""
        token = self._leases.get(lease, "") if lease else ""
        if lease and not token:
            raise LeaseLost(lease)  # lost at its last renewal: the publisher stops
        field, stored = (_reply_field(reply), _dump_reply(reply)) if reply else ("", "")
        answer = await self._run(
            self._script(
                "APPEND",
                [
                    PREFIX + "meta",
                    LOG_PREFIX + self.epoch,
                    PREFIX + "matches",
                    PREFIX + "order",
                    PREFIX + "replies",
                    PREFIX + "replies_by_seq",
                    PREFIX + "progress",
                    PREFIX + "lease:" + lease,
                ],
                [
                    self.epoch,
                    event.seq,
                    event.kind,
                    event.match_id,
                    event.data,
                    match.model_dump_json(),
                    self.keep,
                    key,
                    value,
                    token,
                    field,
                    stored,
                    "1" if state else "0",
                ],
            )
        )
        outcome = answer[0]
        if outcome == "ok":
            if key:
                self._progress[key] = value
            return
        if outcome == "behind":
            raise Behind(answer[1])
        if outcome == "answered":
            raise Answered(_load_reply(answer[1]))
        if outcome == "lease":
            raise LeaseLost(lease)
        raise Stale(outcome)  # gone, restarted, moved: SharedLog.check says what to do

    def progress(self, key: str) -> str | None:
        """As of the last event this server read or wrote (the broker catches up first)."""
        return self._progress.get(key)

    async def close(self) -> None:
        for name in list(self._leases):
            with contextlib.suppress(Unreachable):
                await self.release(name)
        await self._close_clients()

    # --- following --------------------------------------------------------------------------
    async def read(self, after: int, *, block: float) -> list[Appended]:
        reader = self._reading(block)
        stream = LOG_PREFIX + self.epoch
        call = reader.xread({stream: f"{after}-0"}, count=READ_COUNT, block=int(block * 1000))
        answer: Any = await self._run(call)  # RESP2: [[stream, entries]], or None
        return self._entries(answer[0][1], after) if answer else []

    async def read_range(self, after: int) -> list[Appended]:
        client, out = self._connect(), list[Appended]()
        while True:
            start = f"{after + len(out) + 1}-0"
            call = client.xrange(LOG_PREFIX + self.epoch, start, "+", count=READ_COUNT)
            entries: Any = await self._run(call)
            out += self._entries(entries, after + len(out))
            if len(entries) < READ_COUNT:
                return out

    def _entries(self, entries: list[tuple[str, dict[str, str]]], after: int) -> list[Appended]:
        """The entries read, checked to follow ``after`` without a gap."""
        out: list[Appended] = []
        for entry_id, fields in entries:
            if fields.get("k") == "reset":  # another server began a new epoch
                if out:
                    break
                raise Stale("reset")
            seq = int(entry_id.partition("-")[0])
            if seq != after + len(out) + 1:
                if out:
                    break
                raise Trimmed(f"event {after + 1} left the log (found {seq})")
            reply = _load_reply(fields["r"], seq) if "r" in fields else None
            event = StoredEvent(seq, fields["k"], fields["m"], fields["d"])
            out.append(Appended(event, reply, fields.get("s")))
            if "p" in fields:
                self._progress[fields["p"]] = fields["v"]
        return out

    async def check(self, seen: int, seed: Callable[[], Seed]) -> Loaded | None:
        for _ in range(SETTLE_TRIES):
            answer = await self._run(self._script("CHECK", [PREFIX + "meta"], []))
            epoch, seq, stored_run, run = answer[0], int(answer[1]), answer[2], answer[3]
            ours = bool(self.epoch) and epoch == self.epoch
            if not epoch:
                # Redis came back empty (or never had anything): nothing of ours is there.
                why = "Redis has no epoch (a first start, or it came back empty)"
                seeded = seed() if self.epoch else None
                if await self._begin_epoch("", "", seeded, why):
                    return await self.reload()
            elif stored_run != run:
                # Restarted, or a replica took over: keep the epoch only if it cannot have
                # lost a write (an fsync per write) and nothing this server saw is missing.
                durable = await self._durable()
                if durable and (not ours or seq >= seen):
                    adopt = self._script("ADOPT", [PREFIX + "meta"], [epoch, stored_run])
                    if await self._run(adopt):
                        log.info(
                            "Redis at %s restarted with every write kept (appendfsync "
                            "always): epoch %s goes on at event %d",
                            self.shown,
                            epoch,
                            seq,
                        )
                else:
                    why = (
                        f"Redis restarted and has event {seq} as its last, this server saw {seen}"
                        if durable
                        else "Redis restarted, and without appendfsync always it may have "
                        "lost the last writes"
                    )
                    seeded = seed() if ours and seen > seq else None
                    if await self._begin_epoch(epoch, stored_run, seeded, why):
                        return await self.reload()
            elif not ours:
                return await self.reload()  # a first load, or another server's new epoch
            elif seq < seen:
                why = f"Redis has event {seq} as its last, this server saw {seen} (a failover?)"
                if await self._begin_epoch(epoch, stored_run, seed(), why):
                    return await self.reload()
            else:
                return None
        raise Unreachable(f"Redis at {self.shown}: the epoch keeps changing")

    async def _advise(self) -> None:
        """Warns at start-up about Redis settings that can lose what Touchline keeps there
        (docs/operations.md, "What Redis must keep")."""
        try:
            conf = await self._run(self._connect().config_get("*"))
        except ResponseError:
            log.info("Redis at %s does not show its configuration (CONFIG GET)", self.shown)
            return
        advice = {
            "appendonly": ("yes", "a restart of Redis loses everything it keeps"),
            "appendfsync": (
                "always",
                "a crash of Redis can lose the last writes, so every restart of Redis begins "
                "a new epoch (viewers get a snapshot)",
            ),
            "maxmemory-policy": (
                "noeviction",
                "a full Redis may evict the log, the epoch or a match's state",
            ),
        }
        for name, (wanted, risk) in advice.items():
            if conf.get(name, wanted) != wanted:
                log.warning(
                    "Redis at %s has %s %s, not %s: %s (docs/operations.md)",
                    self.shown,
                    name,
                    conf.get(name),
                    wanted,
                    risk,
                )

    async def _durable(self) -> bool:
        """Whether Redis fsyncs every write before answering (``CONFIG GET`` may be refused,
        e.g. on a managed Redis: then it cannot be known, and is taken as not)."""
        try:
            conf = await self._run(self._connect().config_get("append*"))
        except Unreachable:
            raise
        except ResponseError:
            return False
        return conf.get("appendonly") == "yes" and conf.get("appendfsync") == "always"

    async def _begin_epoch(
        self, seen_epoch: str, seen_run: str, seed: Seed | None, why: str
    ) -> bool:
        fresh = new_epoch()
        matches = [[m.id, m.model_dump_json()] for m in seed.matches] if seed else []
        replies = [[_reply_field(r), _dump_reply(r)] for r in seed.replies] if seed else []
        begun = await self._run(
            self._script(
                "NEW_EPOCH",
                [
                    PREFIX + "meta",
                    LOG_PREFIX + seen_epoch,
                    LOG_PREFIX + fresh,
                    PREFIX + "matches",
                    PREFIX + "order",
                    PREFIX + "replies",
                    PREFIX + "replies_by_seq",
                    PREFIX + "progress",
                ],
                [
                    seen_epoch,
                    seen_run,
                    fresh,
                    "1" if seed else "0",
                    json.dumps(matches),
                    json.dumps(replies),
                    json.dumps(self._progress if seed else {}),
                ],
            )
        )
        if begun:
            # A first start is news; losing an epoch is a warning.
            level = logging.WARNING if seen_epoch or seed else logging.INFO
            source = "this server's copy" if seed else "what Redis kept"
            log.log(level, "%s: new epoch %s from %s; clients get a snapshot", why, fresh, source)
        return bool(begun)

    async def reload(self) -> Loaded:
        keys = ["meta", "matches", "order", "replies", "replies_by_seq", "progress"]
        answer = await self._run(
            self._script("LOAD", [PREFIX + k for k in keys], [LOG_PREFIX, self.keep])
        )
        epoch, seq, stored_run, run = answer[:4]
        if not epoch or stored_run != run:
            raise Stale("the epoch changed while loading")
        _ids, states, entries, replies, scores, progress = answer[4:]
        matches = [Match.model_validate_json(state) for state in states if state]
        recent = [
            StoredEvent(int(entry_id.partition("-")[0]), f["k"], f["m"], f["d"])
            for entry_id, f in (
                (entry_id, dict(_pairs(fields))) for entry_id, fields in reversed(entries)
            )
        ]
        by_seq = {field: int(float(score)) for field, score in _pairs(scores)}
        kept = [_load_reply(text, by_seq.get(field, 0)) for field, text in _pairs(replies)]
        self._progress = dict(_pairs(progress))
        self.epoch = epoch
        return Loaded(epoch, int(seq), matches, recent, kept)

    # --- leases -----------------------------------------------------------------------------
    async def acquire(self, name: str, ttl: float) -> bool:
        token = secrets.token_hex(8)
        call = self._connect().set(PREFIX + "lease:" + name, token, nx=True, px=int(ttl * 1000))
        if await self._run(call):
            self._leases[name] = token
            return True
        return False

    async def renew(self, name: str, ttl: float) -> bool:
        token = self._leases.get(name)
        if token is None:
            return False
        key = PREFIX + "lease:" + name
        if await self._run(self._script("RENEW", [key], [token, int(ttl * 1000)])):
            return True
        self._leases.pop(name, None)
        return False

    async def release(self, name: str) -> None:
        token = self._leases.pop(name, None)
        if token is not None:
            await self._run(self._script("RELEASE", [PREFIX + "lease:" + name], [token]))


# What a caller of a SharedLog may need without importing redis-py.
__all__ = ["RedisStore", "check_url", "shown_url"]
