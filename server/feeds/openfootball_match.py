"""One openfootball result turned into a match's events.

A played match becomes: kick-off; its goals; half time at 45+x and the second half; for
extra time, half time at 90+x (text "End of normal time"), ``extra_time``, half time at 105+x
and the second half; a shoot-out as ONE ``penalty_shootout`` event carrying the final
``score.p`` (the winner as ``team``: openfootball has no kicks); full time. Stoppage x is
the latest stoppage goal of that period, at least 2 (first half), 4 (second half) or 1 (each
half of extra time), so the clock shows some added time.

Goals: ``minute`` is a number or a string (``"90+4"``), ``offset`` the stoppage; 45+x is
first-half stoppage, 90+x second-half, 105+x and 120+x extra time. A minute past 90 without
an offset is an extra-time goal, even where ``score.et`` is missing (then ``score.ft``
already counts it and the match went to extra time: Euro 2024's England v Slovakia). An
``owngoal`` counts for the side whose list holds it (``team`` = the side whose score rises,
``own_goal`` true); ``penalty`` is kept.

The score wins: the final result is ``score.et`` (else ``score.ft``) and the shoot-out
``score.p``, always. Goals are matched per side to the score of normal time and of extra
time: surplus listed goals (the latest) are left out, missing ones are added without a
scorer, spread over the period (over each half as ``score.ht`` says, when it fits). A file
with goal lists that disagree with the score gets a warning on the Feed; a file with no goal
lists at all (Club World Cup 2025) just gets unnamed goals.

Matches without a result (no ``score.ft``: fixtures not played yet) get no events: they
stay scheduled, and the replay keeps their real kick-off time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt

from server.feeds.errors import FeedError
from server.feeds.timing import PERIODS
from server.wire import MAX_NAME, EventIn, EventType, MatchIn, ScoreIn
from server.wire import Score as WireScore

Pair = tuple[NonNegativeInt, NonNegativeInt]
Side = Literal["home", "away"]
#: Minimum stoppage shown at the end of each period.
MIN_STOPPAGE = (2, 4, 1, 1)
_MINUTE = re.compile(r"^\s*(\d{1,3})\s*'?\s*(?:\+\s*(\d{1,2}))?\s*'?\s*$")


class Score(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ht: Pair | None = None
    ft: Pair | None = None
    et: Pair | None = None
    p: Pair | None = None


class Goal(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME)] | None = None
    minute: int | str
    offset: Annotated[int, Field(ge=0, le=30)] | None = None
    penalty: bool = False
    owngoal: bool = False


@dataclass
class Scored:
    """A goal placed in a period, listed in the file or added to match the score."""

    side: Side
    period: int
    minute: int
    added: int
    goal: Goal | None = None
    where: str | None = None  # its place in the file, for error messages

    @property
    def order(self) -> tuple[int, int, int, int]:
        return (self.period, self.minute, self.added, self.side == "away")


def place(goal: Goal) -> tuple[int, int, int]:
    """(period, minute, added) of a listed goal; ValueError if it cannot be read."""
    found = _MINUTE.match(str(goal.minute))
    if not found:
        raise ValueError(f"'{goal.minute}' is not a minute like 67 or 90+4")
    minute, added = int(found[1]), int(found[2] or 0)
    added = goal.offset if goal.offset is not None else added
    if added > 30:
        raise ValueError(f"{minute}+{added} is more stoppage than a match has")
    ends = [last for _, last, _ in PERIODS]
    if added and minute not in ends:
        minute, added = minute + added, 0  # "88+2" is just the 90th minute
    for period, (_, last, _) in enumerate(PERIODS):
        if minute <= last:
            return period, minute, added
    raise ValueError(f"minute {minute} is past the end of extra time (120)")


def _spread(side: Side, n: int, first: int, last: int) -> list[Scored]:
    """``n`` goals without a scorer, evenly over the minutes first..last."""
    minutes = [first + round((k + 1) * (last - first) / (n + 1)) for k in range(n)]
    return [Scored(side, _period(m), m, 0) for m in minutes]


def _period(minute: int) -> int:
    return next(p for p, (_, last, _) in enumerate(PERIODS) if minute <= last)


def _fit(
    side: Side, listed: list[Scored], target: int, first: int, last: int, ht: int | None
) -> list[Scored]:
    """Exactly ``target`` goals for one side in one stretch of the match."""
    kept = listed[:target]
    missing = target - len(kept)
    if missing <= 0:
        return kept
    if ht is None:
        return kept + _spread(side, missing, first, last)
    in_first = sum(1 for g in kept if g.period == 0)
    early = min(missing, max(0, ht - in_first))
    return kept + _spread(side, early, 1, 45) + _spread(side, missing - early, 46, 90)


def match_events(
    path: str,
    where: str,
    match: MatchIn,
    score: Score | None,
    goals1: list[Goal] | None,
    goals2: list[Goal] | None,
    warnings: list[str],
) -> list[tuple[str, EventIn]]:
    """The events of one match, each paired with where in the file it comes from."""
    if score is None or score.ft is None:
        return []  # not played yet: stays scheduled
    listed: dict[Side, list[Scored]] = {"home": [], "away": []}
    lists: tuple[tuple[Side, str, list[Goal] | None], ...] = (
        ("home", "goals1", goals1),
        ("away", "goals2", goals2),
    )
    for side, key, given in lists:
        for k, goal in enumerate(given or []):
            try:
                period, minute, added = place(goal)
            except ValueError as exc:
                raise FeedError(path, f"{where}.{key}[{k}].minute", str(exc)) from None
            listed[side].append(Scored(side, period, minute, added, goal, f"{where}.{key}[{k}]"))
    for side in listed:
        listed[side].sort(key=lambda g: g.order)

    sides: tuple[Side, Side] = ("home", "away")
    ft = dict(zip(sides, score.ft, strict=True))
    in_et = {s: sum(1 for g in listed[s] if g.period >= 2) for s in listed}
    if score.et is not None:
        final = dict(zip(sides, score.et, strict=True))
        if any(final[s] < ft[s] for s in final):
            raise FeedError(path, f"{where}.score.et", "lower than the score after 90 minutes")
        normal = ft
    elif any(in_et.values()):
        final, normal = ft, {s: max(0, ft[s] - in_et[s]) for s in ft}
    else:
        final = normal = ft
    extra_time = score.et is not None or any(in_et.values())
    ht = score.ht if score.ht and all(score.ht[i] <= score.ft[i] for i in (0, 1)) else None

    goals: list[Scored] = []
    for i, side in enumerate(sides):
        mine = listed[side]
        regular = [g for g in mine if g.period < 2 or not extra_time]
        extra = [g for g in mine if g.period >= 2 and extra_time]
        fitted = _fit(side, regular, normal[side], 1, 90, ht[i] if ht else None)
        fitted += _fit(side, extra, final[side] - normal[side], 91, 120, None)
        named = sum(1 for g in fitted if g.goal is not None)
        if (goals1 is not None or goals2 is not None) and not len(mine) == named == len(fitted):
            says = f"{final[side]} ({normal[side]} after 90 minutes)" if extra_time else final[side]
            warnings.append(
                f"{match.id} ({match.home.name} v {match.away.name}): {len(mine)} goals listed"
                f" for {getattr(match, side).name}, the score says {says}; the score wins"
            )
        goals += fitted
    goals.sort(key=lambda g: g.order)
    return _events(path, where, match, score, goals, extra_time)


def _events(
    path: str,
    where: str,
    match: MatchIn,
    score: Score,
    goals: list[Scored],
    extra_time: bool,
) -> list[tuple[str, EventIn]]:
    stoppage = list(MIN_STOPPAGE)
    for g in goals:
        stoppage[g.period] = max(stoppage[g.period], g.added)
    tally = {"home": 0, "away": 0}
    out: list[tuple[str, EventIn]] = [(where, EventIn(type="kickoff", minute=0))]

    def now() -> str:
        return f"{tally['home']}–{tally['away']}"

    def period(p: int) -> None:
        for g in (g for g in goals if g.period == p):
            tally[g.side] += 1
            text = None
            if g.goal is None or g.goal.name is None:  # no scorer to name
                name = getattr(match, g.side).name
                text = f"Goal for {name}! {match.home.name} {now()} {match.away.name}"
            ev = EventIn(
                type="goal",
                minute=g.minute,
                added=g.added or None,
                team=g.side,
                player=g.goal.name if g.goal else None,
                text=text,
                penalty=bool(g.goal and g.goal.penalty),
                own_goal=bool(g.goal and g.goal.owngoal),
            )
            out.append((g.where or where, ev))

    def whistle(kind: EventType, p: int | None = None, text: str | None = None) -> None:
        minute = added = None
        if p is not None:
            minute, added = PERIODS[p][1], stoppage[p]
        out.append((where, EventIn(type=kind, minute=minute, added=added, text=text)))

    period(0)
    whistle("half_time", 0)
    whistle("second_half")
    period(1)
    last = 1
    if extra_time:
        whistle("half_time", 1, f"End of normal time, {now()}")
        whistle("extra_time")
        period(2)
        whistle("half_time", 2, f"Half time in extra time, {now()}")
        whistle("second_half")
        period(3)
        last = 3
    result = f"{match.home.name} {now()} {match.away.name}"
    if score.p is None:
        whistle("full_time", last, f"Full time, {result}")
        return out
    p = WireScore(home=score.p[0], away=score.p[1])
    if p.home == p.away:
        raise FeedError(path, f"{where}.score.p", f"a shoot-out cannot end level ({p})")
    winner: Side = "home" if p.home > p.away else "away"
    name = getattr(match, winner).name
    text = f"Penalty shoot-out: {name} win {p}"
    out.append(
        (
            where,
            EventIn(
                type="penalty_shootout",
                team=winner,
                penalties=ScoreIn(home=p.home, away=p.away),
                text=text,
            ),
        )
    )
    whistle("full_time", None, f"Full time, {result}, {name} win {p} on penalties")
    return out
