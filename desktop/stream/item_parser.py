"""How one dispatched SSE event becomes stream items. Plain Python, no Qt.

Named events are Touchline's protocol (``snapshot``, ``match_added``, a match event type);
unnamed ``message`` events are the article's classic format, which
:mod:`desktop.stream.classic` turns
into the same items. Events with empty data carry nothing and are skipped; a malformed or
unknown event is logged and skipped, so the stream goes on.
"""

from __future__ import annotations

import logging
from typing import get_args

from pydantic import ValidationError

from desktop.core.items import EventItem, MatchAddedItem, SnapshotItem, StreamItem
from desktop.stream.classic import ClassicAdapter
from server.wire import EVENT_TYPES, Match, MatchEvent, Snapshot, UpdateType

log = logging.getLogger("touchline.stream")

#: Every named event that carries a MatchEvent: the timeline's types and goal_update.
MATCH_EVENT_TYPES = frozenset((*EVENT_TYPES, *get_args(UpdateType)))


class ItemParser:
    """Parses the events of one stream; the classic adapter's state spans its connections."""

    def __init__(self) -> None:
        self._classic = ClassicAdapter()

    def new_connection(self) -> None:
        """Call when a connection opens (classic ids count repeats per connection)."""
        self._classic.new_connection()

    def parse(self, name: str, data: str | None, event_id: str | None) -> list[StreamItem]:
        """The items event ``name`` with ``data`` carries; none if it is empty or bad (logged)."""
        if not data:  # None: no event, only the id moved; "": an event that carries nothing
            return []
        try:
            return self._parse(name, data, event_id)
        except (ValidationError, ValueError) as exc:
            log.warning("skipping malformed %r event %s: %s", name, event_id, exc)
            return []

    def _parse(self, name: str, data: str, event_id: str | None) -> list[StreamItem]:
        if name == "snapshot":
            return [SnapshotItem(Snapshot.model_validate_json(data), event_id)]
        if name == "match_added":
            return [MatchAddedItem(Match.model_validate_json(data), event_id)]
        if name in MATCH_EVENT_TYPES:
            ev = MatchEvent.model_validate_json(data)
            if ev.type != name:
                raise ValueError(f"event named {name!r} carries a {ev.type!r} event")
            return [EventItem(ev, event_id)]
        if name == "message":
            return list(self._classic.feed(data))
        log.warning("skipping unknown event %r (id %s)", name, event_id)
        return []
