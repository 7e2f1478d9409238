"""The classic feed of the original article: one match as a list of score lines.

::

    [{"time": "00:05", "scores": "0:0", "event": "Kick-off at the Old Ground"},
     {"time": "23:10", "scores": "1:0", "event": "Goal! Team A scores!"},
     {"time": "45:00", "scores": "1:0", "event": "Half time"},
     {"time": "67:40", "scores": "1:1", "event": "Goal! Team B scores!"}]

How it maps onto Touchline's events (the wire format has no free-text event, so only score
changes and whistles survive):

- One match, "Team A" v "Team B", competition "Classic feed", its id made from the file
  name, kick-off today at 15:00 UTC (the replay moves it to now anyway).
- ``time`` is one continuous match clock, ``MM:SS`` since kick-off. The minute is the clock
  rounded up (``00:05`` is the 1st minute, ``45:00`` the 45th); up to ``45:00`` is the first
  half, after it the second; past ``90:00`` is stoppage time (``92:30`` is 90+3). Times
  must not go back; the clock ends at ``120:00``.
- ``scores`` is ``"home:away"``. Each point a side's score rises is a goal for that side
  carrying the entry's text; each point it falls is a ``goal_disallowed`` (a VAR reversal).
- An entry that does not change the score gives its text to the whistle it mentions
  ("kick-off", "half time", "full time": the phrases of server/wire_text.py, which the
  viewer reads classic streams with); any other such entry is dropped.
- Kick-off at minute 0, half time at 45, the second half and full time at 90 (or at the
  last entry's stoppage minute) are always added.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, field_validator

from server.feeds.errors import FeedError, from_validation
from server.feeds.model import Feed, FeedEvent, build_feed
from server.wire import MAX_TEXT, EventIn, EventType, MatchIn, Side, TeamIn
from server.wire_text import mentions

COMPETITION = "Classic feed"
#: The whistles an entry's text may be given to (the phrases are server.wire_text's, the
#: table the viewer reads classic streams with).
WHISTLES: tuple[EventType, ...] = ("kickoff", "half_time", "full_time")


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time: str
    scores: str
    event: Annotated[str, Field(max_length=MAX_TEXT)] = ""

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not re.fullmatch(r"\d{1,3}:[0-5]\d", value):
            raise ValueError(f"'{value}' is not a match clock like 67:05")
        return value

    @field_validator("scores")
    @classmethod
    def _scores(cls, value: str) -> str:
        if not re.fullmatch(r"\s*\d{1,3}\s*:\s*\d{1,3}\s*", value):
            raise ValueError(f"'{value}' is not a score like 2:1")
        return value


Entries = RootModel[list[Entry]]


def looks_like(data: object) -> bool:
    return isinstance(data, list)


def _clock(entry: Entry) -> tuple[int, int | None]:
    """Football minute (and stoppage) of an ``MM:SS`` clock, continuous over both halves."""
    minutes, seconds = (int(x) for x in entry.time.split(":"))
    minute = minutes + (1 if seconds else 0)
    return (minute, None) if minute <= 90 else (90, minute - 90)


def parse(path: str, stem: str, data: object) -> Feed:
    try:
        entries = Entries.model_validate(data).root
    except ValidationError as exc:
        raise from_validation(path, (), exc) from None
    if not entries:
        raise FeedError(path, "", "the classic feed is an empty list")
    match_id = re.sub(r"[^A-Za-z0-9_.:-]+", "-", stem).strip("-")[:64] or "classic"
    match = MatchIn(
        id=match_id,
        competition=COMPETITION,
        home=TeamIn(name="Team A"),
        away=TeamIn(name="Team B"),
        kickoff=datetime.combine(datetime.now(UTC).date(), time(15, 0), tzinfo=UTC),
    )
    texts: dict[str, str] = {}
    first_half: list[tuple[str, EventIn]] = []
    second_half: list[tuple[str, EventIn]] = []
    score: tuple[int, ...] = (0, 0)
    last, end_added = (0, 0), None
    for i, entry in enumerate(entries):
        where = f"[{i}]"
        minute, added = _clock(entry)
        if (minute, added or 0) < last:
            raise FeedError(path, f"{where}.time", f"{entry.time} comes before the entry above")
        if added is not None and added > 30:
            raise FeedError(path, f"{where}.time", f"{entry.time} is past the end (120:00)")
        last, end_added = (minute, added or 0), added or end_added
        new = tuple(int(x) for x in entry.scores.split(":"))
        changes = _changes(score, new, minute, added, entry.event or None)
        score = new
        if not changes and entry.event:
            for whistle, _ in mentions(entry.event):
                if whistle in WHISTLES and whistle not in texts:
                    texts[whistle] = entry.event
                    break
        (first_half if minute <= 45 and added is None else second_half).extend(
            (where, ev) for ev in changes
        )
    events = [
        ("[0]", EventIn(type="kickoff", minute=0, text=texts.get("kickoff"))),
        *first_half,
        ("[0]", EventIn(type="half_time", minute=45, text=texts.get("half_time"))),
        ("[0]", EventIn(type="second_half")),
        *second_half,
        (
            f"[{len(entries) - 1}]",
            EventIn(type="full_time", minute=90, added=end_added, text=texts.get("full_time")),
        ),
    ]
    return build_feed(
        path,
        stem,
        [("[0]", match)],
        [(where, FeedEvent(match_id, ev)) for where, ev in events],
    )


def _changes(
    old: tuple[int, ...], new: tuple[int, ...], minute: int, added: int | None, text: str | None
) -> list[EventIn]:
    """Goals (and disallowed goals) that take the score from ``old`` to ``new``."""
    out: list[EventIn] = []
    sides: tuple[tuple[Side, int, int], ...] = (("home", old[0], new[0]), ("away", old[1], new[1]))
    for side, before, after in sides:
        kind: EventType = "goal" if after > before else "goal_disallowed"
        for _ in range(abs(after - before)):
            # The entry's text describes the change; extra goals in one entry get the default.
            out.append(EventIn(type=kind, minute=minute, added=added, team=side, text=text))
            text = None
    # Disallowed goals first: "1:0" -> "0:1" is a reversal, then the other side scores.
    return sorted(out, key=lambda ev: ev.type != "goal_disallowed")
