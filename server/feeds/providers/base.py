"""What every live data provider turns its responses into, and the interface a provider module
implements. No I/O here and none in a provider's parser: the poller fetches, the parser reads.

A provider answers "what does the match look like now" (a :class:`MatchSnapshot` per match);
the detector (:mod:`server.feeds.providers.detector`) turns successive snapshots into the
wire's events. So a third provider is one module with two methods: the requests of a poll
cycle, and a parser from a response to snapshots.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

from server.wire import MAX_NAME, NOT_PLAIN, CardKind, Side

#: Where a match is, as providers describe it (each maps its own statuses onto these).
#: The breaks before extra time and before a shoot-out are reported as the phase they follow
#: (the clock stops there): the wire has no status for them.
Phase = Literal[
    "scheduled",
    "first_half",
    "half_time",
    "second_half",
    "extra_time_first",
    "extra_time_break",
    "extra_time_second",
    "penalties",
    "full_time",
    # Playing, or in a break, without saying which half (football-data without a minute):
    # the detector places them after what it already saw.
    "in_play",
    "paused",
    # Off the usual path:
    "postponed",  # will be played another day
    "cancelled",  # will not be played
    "suspended",  # stopped for now, may resume
    "abandoned",  # stopped for good
    "awarded",  # the result was decided off the pitch
]

IncidentKind = Literal["goal", "card", "substitution", "shootout"]


@dataclass(frozen=True, slots=True)
class Incident:
    """One thing that happened in a match, as the provider lists it.

    ``key`` identifies it across polls: the provider's own id where it has one, else built
    from clock, type, team and player. ``team`` is the side it counts for: for an own goal,
    the side whose score rises."""

    key: str
    kind: IncidentKind
    team: Side
    minute: int | None = None
    added: int | None = None
    player: str | None = None
    penalty: bool = False
    own_goal: bool = False
    card: CardKind | None = None
    player_in: str | None = None
    player_out: str | None = None
    scored: bool | None = None  # a shoot-out kick: whether it went in

    def detail(self) -> tuple[str | None, int | None, int | None, bool, bool]:
        """A goal's detail as published: what a goal_update changes."""
        return (self.player, self.minute, self.added, self.penalty, self.own_goal)


@dataclass(frozen=True, slots=True)
class TeamRef:
    name: str
    code: str | None = None
    ref: str | None = None  # the provider's id for the team: a rename keeps it


@dataclass(frozen=True, slots=True)
class MatchSnapshot:
    """One match as one response describes it."""

    id: str  # the wire's match id: provider-prefixed ("fd-537391", "espn-704649")
    competition: str
    round: str | None
    home: TeamRef
    away: TeamRef
    kickoff: datetime
    phase: Phase
    minute: int | None = None
    added: int | None = None
    #: Goals in play (regular and extra time, never the shoot-out); None when the response
    #: does not say (a match not started, a payload that cannot be read without guessing).
    score: tuple[int, int] | None = None
    penalties: tuple[int, int] | None = None  # the shoot-out score
    #: Goals, cards, substitutions and kicks in the order listed; None when the provider (or
    #: the plan) gives no detail at all, which is not the same as "nothing happened yet".
    incidents: tuple[Incident, ...] | None = None
    #: Whether extra time is or was played (what the route to full time passes through).
    extra_time: bool = False


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP GET of a poll cycle (the poller adds the base URL)."""

    path: str
    params: dict[str, str] = field(default_factory=dict)
    #: Kept out of repr: it may hold the token, which must never reach a log.
    headers: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a response, logged once: ``what`` names the match or the field."""

    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.what}: {self.why}"


@dataclass
class Parsed:
    snapshots: list[MatchSnapshot] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class SchemaError(ValueError):
    """A response the parser cannot read at all (not JSON of the expected shape)."""


class Provider(Protocol):
    #: The name on the command line (``--provider``) and in logs and store keys.
    name: str
    #: Where requests go unless ``--provider-url`` says otherwise.
    base_url: str
    #: The provider's documented limit, requests a minute (the poller's default budget).
    rate_limit: int

    def requests(self, days: Sequence[date]) -> list[Request]:
        """The requests of one poll cycle covering ``days`` (UTC dates, oldest first)."""
        ...

    def parse(self, request: Request, body: object) -> Parsed:
        """The matches of one response's JSON; raises SchemaError when it cannot be read.

        A match that cannot be read is skipped with a Problem; the others go on."""
        ...


# --- helpers shared by the parsers --------------------------------------------------------------

_NOT_PLAIN = re.compile(f"[{NOT_PLAIN}]")


def clean_name(value: object) -> str | None:
    """A provider's name as the wire takes it: plain text, trimmed, at most MAX_NAME long."""
    if not isinstance(value, str):
        return None
    text = " ".join(_NOT_PLAIN.sub(" ", value).split())[:MAX_NAME].strip()
    return text or None


def as_int(value: object) -> int | None:
    """An int from an int or a string of digits (providers use both); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def dig(data: object, *path: str | int) -> object:
    """``data[path[0]][path[1]]...``, or None where the path is missing or the wrong shape."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or not -len(data) <= step < len(data):
                return None
            data = data[step]
        else:
            if not isinstance(data, dict):
                return None
            data = data.get(step)
    return data


_CLOCK = re.compile(r"^\s*(\d{1,3})\s*'?\s*(?:\+\s*(\d{1,2})\s*'?)?\s*$")


def parse_clock(text: object) -> tuple[int | None, int | None]:
    """``"45'+1'"`` → (45, 1), ``"67'"`` → (67, None), ``"90+3"`` → (90, 3); else (None, None).

    A provider's clock, which puts an apostrophe after both numbers (ESPN), unlike the wire's
    ``90+3'`` (server.wire_text.parse_minute); out-of-range minutes are refused, not kept."""
    if not isinstance(text, str):
        return None, None
    found = _CLOCK.match(text)
    if not found:
        return None, None
    minute = int(found.group(1))
    added = int(found.group(2)) if found.group(2) else None
    if minute > 130 or (added is not None and added > 30):
        return None, None
    return minute, added or None
