"""Provider responses for tests, from one description of a match at one poll (:class:`State`)
rendered in football-data.org v4's shape (:func:`fd_body`) or ESPN's scoreboard shape
(:func:`espn_body`): the shapes of tests/feeds/providers/, built per poll.

:func:`openfootball_script` turns a real match from openfootball data (goals, score, shoot-out)
into the polls a provider would have answered while it was played.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

WC2022 = Path(__file__).parents[1] / "feeds" / "worldcup2022-excerpt.json"


@dataclass(frozen=True)
class Club:
    name: str
    code: str
    ref: int


@dataclass(frozen=True)
class Goal:
    side: str
    minute: int
    player: str | None
    added: int | None = None
    penalty: bool = False
    own_goal: bool = False
    listed: bool = True  # False: in the score, not yet in the provider's list of goals


@dataclass(frozen=True)
class Card:
    side: str
    minute: int
    player: str
    kind: str = "yellow"


@dataclass(frozen=True)
class Sub:
    side: str
    minute: int
    player_in: str
    player_out: str


@dataclass(frozen=True)
class Kick:
    side: str
    player: str
    scored: bool


@dataclass(frozen=True)
class State:
    """A match as the provider describes it at one poll."""

    id: int
    home: Club
    away: Club
    kickoff: datetime
    phase: str = "scheduled"  # a Phase of server/feeds/providers/base.py
    minute: int | None = None
    added: int | None = None
    goals: tuple[Goal, ...] = ()
    cards: tuple[Card, ...] = ()
    subs: tuple[Sub, ...] = ()
    kicks: tuple[Kick, ...] = ()
    extra_time: bool = False
    competition: str = "FIFA World Cup"
    round: str = "Final"

    def score(self) -> tuple[int, int]:
        return (
            sum(g.side == "home" for g in self.goals),
            sum(g.side == "away" for g in self.goals),
        )

    def penalties(self) -> tuple[int, int] | None:
        if not self.kicks:
            return None
        scored = [k for k in self.kicks if k.scored]
        return sum(k.side == "home" for k in scored), sum(k.side == "away" for k in scored)


ARG = Club("Argentina", "ARG", 762)
FRA = Club("France", "FRA", 773)
KICKOFF = datetime(2022, 12, 18, 15, 0, tzinfo=UTC)

# --- football-data.org v4 ----------------------------------------------------------------------

_FD_STATUS = {
    "scheduled": "TIMED",
    "first_half": "IN_PLAY",
    "second_half": "IN_PLAY",
    "extra_time_first": "IN_PLAY",
    "extra_time_second": "IN_PLAY",
    "penalties": "IN_PLAY",
    "half_time": "PAUSED",
    "extra_time_break": "PAUSED",
    "full_time": "FINISHED",
    "postponed": "POSTPONED",
    "suspended": "SUSPENDED",
    "cancelled": "CANCELLED",
}


def _pair(value: tuple[int, int] | None) -> dict[str, int | None]:
    return {"home": value[0], "away": value[1]} if value else {"home": None, "away": None}


def fd_match(state: State, *, detail: bool = True, minute: bool = True) -> dict[str, Any]:
    """One match of ``GET /v4/matches``. ``detail``: a paid plan's goals, bookings and
    substitutions; ``minute``: the live minute (the free plan has neither)."""
    clubs = {"home": state.home, "away": state.away}
    started = state.phase not in ("scheduled", "postponed", "cancelled")
    goals = state.score() if started else None
    pens = state.penalties()
    duration = "PENALTY_SHOOTOUT" if pens else "EXTRA_TIME" if state.extra_time else "REGULAR"
    regular = (
        sum(g.side == "home" and g.minute <= 90 for g in state.goals),
        sum(g.side == "away" and g.minute <= 90 for g in state.goals),
    )
    first = (
        sum(g.side == "home" and g.minute <= 45 for g in state.goals),
        sum(g.side == "away" and g.minute <= 45 for g in state.goals),
    )
    score: dict[str, Any] = {
        "winner": None,
        "duration": duration,
        "fullTime": _pair(goals),
        "halfTime": _pair(first if started and state.phase != "first_half" else None),
    }
    if pens and goals:
        # After a shoot-out, fullTime counts its goals too (1–1 and 5–3 is 6–4).
        score["fullTime"] = _pair((goals[0] + pens[0], goals[1] + pens[1]))
        score["regularTime"] = _pair(regular)
        score["extraTime"] = _pair((goals[0] - regular[0], goals[1] - regular[1]))
        score["penalties"] = _pair(pens)
    match: dict[str, Any] = {
        "area": {"id": 2267, "name": "World", "code": "INT"},
        "competition": {"id": 2000, "name": state.competition, "code": "WC", "type": "CUP"},
        "id": state.id,
        "utcDate": state.kickoff.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": _FD_STATUS[state.phase],
        "matchday": None,
        "stage": "FINAL" if state.round == "Final" else "GROUP_STAGE",
        "group": None,
        "lastUpdated": state.kickoff.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "homeTeam": _fd_team(state.home),
        "awayTeam": _fd_team(state.away),
        "score": score,
        "referees": [],
    }
    if minute and started and state.phase not in ("full_time",) and state.minute is not None:
        match["minute"], match["injuryTime"] = state.minute, state.added
    if detail:
        running = [0, 0]
        listed = []
        for g in state.goals:
            running[0 if g.side == "home" else 1] += 1
            if not g.listed:
                continue
            # football-data names the team the goal counts for; the player may be the other's.
            listed.append(
                {
                    "minute": g.minute,
                    "injuryTime": g.added,
                    "type": "OWN" if g.own_goal else "PENALTY" if g.penalty else "REGULAR",
                    "team": {"id": clubs[g.side].ref, "name": clubs[g.side].name},
                    "scorer": {"id": _person(g.player), "name": g.player} if g.player else None,
                    "assist": None,
                    "score": {"home": running[0], "away": running[1]},
                }
            )
        match["goals"] = listed
        match["bookings"] = [
            {
                "minute": c.minute,
                "team": {"id": clubs[c.side].ref, "name": clubs[c.side].name},
                "player": {"id": _person(c.player), "name": c.player},
                "card": {"yellow": "YELLOW", "second_yellow": "YELLOW_RED", "red": "RED"}[c.kind],
            }
            for c in state.cards
        ]
        match["substitutions"] = [
            {
                "minute": s.minute,
                "team": {"id": clubs[s.side].ref, "name": clubs[s.side].name},
                "playerOut": {"id": _person(s.player_out), "name": s.player_out},
                "playerIn": {"id": _person(s.player_in), "name": s.player_in},
            }
            for s in state.subs
        ]
    return match


def _fd_team(club: Club) -> dict[str, Any]:
    return {"id": club.ref, "name": club.name, "shortName": club.name, "tla": club.code}


def _person(name: str | None) -> int:
    """A stable made-up id for a player's name."""
    return sum(ord(c) * (i + 1) for i, c in enumerate(name or "")) % 900_000 + 100_000


