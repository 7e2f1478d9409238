"""The minute a live match is in *now*: the clock runs on between events. Plain Python, no Qt.

A live scorer sends an event now and then, not a tick a minute, so a minute taken only from
events stood still (``35'`` for two minutes of wall time). Here each match in play keeps an
anchor, where its clock stood and when, set by every event (clock ticks included: each event
corrects the clock), and the minute shown is the anchor's run on by the wall time since,
times the match's ``clock_rate`` (a replay plays faster than real time; the server says how
much faster, see ``server.wire.Match``).

Minutes read as the server's match rules and clock ticks have them (server/feeds/timing.py):
a period starts at its whistle (kick-off ``0'``, second half ``46'``, extra time ``91'`` and
``106'``), minute ``m`` of a period comes ``m - base`` minutes after that whistle (base 0, 45,
90, 105), and once play runs past the period's last minute (45, 90, 105, 120) the minute
stays there and the added time counts: ``45+2'``. Breaks, the shoot-out and full time stop
the clock (their status says so: ``HT``, ``Pens``, ``FT``).

Where the anchor's time comes from: an event that arrives as it happens is anchored at the
moment it arrived; one from history (a snapshot, a catch-up after a reconnect) at the time the
server published it (``MatchEvent.at``, second precision), moved onto the viewer's clock by the
skew between the two clocks (from the stream's ``Date`` header). Never later than the arrival:
a clock that runs a little late is corrected by the next tick, one that ran early would jump
back.

:meth:`MatchClocks.advance` moves every shown minute on at once, and it is the only thing that
does between events, so the scoreboard and the tray, which both read :meth:`MatchClocks.shown`,
always show the same minute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from desktop.core.state import Change, Scoreboard
from server.wire import Match, MatchEvent, Status

#: (first minute, last minute, base) of each period, as on the server (server/feeds/timing.py).
PERIODS = ((0, 45, 0), (46, 90, 45), (91, 105, 90), (106, 120, 105))
#: The most added time a period shows (the wire format's limit): a match whose end was never
#: published does not run on for ever.
MAX_ADDED = 30
#: The whistles that start a period: the period starts when they come, whatever their minute.
PERIOD_STARTS = frozenset({"kickoff", "second_half", "extra_time"})
#: ``MatchEvent.at`` has whole seconds: the event may have been published up to this much later.
AT_PRECISION = timedelta(seconds=1)

Minute = tuple[int | None, int | None]


def period_of(status: Status, minute: int | None) -> int | None:
    """The period being played, or None when the clock is stopped (not started, a break,
    the shoot-out, full time)."""
    if status == "live":
        return 0 if (minute or 0) <= PERIODS[0][1] else 1
    if status == "extra_time":
        return 2 if (minute or 0) <= PERIODS[2][1] else 3
    return None


def position(period: int, minute: int | None, added: int | None) -> float:
    """Match minutes since the period's whistle at ``minute`` (+``added``)."""
    _, _, base = PERIODS[period]
    return max(0.0, float((minute or 0) - base + (added or 0)))


def minute_at(period: int, elapsed: float) -> tuple[int, int | None]:
    """The minute shown ``elapsed`` match minutes after the period's whistle."""
    first, last, base = PERIODS[period]
    minute = base + int(elapsed)
    if minute < first:
        return first, None
    if minute <= last:
        return minute, None
    return last, min(minute - last, MAX_ADDED)


def _order(shown: Minute) -> tuple[int, int]:
    return shown[0] or 0, shown[1] or 0


@dataclass(frozen=True)
class Anchor:
    """Where a match's clock stood (``elapsed`` minutes into ``period``) at ``at``; it never
    shows less than ``floor`` (the minute the server last said)."""

    period: int
    elapsed: float
    at: datetime
    rate: float
    floor: Minute

    def shown(self, now: datetime) -> Minute:
        run = max(0.0, (now - self.at).total_seconds()) * self.rate / 60
        here = minute_at(self.period, self.elapsed + run)
        return max(here, self.floor, key=_order)


