"""football-data.org, API v4: official, documented, keyed (the user brings a token).

One request a cycle for every followed competition: ``GET /v4/matches`` with ``X-Auth-Token``,
``competitions=PL,CL`` and the days wanted. The free plan allows 10 requests a minute, covers
12 competitions and delays its scores; paid plans add live scores and, per match, ``goals``,
``bookings`` and ``substitutions``. Those lists are used when a response has them and never
made up when it has not (:attr:`MatchSnapshot.incidents` is then None).

Shapes (read from public payloads; the older v2 shape, ``fullTime.homeTeam``, is not read):
``status`` SCHEDULED, TIMED, IN_PLAY, PAUSED, FINISHED, SUSPENDED, POSTPONED, CANCELLED,
AWARDED; ``score`` ``{winner, duration: REGULAR | EXTRA_TIME | PENALTY_SHOOTOUT, fullTime,
halfTime[, regularTime, extraTime, penalties]}``, each ``{home, away}``. After a shoot-out
``fullTime`` includes the shoot-out's goals (1–1 and 5–3 on penalties is ``fullTime`` 6–4), so
the match's own score is ``regularTime + extraTime`` or ``fullTime - penalties``; a payload
with neither leaves the score as it was rather than guess. Live matches may carry ``minute``
and ``injuryTime``; without a minute, IN_PLAY and PAUSED do not say which half it is, and the
detector places them after what it already saw (phases ``in_play`` and ``paused``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from server.feeds.providers.base import (
    Incident,
    MatchSnapshot,
    Parsed,
    Phase,
    Problem,
    Request,
    SchemaError,
    TeamRef,
    as_int,
    clean_name,
    dig,
)
from server.wire import CardKind, Side

BASE_URL = "https://api.football-data.org"
#: The free plan's competitions (the plan page lists them): codes for ``--competitions``.
FREE_PLAN = ("WC", "CL", "BL1", "DED", "BSA", "PD", "FL1", "ELC", "PPL", "EC", "SA", "PL")

_CARDS: dict[str, CardKind] = {"YELLOW": "yellow", "YELLOW_RED": "second_yellow", "RED": "red"}
_OFF_PATH: dict[str, Phase] = {
    "SUSPENDED": "suspended",
    "POSTPONED": "postponed",
    "CANCELLED": "cancelled",
    "AWARDED": "awarded",
}


class FootballData:
    name = "football-data"
    base_url = BASE_URL
    rate_limit = 10  # the free plan: 10 requests a minute

    def __init__(self, token: str, competitions: Sequence[str] = ()) -> None:
        self._token = token
        self.competitions = tuple(competitions)

    def __repr__(self) -> str:  # never the token
        return f"FootballData(competitions={self.competitions!r})"

    def requests(self, days: Sequence[date]) -> list[Request]:
        params = {}
        if self.competitions:
            params["competitions"] = ",".join(self.competitions)
        if days:
            # dateTo one day on: the whole of the last day whether the API reads it as
            # inclusive or exclusive (a few of tomorrow's fixtures come along, as scheduled).
            params["dateFrom"] = min(days).isoformat()
            params["dateTo"] = (max(days) + timedelta(days=1)).isoformat()
        return [Request("/v4/matches", params, {"X-Auth-Token": self._token})]

    def parse(self, request: Request, body: object) -> Parsed:
        matches = dig(body, "matches")
        if not isinstance(matches, list):
            raise SchemaError("no 'matches' list in the response")
        out = Parsed()
        for index, raw in enumerate(matches):
            what = f"match {dig(raw, 'id') or f'#{index}'}"
            try:
                snapshot, doubt = _match(raw)
            except _Skip as skip:
                out.problems.append(Problem(what, str(skip)))
                continue
            out.snapshots.append(snapshot)
            if doubt:  # the match goes on, its score stays as it was
                out.problems.append(Problem(what, f"score kept: {doubt}"))
        return out


class _Skip(ValueError):
    pass


def _match(raw: object) -> tuple[MatchSnapshot, str | None]:
    match_id = as_int(dig(raw, "id"))
    if match_id is None:
        raise _Skip("no id")
    home, away = _team(raw, "homeTeam"), _team(raw, "awayTeam")
    kickoff = _when(dig(raw, "utcDate"))
    status = dig(raw, "status")
    duration = dig(raw, "score", "duration")
    minute, added = as_int(dig(raw, "minute")), as_int(dig(raw, "injuryTime"))
    if minute is not None and not 0 <= minute <= 130:
        minute = None
    if added is not None and not 0 <= added <= 30:
        added = None
    phase = _phase(status, duration, minute)
    score, doubt = _score(raw, phase)
    snapshot = MatchSnapshot(
        id=f"fd-{match_id}",
        competition=clean_name(dig(raw, "competition", "name"))
        or clean_name(dig(raw, "competition", "code"))
        or "Football",
        round=_round(raw),
        home=home,
        away=away,
        kickoff=kickoff,
        phase=phase,
        minute=minute if phase not in ("scheduled", "full_time") else None,
        added=added if minute is not None and phase not in ("scheduled", "full_time") else None,
        score=score,
        penalties=_pair(dig(raw, "score", "penalties")),
        incidents=_incidents(raw, home, away),
        extra_time=duration in ("EXTRA_TIME", "PENALTY_SHOOTOUT"),
    )
    return snapshot, doubt


def _team(raw: object, key: str) -> TeamRef:
    name = clean_name(dig(raw, key, "shortName")) or clean_name(dig(raw, key, "name"))
    if name is None:
        raise _Skip(f"{key} has no name")
    code = clean_name(dig(raw, key, "tla"))
    ref = dig(raw, key, "id")
    return TeamRef(
        name=name,
        code=code if code and len(code) <= 8 else None,
        ref=str(ref) if isinstance(ref, int | str) and not isinstance(ref, bool) else None,
    )


def _when(value: object) -> datetime:
    if not isinstance(value, str):
        raise _Skip("no utcDate")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Skip(f"utcDate {value!r} is not a date") from None
    if when.tzinfo is None:
        raise _Skip(f"utcDate {value!r} has no time zone")
    return when


def _phase(status: object, duration: object, minute: int | None) -> Phase:
    if status in ("SCHEDULED", "TIMED"):
        return "scheduled"
    if status == "FINISHED":
        return "full_time"
    if isinstance(status, str) and status in _OFF_PATH:
        return _OFF_PATH[status]
    if status == "PAUSED":
        return "paused"
    if status in ("IN_PLAY", "LIVE"):
        if duration == "PENALTY_SHOOTOUT":
            return "penalties"
        if duration == "EXTRA_TIME":
            if minute is None:
                return "in_play"
            return "extra_time_first" if minute <= 105 else "extra_time_second"
        if minute is None:
            return "in_play"
        return "first_half" if minute <= 45 else "second_half"
    raise _Skip(f"unknown status {status!r}")


def _pair(value: object) -> tuple[int, int] | None:
    home, away = as_int(dig(value, "home")), as_int(dig(value, "away"))
    if home is None or away is None or home < 0 or away < 0:
        return None
    return home, away


def _score(raw: object, phase: Phase) -> tuple[tuple[int, int] | None, str | None]:
    """The match's goals, shoot-out excluded; (None, why) when the payload does not say."""
    if phase == "scheduled":
        return None, None
    full = _pair(dig(raw, "score", "fullTime"))
    regular = _pair(dig(raw, "score", "regularTime"))
    extra = _pair(dig(raw, "score", "extraTime"))
    pens = _pair(dig(raw, "score", "penalties"))
    if regular is not None and (pens is not None or extra is not None):
        extra = extra or (0, 0)
        return (regular[0] + extra[0], regular[1] + extra[1]), None
    if pens is not None and full is not None:
        home, away = full[0] - pens[0], full[1] - pens[1]
        if home < 0 or away < 0:
            return None, "penalties exceed fullTime"
        return (home, away), None
    if dig(raw, "score", "duration") == "PENALTY_SHOOTOUT":
        return None, "a shoot-out without its own score"
    return full, None