def fd_body(*matches: dict[str, Any]) -> dict[str, Any]:
    return {
        "filters": {"permission": "TIER_THREE"},
        "resultSet": {"count": len(matches)},
        "matches": list(matches),
    }


# --- ESPN -------------------------------------------------------------------------------------

_ESPN_STATUS = {
    "scheduled": ("STATUS_SCHEDULED", "pre", 0),
    "first_half": ("STATUS_FIRST_HALF", "in", 1),
    "half_time": ("STATUS_HALFTIME", "in", 1),
    "second_half": ("STATUS_SECOND_HALF", "in", 2),
    "extra_time_first": ("STATUS_FIRST_HALF_EXTRA_TIME", "in", 3),
    "extra_time_break": ("STATUS_HALFTIME_ET", "in", 3),
    "extra_time_second": ("STATUS_SECOND_HALF_EXTRA_TIME", "in", 4),
    "penalties": ("STATUS_SHOOTOUT", "in", 5),
    "full_time": ("STATUS_FULL_TIME", "post", 2),
    "postponed": ("STATUS_POSTPONED", "post", 0),
    "suspended": ("STATUS_SUSPENDED", "in", 2),
    "abandoned": ("STATUS_ABANDONED", "post", 2),
}


def _clock(minute: int | None, added: int | None) -> str:
    if minute is None:
        return "0'"
    return f"{minute}'+{added}'" if added else f"{minute}'"