class MatchClocks:
    """The running minute of every match on a scoreboard (see the module docstring).

    Subscribe it to the board before anything that draws a minute, so a change has moved the
    clock on before the views ask for it::

        clocks = MatchClocks(board)           # subscribes itself
        clocks.server_clock(date_header, now) # when the stream opens
        changed = clocks.advance(now)         # every second: the matches whose minute moved
        clocks.shown(match)                   # what to show, until the next advance
    """

    def __init__(
        self, board: Scoreboard, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._board = board
        self._now = now
        self._skew = timedelta(0)  # the viewer's clock minus the server's
        self._anchors: dict[str, Anchor] = {}
        self._shown: dict[str, Minute] = {}
        for match in board.matches.values():
            self._from_match(match, now())
        self._unsubscribe = board.subscribe(self._on_change)

    def detach(self) -> None:
        self._unsubscribe()

    def server_clock(self, server_time: datetime | None, now: datetime) -> None:
        """The server's clock read at ``now`` (the stream's ``Date`` header), for the skew."""
        if server_time is not None:
            self._skew = now - server_time

    # --- what to show ------------------------------------------------------------------------

    def shown(self, match: Match) -> Minute:
        """The minute to show for ``match`` (its own while its clock is stopped)."""
        return self._shown.get(match.id, (match.minute, match.added))

    def advance(self, now: datetime) -> list[str]:
        """Moves every running clock on to ``now``; the ids whose minute changed."""
        changed = []
        for match_id, anchor in self._anchors.items():
            shown = anchor.shown(now)
            if shown != self._shown.get(match_id):
                self._shown[match_id] = shown
                changed.append(match_id)
        return changed

    def running(self) -> Iterable[str]:
        """The matches whose clock is running."""
        return self._anchors.keys()

    # --- anchors -----------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        match = self._board.matches.get(change.match_id)
        if match is None:
            self._forget(change.match_id)
        elif change.event is not None:
            self._from_event(match, change.event, self._now())
        elif change.fields & {"status", "minute", "added", "events", "clock_rate"}:
            self._from_match(match, self._now())

    def _forget(self, match_id: str) -> None:
        self._anchors.pop(match_id, None)
        self._shown.pop(match_id, None)

    def _set(self, match: Match, anchor: Anchor | None, now: datetime) -> None:
        if anchor is None:
            self._forget(match.id)
            return
        self._anchors[match.id] = anchor
        self._shown[match.id] = anchor.shown(now)

    def _published(self, ev: MatchEvent, now: datetime) -> datetime:
        """When ``ev`` happened on the viewer's clock, never after ``now`` (its arrival)."""
        if ev.at is None:
            return now
        return min(now, ev.at + self._skew + AT_PRECISION)

    def _from_event(self, match: Match, ev: MatchEvent, now: datetime) -> None:
        """The board applied ``ev``: the clock is where the event says, when it happened."""
        period = period_of(match.status, match.minute)
        if period is None:
            self._set(match, None, now)
            return
        elapsed = 0.0 if ev.type in PERIOD_STARTS else position(period, match.minute, match.added)
        at, floor = self._published(ev, now), (match.minute, match.added)
        self._set(match, Anchor(period, elapsed, at, _rate(match), floor), now)

    def _from_match(self, match: Match, now: datetime) -> None:
        """A match from a snapshot: run on from its latest event that says when it happened
        (a snapshot does not carry the clock ticks since), never below its own minute."""
        period = period_of(match.status, match.minute)
        if period is None:
            self._set(match, None, now)
            return
        floor = (match.minute, match.added)
        last = next((ev for ev in reversed(match.events) if ev.at is not None), None)
        if last is None or period_of(last.status, last.minute) != period:
            anchor = Anchor(period, position(period, *floor), now, _rate(match), floor)
        else:
            start = last.type in PERIOD_STARTS
            elapsed = 0.0 if start else position(period, last.minute, last.added)
            at = self._published(last, now)
            anchor = Anchor(period, elapsed, at, _rate(match), floor)
        self._set(match, anchor, now)


def _rate(match: Match) -> float:
    return match.clock_rate if match.clock_rate > 0 else 1.0
