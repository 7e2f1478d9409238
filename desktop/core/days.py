"""A tournament browsed by day and stage: which day a match is on, what a day is called, which
day to show first, and the order of matches and stages within a day. Plain Python, no Qt.

Days are the fan's: a match's day is the local date of its kick-off (``astimezone()`` with no
argument uses the system zone, honouring ``TZ``), so a World Cup match at 21:00 in Los Angeles
is on the next day in Europe, as its kick-off time says there. "Today" is the viewer's wall
clock. A replay plays a month-long tournament in an evening: the server moves its kick-offs to
the wall-clock times it plays them at and says the real one beside (``Match.original_kickoff``,
server/feeds/replay.py), so a replayed match is on its real day, and a board of a replay is at
the day the replay has reached (:func:`replay_day`), named by its date, not "Today".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from desktop.core.state import is_live
from server.wire import Match

#: Where a match stands in a day's list: under way first, then to come, then over.
LIVE, UPCOMING, FINISHED = 0, 1, 2


def calendar_kickoff(match: Match) -> datetime:
    """When the match kicks off in its competition's calendar: a replayed match's real
    kick-off, else its kick-off."""
    return match.original_kickoff or match.kickoff


def match_day(match: Match) -> date:
    """The local date of the match's kick-off (its real one for a replayed match)."""
    return calendar_kickoff(match).astimezone().date()


def replay_day(matches: Iterable[Match], now: datetime) -> date | None:
    """The day a replay has reached, or None when no match is replayed: the latest day with a
    replayed match under way; else the day of the replayed match that kicked off last (its
    results stay up until the next day kicks off); else, before the first kick-off, the first
    day. The replay plays its days in order, so this moves on with it."""
    live: date | None = None
    last: tuple[datetime, date] | None = None
    first: date | None = None
    for match in matches:
        if match.original_kickoff is None:
            continue
        day = match_day(match)
        first = day if first is None else min(first, day)
        if phase(match) == LIVE:
            live = day if live is None else max(live, day)
        elif match.kickoff <= now and (last is None or match.kickoff > last[0]):
            last = (match.kickoff, day)
    if live is not None:
        return live
    return last[1] if last is not None else first


def today(now: datetime | None = None) -> date:
    return (now or datetime.now()).astimezone().date()


def phase(match: Match) -> int:
    """:data:`LIVE` (breaks included), :data:`UPCOMING` or :data:`FINISHED`."""
    if is_live(match):
        return LIVE
    return UPCOMING if match.status == "scheduled" else FINISHED


def day_name(day: date, now: date, *, relative: bool = True) -> str:
    """``Today``, ``Yesterday``, ``Tomorrow``, else ``Sat 13 Jun`` (with the year when it is
    not ``now``'s: ``Sat 13 Jun 2026``). Not ``relative`` (a replay's days, which are not
    the wall clock's), always the date."""
    offset = (day - now).days
    if not relative:
        return day_date(day, now)
    if offset == 0:
        return "Today"
    if offset == -1:
        return "Yesterday"
    if offset == 1:
        return "Tomorrow"
    return day_date(day, now)


def day_phrase(day: date, now: date, *, relative: bool = True) -> str:
    """A day in a sentence: ``today``, ``yesterday``, ``tomorrow``, ``on Sat 13 Jun``."""
    name = day_name(day, now, relative=relative)
    return name.lower() if relative and abs((day - now).days) <= 1 else f"on {name}"


def day_date(day: date, now: date) -> str:
    """``Sat 13 Jun``, or ``Sat 13 Jun 2026`` in another year than ``now``'s."""
    text = f"{day:%a} {day.day} {day:%b}"
    return text if day.year == now.year else f"{text} {day.year}"


#: A board browses by day only once its kick-offs are at least this far apart: an evening's
#: matches that run past midnight (a demo started at 23:30, a replay played in a few hours)
#: stay one list, their kick-offs saying "Sat 00:30", rather than being cut in two.
MIN_SPAN = timedelta(hours=12)


def by_day(days_with_matches: int, first: datetime | None, last: datetime | None) -> bool:
    """Whether a board is browsed one day at a time: matches on more than one day, their
    kick-offs (the first and the last) :data:`MIN_SPAN` apart or more."""
    if days_with_matches < 2 or first is None or last is None:
        return False
    return last - first >= MIN_SPAN


def default_day(days: dict[date, int], live_days: Iterable[date], now: date) -> date | None:
    """The day a board opens on: today if it has matches, else the nearest day with a match
    under way, else the next day with matches, else the last one. ``days``: how many matches
    each day has (days without any are left out)."""
    if not days:
        return None
    if days.get(now):
        return now
    live = sorted(set(live_days), key=lambda d: (abs((d - now).days), d))
    if live:
        return live[0]
    later = [d for d in days if d > now]
    return min(later) if later else max(days)


def step_day(days: Iterable[date], current: date, step: int) -> date | None:
    """The day with matches ``step`` days-with-matches after (or before, ``step < 0``)
    ``current``, which need not have matches itself; None past either end."""
    ordered = sorted(set(days))
    if step > 0:
        later = [d for d in ordered if d > current]
        return later[step - 1] if len(later) >= step else None
    earlier = [d for d in ordered if d < current]
    return earlier[step] if len(earlier) >= -step else None


#: Knock-out rounds in the order they are played, as feeds name them (folded, without
#: plurals): a group's matches come before these, a round not listed comes after the groups
#: and before the knock-outs (a league's matchday, a qualifying round).
_KNOCKOUTS = (
    "play-off",
    "playoff",
    "round of 64",
    "round of 32",
    "round of 16",
    "eighth-final",
    "quarter-final",
    "semi-final",
    "match for third place",
    "third place",
    "third-place",
    "final",
)
_GROUP = re.compile(r"^group\b", re.IGNORECASE)


def stage_order(round_name: str | None) -> tuple[int, int]:
    """Where a round goes among a competition's others: groups, then other rounds, then the
    knock-outs from the first to the final."""
    if not round_name:
        return (1, 0)
    folded = round_name.casefold().rstrip("s")
    if _GROUP.match(folded):
        return (0, 0)
    for rank, name in enumerate(_KNOCKOUTS):
        if folded == name or folded.startswith(name + " "):
            return (2, rank)
    return (1, 0)


def group_title(competition: str, round_name: str | None) -> str:
    """A day's heading for a competition's round: ``World Cup 2026 · Group A · Matchday 2``,
    ``World Cup 2026 · Final``, ``Premier League · Matchday 13``."""
    return f"{competition} · {round_name}" if round_name else competition


def day_stage(rounds: Iterable[str | None]) -> str | None:
    """What a day of a tournament is, for its name in the day list: its knock-out round
    (``Round of 16``, ``Final``), or its group stage's matchday (``Matchday 2``) when all its
    group matches share it; None for a day of several stages, or of matches without a round
    (a league's day says nothing more than its date)."""
    stages: set[str] = set()
    for round_name in rounds:
        if not round_name:
            return None
        if stage_order(round_name)[0] == 0:  # "Group A · Matchday 2"
            _group, _, matchday = round_name.partition(" · ")
            if not matchday:
                return None
            stages.add(matchday)
        else:
            stages.add(round_name)
    return stages.pop() if len(stages) == 1 else None
