"""What the stream client delivers: typed, parsed stream items, and how to apply them.

Kept apart from the client so :mod:`desktop.stream.classic` can build them without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.state import Change, Scoreboard
from server.wire import Match, MatchEvent, Snapshot


@dataclass(frozen=True)
class SnapshotItem:
    """``event: snapshot``: the whole board; ``event_id`` is the last event it covers."""

    snapshot: Snapshot
    event_id: str | None


@dataclass(frozen=True)
class MatchAddedItem:
    """``event: match_added``: a new match, or a replacement for one with that id."""

    match: Match
    event_id: str | None


@dataclass(frozen=True)
class EventItem:
    """A match event (goal, card, clock...)."""

    event: MatchEvent
    event_id: str | None


StreamItem = SnapshotItem | MatchAddedItem | EventItem


def apply_item(board: Scoreboard, item: StreamItem) -> list[Change]:
    """Applies one stream item to a scoreboard and returns its changes."""
    if isinstance(item, SnapshotItem):
        return board.apply_snapshot(item.snapshot, item.event_id)
    if isinstance(item, MatchAddedItem):
        return board.apply_match(item.match, item.event_id)
    return board.apply_event(item.event, item.event_id)
