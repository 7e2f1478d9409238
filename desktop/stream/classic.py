"""Servers built from the original article: plain ``data:`` lines, no ids, no event names.

Each message reads ``Match Summary: {"time": "67'", "scores": "2:1", "event": "Goal! ..."}``.
:class:`ClassicAdapter` turns them into the same stream items as the real protocol. The
article's lines are about one match ``"classic"`` ("Team A" v "Team B", competition
"Classic feed");
Touchline's own classic lines name their match in the scores (``"Arsenal 2:1 Chelsea"``), and
each named match is a match of its own (``classic:Arsenal v Chelsea``):

* the first message is a silent baseline (a snapshot), as a first snapshot is; the first of
  another named match adds that match, as it stands;
* a side's score rising is a goal for that side (the message's text becomes the event text),
  a score falling is a disallowed goal; otherwise the text is matched against the phrase
  table the server's classic feed uses too (``server.wire_text.PHRASES``: kick-off, half
  time, full time, cards...) and anything else only moves the clock;
* ids are synthesized from content, ``classic-<hash>-<n>`` (n counts repeats of the same
  content within a connection), so a server that replays everything on each connection yields
  the same ids again and those messages are skipped;
* ``A v B (Competition)`` at ``00:00`` (what Touchline's own server sends for a new match)
  names the teams and the competition and starts that match afresh.

Servers built from the article know nothing of matches: their lines name none, and several
matches interleaved on one such stream cannot be told apart.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, datetime

from desktop.core.items import EventItem, MatchAddedItem, SnapshotItem, StreamItem
from server.wire import STATUS_AFTER, Match, MatchEvent, Score, Side, Snapshot, Status, Team
from server.wire_text import FIXTURE, FIXTURE_TIME, Summary, classify, parse_summary

MATCH_ID = "classic"

Teams = tuple[str, str] | None


def match_id(teams: Teams) -> str:
    """The id of the match a line is about: ``classic`` for the article's nameless lines."""
    return MATCH_ID if teams is None else f"{MATCH_ID}:{teams[0]} v {teams[1]}"


class ClassicAdapter:
    """Turns classic messages into stream items; one instance lives across reconnects."""

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.matches: dict[Teams, Match] = {}  # our mirror of each match, by the names
        self._now = now
        self._seen: set[str] = set()
        self._order: deque[str] = deque()
        self._repeats: Counter[str] = Counter()

    def new_connection(self) -> None:
        """A new connection starts counting repeats afresh (a replaying server starts over)."""
        self._repeats.clear()

    def _event_id(self, s: Summary) -> str:
        line = f"{s.time}|{s.teams}|{s.home}:{s.away}|{s.text}"
        digest = hashlib.sha1(line.encode()).hexdigest()[:12]
        self._repeats[digest] += 1
        return f"classic-{digest}-{self._repeats[digest]}"

    def _remember(self, event_id: str) -> bool:
        """False if already seen; keeps the last 10 000 ids."""
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        self._order.append(event_id)
        if len(self._order) > 10_000:
            self._seen.discard(self._order.popleft())
        return True

    def feed(self, data: str) -> list[StreamItem]:
        """Items for one message (``[]`` for a repeat); ValueError when malformed."""
        s = parse_summary(data)
        event_id = self._event_id(s)
        if not self._remember(event_id):
            return []
        fixture = FIXTURE.match(s.text) if s.time in ("", FIXTURE_TIME) else None
        match = self.matches.get(s.teams)
        if fixture or match is None:
            first = not self.matches
            match = self.matches[s.teams] = self._fresh(s, fixture)
            if not fixture:  # joined mid-match: take what the message says as the baseline
                match.minute, match.added = s.minute, s.added
                match.status = STATUS_AFTER.get(classify(s.text)[0], "live")
            if first:
                return [SnapshotItem(Snapshot(matches=[match.model_copy(deep=True)]), None)]
            return [MatchAddedItem(match.model_copy(deep=True), None)]
        ev = self._event(match, s, event_id)
        self._follow(match, ev)
        return [EventItem(ev, None)]

    def _fresh(self, s: Summary, fixture: re.Match[str] | None) -> Match:
        # Not "Live": the group would keep that name with the match at full time.
        (home, away), comp = s.teams or ("Team A", "Team B"), "Classic feed"
        if fixture:
            home, away, comp = fixture["home"], fixture["away"], fixture["comp"]
        return Match(
            id=match_id(s.teams),
            competition=comp[:80],
            home=Team(name=home[:80]),
            away=Team(name=away[:80]),
            kickoff=self._now(),
            score=Score(home=s.home, away=s.away),
        )

    def _event(self, match: Match, s: Summary, event_id: str) -> MatchEvent:
        d_home, d_away = s.home - match.score.home, s.away - match.score.away
        kind, card = classify(s.text)
        team: Side | None = None
        if d_home > 0 or d_away > 0:
            kind, team = "goal", "home" if d_home > 0 else "away"
        elif d_home < 0 or d_away < 0:
            kind, team = "goal_disallowed", "home" if d_home < 0 else "away"
        status: Status = match.status
        if kind == "goal" and status == "scheduled":
            status = "live"  # a goal proves the match is on, kick-off message or not
        elif kind == "second_half":
            status = "extra_time" if (match.minute or 0) >= 90 else "live"
        else:
            status = STATUS_AFTER.get(kind, status)
        minute, added = (s.minute, s.added) if s.minute is not None else (match.minute, None)
        lowered = s.text.lower()
        return MatchEvent(
            id=event_id,
            type=kind,
            match=match.id,
            minute=minute,
            added=added,
            team=team,
            text=s.text[:280],
            score=Score(home=s.home, away=s.away),
            status=status,
            penalties=match.penalties,
            penalty=kind == "goal" and "penalty" in lowered,
            own_goal=kind == "goal" and "own goal" in lowered,
            card=card,
            at=self._now(),
        )

    def _follow(self, match: Match, ev: MatchEvent) -> None:
        """Keeps our mirror of the match in step, to compare the next message's score."""
        match.score, match.status = ev.score, ev.status
        if ev.type == "clock" and ev.status not in ("live", "extra_time"):
            return
        match.minute, match.added = ev.minute, ev.added
