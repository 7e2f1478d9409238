"""The broker: numbers events, keeps the bounded history, applies events to match state and
fans them out. Feed replay and the publish API are both just publishers of this class.

Fan-out is a shared log read by cursor, not a queue per subscriber: each event is encoded
into its SSE frame once, appended to one bounded deque, and every subscriber walks that deque
from its own position. A subscriber costs a cursor and a waiter, never a copy of the backlog.

On a store several servers share (Redis: server/store/redis.py), a publish is optimistic: the
rules run on this server's copy at its last sequence number, and the store refuses the append
if another server took that number first (``Behind``); the broker then catches up and runs
the rules again. :meth:`Broker.follow` takes in what the other servers publish, in order, into
the same deque, so their events reach this server's subscribers by the same path.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from server.config import DEFAULTS
from server.core import event_ids
from server.core.frames import (
    BACKLOG_FRAMES,
    PING,
    RETRY_HINT,
    Frame,
    encode,
    farewell,
    framing,
    in_chunks,
)
from server.core.idempotency import Once, Replies
from server.core.match_state import Conflict, apply_event, fold, folds, new_match
from server.store.base import (
    Answered,
    Appended,
    Behind,
    Loaded,
    Seed,
    SharedLog,
    Stale,
    Store,
    StoredEvent,
    StoredReply,
    Trimmed,
    Unreachable,
)
from server.store.memory import MemoryStore
from server.wire import EventIn, Match, MatchEvent, MatchIn, Snapshot

log = logging.getLogger("touchline.broker")

#: A shared store: tries at a publish while other servers keep taking the next number first.
PUBLISH_TRIES = 20
#: A shared store: how long the follower's read waits for an event before checking that the
#: log is still the one it follows (a failover can leave a connection on a silent node).
FOLLOW_BLOCK = 5.0
#: A shared store: how long a client resuming from an event this server has not read yet
#: waits for it before it gets a snapshot.
CATCH_UP_WAIT = 3.0


class UnknownMatch(LookupError):
    pass


#: What a publisher stores with an event (see Store.append): a (key, value) pair, or a function
#: of the event as it is about to be committed, for a publisher that must remember the id the
#: event gets (a live data provider, to complete or take back that goal later).
Progress = tuple[str, str] | Callable[[MatchEvent], tuple[str, str]]


@dataclass(slots=True)
class _MatchJson:
    """A match's JSON, kept for snapshots: each event's once (a timeline only grows), the
    whole match's until the match changes. So a snapshot after a publish encodes one
    match's head again, never a timeline."""

    events: list[bytes] = field(default_factory=list)
    whole: bytes | None = None


