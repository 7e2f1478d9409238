"""Touchline's own feed format: matches plus the events of each, exactly as published.

A JSON object with three keys::

    {
      "name": "Saturday football",
      "matches": [
        {"id": "ars-che", "competition": "Premier League", "round": "Matchday 13",
         "home": {"name": "Arsenal", "code": "ARS"}, "away": "Chelsea",
         "kickoff": "2025-11-29T15:00:00Z"}
      ],
      "events": [
        {"match": "ars-che", "type": "kickoff"},
        {"match": "ars-che", "type": "goal", "minute": 23, "team": "home", "player": "B. Saka"},
        {"match": "ars-che", "type": "card", "minute": 31, "team": "away", "card": "yellow",
         "player": "M. Caicedo"},
        {"match": "ars-che", "type": "half_time", "minute": 45, "added": 2},
        {"match": "ars-che", "type": "second_half"},
        {"match": "ars-che", "type": "substitution", "minute": 60, "team": "away",
         "player_in": "C. Palmer", "player_out": "N. Jackson"},
        {"match": "ars-che", "type": "goal", "minute": 90, "added": 3, "team": "away",
         "player": "C. Palmer", "penalty": true},
        {"match": "ars-che", "type": "full_time", "minute": 90, "added": 5}
      ]
    }

``name`` (optional): the feed's name; defaults to the file name.

``matches``: ``id`` (letters, digits and ``_.:-``, unique), ``competition`` (defaults to the
feed's ``name``), ``round`` (optional), ``home`` and ``away`` (a name, or
``{"name", "code"}``), ``kickoff`` (ISO 8601; without a UTC offset it is taken as UTC). Only
differences between kick-offs matter to the replay, which moves the matchday to now.

``events``: each names its ``match`` by id and carries the fields of the publish API's
EventIn: ``type`` (kickoff, goal, goal_disallowed, card, substitution, half_time,
second_half, extra_time, penalty_shootout, full_time), ``minute`` (0-120) and ``added``
(stoppage minutes, only after minute 45, 90, 105 or 120: 90+3 is ``"minute": 90,
"added": 3``), ``team`` (``"home"``/``"away"``, or the team's name or code), ``player``,
``text`` (shown instead of the generated line), ``penalty``/``own_goal`` on goals (for an own
goal, ``team`` is the side whose score rises), ``card`` (yellow, second_yellow, red),
``player_in``/``player_out``, and for a shoot-out either one event per kick (``team``,
``player``, ``scored``) or one event with the final ``penalties`` score
(``{"home": 4, "away": 2}``, ``team`` = the winner).

Rules: each match's events are listed in the order they happen (matches may interleave).
Whistles are explicit: ``kickoff``; ``half_time`` and ``second_half``; for extra time,
``half_time`` at the end of normal time (optional), ``extra_time``, ``half_time`` and
``second_half`` between its halves; ``penalty_shootout``; ``full_time``. A whistle without
a minute happens at the nominal end of its period (45, 90, 105, 120) or after the last
event. Minutes must lie in their period (first half 0-45, second half 46-90, extra time
91-105 and 106-120) and never go back. ``goal_disallowed`` takes back the side's latest
standing goal (a VAR reversal). ``clock`` events are not allowed: the replay adds them.
A match without events stays scheduled. Anything the server would refuse makes the whole
file fail to load with a message naming the entry, e.g.
``demo.json: events[12]: unknown match 'ars-chx'``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from server.feeds.errors import FeedError, from_validation
from server.feeds.model import Feed, FeedEvent, build_feed
from server.wire import MAX_NAME, EventIn, MatchId, MatchIn, Team, TeamIn

Text = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]


def team_of(value: object) -> object:
    """Teams may be given as a plain name or as ``{name, code}``."""
    return {"name": value} if isinstance(value, str) else value


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class MatchSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: MatchId
    competition: Text | None = None
    round: Text | None = None
    home: Team
    away: Team
    kickoff: datetime

    _home = field_validator("home", mode="before")(lambda cls, v: team_of(v))
    _away = field_validator("away", mode="before")(lambda cls, v: team_of(v))
    _kickoff = field_validator("kickoff")(lambda cls, v: as_utc(v))


class TouchlineFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    matches: list[MatchSpec]
    #: Each event is validated on its own, so that an error names its entry.
    events: list[object]


def looks_like(data: object) -> bool:
    """Has ``events``, or matches with ``home`` (openfootball's have ``team1``)."""
    if not isinstance(data, dict):
        return False
    matches = data.get("matches")
    first = matches[0] if isinstance(matches, list) and matches else None
    return "events" in data or (isinstance(first, dict) and "home" in first)


def parse(path: str, default_name: str, data: object) -> Feed:
    try:
        doc = TouchlineFile.model_validate(data)
    except ValidationError as exc:
        raise from_validation(path, (), exc) from None
    name = doc.name or default_name
    matches = [
        (
            f"matches[{i}]",
            MatchIn(
                id=m.id,
                competition=m.competition or name,
                round=m.round,
                # Checked again as a publisher's team (plain text), as the API would.
                home=TeamIn(name=m.home.name, code=m.home.code),
                away=TeamIn(name=m.away.name, code=m.away.code),
                kickoff=m.kickoff,
            ),
        )
        for i, m in enumerate(doc.matches)
    ]
    by_id = {m.id: m for _, m in matches}
    events = []
    for i, raw in enumerate(doc.events):
        where = f"events[{i}]"
        if not isinstance(raw, dict):
            raise FeedError(path, where, "an event must be a JSON object")
        fields = dict(raw)
        match_id = fields.pop("match", None)
        if not isinstance(match_id, str):
            raise FeedError(path, where, "an event needs a match id ('match')")
        match = by_id.get(match_id)
        if match is None:
            raise FeedError(path, where, f"unknown match '{match_id}'")
        if "team" in fields:
            fields["team"] = _side(path, f"{where}.team", match, fields["team"])
        try:
            ev = EventIn.model_validate(fields)
        except ValidationError as exc:
            raise from_validation(path, ("events", i), exc) from None
        events.append((where, FeedEvent(match_id, ev)))
    return build_feed(path, name, matches, events)


def _side(path: str, where: str, match: MatchIn, team: object) -> object:
    """``team`` may name a side by ``home``/``away`` or by the team's name or code."""
    if not isinstance(team, str) or team in ("home", "away"):
        return team
    for side in ("home", "away"):
        t: Team = getattr(match, side)
        if team.casefold() in (t.name.casefold(), (t.code or "").casefold()):
            return side
    raise FeedError(
        path,
        where,
        f"'{team}' is not playing in match '{match.id}' ({match.home.name} v {match.away.name})",
    )