def _round(raw: object) -> str | None:
    stage, group, matchday = dig(raw, "stage"), dig(raw, "group"), as_int(dig(raw, "matchday"))
    if isinstance(group, str) and group:
        return clean_name(group.replace("_", " ").title())
    if stage in (None, "REGULAR_SEASON"):
        return f"Matchday {matchday}" if matchday else None
    if isinstance(stage, str):
        words = {"LAST_16": "Round of 16", "LAST_32": "Round of 32", "LAST_64": "Round of 64"}
        return clean_name(words.get(stage) or stage.replace("_", " ").capitalize())
    return None


def _incidents(raw: object, home: TeamRef, away: TeamRef) -> tuple[Incident, ...] | None:
    lists = [dig(raw, key) for key in ("goals", "bookings", "substitutions")]
    if all(value is None for value in lists):
        return None  # the plan gives no detail: unknown, not "nothing happened"
    goals, bookings, subs = (value if isinstance(value, list) else [] for value in lists)
    sides: dict[str, Side] = {}
    if home.ref and away.ref and home.ref != away.ref:
        sides = {home.ref: "home", away.ref: "away"}
    found: list[Incident] = []
    running = (0, 0)
    for goal in goals:
        side: Side | None = None
        # The goal's running score says for whom it counts, own goals included; the team is
        # read only when there is none.
        after = _pair(dig(goal, "score"))
        if after is not None and after != running:
            if after == (running[0] + 1, running[1]):
                side = "home"
            elif after == (running[0], running[1] + 1):
                side = "away"
            running = after
        if side is None:
            side = sides.get(_ref(dig(goal, "team", "id")) or "")
        if side is None:
            continue
        minute, added = as_int(dig(goal, "minute")), as_int(dig(goal, "injuryTime"))
        kind = dig(goal, "type")
        player = clean_name(dig(goal, "scorer", "name"))
        found.append(
            Incident(
                key="|".join(
                    ("g", str(minute), str(added), side, _ref(dig(goal, "scorer", "id")) or "")
                ),
                kind="goal",
                team=side,
                minute=minute,
                added=added or None,
                player=player,
                penalty=kind == "PENALTY",
                own_goal=kind == "OWN",
            )
        )
    for booking in bookings:
        side = sides.get(_ref(dig(booking, "team", "id")) or "")
        card = _CARDS.get(str(dig(booking, "card")))
        if side is None or card is None:
            continue
        minute = as_int(dig(booking, "minute"))
        player_ref = _ref(dig(booking, "player", "id"))
        found.append(
            Incident(
                key="|".join(("c", str(minute), side, card, player_ref or "")),
                kind="card",
                team=side,
                minute=minute,
                added=as_int(dig(booking, "injuryTime")) or None,
                player=clean_name(dig(booking, "player", "name")),
                card=card,
            )
        )
    for sub in subs:
        side = sides.get(_ref(dig(sub, "team", "id")) or "")
        if side is None:
            continue
        minute = as_int(dig(sub, "minute"))
        found.append(
            Incident(
                key="|".join(("s", str(minute), side, _ref(dig(sub, "playerOut", "id")) or "")),
                kind="substitution",
                team=side,
                minute=minute,
                added=as_int(dig(sub, "injuryTime")) or None,
                player_in=clean_name(dig(sub, "playerIn", "name")),
                player_out=clean_name(dig(sub, "playerOut", "name")),
            )
        )
    return tuple(found)


def _ref(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    return str(value)
