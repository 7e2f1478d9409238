"""Feeds: files of matches and events that the server replays as if they were live.

``load_feed(spec)`` reads a path, or a bundled feed by name (``server.config.BUNDLED_FEEDS``),
detects its format and returns a :class:`Feed`; anything wrong raises :class:`FeedError`
naming the file and the entry. Three formats:

- Touchline's own (:mod:`server.feeds.touchline`): ``{"matches": [...], "events": [...]}``.
- openfootball football.json (:mod:`server.feeds.openfootball`): ``{"name", "matches"}`` or
  ``{"name", "rounds": [{"name", "matches"}]}``.
- The classic list of the original article (:mod:`server.feeds.classic`):
  ``[{"time": "00:05", "scores": "1:1", "event": "..."}]``.

Every event is checked at load time against the rules the broker applies
(:func:`server.core.match_state.apply_event`) and against the match clock
(:mod:`server.feeds.timing`), so a feed that loads replays without a refusal.
"""

from __future__ import annotations

import json
from pathlib import Path

from server.config import BUNDLED_FEEDS
from server.feeds import classic, openfootball, touchline
from server.feeds.errors import FeedError
from server.feeds.model import Feed, FeedEvent
from server.resources import asset

__all__ = ["Feed", "FeedError", "FeedEvent", "load_feed"]


def _locate(spec: str) -> tuple[Path, str]:
    """The file to read and how to name it in messages."""
    if spec in BUNDLED_FEEDS:
        return asset("feeds", f"{spec}.json"), f"{spec}.json"
    return Path(spec), spec


def load_feed(spec: str) -> Feed:
    """Loads a feed file (a path, or a bundled name) in any of the three formats."""
    path, shown = _locate(spec)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FeedError(shown, "", "no such file") from None
    except IsADirectoryError:
        raise FeedError(shown, "", "is a directory, not a feed file") from None
    except OSError as exc:
        raise FeedError(shown, "", f"cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedError(shown, f"byte {exc.start}", "not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedError(shown, f"line {exc.lineno}, column {exc.colno}", exc.msg) from None
    stem = path.stem
    if touchline.looks_like(data):
        return touchline.parse(shown, stem, data)
    if openfootball.looks_like(data):
        return openfootball.parse(shown, stem, data)
    if classic.looks_like(data):
        return classic.parse(shown, stem, data)
    raise FeedError(
        shown,
        "",
        "unknown feed format: expected Touchline's {matches, events}, openfootball's"
        " {name, matches} or {name, rounds}, or the classic [{time, scores, event}] list",
    )
