"""ESPN's public site API: no key, but unofficial and undocumented (ESPN closed its public API
programme in 2014): it may change or go away without notice, so it is opt-in.

``GET /apis/site/v2/sports/soccer/{league}/scoreboard?dates=YYYYMMDD``: one request per league
and day (date ranges ``dates=A-B`` have answered 400 since September 2026), dates in UTC.

Shapes (read from public captures): ``events[]{id, date, name, competitions[0]{status?,
competitors[]{homeAway, score (a string), shootoutScore?, team{id, displayName,
shortDisplayName, abbreviation}}, details[]{type{id, text}, clock{value, displayValue "45'+1'"},
team{id}, scoringPlay, redCard, yellowCard, penaltyKick, ownGoal, shootout,
athletesInvolved[]{id, displayName, team{id}}}, notes[]{headline}}, status{displayClock,
period, type{name (STATUS_FIRST_HALF...), state pre|in|post}}}``. Details carry no ids, so
incidents are keyed by clock, type, team and player, and shoot-out kicks by their order.

Substitutions are only in ``.../summary?event=ID`` (``keyEvents``), one more request per live
match: not fetched (yet), so ESPN matches have goals, cards and kicks but no substitutions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

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
    parse_clock,
)
from server.wire import CardKind, Side

BASE_URL = "https://site.api.espn.com"

#: ``status.type.name`` → phase. Names not listed fall back on ``state`` and ``period``.
_NAMES: dict[str, Phase] = {
    "STATUS_SCHEDULED": "scheduled",
    "STATUS_DELAYED": "scheduled",
    "STATUS_FIRST_HALF": "first_half",
    "STATUS_HALFTIME": "half_time",
    "STATUS_SECOND_HALF": "second_half",
    "STATUS_END_OF_REGULATION": "second_half",  # the break before extra time
    "STATUS_FIRST_HALF_EXTRA_TIME": "extra_time_first",
    "STATUS_EXTRA_TIME_FIRST_HALF": "extra_time_first",
    "STATUS_HALFTIME_ET": "extra_time_break",
    "STATUS_EXTRA_TIME_HALFTIME": "extra_time_break",
    "STATUS_SECOND_HALF_EXTRA_TIME": "extra_time_second",
    "STATUS_EXTRA_TIME_SECOND_HALF": "extra_time_second",
    "STATUS_END_OF_EXTRATIME": "extra_time_second",  # the break before the shoot-out
    "STATUS_END_OF_EXTRA_TIME": "extra_time_second",
    "STATUS_SHOOTOUT": "penalties",
    "STATUS_PENALTY_SHOOTOUT": "penalties",
    "STATUS_FULL_TIME": "full_time",
    "STATUS_FINAL": "full_time",
    "STATUS_FINAL_AET": "full_time",
    "STATUS_FULL_TIME_EXTRA_TIME": "full_time",
    "STATUS_FINAL_PEN": "full_time",
    "STATUS_POSTPONED": "postponed",
    "STATUS_CANCELED": "cancelled",
    "STATUS_SUSPENDED": "suspended",
    "STATUS_ABANDONED": "abandoned",
    "STATUS_FORFEIT": "awarded",
}
_AFTER_EXTRA_TIME = ("STATUS_FINAL_AET", "STATUS_FULL_TIME_EXTRA_TIME", "STATUS_FINAL_PEN")
_BY_PERIOD: dict[int, Phase] = {
    1: "first_half",
    2: "second_half",
    3: "extra_time_first",
    4: "extra_time_second",
    5: "penalties",
}


class Espn:
    name = "espn"
    base_url = BASE_URL
    #: ESPN states no limit; this is a polite ceiling, well above what a poll cycle needs.
    rate_limit = 30

    def __init__(self, leagues: Sequence[str]) -> None:
        self.leagues = tuple(leagues)

    def __repr__(self) -> str:
        return f"Espn(leagues={self.leagues!r})"

    def requests(self, days: Sequence[date]) -> list[Request]:
        return [
            Request(
                f"/apis/site/v2/sports/soccer/{league}/scoreboard",
                {"dates": day.strftime("%Y%m%d")},
            )
            for league in self.leagues
            for day in days
        ]

    def parse(self, request: Request, body: object) -> Parsed:
        events = dig(body, "events")
        if not isinstance(events, list):
            raise SchemaError("no 'events' list in the response")
        league = request.path.split("/soccer/", 1)[-1].split("/", 1)[0]
        competition = (
            clean_name(dig(body, "leagues", 0, "name"))
            or clean_name(dig(body, "leagues", 0, "abbreviation"))
            or league
        )
        out = Parsed()
        for index, raw in enumerate(events):
            try:
                out.snapshots.append(_event(raw, competition))
            except _Skip as skip:
                out.problems.append(Problem(f"event {dig(raw, 'id') or f'#{index}'}", str(skip)))
        return out


class _Skip(ValueError):
    pass


def _event(raw: object, competition: str) -> MatchSnapshot:
    event_id = dig(raw, "id")
    if not isinstance(event_id, str | int) or isinstance(event_id, bool) or not str(event_id):
        raise _Skip("no id")
    contest = dig(raw, "competitions", 0)
    if not isinstance(contest, dict):
        raise _Skip("no competitions[0]")
    competitors = dig(contest, "competitors")
    if not isinstance(competitors, list):
        raise _Skip("no competitors")
    by_side = {c.get("homeAway"): c for c in competitors if isinstance(c, dict)}
    if "home" not in by_side or "away" not in by_side:
        raise _Skip("no home and away competitors")
    home, away = _team(by_side["home"], "home"), _team(by_side["away"], "away")
    status = dig(raw, "status") or dig(contest, "status")
    name = dig(status, "type", "name")
    period = as_int(dig(status, "period")) or 0
    phase = _phase(name, dig(status, "type", "state"), period)
    playing = phase not in ("scheduled", "full_time", "postponed", "cancelled", "awarded")
    minute, added = parse_clock(dig(status, "displayClock")) if playing else (None, None)
    score = None
    if phase != "scheduled":
        goals = as_int(by_side["home"].get("score")), as_int(by_side["away"].get("score"))
        if goals[0] is None or goals[1] is None:
            raise _Skip("a score that is not a number")
        score = (goals[0], goals[1])
    shootout = (
        as_int(by_side["home"].get("shootoutScore")),
        as_int(by_side["away"].get("shootoutScore")),
    )
    refs: dict[str, Side] = {}
    if home.ref and away.ref and home.ref != away.ref:
        refs = {home.ref: "home", away.ref: "away"}
    incidents = _incidents(dig(contest, "details"), refs)
    penalties = None
    if shootout[0] is not None and shootout[1] is not None:
        penalties = (shootout[0], shootout[1])
    if penalties is None and incidents and any(i.kind == "shootout" for i in incidents):
        kicks = [i for i in incidents if i.kind == "shootout" and i.scored]
        penalties = (
            sum(i.team == "home" for i in kicks),
            sum(i.team == "away" for i in kicks),
        )
    return MatchSnapshot(
        id=f"espn-{event_id}",
        competition=competition,
        round=clean_name(dig(contest, "notes", 0, "headline")),
        home=home,
        away=away,
        kickoff=_when(dig(raw, "date") or dig(contest, "date")),
        phase=phase,
        minute=minute,
        added=added,
        score=score,
        penalties=penalties,
        incidents=incidents,
        extra_time=period >= 3 or name in _AFTER_EXTRA_TIME,
    )


def _team(competitor: dict[str, Any], side: str) -> TeamRef:
    team = competitor.get("team")
    name = clean_name(dig(team, "displayName")) or clean_name(dig(team, "shortDisplayName"))
    if name is None:
        raise _Skip(f"the {side} team has no name")
    code = clean_name(dig(team, "abbreviation"))
    ref = dig(team, "id") or competitor.get("id")
    return TeamRef(
        name=name,
        code=code if code and len(code) <= 8 else None,
        ref=str(ref) if isinstance(ref, str | int) and not isinstance(ref, bool) else None,
    )


def _when(value: object) -> datetime:
    if not isinstance(value, str):
        raise _Skip("no date")
    try:  # "2025-05-25T15:00Z": no seconds, which fromisoformat reads since 3.11
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Skip(f"date {value!r} is not a date") from None
    if when.tzinfo is None:
        raise _Skip(f"date {value!r} has no time zone")
    return when


def _phase(name: object, state: object, period: int) -> Phase:
    if isinstance(name, str) and name in _NAMES:
        return _NAMES[name]
    # A name not seen before (STATUS_IN_PROGRESS, STATUS_END_PERIOD, a new one): the state and
    # the period still say where the match is.
    if state == "pre":
        return "scheduled"
    if state == "post":
        return "full_time"
    if state == "in" and period in _BY_PERIOD:
        return _BY_PERIOD[period]
    raise _Skip(f"unknown status {name!r} (state {state!r}, period {period})")


def _incidents(details: object, refs: dict[str, Side]) -> tuple[Incident, ...] | None:
    if details is None:
        return None
    if not isinstance(details, list):
        return ()
    found: list[Incident] = []
    kicks: dict[Side, int] = {"home": 0, "away": 0}
    yellows: set[str] = set()
    for detail in details:
        side = refs.get(_ref(dig(detail, "team", "id")) or "")
        if side is None:
            continue
        text = str(dig(detail, "type", "text") or "").lower()
        athlete = dig(detail, "athletesInvolved", 0)
        player = clean_name(dig(athlete, "displayName")) or clean_name(dig(athlete, "shortName"))
        who = _ref(dig(athlete, "id")) or player or ""
        minute, added = parse_clock(dig(detail, "clock", "displayValue"))
        clock = str(dig(detail, "clock", "displayValue") or dig(detail, "clock", "value") or "")
        kind_id = str(dig(detail, "type", "id") or text)
        if dig(detail, "shootout") is True:
            kicks[side] += 1
            scoring = dig(detail, "scoringPlay")
            scored = scoring if isinstance(scoring, bool) else not ("miss" in text or "sav" in text)
            found.append(
                Incident(
                    key=f"k|{side}|{kicks[side]}",
                    kind="shootout",
                    team=side,
                    player=player,
                    scored=scored,
                )
            )
        elif dig(detail, "scoringPlay") is True:
            own_goal = dig(detail, "ownGoal") is True or "own goal" in text
            team: Side = side
            if own_goal:
                # It counts for the other side than the player's: the athlete's own team where
                # the detail names it, else the detail's team.
                player_side = refs.get(_ref(dig(athlete, "team", "id")) or "") or side
                team = "away" if player_side == "home" else "home"
            found.append(
                Incident(
                    key=f"g|{clock}|{kind_id}|{team}|{who}",
                    kind="goal",
                    team=team,
                    minute=minute,
                    added=added,
                    player=player,
                    penalty=dig(detail, "penaltyKick") is True or text.startswith("penalty"),
                    own_goal=own_goal,
                )
            )
        elif dig(detail, "redCard") is True or dig(detail, "yellowCard") is True:
            card: CardKind = "yellow"
            if dig(detail, "redCard") is True:
                second = "second yellow" in text or "yellow-red" in text or who in yellows
                card = "second_yellow" if second and who else "red"
            elif who:
                yellows.add(who)
            found.append(
                Incident(
                    key=f"c|{clock}|{kind_id}|{side}|{who}",
                    kind="card",
                    team=side,
                    minute=minute,
                    added=added,
                    player=player,
                    card=card,
                )
            )
        elif text == "substitution":
            player_out = dig(detail, "athletesInvolved", 1)
            found.append(
                Incident(
                    key=f"s|{clock}|{side}|{who}",
                    kind="substitution",
                    team=side,
                    minute=minute,
                    added=added,
                    player_in=player,
                    player_out=clean_name(dig(player_out, "displayName")),
                )
            )
    return tuple(found)


def _ref(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    return str(value)
