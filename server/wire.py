"""The wire format: the one definition of what travels between server, viewer and tests.

Imports nothing heavier than pydantic, so the viewer can use it without pulling in FastAPI.
Every key is always present on the wire (null or false when it does not apply), which is why
the models dump with defaults included and never use ``exclude_none``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
)

Side = Literal["home", "away"]
Status = Literal["scheduled", "live", "half_time", "extra_time", "penalties", "full_time"]
CardKind = Literal["yellow", "second_yellow", "red"]

#: What happened in a match. ``clock`` only moves a live match's minute on: it is streamed
#: but kept out of the timeline (``Match.events``).
EventType = Literal[
    "kickoff",
    "goal",
    "goal_disallowed",
    "card",
    "substitution",
    "half_time",
    "second_half",
    "extra_time",
    "penalty_shootout",
    "full_time",
    "clock",
]
#: Every event type, in the order above: derived, so a new type is added in one place.
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
#: The status a match is in after each event that sets it (``MatchEvent.status``); the
#: other events leave it as it was, but a second half, which starts extra time when it comes
#: after 90 minutes. The server's match rules and the viewer's classic adapter both use it.
STATUS_AFTER: dict[EventType, Status] = {
    "kickoff": "live",
    "half_time": "half_time",
    "extra_time": "extra_time",
    "penalty_shootout": "penalties",
    "full_time": "full_time",
}
#: A goal completed after it was published (its scorer, minute, penalty or own-goal flag came
#: later, as they do from live data providers): streamed so a viewer can rewrite that goal in
#: its timeline, never kept in the timeline itself (the goal there is rewritten in place). Kept
#: apart from EventType so that viewers which predate it skip it as an unknown event name
#: (the protocol asks clients to ignore those) and never meet it inside a snapshot.
UpdateType = Literal["goal_update"]

# Limits on free text: long enough for any real name, short enough to keep frames small.
MAX_NAME = 80
MAX_TEXT = 280
MAX_ID = 64
#: The most goals (or shoot-out kicks scored) a side can have. Far beyond any match played, and
#: it keeps every number the server stores one it can print and read back (int() stops at
#: 4,300 digits; pydantic's JSON parser far sooner).
MAX_SCORE = 999

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
# What publishers send is taken as it is (``strict``): pydantic's lax mode would read
# ``"55"``, ``55.0`` and ``true`` as the minute 55, 55 and 1, and ``"yes"`` as true.
Minute = Annotated[int, Field(ge=0, le=130, strict=True)]
Added = Annotated[int, Field(ge=0, le=30, strict=True)]
Goals = Annotated[int, Field(ge=0, le=MAX_SCORE, strict=True)]
Flag = Annotated[bool, Field(strict=True)]
MatchId = Annotated[str, Field(min_length=1, max_length=MAX_ID, pattern=r"^[A-Za-z0-9_.:-]+$")]


def _utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, second precision: ``2026-06-11T19:00:00Z``."""
    return _utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    code: Annotated[str, Field(min_length=1, max_length=8)] | None = None


class Score(BaseModel):
    model_config = ConfigDict(extra="forbid")

    home: Annotated[int, Field(ge=0)] = 0
    away: Annotated[int, Field(ge=0)] = 0

    def __str__(self) -> str:
        return f"{self.home}–{self.away}"


class ScoreIn(Score):
    """A score as publishers send it (a shoot-out's): whole numbers up to MAX_SCORE."""

    home: Goals = 0
    away: Goals = 0


def _score(value: object) -> object:
    """A shoot-out score may be given as a wire Score (a feed's): checked as a publisher's."""
    if isinstance(value, Score) and not isinstance(value, ScoreIn):
        return value.model_dump()
    return value


class MatchEvent(BaseModel):
    """One event of a match as streamed (its ``data:``) and as kept in ``Match.events``.

    ``team`` is the side the event counts for: for an own goal, the side whose score rises
    (the player belongs to the other side). ``score``/``status``/``penalties`` are the match's
    state after the event, so a client never has to recompute them.
    """

    model_config = ConfigDict(extra="ignore")

    id: str
    type: EventType | UpdateType
    match: str
    minute: int | None = None
    added: int | None = None
    team: Side | None = None
    player: str | None = None
    text: str = ""
    score: Score
    status: Status
    penalties: Score | None = None
    penalty: bool = False
    own_goal: bool = False
    card: CardKind | None = None
    player_in: str | None = None
    player_out: str | None = None
    #: penalty_shootout: whether that kick went in (null when the feed only has the total).
    scored: bool | None = None
    #: goal_disallowed: the id of the goal it takes back.
    cancels: str | None = None
    #: goal_update: the id of the goal it completes.
    updates: str | None = None
    #: When the server published it (UTC): lets a client tell catch-up from live.
    at: datetime | None = None

    @field_serializer("at")
    def _at_iso(self, value: datetime | None) -> str | None:
        return iso_utc(value) if value else None