def espn_event(state: State) -> dict[str, Any]:
    name, status_state, period = _ESPN_STATUS[state.phase]
    if state.phase == "full_time":
        name = (
            "STATUS_FINAL_PEN" if state.kicks else "STATUS_FINAL_AET" if state.extra_time else name
        )
        period = 5 if state.kicks else 4 if state.extra_time else 2
    clubs = {"home": state.home, "away": state.away}
    other = {"home": "away", "away": "home"}
    details: list[dict[str, Any]] = []
    for g in state.goals:
        if not g.listed:
            continue
        # An own goal: the player (and the detail) are the other side's.
        player_side = other[g.side] if g.own_goal else g.side
        text = "Own Goal" if g.own_goal else "Penalty - Scored" if g.penalty else "Goal"
        details.append(
            _detail(
                text,
                g.minute,
                g.added,
                clubs[player_side],
                g.player,
                goal=True,
                pen=g.penalty,
                own=g.own_goal,
            )
        )
    for c in state.cards:
        text = "Red Card" if c.kind != "yellow" else "Yellow Card"
        details.append(_detail(text, c.minute, None, clubs[c.side], c.player, card=c.kind))
    for k in state.kicks:
        text = "Penalty - Scored" if k.scored else "Penalty - Missed"
        details.append(
            _detail(
                text, 120, None, clubs[k.side], k.player, goal=k.scored, pen=True, shootout=True
            )
        )
    details.sort(key=lambda d: d["clock"]["value"])
    score = state.score()
    pens = state.penalties()
    competitors = []
    for side in ("home", "away"):
        club = clubs[side]
        competitor: dict[str, Any] = {
            "id": str(club.ref),
            "homeAway": side,
            "score": str(score[0 if side == "home" else 1]),
            "team": {
                "id": str(club.ref),
                "abbreviation": club.code,
                "displayName": club.name,
                "shortDisplayName": club.name,
            },
        }
        if pens:
            competitor["shootoutScore"] = pens[0 if side == "home" else 1]
        competitors.append(competitor)
    status = {
        "clock": float((state.minute or 0) * 60),
        "displayClock": _clock(state.minute, state.added),
        "period": period,
        "type": {
            "id": "0",
            "name": name,
            "state": status_state,
            "completed": status_state == "post",
        },
    }
    return {
        "id": str(state.id),
        "date": state.kickoff.strftime("%Y-%m-%dT%H:%MZ"),
        "name": f"{state.away.name} at {state.home.name}",
        "competitions": [
            {
                "id": str(state.id),
                "date": state.kickoff.strftime("%Y-%m-%dT%H:%MZ"),
                "competitors": competitors,
                "details": details,
                "notes": [{"type": "event", "headline": state.round}] if state.round else [],
            }
        ],
        "status": status,
    }


def _detail(
    text: str,
    minute: int,
    added: int | None,
    club: Club,
    player: str | None,
    *,
    goal: bool = False,
    pen: bool = False,
    own: bool = False,
    shootout: bool = False,
    card: str | None = None,
) -> dict[str, Any]:
    athletes = []
    if player:
        athletes = [
            {"id": str(_person(player)), "displayName": player, "team": {"id": str(club.ref)}}
        ]
    return {
        "type": {"id": str(sum(map(ord, text)) % 200), "text": text},
        "clock": {
            "value": float(minute * 60 + (added or 0) * 60),
            "displayValue": _clock(minute, added),
        },
        "team": {"id": str(club.ref)},
        "scoreValue": 1 if goal else 0,
        "scoringPlay": goal,
        "redCard": card in ("red", "second_yellow"),
        "yellowCard": card == "yellow",
        "penaltyKick": pen,
        "ownGoal": own,
        "shootout": shootout,
        "athletesInvolved": athletes,
    }


def espn_body(*events: dict[str, Any], league: str = "FIFA World Cup") -> dict[str, Any]:
    return {
        "leagues": [
            {"id": "4", "name": league, "abbreviation": "FIFA World Cup", "slug": "fifa.world"}
        ],
        "events": list(events),
    }


# --- a real match, poll by poll ----------------------------------------------------------------


def _minute(text: object) -> tuple[int, int | None]:
    base, _, added = str(text).partition("+")
    return int(base), int(added) if added else None