class Broker:
    def __init__(self, store: Store | None = None, *, history: int = DEFAULTS.history) -> None:
        self.store: Store = store or MemoryStore()
        #: The store as several servers share it (Redis), or None (SQLite, memory).
        self.shared: SharedLog | None = self.store if isinstance(self.store, SharedLog) else None
        self.history = history
        self.log: deque[Frame] = deque(maxlen=history)
        self._load(self.store.load(history))
        #: Bumped when the epoch changes under a shared store: older streams end, and their
        #: clients come back for a snapshot of the new epoch.
        self.generation = 0
        #: A shared store: the number this server is appending now, and when that is done.
        self._landing: tuple[int, asyncio.Future[None]] | None = None
        self._wakeup = asyncio.Event()
        self._lock = asyncio.Lock()
        self.subscribers = 0  # streams open now (the stream endpoint counts them)
        self.departures = 0  # streams closed since start
        self.last_publish = 0.0  # monotonic time of the latest commit
        self.beats = 0  # heartbeats so far: a stream writes a ping when this moves
        self.ending = False  # shutting down: every stream says goodbye and ends

    def _load(self, loaded: Loaded) -> None:
        self.epoch = loaded.epoch
        self.seq = loaded.last_seq
        self.matches: dict[str, Match] = {m.id: m for m in loaded.matches}
        self.replies = Replies(loaded.replies, self.history)  # answers to keyed publishes
        self.log.clear()  # the same deque: streams hold it
        for ev in loaded.recent:
            self.log.append(self._frame(ev.seq, ev.kind, ev.match_id, ev.data))
        self._json: dict[str, _MatchJson] = {}
        #: (seq it covers, the unfiltered snapshot frame in pieces): shared by the streams
        #: that open between two events.
        self._snapshot_cache: tuple[int, tuple[bytes, ...]] = (-1, ())

    # --- ids ----------------------------------------------------------------------------
    def event_id(self, seq: int) -> str:
        return event_ids.event_id(self.epoch, seq)

    def parse_id(self, event_id: str | None) -> int | None:
        """The sequence of an id from this epoch, or None (another epoch, garbage...)."""
        return event_ids.parse_id(self.epoch, event_id)

    @property
    def last_event_id(self) -> str | None:
        return self.event_id(self.seq) if self.seq else None

    # --- publishing ---------------------------------------------------------------------
    async def add_match(
        self,
        spec: MatchIn,
        *,
        progress: tuple[str, str] | None = None,
        once: Once | None = None,
        new: bool = False,
        clock_rate: float = 1.0,
    ) -> Match:
        """Creates a match (or resets one with the same id, for a replay's new match day).

        ``new``: raise Conflict for an id that exists. ``once``: a keyed publish; a retry
        raises idempotency.Replayed (or KeyReused) before anything is done. ``clock_rate``:
        how fast its clock runs (``Match.clock_rate``): a replay's speed, 1 for live matches."""
        async with self._lock:
            for _ in range(PUBLISH_TRIES):
                self.replies.check(once)
                if new and spec.id in self.matches:
                    raise Conflict(f"a match with id {spec.id!r} already exists")
                match_id = spec.id or self._new_match_id(spec)
                kickoff = spec.kickoff or datetime.now(UTC)
                match = new_match(spec, match_id, kickoff, clock_rate=clock_rate)
                data = match.model_dump_json()
                if await self._commit("match_added", match, data, progress, once):
                    return match
            raise _too_busy()

    async def put_match(self, match: Match, *, progress: tuple[str, str] | None = None) -> Match:
        """Adds or replaces a match with its whole state (score, status, clock, timeline), as
        a live data provider first sees a match already under way: streamed as match_added,
        which viewers take in silently, so the goals it already has never notify."""
        async with self._lock:
            match = match.model_copy(deep=True)
            for _ in range(PUBLISH_TRIES):
                if await self._commit("match_added", match, match.model_dump_json(), progress):
                    return match
            raise _too_busy()

    async def publish(
        self,
        match_id: str,
        ev: EventIn,
        *,
        progress: Progress | None = None,
        once: Once | None = None,
    ) -> MatchEvent:
        """Applies and streams one event. Raises UnknownMatch, Conflict or ValueError.

        ``progress`` is stored with the event (see Store.append); ``once`` as in add_match."""
        async with self._lock:
            # Each try runs the rules on this server's copy as of its last event; on a shared
            # store a try that another server beat to the number is made again, caught up.
            for _ in range(PUBLISH_TRIES):
                # Under the lock: of two identical keyed requests, the second sees the first's.
                self.replies.check(once)
                current = self.matches.get(match_id)
                try:
                    if current is None:
                        raise UnknownMatch(match_id)
                    # Apply to a copy so a rejected event, or a failed store write, changes
                    # nothing.
                    match = current.model_copy(deep=False)
                    match.events = list(current.events)
                    out = apply_event(match, ev, self.event_id(self.seq + 1))
                except (UnknownMatch, ValueError):  # ValueError: Conflict, a bad event
                    # On a shared store this server's copy may lag a moment behind (a match
                    # just created, a kick-off just published through another server): the
                    # refusal stands once nothing newer is there.
                    if await self._news():
                        continue
                    raise
                out.at = datetime.now(UTC).replace(microsecond=0)
                stored = progress(out) if callable(progress) else progress
                if await self._commit(out.type, match, out.model_dump_json(), stored, once):
                    return out
            raise _too_busy()

    def progress(self, key: str) -> str | None:
        return self.store.progress(key)

    async def _commit(
        self,
        kind: str,
        match: Match,
        data: str,
        progress: tuple[str, str] | None = None,
        once: Once | None = None,
    ) -> bool:
        """Stores and streams the next event; False when a shared store refused it because
        this server was behind (it has caught up since: run the rules again)."""
        seq, epoch = self.seq + 1, self.epoch
        reply = once.reply(seq, self.event_id(seq), data) if once else None
        event = StoredEvent(seq, kind, match.id, data)
        try:
            if self.shared is None:
                await self.store.append(event, match, progress, reply)
            else:
                self._landing = (seq, asyncio.get_running_loop().create_future())
                try:
                    # An event other servers cannot rebuild from its data carries the state.
                    state = not folds(kind)
                    await self.shared.append(event, match, progress, reply, state=state)
                finally:
                    self._landing[1].set_result(None)
                    self._landing = None
        except Behind:
            await self.catch_up_store()
            return False
        except Stale:
            await self._check()
            return False
        except Answered as answered:  # the key was used through another server
            assert once is not None
            self.replies.answer(answered.reply, once)
        # A shared store's follower may have read the event back already (or a new epoch
        # may have begun) while the append was awaited.
        if epoch == self.epoch and seq == self.seq + 1:
            self._advance(seq, kind, match, data, reply)
        return True

    def _advance(
        self,
        seq: int,
        kind: str,
        match: Match,
        data: str,
        reply: StoredReply | None,
        wake: bool = True,
    ) -> None:
        self.seq = seq
        self.replies.add(reply, seq)
        self.matches[match.id] = match
        cached = self._json.get(match.id)
        if cached is not None:
            cached.whole = None
            if kind == "match_added" or not folds(kind):  # a timeline of its own
                del self._json[match.id]
        self.log.append(self._frame(seq, kind, match.id, data))
        self.last_publish = time.monotonic()
        if wake:
            self._wake()

    # --- following a shared store ---------------------------------------------------------
    @property
    def ready(self) -> bool:
        """Whether publishes can be stored now (a shared store may be unreachable)."""
        return self.shared is None or self.shared.problem is None

    @property
    def problem(self) -> str | None:
        return None if self.shared is None else self.shared.problem

    async def follow(self) -> None:
        """Takes in every event any server appends to a shared store, in order, without a
        gap, until cancelled; returns at once for a store of this server's own.

        One blocking read at a time from this server's last sequence number: what another
        server published reaches this server's subscribers by the same log as its own. While
        the store is unreachable, streams go on from this server's copy; once it is back,
        the log is checked (a restart, an epoch another server began) before reading on.
        """
        shared = self.shared
        if shared is None:
            return
        check, reload, pause = False, False, 0.0
        while True:
            try:
                if reload:
                    self._reset(await shared.reload())
                    reload = False
                if check:
                    await self._check()
                    check = False
                batch = await shared.read(self.seq, block=FOLLOW_BLOCK)
                pause = 0.0
                landing = self._landing
                if landing is not None and any(a.event.seq == landing[0] for a in batch):
                    # This server's own publish, read back before its answer came: the
                    # publish applies it a moment later and answers its scorer before the
                    # fan-out begins, as it does on a store of its own.
                    await asyncio.shield(landing[1])
                if batch:
                    self._apply(batch)
                else:  # quiet for a while: confirm the log is still the one followed
                    check = True
            except Stale:
                check = True
            except Trimmed as exc:
                log.warning("this server fell behind the kept history (%s): reloading", exc)
                reload = True
            except Unreachable:
                check = True
                pause = min(max(2 * pause, 0.05), 1.0)
                await asyncio.sleep(pause)

    async def catch_up_store(self) -> None:
        """Takes in, now, every event other servers appended since this server's last (a
        shared store; nothing to do otherwise). Raises Unreachable."""
        if self.shared is None:
            return
        try:
            self._apply(await self.shared.read_range(self.seq))
        except Trimmed:
            self._reset(await self.shared.reload())
        except Stale:
            await self._check()

    async def _news(self) -> bool:
        """Whether catching up with a shared store brought anything (False while the store
        is unreachable: this server's copy is all there is)."""
        if self.shared is None:
            return False
        before = (self.epoch, self.seq)
        with contextlib.suppress(Unreachable):
            await self.catch_up_store()
        return (self.epoch, self.seq) != before

    async def _check(self) -> None:
        assert self.shared is not None
        loaded = await self.shared.check(self.seq, self._seed)
        if loaded is not None:
            self._reset(loaded)

    def _seed(self) -> Seed:
        return Seed(list(self.matches.values()), self.replies.kept())

    def _reset(self, loaded: Loaded) -> None:
        """Starts over from what the store has: a new epoch ends every stream (its client
        comes back for a snapshot); a reload in the same epoch keeps the streams that can go
        on from the kept history."""
        if loaded.epoch == self.epoch and loaded.last_seq <= self.seq:
            return  # read before events this server has taken in since (two checks at once)
        if loaded.epoch != self.epoch:
            self.generation += 1
            log.info("following epoch %s from event %d", loaded.epoch, loaded.last_seq)
        self._load(loaded)
        self._wake()

    def _apply(self, batch: list[Appended]) -> None:
        """Events read back from a shared store, in order; those this server has (its own
        publishes) are skipped. Raises Trimmed on a gap, which the store's reads rule out."""
        applied = False
        for appended in batch:
            ev = appended.event
            if ev.seq <= self.seq:
                continue
            if ev.seq != self.seq + 1:
                raise Trimmed(f"event {self.seq + 1} is missing (got {ev.seq})")
            if appended.state is not None:
                match = Match.model_validate_json(appended.state)
            elif ev.kind == "match_added":
                match = Match.model_validate_json(ev.data)
            else:
                current = self.matches.get(ev.match_id)
                if current is None:
                    raise Trimmed(f"event {ev.seq} is for match {ev.match_id!r}, unknown here")
                match = current.model_copy(deep=False)
                match.events = list(current.events)
                fold(match, MatchEvent.model_validate_json(ev.data))
            self._advance(ev.seq, ev.kind, match, ev.data, appended.reply, wake=False)
            applied = True
        if applied:
            self._wake()

    def _wake(self) -> None:
        # Every waiting subscriber wakes at once; each then reads the log from its cursor.
        wakeup, self._wakeup = self._wakeup, asyncio.Event()
        wakeup.set()

    def heartbeat(self) -> None:
        """Has every idle stream write a ping comment (one timer for all of them)."""
        self.beats += 1
        self._wake()

    def end_streams(self) -> None:
        """Has every stream send what it still owes, then a farewell, and end."""
        self.ending = True
        self._wake()

    def _frame(self, seq: int, kind: str, match_id: str, data: str) -> Frame:
        match = self.matches.get(match_id)
        teams = (match.home.name, match.away.name) if match else None
        return Frame(seq, kind, match_id, data, encode(self.event_id(seq), kind, data), teams)

    def _new_match_id(self, spec: MatchIn) -> str:
        codes = spec.home.code and spec.away.code
        home, away = (spec.home.code, spec.away.code) if codes else (spec.home.name, spec.away.name)
        base = f"{home}-{away}".lower()
        base = "".join(c if c.isalnum() else "-" for c in base).strip("-")[:40] or "match"
        candidate, n = base, 1
        while candidate in self.matches:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    # --- reading ------------------------------------------------------------------------
    def snapshot(self, only: Collection[str] | None = None) -> Snapshot:
        matches = [m for m in self.matches.values() if not only or m.id in only]
        return Snapshot(matches=matches)

    def match_json(self, match: Match) -> bytes:
        """``match.model_dump_json()``, from what was encoded before: each event once, and the
        match's head again only after it changed."""
        cached = self._json.get(match.id)
        if cached is None:
            cached = self._json[match.id] = _MatchJson()
        events = match.events
        if len(cached.events) > len(events):  # not ours (a copy): start afresh
            cached.events.clear()
        if len(cached.events) < len(events):
            cached.events += [e.model_dump_json().encode() for e in events[len(cached.events) :]]
            cached.whole = None
        if cached.whole is None:
            # The head without its events ends with "}": the events go in as its last key,
            # where model_dump_json puts them (Match declares them last).
            head = match.model_dump_json(exclude={"events"}).encode()
            cached.whole = b"".join((head[:-1], b',"events":[', b",".join(cached.events), b"]}"))
        return cached.whole

    def matches_json(self, only: Collection[str] | None = None) -> list[bytes]:
        """The JSON of every match (or of those in ``only``), in the order they were added."""
        return [self.match_json(m) for m in self.matches.values() if not only or m.id in only]

    def resume_cursor(self, last_event_id: str | None) -> int | None:
        """Where a resuming client continues, or None when it needs a snapshot instead."""
        seq = self.parse_id(last_event_id)
        if seq is None or seq > self.seq:
            return None
        oldest_kept = self.log[0].seq if self.log else self.seq + 1
        # Replay is only exact if every event after ``seq`` is still in the log.
        return seq if seq + 1 >= oldest_kept else None

    def open(
        self, last_event_id: str | None, only: Collection[str] | None
    ) -> tuple[tuple[bytes, ...] | None, int]:
        """The opening frame (a snapshot, unless resuming) in pieces, and the cursor to stream
        from. The pieces joined are ``encode(id, "snapshot", snapshot(only) JSON)``; each
        match's piece is shared by every stream that opens before that match changes.

        Runs without awaiting, so no event can slip between the snapshot and the cursor.
        """
        cursor = self.resume_cursor(last_event_id)
        if cursor is not None:
            return None, cursor
        if not only and self._snapshot_cache[0] == self.seq:
            # A crowd connecting between two events shares one snapshot.
            return self._snapshot_cache[1], self.seq
        before, after = framing(self.last_event_id or f"{self.epoch}-0", "snapshot")
        pieces = [before + b'{"matches":[']
        for i, data in enumerate(self.matches_json(only)):
            if i:
                pieces.append(b",")
            pieces.append(data)
        pieces.append(b"]}" + after)
        frame = tuple(pieces)
        if not only:
            self._snapshot_cache = (self.seq, frame)
        return frame, self.seq

    def subscribe(
        self, last_event_id: str | None, only: Collection[str] | None, *, classic: bool = False
    ) -> AsyncGenerator[bytes, None]:
        """A stream's body: the retry hint and the snapshot (unless resuming), written in
        pieces of at most WRITE_CHUNK bytes, then every frame after it, live, until the
        subscriber goes away.

        The opening is decided now, not when the body is first read, so no event can slip
        between the snapshot and the cursor.
        """
        if self.shared is not None:
            seq = self.parse_id(last_event_id)
            if seq is not None and seq > self.seq:
                return self._frames_once_caught_up(seq, last_event_id, only, classic)
        opening, cursor = self.open(last_event_id, only)
        first = (RETRY_HINT, *opening) if opening is not None and not classic else (RETRY_HINT,)
        return self._frames(first, cursor, only, classic, self.generation)

    async def _frames_once_caught_up(
        self, seq: int, last_event_id: str | None, only: Collection[str] | None, classic: bool
    ) -> AsyncGenerator[bytes, None]:
        """A client resuming from an event this server has not read yet (the server it came
        from is ahead): wait a moment for it rather than send a snapshot older than what the
        client has. An id that never comes (made up) gets a snapshot after CATCH_UP_WAIT."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CATCH_UP_WAIT
        while self.seq < seq and not self.ending and (left := deadline - loop.time()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), left)
        opening, cursor = self.open(last_event_id, only)
        first = (RETRY_HINT, *opening) if opening is not None and not classic else (RETRY_HINT,)
        frames = self._frames(first, cursor, only, classic, self.generation)
        try:
            async for frame in frames:
                yield frame
        finally:
            await frames.aclose()

    def catch_up(
        self, last_event_id: str | None, only: Collection[str] | None, *, classic: bool = False
    ) -> tuple[int, Iterator[bytes]]:
        """What a stream sends at once (the retry hint, the snapshot or the events after
        ``last_event_id``) and nothing after it: a body of known length, for a client that
        cannot take an endless one (HTTP/1.0). Its length, and its bytes in pieces."""
        opening, cursor = self.open(last_event_id, only)
        pieces = [RETRY_HINT, *opening] if opening is not None and not classic else [RETRY_HINT]
        frames = list(itertools.islice(reversed(self.log), self.seq - cursor))
        frames.reverse()
        pieces += [
            f.classic() if classic else f.encoded
            for f in frames
            if (not only or f.match_id in only) and (not classic or f.in_classic)
        ]
        return sum(map(len, pieces)), in_chunks(pieces)

    async def _frames(
        self,
        first: Sequence[bytes],
        cursor: int,
        only: Collection[str] | None,
        classic: bool,
        generation: int,
    ) -> AsyncGenerator[bytes, None]:
        # One generator per stream, no layer around it: every frame of a fan-out passes
        # through here once per subscriber, so the common case (one new event) is short.
        self.subscribers += 1
        try:
            for piece in in_chunks(first):
                yield piece
            beats, log_ = self.beats, self.log
            while True:
                wakeup = self._wakeup
                if generation != self.generation:  # a new epoch: the cursor means nothing
                    yield farewell("the event history was reset")
                    return
                behind = self.seq - cursor
                if behind == 1 and log_:
                    frame = log_[-1]
                    cursor = frame.seq
                    if not classic:
                        if not only or frame.match_id in only:
                            yield frame.encoded
                    elif frame.in_classic and (not only or frame.match_id in only):
                        yield frame.classic()
                    continue
                if behind > 0:
                    if not log_ or log_[0].seq > cursor + 1:
                        log.info("dropping a subscriber %d events behind; it will resume", behind)
                        return
                    # The newest ``behind`` frames, read from the right end: walking the deque
                    # from the left would cost the whole history (10,000 frames) each time.
                    # Copied first: yielding may take a while and the deque moves on.
                    pending = list(itertools.islice(reversed(log_), behind))
                    pending.reverse()
                    cursor = pending[-1].seq
                    chunk = [
                        frame.classic() if classic else frame.encoded
                        for frame in pending
                        if (not only or frame.match_id in only)
                        and (not classic or frame.in_classic)
                    ]
                    # A backlog (a resume, a burst) goes out in few large writes, not one per
                    # event: the client reads it in far fewer pieces.
                    for i in range(0, len(chunk), BACKLOG_FRAMES):
                        part = chunk[i : i + BACKLOG_FRAMES]
                        yield part[0] if len(part) == 1 else b"".join(part)
                    continue
                if self.ending:
                    yield farewell()
                    return
                if self.beats != beats:
                    beats = self.beats
                    yield PING
                await wakeup.wait()
        finally:
            self.subscribers -= 1
            self.departures += 1

    async def close(self) -> None:
        await self.store.close()


def _too_busy() -> Unreachable:
    return Unreachable("other servers keep publishing first; try again", retry_after=1)


__all__ = ["Broker", "Conflict", "Progress", "UnknownMatch"]
