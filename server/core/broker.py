"""The broker: numbers events, keeps the bounded history, applies events to match state and
fans them out. Feed replay and the publish API are both just publishers of this class.

Fan-out is a shared log read by cursor, not a queue per subscriber: each event is encoded
into its SSE frame once, appended to one bounded deque, and every subscriber walks that deque
from its own position. A subscriber costs a cursor and a waiter, never a copy of the backlog.
"""

from __future__ import annotations

import asyncio
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
from server.core.match_state import Conflict, apply_event
from server.store.base import Store, StoredEvent
from server.store.memory import MemoryStore
from server.wire import EventIn, Match, MatchEvent, MatchIn, Snapshot

log = logging.getLogger("touchline.broker")


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
        self.history = history
        loaded = self.store.load(history)
        self.epoch = loaded.epoch
        self.seq = loaded.last_seq
        self.matches: dict[str, Match] = {m.id: m for m in loaded.matches}
        self.replies = Replies(loaded.replies, history)  # answers to keyed publishes
        self.log: deque[Frame] = deque(maxlen=history)
        for ev in loaded.recent:
            self.log.append(self._frame(ev.seq, ev.kind, ev.match_id, ev.data))
        self._wakeup = asyncio.Event()
        self._lock = asyncio.Lock()
        self.subscribers = 0  # streams open now (the stream endpoint counts them)
        self.departures = 0  # streams closed since start
        self.last_publish = 0.0  # monotonic time of the latest commit
        self.beats = 0  # heartbeats so far: a stream writes a ping when this moves
        self.ending = False  # shutting down: every stream says goodbye and ends
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
    ) -> Match:
        """Creates a match (or resets one with the same id, for a replay's new match day).

        ``new``: raise Conflict for an id that exists. ``once``: a keyed publish; a retry
        raises idempotency.Replayed (or KeyReused) before anything is done."""
        async with self._lock:
            self.replies.check(once)
            if new and spec.id in self.matches:
                raise Conflict(f"a match with id {spec.id!r} already exists")
            match_id = spec.id or self._new_match_id(spec)
            match = Match(
                id=match_id,
                competition=spec.competition,
                round=spec.round,
                home=spec.home,
                away=spec.away,
                kickoff=spec.kickoff or datetime.now(UTC),
            )
            await self._commit("match_added", match, match.model_dump_json(), progress, once)
            return match

    async def put_match(self, match: Match, *, progress: tuple[str, str] | None = None) -> Match:
        """Adds or replaces a match with its whole state (score, status, clock, timeline), as
        a live data provider first sees a match already under way: streamed as match_added,
        which viewers take in silently, so the goals it already has never notify."""
        async with self._lock:
            match = match.model_copy(deep=True)
            await self._commit("match_added", match, match.model_dump_json(), progress)
            return match

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
            # Under the lock: of two identical keyed requests, the second sees the first's.
            self.replies.check(once)
            current = self.matches.get(match_id)
            if current is None:
                raise UnknownMatch(match_id)
            # Apply to a copy so a rejected event, or a failed store write, changes nothing.
            match = current.model_copy(deep=False)
            match.events = list(current.events)
            out = apply_event(match, ev, self.event_id(self.seq + 1))
            out.at = datetime.now(UTC).replace(microsecond=0)
            if callable(progress):
                progress = progress(out)
            await self._commit(out.type, match, out.model_dump_json(), progress, once)
            return out

    def progress(self, key: str) -> str | None:
        return self.store.progress(key)

    async def _commit(
        self,
        kind: str,
        match: Match,
        data: str,
        progress: tuple[str, str] | None = None,
        once: Once | None = None,
    ) -> None:
        seq = self.seq + 1
        reply = once.reply(seq, self.event_id(seq), data) if once else None
        await self.store.append(StoredEvent(seq, kind, match.id, data), match, progress, reply)
        self.seq = seq
        self.replies.add(reply, seq)
        self.matches[match.id] = match
        cached = self._json.get(match.id)
        if cached is not None:
            cached.whole = None
            if kind == "match_added":  # (re)added: a timeline of its own
                del self._json[match.id]
        self.log.append(self._frame(seq, kind, match.id, data))
        self.last_publish = time.monotonic()
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
        return Frame(seq, kind, match_id, data, encode(self.event_id(seq), kind, data))

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
        opening, cursor = self.open(last_event_id, only)
        first = (RETRY_HINT, *opening) if opening is not None and not classic else (RETRY_HINT,)
        return self._frames(first, cursor, only, classic)

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
            f.classic() if classic else f.encoded for f in frames if not only or f.match_id in only
        ]
        return sum(map(len, pieces)), in_chunks(pieces)

    async def _frames(
        self, first: Sequence[bytes], cursor: int, only: Collection[str] | None, classic: bool
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
                behind = self.seq - cursor
                if behind == 1 and log_:
                    frame = log_[-1]
                    cursor = frame.seq
                    if not only or frame.match_id in only:
                        yield frame.classic() if classic else frame.encoded
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
                        if not only or frame.match_id in only
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


__all__ = ["Broker", "Conflict", "Progress", "UnknownMatch"]
