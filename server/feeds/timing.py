"""Where each event of a match falls in match time, and the clock ticks in between.

Match time is minutes after kick-off, breaks included. Minute ``m`` (+``added``) of a period
falls ``m - base + added`` minutes after the period's whistle: the first half starts at 0
(base 0), the second half after a 15-minute break (base 45), extra time after a 5-minute
break (base 90), its second half after a 2-minute break (base 105). A period ends at its
closing whistle's minute, or at its nominal end (45, 90, 105, 120) if the whistle has none or
play already ran past it. A shoot-out starts 3 minutes after the end of play, one kick a
minute; full time follows the last kick by 2 minutes.

The same walk validates a feed at load time (minutes in range and in order, whistles in a
sensible sequence, every event accepted by :func:`server.core.match_state.apply_event`) and gives
the replay its schedule, so what loads is exactly what replays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from server.core.match_state import apply_event
from server.wire import EventIn, Match

#: (first minute, last minute, base) of each period; stoppage time only after the last minute.
PERIODS = ((0, 45, 0), (46, 90, 45), (91, 105, 90), (106, 120, 105))
PERIOD_NAMES = (
    "first half",
    "second half",
    "first half of extra time",
    "second half of extra time",
)
#: Minutes of break after periods 0, 1 and 2: half time, before extra time, extra-time interval.
BREAKS = (15.0, 5.0, 2.0)
SHOOTOUT_START = 3.0
KICK_INTERVAL = 1.0
AFTER_SHOOTOUT = 2.0
MAX_ADDED = 30  # the wire format's limit

#: After a break in period p, which whistle starts which period.
_RESUMES = {(0, "second_half"): 1, (2, "second_half"): 3, (1, "extra_time"): 2}
_ENDS_PLAY = ("half_time", "full_time", "extra_time", "penalty_shootout")


class TimingError(ValueError):
    """The event's minute or whistle does not fit where the match is."""


class TimelineError(ValueError):
    """Event number ``index`` of a match cannot be played (timing or match rules)."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class Timed:
    """An event at ``at`` minutes of match time; ``index`` is its position among the match's
    feed events, None for a clock tick the replay adds."""

    at: float
    event: EventIn
    index: int | None


class MatchClock:
    """Follows one match's periods and places each event in match time."""

    def __init__(self) -> None:
        self.phase = "pre"  # pre, play, break, shootout, over
        self.period = -1
        self.start = 0.0  # match time at which the current period started
        self.t = 0.0  # match time of the latest event
        self.resume = 0.0  # end of the current break
        self.play_end = 0.0  # when the ball last went out of play for a break or for good

    def _at(self, ev: EventIn, period: int) -> float:
        first, last, base = PERIODS[period]
        minute, added = ev.minute or 0, ev.added or 0
        if not first <= minute <= last:
            raise TimingError(
                f"minute {minute} is outside the {PERIOD_NAMES[period]} ({first}–{last})"
            )
        if added and minute != last:
            raise TimingError(
                f"added time only follows minute {last} in the {PERIOD_NAMES[period]}"
            )
        return self.start + (minute - base) + added

    def _in_play(self, ev: EventIn) -> float:
        at = self._at(ev, self.period)
        if at < self.t:
            raise TimingError(f"minute {_minute(ev)} comes before the match's previous event")
        self.t = at
        return at

    def _end_of_period(self, ev: EventIn) -> None:
        if ev.minute is not None and ev.type in ("half_time", "full_time"):
            self._in_play(ev)
        else:
            _, last, base = PERIODS[self.period]
            self.t = max(self.t, self.start + last - base)
        self.play_end = self.t

    def _begin(self, period: int, ev: EventIn) -> float:
        self.phase, self.period, self.start = "play", period, self.t
        if ev.minute is not None:
            self._at(ev, period)  # only checked: the period starts at its whistle
        return self.t

    def place(self, ev: EventIn) -> float:
        """Match time of ``ev``; raises TimingError if it cannot happen there."""
        kind = ev.type
        if kind == "clock":
            raise TimingError("clock events are added by the replay, leave them out of feeds")
        if kind == "kickoff":
            if ev.minute:
                raise TimingError("kick-off is at minute 0")
            return self._begin(0, ev)
        if self.phase == "play" and kind in _ENDS_PLAY:
            self._end_of_period(ev)
            if kind == "half_time":
                if self.period == 3:
                    raise TimingError("no break after extra time: penalty_shootout or full_time")
                self.phase, self.resume = "break", self.t + BREAKS[self.period]
            elif kind == "extra_time":
                if self.period != 1:
                    raise TimingError("extra time can only follow the second half")
                self.t += BREAKS[1]
                return self._begin(2, ev)
            elif kind == "penalty_shootout":
                self.phase = "shootout"
                self.t += SHOOTOUT_START
            else:
                self.phase = "over"
            return self.t
        if self.phase == "play":
            return self._in_play(ev) if ev.minute is not None else self.t
        if self.phase == "break":
            if kind in ("second_half", "extra_time"):
                period = _RESUMES.get((self.period, kind))
                if period is None:
                    expected = "extra_time" if self.period == 1 else "second_half"
                    raise TimingError(f"{kind} cannot end this break, {expected} can")
                self.t = self.resume
                return self._begin(period, ev)
            if kind == "full_time":
                self.phase = "over"
            elif ev.minute is not None:
                first, last = PERIODS[self.period][0], PERIODS[min(self.period + 1, 3)][1]
                if not first <= ev.minute <= last:
                    raise TimingError(f"minute {ev.minute} does not fit this break")
            return self.t
        if self.phase == "shootout":
            if kind == "penalty_shootout":
                self.t += KICK_INTERVAL
            elif kind == "full_time":
                self.t += AFTER_SHOOTOUT
                self.phase = "over"
        return self.t


def _minute(ev: EventIn) -> str:
    return f"{ev.minute}+{ev.added}" if ev.added else str(ev.minute)


def _tick(period: int, j: int) -> tuple[int, int | None]:
    """The minute shown ``j`` minutes into ``period``."""
    _, last, base = PERIODS[period]
    minute = base + j
    return (minute, None) if minute <= last else (last, min(minute - last, MAX_ADDED))


def timeline(match: Match, events: Iterable[EventIn], *, ticks: bool = True) -> list[Timed]:
    """Places ``events`` in match time, applying them to ``match`` (a scratch copy).

    Raises TimelineError naming the first event that breaks the match clock or the rules of
    :func:`server.core.match_state.apply_event`. With ``ticks``, adds one ``clock`` event per
    match minute while the ball is in play (none that would repeat the minute shown).
    """
    clock = MatchClock()
    out: list[Timed] = []
    shown: tuple[int | None, int | None] = (None, None)
    j = 0  # minutes of the current period already ticked
    for index, ev in enumerate(events):
        period, start, playing = clock.period, clock.start, clock.phase == "play"
        try:
            apply_event(match, ev, str(index))
            at = clock.place(ev)
        except ValueError as exc:
            raise TimelineError(index, str(exc)) from exc
        if ticks and playing:
            upto = clock.play_end if ev.type in _ENDS_PLAY else at
            while start + j + 1 <= upto:
                j += 1
                if start + j == at and ev.minute is not None:
                    break  # the event itself moves the minute on
                minute, added = _tick(period, j)
                if (minute, added) != shown:
                    tick = EventIn(type="clock", minute=minute, added=added)
                    out.append(Timed(start + j, tick, None))
                    shown = (minute, added)
        if clock.period != period:
            j = 0
        out.append(Timed(at, ev, index))
        shown = (match.minute, match.added)
    return out
