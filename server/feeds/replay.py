"""Replays a feed through a publisher as if its matches were being played now.

The whole matchday is planned up front (:func:`plan`): each match's events are placed in
match time by :mod:`server.feeds.timing` (with a ``clock`` tick per match minute while the
ball is in play), kick-off slots are laid out in wall time, and everything is merged into one
sorted list that a single loop walks, sleeping on the monotonic clock until each step is due.

Wall time is match time divided by ``speed`` (1 = real time, 30 = a 90-minute match in 3
minutes). Matches that kick off together play together; a later slot keeps its true offset
from the one before while some match is still being played, but an idle stretch with no
match live is cut to ``gap`` seconds. The first slot starts ``start_delay`` seconds in, so
viewers see the matches scheduled first. Every match is added at the start with its kick-off
moved to the wall-clock time (UTC) at which the replay will kick it off; a match without
events (a fixture without a result) keeps its real kick-off and stays scheduled.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from server.config import DEFAULTS
from server.feeds import Feed
from server.wire import EventIn, Match, MatchEvent, MatchIn

log = logging.getLogger(__name__)

#: Defaults for start_delay, gap and pause: (match minutes, at most this many seconds), so
#: they are a few seconds at ordinary speeds and next to nothing at speed 100000.
START_DELAY = (10.0, 10.0)
GAP = (5.0, 5.0)
PAUSE = (30.0, 30.0)


def _default(value: float | None, default: tuple[float, float], speed: float) -> float:
    if value is not None:
        return value
    minutes, cap = default
    return min(cap, minutes * 60 / speed)


Progress = tuple[str, str]


class Publisher(Protocol):
    """What the replay needs from the broker.

    ``progress`` is stored atomically with the event it comes with, and read back with
    ``progress(key)``: that is how a replay on a durable store resumes after a restart (even
    after ``kill -9``) exactly where it stopped, repeating and skipping nothing.
    """

    async def add_match(
        self, match: MatchIn, *, progress: Progress | None = None, clock_rate: float = 1.0
    ) -> Match: ...

    async def publish(
        self, match_id: str, ev: EventIn, *, progress: Progress | None = None
    ) -> MatchEvent: ...

    def progress(self, key: str) -> str | None: ...


@dataclass(frozen=True)
class Step:
    """Publish ``event`` to ``match`` at ``at`` seconds after the matchday starts."""

    at: float
    match: str
    event: EventIn


@dataclass(frozen=True)
class Matchday:
    #: Kick-off of each played match, in seconds after the start.
    kickoffs: dict[str, float]
    #: Every event of the day in the order it is published.
    steps: list[Step]

    @property
    def length(self) -> float:
        """Seconds from the start until the last match ends."""
        return self.steps[-1].at if self.steps else 0.0


def plan(feed: Feed, *, speed: float, start_delay: float, gap: float) -> Matchday:
    """Lays out one matchday of ``feed`` in wall-clock seconds."""
    if speed <= 0:
        raise ValueError("speed must be positive")
    timelines = feed.timelines()
    slots: dict[datetime, list[str]] = defaultdict(list)
    for m in feed.matches:
        if m.id and m.kickoff and timelines[m.id]:
            slots[m.kickoff].append(m.id)
    kickoffs: dict[str, float] = {}
    previous: tuple[datetime, float] | None = None
    live_until = 0.0  # when the last match kicked off so far ends
    for kickoff in sorted(slots):
        if previous is None:
            at = start_delay
        else:
            true_offset = previous[1] + (kickoff - previous[0]).total_seconds() / speed
            at = min(true_offset, live_until + gap)
        for match_id in slots[kickoff]:
            kickoffs[match_id] = at
            live_until = max(live_until, at + timelines[match_id][-1].at * 60 / speed)
        previous = (kickoff, at)
    steps = [
        Step(kickoffs[match_id] + t.at * 60 / speed, match_id, t.event)
        for match_id in kickoffs
        for t in timelines[match_id]
    ]
    # In match minutes, rounded: steps at the same moment of two matches whose kick-offs are
    # apart sort the same at every speed (seconds differ in their last bits), and the sort is
    # stable, so each match keeps its own order.
    steps.sort(key=lambda s: round(s.at * speed / 60, 6))
    return Matchday(kickoffs, steps)


async def replay(
    feed: Feed,
    publisher: Publisher,
    *,
    speed: float = DEFAULTS.speed,
    loop: bool = False,
    start_delay: float | None = None,
    gap: float | None = None,
    pause: float | None = None,
    head_start: float = 0.0,
) -> None:
    """Plays ``feed`` through ``publisher``; with ``loop``, starts over ``pause`` seconds after
    the last match ends (re-adding every match resets it). Cancel the task to stop it.

    ``start_delay``, ``gap`` and ``pause`` are in wall seconds; left out, they are 10, 5 and
    30 match minutes at ``speed``, capped at 10, 5 and 30 seconds. ``head_start``: the first
    matchday begins this many match minutes after its first kick-off, what came before
    published at once (kick-offs in the past), so a feed with staggered kick-offs opens with
    matches finished, at half time and under way at different minutes, and some to come.
    """
    if speed <= 0:
        raise ValueError("speed must be positive")
    start_delay = _default(start_delay, START_DELAY, speed)
    gap, pause = _default(gap, GAP, speed), _default(pause, PAUSE, speed)
    day = plan(feed, speed=speed, start_delay=start_delay, gap=gap)
    clock = asyncio.get_running_loop()
    log.info(
        "replaying %s: %d matches, %d events, about %.0f s per matchday at speed %g",
        feed.name,
        len(feed.matches),
        len(day.steps),
        day.length,
        speed,
    )
    key = progress_key(feed)
    day_number, done = _parse_progress(publisher.progress(key))
    # Wall seconds of the first matchday already behind us when it begins (none on a resume).
    ahead = start_delay + head_start * 60 / speed if head_start > 0 and done is None else 0.0
    if done is not None and done >= len(day.steps):  # that matchday was over
        if not loop or not day.steps:
            log.info("replay: %s already played to the end", feed.name)
            return
        day_number, done = day_number + 1, None
    while True:
        now = datetime.now(UTC)
        if done is None:  # a new matchday: (re)add every match, which resets it
            start, done = clock.time() - ahead, 0
            for i, m in enumerate(feed.matches):
                if m.id in day.kickoffs:
                    kickoff = now + timedelta(seconds=day.kickoffs[m.id] - ahead)
                    m = m.model_copy(update={"kickoff": kickoff})
                last = i == len(feed.matches) - 1
                # Its clock runs at the replay's speed: clients tick the minute on at that rate.
                progress = (key, f"{day_number}:0") if last else None
                await _safely(
                    publisher.add_match(m, progress=progress, clock_rate=speed),
                    m.id,
                )
        else:  # resuming: carry on from the last step published, as if no time had passed
            log.info("replay: resuming %s at event %d of %d", feed.name, done, len(day.steps))
            start = clock.time() - (day.steps[done - 1].at if done else 0.0)
        for index in range(done, len(day.steps)):
            step = day.steps[index]
            delay = start + step.at - clock.time()
            # Even when behind schedule, let the server breathe between events.
            await asyncio.sleep(max(delay, 0.0))
            progress = (key, f"{day_number}:{index + 1}")
            await _safely(
                publisher.publish(step.match, step.event, progress=progress),
                f"{step.match} {step.event.type}",
            )
        if not loop or not day.steps:
            return
        await asyncio.sleep(pause)
        day_number, done, ahead = day_number + 1, None, 0.0


def progress_key(feed: Feed) -> str:
    """The key the replay of ``feed`` stores its progress under (and, with several servers
    on one store, the name of the lease that lets one of them replay it)."""
    return f"replay:{feed.name}"


def _parse_progress(value: str | None) -> tuple[int, int | None]:
    """``"day:done"`` as stored with each step; (1, None) when nothing was played yet."""
    day, _, done = (value or "").partition(":")
    if not (day.isdigit() and done.isdigit()):
        return 1, None
    return int(day), int(done)


async def _safely(call: Awaitable[object], what: object) -> None:
    """Awaits ``call``, logging a refusal of ``what`` (a match id, an event) instead of raising."""
    try:
        await call
    except (ValueError, LookupError) as exc:  # Conflict, a bad event, an unknown match
        # Someone else (a live scorer on the publish API) may have changed the match.
        log.warning("replay: %s refused: %s", what, exc)
