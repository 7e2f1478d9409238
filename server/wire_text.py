"""Text on the wire, written once for the server and the viewer: the minute as shown (``67'``,
``90+3'``) and the classic ``Match Summary:`` line of the original article, with the table of
phrases that name an event in free text.

Who uses what:

- the server writes classic lines (server/core/frames.py: :func:`summary_line`,
  :func:`fixture_text`, :func:`format_minute`);
- the classic feed parser gives a whistle the text of the entry that mentions it
  (server/feeds/classic.py: :func:`mentions`);
- the viewer reads classic lines back (desktop/stream/classic.py: :func:`parse_summary`,
  :func:`classify`, :data:`FIXTURE`) and shows minutes (desktop/core, desktop/ui:
  :func:`format_minute`).

It sits beside server/wire.py and, like it, imports nothing of the project but the wire format
and the standard library (an import-linter contract in pyproject.toml says so): the viewer
imports it without FastAPI or sse-starlette, and a phrase or a format changed here changes the
writer and every reader at once. The web page has its own copy of the minute format in
JavaScript (``minuteText`` in assets/web/format.js), kept in step by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from server.wire import CardKind, EventType, Match, MatchEvent

# --- the minute -------------------------------------------------------------------------------


def format_minute(minute: int | None, added: int | None = None) -> str:
    """``67'``, ``90+3'``; empty when there is no minute."""
    if minute is None:
        return ""
    return f"{minute}+{added}'" if added else f"{minute}'"


_MINUTE = re.compile(r"^(\d{1,3})(?:\s*\+\s*(\d{1,2}))?\s*['’]?$")
_CLOCK = re.compile(r"^(\d{1,3}):(\d{2})$")


def parse_minute(time: str) -> tuple[int | None, int | None]:
    """``67'`` → (67, None), ``90+3'`` → (90, 3), ``45:00`` (a mm:ss clock) → (45, None);
    (None, None) when it is neither. Reads back what :func:`format_minute` writes."""
    time = time.strip()
    if m := _MINUTE.match(time):
        return int(m[1]), int(m[2]) if m[2] else None
    if m := _CLOCK.match(time):
        return int(m[1]), None
    return None, None


# --- a goal's line ----------------------------------------------------------------------------


def goal_text(match: Match, ev: MatchEvent) -> str:
    """The line the server writes for a goal published without text: ``Goal! Saka (penalty)
    for Arsenal, Arsenal 1–0 Chelsea``. The viewer rewrites it the same way when a
    ``goal_update`` names the scorer, so its timeline matches the server's."""
    side = getattr(match, ev.team).name if ev.team else ""
    who = ev.player or side
    kind = " (own goal)" if ev.own_goal else " (penalty)" if ev.penalty else ""
    return f"Goal! {who}{kind} for {side}, {match.home.name} {ev.score} {match.away.name}"


# --- phrases ----------------------------------------------------------------------------------

#: Phrase → the event it names (and the card, for cards), tried in order: second yellow
#: before yellow, etc. Free text is all a classic line has to say what happened.
Phrase = tuple[re.Pattern[str], EventType, CardKind | None]


def _phrase(pattern: str, kind: EventType, card: CardKind | None = None) -> Phrase:
    # Runs only at import, before mutation testing can switch a mutant on (docs/quality.md);
    # tests/unit/test_wire_text.py checks the phrases it builds.
    return re.compile(pattern, re.IGNORECASE), kind, card  # pragma: no mutate


PHRASES: tuple[Phrase, ...] = (
    _phrase(r"\bkick[- ]?off\b", "kickoff"),
    _phrase(r"\bhalf[- ]?time\b", "half_time"),
    _phrase(r"\bsecond half\b", "second_half"),
    _phrase(r"\bextra[- ]time\b", "extra_time"),
    _phrase(r"\bfull[- ]?time\b|\bfinal whistle\b", "full_time"),
    _phrase(r"\bshoot[- ]?out\b", "penalty_shootout"),
    _phrase(r"\bsecond yellow\b", "card", "second_yellow"),
    _phrase(r"\bred card\b|\bsent off\b", "card", "red"),
    _phrase(r"\byellow card\b|\bbooked\b", "card", "yellow"),
    _phrase(r"\bsubstitution\b", "substitution"),
)


def mentions(text: str) -> Iterator[tuple[EventType, CardKind | None]]:
    """Every event ``text`` names, in the order of :data:`PHRASES`."""
    for pattern, kind, card in PHRASES:
        if pattern.search(text):
            yield kind, card


def classify(text: str) -> tuple[EventType, CardKind | None]:
    """The event a phrase names first, or ``("clock", None)`` when it names none."""
    return next(mentions(text), ("clock", None))


# --- the Match Summary line -------------------------------------------------------------------

PREFIX = "Match Summary:"
#: The ``time`` of a line that announces a match rather than an event in it.
FIXTURE_TIME = "00:00"
#: ``Home v Away (Competition)``: the ``event`` of such a line.
FIXTURE = re.compile(r"^(?P<home>.+?) v (?P<away>.+?) \((?P<comp>.+)\)$")
#: ``2:1`` (the article's), or ``Arsenal 2:1 Chelsea`` (Touchline's, naming the match).
_SCORES = re.compile(
    r"^\s*(?:(?P<home>\S.*?)\s+)?(?P<h>\d{1,3})\s*[:\-–]\s*(?P<a>\d{1,3})(?:\s+(?P<away>.*\S))?\s*$"
)


def fixture_text(home: str, away: str, competition: str) -> str:
    """The ``event`` of a line announcing a match; :data:`FIXTURE` reads it back."""
    return f"{home} v {away} ({competition})"


def summary_line(
    time: str, home: int, away: int, event: str, teams: tuple[str, str] | None = None
) -> str:
    """``Match Summary: {"time": ..., "scores": "2:1", "event": ...}``, as the article had;
    with ``teams`` the scores name the match: ``"Arsenal 2:1 Chelsea"`` (a stream carries
    many matches, the article's one)."""
    scores = f"{home}:{away}"
    if teams is not None:
        scores = f"{teams[0]} {scores} {teams[1]}"
    summary = {"time": time, "scores": scores, "event": event}
    return f"{PREFIX} " + json.dumps(summary, ensure_ascii=False)


@dataclass(frozen=True)
class Summary:
    """One classic line, parsed."""

    time: str
    minute: int | None
    added: int | None
    home: int
    away: int
    text: str
    #: The teams the scores name (``Arsenal 2:1 Chelsea``), or None (the article's ``2:1``).
    teams: tuple[str, str] | None = None


def parse_summary(data: str) -> Summary:
    """Parses ``Match Summary: {...}`` (the prefix is optional); ValueError if malformed.
    Lenient, as classic servers are not Touchline's: scores as ``2:1``, ``2-1`` or ``2–1``
    (with the teams around them or not), times as minutes or as an ``MM:SS`` clock."""
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
    named = scores["home"] and scores["away"]
    teams = (scores["home"], scores["away"]) if named else None
    text = str(raw.get("event", ""))
    return Summary(time, minute, added, int(scores["h"]), int(scores["a"]), text, teams)
