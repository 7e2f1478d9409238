"""The viewer's scoreboard: every match as the stream last described it. Plain Python, no Qt.

Feed it with :meth:`Scoreboard.apply_snapshot`, :meth:`Scoreboard.apply_match` and
:meth:`Scoreboard.apply_event`; each returns the list of :class:`Change` it caused.

Listening (both ways work, use one):

* every ``apply_*`` returns its changes, in order; and
* ``unsubscribe = board.subscribe(callback)`` calls ``callback(change)`` for each change, in
  the same order, synchronously inside ``apply_*``.

Bursts: ``with board.batch(): ...`` marks a run of ``apply_*`` calls with no turn of the event
loop in between (the stream client wraps what it delivers between two yields in one). Changes
are still delivered one by one as they happen; a listener that only redraws can check
``board.in_batch`` and redraw each thing once in its ``board.on_batch_end(callback)``.

The scoreboard is updated *incrementally*: when a change is delivered, ``board.matches``
already reflects it and every change before it, and nothing after it. An ``added`` match is
always appended at the end of ``board.matches`` (so its row is ``len(board.matches) - 1``);
``removed`` means it is already gone, so a Qt model keeps its own list of row ids to find the
row to remove. ``Change.fields`` names the :class:`~server.wire.Match` attributes that changed
(``competition``, ``round``, ``home``, ``away``, ``kickoff``, ``status``, ``minute``,
``added``, ``score``, ``penalties``, ``events``, ``clock_rate``); it is every field for
``added`` and ``removed``.

A snapshot after a reconnect is diffed against what is shown: unchanged matches produce
nothing, changed ones one ``updated`` with precisely the changed fields, so a view keeps its
selection and never resets.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from server.wire import Match, MatchEvent, Score, Snapshot
from server.wire_text import goal_text

log = logging.getLogger(__name__)

ChangeKind = Literal["added", "updated", "removed"]

#: The Match attributes a change can name, in display order.
MATCH_FIELDS: tuple[str, ...] = (
    "competition",
    "round",
    "home",
    "away",
    "kickoff",
    "status",
    "minute",
    "added",
    "score",
    "penalties",
    "events",
    "clock_rate",
)
ALL_FIELDS = frozenset(MATCH_FIELDS)

#: Statuses in which a match is being played (including its breaks and the shoot-out).
LIVE_STATUSES = frozenset({"live", "half_time", "extra_time", "penalties"})
#: Card kinds that send a player off.
SENDING_OFF = frozenset({"red", "second_yellow"})


@dataclass(frozen=True)
class Change:
    """One thing that changed on the scoreboard.

    ``event`` is the stream event that caused it (None for snapshots and match_added).
    """

    kind: ChangeKind
    match_id: str
    event: MatchEvent | None = None
    fields: frozenset[str] = ALL_FIELDS


Listener = Callable[[Change], None]


def is_live(match: Match) -> bool:
    """Whether the match is under way (in play, at a break, or in a shoot-out)."""
    return match.status in LIVE_STATUSES


def red_cards(match: Match) -> tuple[int, int]:
    """Players sent off as ``(home, away)``: red cards plus second yellows."""
    home = away = 0
    for ev in match.events:
        if ev.type == "card" and ev.card in SENDING_OFF:
            if ev.team == "home":
                home += 1
            elif ev.team == "away":
                away += 1
    return home, away


def _diff(old: Match, new: Match) -> frozenset[str]:
    return frozenset(f for f in MATCH_FIELDS if getattr(old, f) != getattr(new, f))


def _points(score: Score | None) -> tuple[int, int] | None:
    return None if score is None else (score.home, score.away)


def _assign(match: Match, name: str, value: object, changed: list[str]) -> None:
    if getattr(match, name) != value:
        setattr(match, name, value)
        changed.append(name)


class Scoreboard:
    """Matches in order of first appearance, keyed by id, plus the last stream id covered."""

    def __init__(self) -> None:
        self.matches: dict[str, Match] = {}
        self.last_event_id: str | None = None
        self._listeners: list[Listener] = []
        self._event_ids: dict[str, set[str]] = {}  # per match, built when first needed
        self._batch_depth = 0
        self._batch_listeners: list[Callable[[], None]] = []

    # --- listening ---------------------------------------------------------------------

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Calls ``callback(change)`` for every change; returns a function that unsubscribes."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def _emit(self, change: Change, out: list[Change]) -> None:
        out.append(change)
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:  # one broken view must not stop the stream
                log.exception("scoreboard listener failed on %s", change)

    def on_batch_end(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Calls ``callback()`` when the outermost :meth:`batch` ends; returns an unsubscriber."""
        self._batch_listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._batch_listeners:
                self._batch_listeners.remove(callback)

        return unsubscribe

    @property
    def in_batch(self) -> bool:
        return self._batch_depth > 0

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """A burst of ``apply_*`` calls; see the module docstring."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if not self._batch_depth:
                for callback in list(self._batch_listeners):
                    try:
                        callback()
                    except Exception:
                        log.exception("scoreboard batch listener failed")

    # --- feeding -----------------------------------------------------------------------

    def apply_snapshot(self, snapshot: Snapshot, event_id: str | None = None) -> list[Change]:
        """Makes the board equal to ``snapshot``: removed, then updated/added in its order."""
        out: list[Change] = []
        wanted = {m.id for m in snapshot.matches}
        for match_id in [mid for mid in self.matches if mid not in wanted]:
            del self.matches[match_id]
            self._event_ids.pop(match_id, None)
            self._emit(Change("removed", match_id), out)
        for match in snapshot.matches:
            self._put(match, out)
        if event_id is not None:
            self.last_event_id = event_id
        return out

    def apply_match(self, match: Match, event_id: str | None = None) -> list[Change]:
        """A ``match_added``: adds the match, or replaces the one with that id."""
        out: list[Change] = []
        self._put(match, out)
        if event_id is not None:
            self.last_event_id = event_id
        return out

    def apply_event(self, ev: MatchEvent, event_id: str | None = None) -> list[Change]:
        """Applies one match event; ``[]`` for a duplicate or an unknown match.

        Score, status, penalties, minute and added are taken from the event (the server
        computed them). ``clock`` only moves the minute and is not kept in the timeline.
        ``goal_update`` rewrites the goal it ``updates`` in place (see :meth:`_update_goal`).
        ``event_id`` (the stream id) defaults to ``ev.id``. Constant time: a catch-up
        applies thousands of these in a row (a goal_update looks for its goal from the newest
        event back, where a goal a poll old is).
        """
        self.last_event_id = event_id if event_id is not None else ev.id
        match = self.matches.get(ev.match)
        if match is None:
            log.info("ignoring %s event %s for unknown match %r", ev.type, ev.id, ev.match)
            return []
        changed: list[str] = []
        if ev.type == "clock":
            if match.status in ("live", "extra_time") and ev.minute is not None:
                _assign(match, "minute", ev.minute, changed)
                _assign(match, "added", ev.added, changed)
        elif ev.type == "goal_update":
            if self._update_goal(match, ev):
                changed.append("events")
        else:
            seen = self._event_ids.get(match.id)
            if seen is None:
                seen = self._event_ids[match.id] = {e.id for e in match.events}
            if ev.id in seen:
                return []
            seen.add(ev.id)
            match.events.append(ev)  # the board's own copy of the match (see _put)
            changed.append("events")
            if _points(match.score) != _points(ev.score):
                match.score = ev.score.model_copy()
                changed.append("score")
            _assign(match, "status", ev.status, changed)
            if _points(match.penalties) != _points(ev.penalties):
                match.penalties = ev.penalties.model_copy() if ev.penalties else None
                changed.append("penalties")
            # As on the server: the shoot-out stops the clock where extra time ended.
            if ev.status != "penalties":
                _assign(match, "minute", ev.minute, changed)
                _assign(match, "added", ev.added, changed)
        if not changed:
            return []
        out: list[Change] = []
        self._emit(Change("updated", match.id, ev, frozenset(changed)), out)
        return out

    @staticmethod
    def _update_goal(match: Match, ev: MatchEvent) -> bool:
        """Completes goal ``ev.updates`` with the update's detail, as the server did in its
        timeline, so a later snapshot of that match diffs as unchanged. Score, status and
        clock stay: the goal was counted when it came. False (and logged) when there is no
        such goal here or nothing changed."""
        index = next(
            (i for i in range(len(match.events) - 1, -1, -1) if match.events[i].id == ev.updates),
            None,
        )
        if index is None or match.events[index].type != "goal":
            log.info("ignoring goal_update %s: no goal %r in match %r", ev.id, ev.updates, ev.match)
            return False
        goal = match.events[index]
        detail = {
            "player": ev.player,
            "minute": ev.minute,
            "added": ev.added,
            "penalty": ev.penalty,
            "own_goal": ev.own_goal,
        }
        updated = goal.model_copy(update=detail)
        # The server rewrites the line it wrote for the goal; a publisher's own text stays.
        if goal.text == goal_text(match, goal):
            updated.text = goal_text(match, updated)
        if updated == goal:
            return False
        match.events[index] = updated  # the board's own copy of the match (see _put)
        return True

    def _put(self, match: Match, out: list[Change]) -> None:
        new = match.model_copy(deep=True)
        old = self.matches.get(match.id)
        self.matches[match.id] = new  # replacing a key keeps its position
        self._event_ids.pop(match.id, None)
        if old is None:
            self._emit(Change("added", match.id), out)
        elif fields := _diff(old, new):
            self._emit(Change("updated", match.id, None, fields), out)

    def clear(self) -> list[Change]:
        """Removes every match (e.g. when switching servers)."""
        out: list[Change] = []
        for match_id in list(self.matches):
            del self.matches[match_id]
            self._emit(Change("removed", match_id), out)
        self._event_ids.clear()
        self.last_event_id = None
        return out
