"""Feed and FeedEvent, and the load-time check that the broker would accept every event."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from server.core.match_state import new_match
from server.feeds.errors import FeedError
from server.feeds.timing import Timed, TimelineError, timeline
from server.wire import EventIn, Match, MatchIn
from server.wire_text import format_minute


@dataclass(frozen=True)
class FeedEvent:
    """One event of a feed: the match it belongs to and what happens."""

    match: str
    event: EventIn


@dataclass
class Feed:
    """A loaded feed: its matches (``id`` and ``kickoff`` always set) and their events.

    ``events`` holds each match's events in the order they happen; events of different
    matches may interleave. ``warnings`` lists what the loader had to reconcile (e.g. an
    openfootball goal list that disagrees with the score), for the server to log.
    """

    name: str
    matches: list[MatchIn]
    events: list[FeedEvent]
    warnings: list[str] = field(default_factory=list)

    def events_of(self, match_id: str) -> list[EventIn]:
        return [fe.event for fe in self.events if fe.match == match_id]

    def timelines(self, *, ticks: bool = True) -> dict[str, list[Timed]]:
        """Each match's events placed in match time (see :mod:`server.feeds.timing`)."""
        by_match: dict[str, list[EventIn]] = defaultdict(list)
        for fe in self.events:
            by_match[fe.match].append(fe.event)
        return {
            m.id: timeline(scratch_match(m), by_match.get(m.id, []), ticks=ticks)
            for m in self.matches
            if m.id
        }


def scratch_match(m: MatchIn, *, clock_rate: float = 1.0) -> Match:
    """A fresh Match for ``m`` (a feed's: its id and kick-off are set), as the broker makes it."""
    assert m.id is not None and m.kickoff is not None
    return new_match(m, m.id, m.kickoff, clock_rate=clock_rate)


def build_feed(
    path: str,
    name: str,
    matches: list[tuple[str, MatchIn]],
    events: list[tuple[str, FeedEvent]],
    warnings: list[str] | None = None,
) -> Feed:
    """Checks ids and plays every match's events on a scratch match.

    ``matches`` and ``events`` pair each item with where it came from in the file
    (``matches[3]``, ``events[12]``), which is what a FeedError then names.
    """
    seen: dict[str, str] = {}
    for where, m in matches:
        if m.id is None or m.kickoff is None:
            raise FeedError(path, where, "a match needs an id and a kickoff")
        if m.id in seen:
            raise FeedError(path, where, f"duplicate match id '{m.id}' (also {seen[m.id]})")
        seen[m.id] = where
    by_match: dict[str, list[tuple[str, EventIn]]] = defaultdict(list)
    for where, fe in events:
        if fe.match not in seen:
            raise FeedError(path, where, f"unknown match '{fe.match}'")
        by_match[fe.match].append((where, fe.event))
    for _, m in matches:
        entries = by_match.get(m.id or "", [])
        try:
            timeline(scratch_match(m), [ev for _, ev in entries], ticks=False)
        except TimelineError as exc:
            where, ev = entries[exc.index]
            raise FeedError(path, where, f"{_describe(ev)}: {exc}") from None
    return Feed(
        name=name,
        matches=[m for _, m in matches],
        events=[fe for _, fe in events],
        warnings=list(warnings or []),
    )


def _describe(ev: EventIn) -> str:
    return ev.type if ev.minute is None else f"{ev.type} at {format_minute(ev.minute, ev.added)}"
