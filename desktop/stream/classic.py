"""Servers built from the original article: plain ``data:`` lines, no ids, no event names.

Each message reads ``Match Summary: {"time": "67'", "scores": "2:1", "event": "Goal! ..."}``.
:class:`ClassicAdapter` turns them into the same stream items as the real protocol, for one
match ``"classic"`` ("Team A" v "Team B", competition "Live"):

* the first message is a silent baseline (a snapshot), as a first snapshot is;
* a side's score rising is a goal for that side (the message's text becomes the event text),
  a score falling is a disallowed goal; otherwise the text is matched against the usual
  phrases (kick-off, half time, full time, cards...) and anything else only moves the clock;
* ids are synthesized from content, ``classic-<hash>-<n>`` (n counts repeats of the same
  content within a connection), so a server that replays everything on each connection yields
  the same ids again and those messages are skipped;
* ``A v B (Competition)`` at ``00:00`` (what Touchline's own server sends for a new match)
  names the teams and starts a fresh match.

Classic servers know nothing of matches: several matches interleaved on one classic stream
cannot be told apart. Use ``?match=ID`` with Touchline's server.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop.core.items import EventItem, MatchAddedItem, SnapshotItem, StreamItem
from server.wire import Match, MatchEvent, Score, Snapshot, Status, Team

MATCH_ID = "classic"
PREFIX = "Match Summary:"
_MINUTE = re.compile(r"^(\d{1,3})(?:\s*\+\s*(\d{1,2}))?\s*['’]?$")
_CLOCK = re.compile(r"^(\d{1,3}):(\d{2})$")
_SCORES = re.compile(r"^\s*(\d{1,3})\s*[:\-–]\s*(\d{1,3})\s*$")
_FIXTURE = re.compile(r"^(?P<home>.+?) v (?P<away>.+?) \((?P<comp>.+)\)$")

# Phrase → event type, tried in order (second yellow before yellow, etc.).
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), t)
    for p, t in (
        (r"\bkick[- ]?off\b", "kickoff"),
        (r"\bhalf[- ]?time\b", "half_time"),
        (r"\bsecond half\b", "second_half"),
        (r"\bextra[- ]time\b", "extra_time"),
        (r"\bfull[- ]?time\b|\bfinal whistle\b", "full_time"),
        (r"\bshoot[- ]?out\b", "penalty_shootout"),
        (r"\bsecond yellow\b", "card:second_yellow"),
        (r"\bred card\b|\bsent off\b", "card:red"),
        (r"\byellow card\b|\bbooked\b", "card:yellow"),
        (r"\bsubstitution\b", "substitution"),
    )
)
_STATUS_AFTER: dict[str, Status] = {
    "kickoff": "live",
    "half_time": "half_time",
    "extra_time": "extra_time",
    "full_time": "full_time",
    "penalty_shootout": "penalties",
}


@dataclass(frozen=True)
class Summary:
    """One classic message, parsed."""

    time: str
    minute: int | None
    added: int | None
    home: int
    away: int
    text: str


def parse_minute(time: str) -> tuple[int | None, int | None]:
    """``67'`` → (67, None), ``90+3'`` → (90, 3), ``45:00`` (a mm:ss clock) → (45, None)."""
    time = time.strip()
    if m := _MINUTE.match(time):
        return int(m[1]), int(m[2]) if m[2] else None
    if m := _CLOCK.match(time):
        return int(m[1]), None
    return None, None


def parse_summary(data: str) -> Summary:
    """Parses ``Match Summary: {...}`` (the prefix is optional); ValueError if malformed."""
    body = data.strip()
    if body.startswith(PREFIX):
        body = body[len(PREFIX) :]
    try:
        raw = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a match summary: {data[:80]!r}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"not a match summary: {data[:80]!r}")
    scores = _SCORES.match(str(raw.get("scores", "")))
    if not scores:
        raise ValueError(f"no readable scores in {data[:80]!r}")
    time = str(raw.get("time") or "")
    minute, added = parse_minute(time)
    return Summary(time, minute, added, int(scores[1]), int(scores[2]), str(raw.get("event", "")))


def classify(text: str) -> str:
    """The event type a phrase names (``card:red`` for cards), or ``clock``."""
    for pattern, kind in _PHRASES:
        if pattern.search(text):
            return kind
    return "clock"


class ClassicAdapter:
    """Turns classic messages into stream items; one instance lives across reconnects."""

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.match: Match | None = None
        self._now = now
        self._seen: set[str] = set()
        self._order: deque[str] = deque()
        self._repeats: Counter[str] = Counter()

    def new_connection(self) -> None:
        """A new connection starts counting repeats afresh (a replaying server starts over)."""
        self._repeats.clear()

    def _event_id(self, s: Summary) -> str:
        digest = hashlib.sha1(f"{s.time}|{s.home}:{s.away}|{s.text}".encode()).hexdigest()[:12]
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
        fixture = _FIXTURE.match(s.text) if s.time in ("", "00:00") else None
        if fixture or self.match is None:
            first = self.match is None
            self.match = self._fresh(s, fixture)
            if not fixture:  # joined mid-match: take what the message says as the baseline
                self.match.minute, self.match.added = s.minute, s.added
                kind = classify(s.text).partition(":")[0]
                self.match.status = _STATUS_AFTER.get(kind, "live")
            if first:
                return [SnapshotItem(Snapshot(matches=[self.match.model_copy(deep=True)]), None)]
            return [MatchAddedItem(self.match.model_copy(deep=True), None)]
        ev = self._event(s, event_id)
        self._follow(ev)
        return [EventItem(ev, None)]

    def _fresh(self, s: Summary, fixture: re.Match[str] | None) -> Match:
        home, away, comp = ("Team A", "Team B", "Live")
        if fixture:
            home, away, comp = fixture["home"], fixture["away"], fixture["comp"]
        return Match(
            id=MATCH_ID,
            competition=comp[:80],
            home=Team(name=home[:80]),
            away=Team(name=away[:80]),
            kickoff=self._now(),
            score=Score(home=s.home, away=s.away),
        )

    def _event(self, s: Summary, event_id: str) -> MatchEvent:
        assert self.match is not None
        match = self.match
        d_home, d_away = s.home - match.score.home, s.away - match.score.away
        kind, _, card = classify(s.text).partition(":")
        team = None
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
            status = _STATUS_AFTER.get(kind, status)
        minute, added = (s.minute, s.added) if s.minute is not None else (match.minute, None)
        lowered = s.text.lower()
        return MatchEvent(
            id=event_id,
            type=kind,  # type: ignore[arg-type]
            match=MATCH_ID,
            minute=minute,
            added=added,
            team=team,  # type: ignore[arg-type]
            text=s.text[:280],
            score=Score(home=s.home, away=s.away),
            status=status,
            penalties=match.penalties,
            penalty=kind == "goal" and "penalty" in lowered,
            own_goal=kind == "goal" and "own goal" in lowered,
            card=card or None,  # type: ignore[arg-type]
            at=self._now(),
        )

    def _follow(self, ev: MatchEvent) -> None:
        """Keeps our mirror of the match in step, to compare the next message's score."""
        assert self.match is not None
        self.match.score, self.match.status = ev.score, ev.status
        if ev.type == "clock" and ev.status not in ("live", "extra_time"):
            return
        self.match.minute, self.match.added = ev.minute, ev.added