def openfootball_script(
    raw: dict[str, Any],
    *,
    match_id: int,
    kickoff: datetime,
    cards: tuple[Card, ...] = (),
    subs: tuple[Sub, ...] = (),
    kicks: tuple[Kick, ...] = (),
) -> list[State]:
    """The polls of an openfootball match (``team1``/``team2``, ``goals1``/``goals2``,
    ``score.et``/``score.p``): one at kick-off, one at each goal, card and substitution, one
    per whistle, one per round of the shoot-out, one at full time."""
    home = Club(raw["team1"], raw["team1"][:3].upper(), 700 + match_id % 100)
    away = Club(raw["team2"], raw["team2"][:3].upper(), 800 + match_id % 100)
    goals = sorted(
        [
            Goal(
                side,
                *_minute(g["minute"]),
                penalty=bool(g.get("penalty")),
                own_goal=bool(g.get("owngoal")),
            )
            if False
            else Goal(
                side=side,
                minute=_minute(g["minute"])[0],
                added=_minute(g["minute"])[1],
                player=g["name"],
                penalty=bool(g.get("penalty")),
                own_goal=bool(g.get("owngoal")),
            )
            for side, key in (("home", "goals1"), ("away", "goals2"))
            for g in raw.get(key, [])
        ],
        key=lambda g: (g.minute, g.added or 0),
    )
    extra = "et" in raw["score"]
    base = State(
        id=match_id,
        home=home,
        away=away,
        kickoff=kickoff,
        round=raw.get("round", ""),
        competition="FIFA World Cup",
    )
    # (minute, phase) moments: the whistles, then every goal, card and substitution.
    moments: list[tuple[int, int, str]] = [
        (1, 0, "first_half"),
        (45, 99, "half_time"),
        (46, 0, "second_half"),
    ]
    if extra:
        moments += [
            (91, 0, "extra_time_first"),
            (105, 99, "extra_time_break"),
            (106, 0, "extra_time_second"),
        ]
    moments += [(g.minute, g.added or 1, "") for g in goals]
    moments += [(c.minute, 1, "") for c in cards] + [(s.minute, 1, "") for s in subs]
    moments.sort()
    states = [base]
    phase = "scheduled"
    for minute, added, whistle in moments:
        phase = whistle or phase
        shown_added = None if whistle else (added if added > 1 else None)
        states.append(
            replace(
                base,
                phase=phase,
                minute=None if phase.endswith(("half_time", "break")) else minute,
                added=shown_added,
                goals=tuple(g for g in goals if (g.minute, g.added or 1) <= (minute, added)),
                cards=tuple(c for c in cards if (c.minute, 1) <= (minute, added)),
                subs=tuple(s for s in subs if (s.minute, 1) <= (minute, added)),
                extra_time=extra and minute > 90,
            )
        )
    last = states[-1]
    if kicks:
        for n in range(2, len(kicks) + 1, 2):  # a poll per round of the shoot-out
            states.append(replace(last, phase="penalties", minute=120, kicks=kicks[:n]))
    states.append(replace(states[-1], phase="full_time", minute=None, added=None, kicks=kicks))
    return states


def world_cup_2022_final(kickoff: datetime = KICKOFF, match_id: int = 391) -> list[State]:
    """Argentina 3–3 France, 4–2 on penalties: goals from openfootball (tests/feeds), and the
    cards, substitutions and shoot-out kicks of the real match (openfootball has none)."""
    raw = next(
        m
        for m in json.loads(WC2022.read_text(encoding="utf-8"))["matches"]
        if m.get("round") == "Final"
    )
    return openfootball_script(
        raw,
        match_id=match_id,
        kickoff=kickoff,
        cards=(
            Card("home", 45, "Enzo Fernández"),
            Card("away", 55, "Adrien Rabiot"),
            Card("away", 87, "Marcus Thuram"),
        ),
        subs=(
            Sub("away", 41, "Marcus Thuram", "Olivier Giroud"),
            Sub("away", 41, "Randal Kolo Muani", "Ousmane Dembélé"),
            Sub("home", 64, "Marcos Acuña", "Ángel Di María"),
        ),
        kicks=(
            Kick("away", "Kylian Mbappé", True),
            Kick("home", "Lionel Messi", True),
            Kick("away", "Kingsley Coman", False),
            Kick("home", "Paulo Dybala", True),
            Kick("away", "Aurélien Tchouaméni", False),
            Kick("home", "Leandro Paredes", True),
            Kick("away", "Randal Kolo Muani", True),
            Kick("home", "Gonzalo Montiel", True),
        ),
    )


def later(minutes: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes)


__all__ = [
    "ARG",
    "FRA",
    "Card",
    "Club",
    "Goal",
    "Kick",
    "State",
    "Sub",
    "espn_body",
    "espn_event",
    "fd_body",
    "fd_match",
    "field",
    "openfootball_script",
    "world_cup_2022_final",
]


def late_scorer_script() -> list[dict[str, Any]]:
    """ESPN's scoreboard over three polls of the 2022 final, kicked off 5 minutes from now:
    0-0 at 20'; 1-0 at 23' with no scorer listed yet; at 24' the goal listed (Messi, pen)."""
    base = world_cup_2022_final(kickoff=later(5))[1]  # kicked off, 0-0
    bare = Goal("home", 23, "Lionel Messi", penalty=True, listed=False)
    return [
        espn_body(espn_event(replace(base, minute=20))),
        espn_body(espn_event(replace(base, minute=23, goals=(bare,)))),
        espn_body(espn_event(replace(base, minute=24, goals=(replace(bare, listed=True),)))),
    ]
