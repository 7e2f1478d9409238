"""Matches and events for viewer tests, produced by the server's own rules (match_state)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.core.match_state import apply_event
from server.wire import EventIn, Match, MatchEvent, Team

KICKOFF = datetime(2026, 6, 11, 19, 0, tzinfo=UTC)


def match(
    match_id: str,
    home: str = "Mexico",
    away: str = "South Africa",
    competition: str = "World Cup 2026",
    kickoff: datetime = KICKOFF,
    round: str | None = "Group A",
) -> Match:
    return Match(
        id=match_id,
        competition=competition,
        round=round,
        home=Team(name=home),
        away=Team(name=away),
        kickoff=kickoff,
    )


def later(hours: float) -> datetime:
    return KICKOFF + timedelta(hours=hours)


class Feed:
    """Turns EventIn into streamed MatchEvents the way the server does, with increasing ids."""

    def __init__(self, *matches: Match) -> None:
        self.matches = {m.id: m.model_copy(deep=True) for m in matches}
        self.seq = 0

    def __call__(self, match_id: str, type: str, **kw: object) -> MatchEvent:
        self.seq += 1
        return apply_event(self.matches[match_id], EventIn(type=type, **kw), f"1-{self.seq}")