class Match(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    competition: str
    round: str | None = None
    home: Team
    away: Team
    kickoff: datetime
    status: Status = "scheduled"
    minute: int | None = None
    added: int | None = None
    score: Score = Field(default_factory=Score)
    penalties: Score | None = None
    #: Match minutes per minute of wall time: 1 for a match played now, the replay's speed for
    #: a replayed one. A client runs the minute on between events at this rate (from
    #: kick-off and each event's ``at``); a server that does not send it means 1.
    clock_rate: Annotated[float, Field(gt=0)] = 1.0  # any --speed the replay was given
    # Last: server.core.broker.match_json writes the rest once and the events after it.
    events: list[MatchEvent] = Field(default_factory=list)

    @field_validator("kickoff")
    @classmethod
    def _kickoff_utc(cls, value: datetime) -> datetime:
        return _utc(value)

    @field_serializer("kickoff")
    def _kickoff_iso(self, value: datetime) -> str:
        return iso_utc(value)


class Snapshot(BaseModel):
    model_config = ConfigDict(extra="ignore")

    matches: list[Match]


# --- What publishers send (the publish API's bodies, and what feeds are turned into) ---------

#: Refused in what publishers send: C0 and C1 controls (a name with a NUL, a newline or an
#: escape is garbage and breaks a display line) and the explicit bidi embeddings, overrides
#: and isolates, which would reorder the text shown *around* a name. Right-to-left letters
#: need none of them; emoji, HTML-like text and every other character pass unchanged (they
#: are only ever shown as plain text). Lone surrogates pydantic refuses by itself.
NOT_PLAIN = "\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"
_NOT_PLAIN = re.compile(f"[{NOT_PLAIN}]")


def plain_text(value: str) -> str:
    """``value`` unchanged, or ValueError naming the first character that is not plain text."""
    found = _NOT_PLAIN.search(value)
    if found:
        raise ValueError(f"must be plain text: U+{ord(found.group()):04X} is a control character")
    return value


# A publisher's text field: length limits, plain text, and both stated in the OpenAPI schema
# (the pattern there is only documentation; plain_text gives the message). Written out as type
# aliases, not built by a function, so a type checker sees each one as the str it is.
_PLAIN_SCHEMA = Field(json_schema_extra={"pattern": f"^[^{NOT_PLAIN}]*$"})
_IS_PLAIN = AfterValidator(plain_text)
PlainName = Annotated[str, Field(min_length=1, max_length=MAX_NAME), _PLAIN_SCHEMA, _IS_PLAIN]
PlainText = Annotated[str, Field(min_length=0, max_length=MAX_TEXT), _PLAIN_SCHEMA, _IS_PLAIN]
PlainCode = Annotated[str, Field(min_length=1, max_length=8), _PLAIN_SCHEMA, _IS_PLAIN]


class TeamIn(Team):
    """A team as publishers send it: a plain-text name and code."""

    name: PlainName
    code: PlainCode | None = None


def _team(value: object) -> object:
    """Team names may be given as a plain string, as ``{name, code}`` or as a Team."""
    if isinstance(value, Team) and not isinstance(value, TeamIn):
        return value.model_dump()  # a feed's Team is checked like a publisher's
    return {"name": value} if isinstance(value, str) else value


class MatchIn(BaseModel):
    """``POST /api/matches``: a new match for a live scorer."""

    model_config = ConfigDict(extra="forbid")

    id: (
        Annotated[str, Field(min_length=1, max_length=MAX_ID, pattern=r"^[A-Za-z0-9_.:-]+$")] | None
    ) = None
    competition: PlainName = "Friendly"
    round: PlainName | None = None
    home: TeamIn
    away: TeamIn
    kickoff: datetime | None = None

    _home = field_validator("home", mode="before")(lambda cls, v: _team(v))
    _away = field_validator("away", mode="before")(lambda cls, v: _team(v))


class EventIn(BaseModel):
    """``POST /api/matches/{id}/events``: one event; the server computes score and status."""

    model_config = ConfigDict(extra="forbid")

    type: EventType | UpdateType
    minute: Minute | None = None
    added: Added | None = None
    team: Side | None = None
    player: PlainName | None = None
    text: PlainText | None = None
    penalty: Flag = False
    own_goal: Flag = False
    card: CardKind | None = None
    player_in: PlainName | None = None
    player_out: PlainName | None = None
    scored: Flag | None = None
    #: penalty_shootout from a feed that only knows the final shoot-out score.
    penalties: ScoreIn | None = None
    #: goal_disallowed: the id of the goal to take back (default: the side's latest standing).
    cancels: Annotated[str, Field(min_length=1, max_length=MAX_ID)] | None = None
    #: goal_update: the id of the goal to complete; its player, minute, added, penalty and
    #: own_goal become the update's (a player or minute left out stays as it was).
    updates: Annotated[str, Field(min_length=1, max_length=MAX_ID)] | None = None

    _penalties = field_validator("penalties", mode="before")(lambda cls, v: _score(v))
