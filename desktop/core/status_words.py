"""The words the window shows for the stream's state: the status bar's, and the banner's over
a board that may be out of date. No Qt."""

from __future__ import annotations

#: Connection states in which the scores on screen may be out of date.
STALE_STATES = ("reconnecting", "offline", "failed", "stopped")


def retry_words(retry_in: float | None) -> str:
    """``retrying in 12 s`` / ``retrying in 5 min`` / ``retrying now``; "" if none planned."""
    if retry_in is None:
        return ""
    if retry_in < 1:
        return "retrying now"
    if retry_in < 90:
        return f"retrying in {round(retry_in)} s"
    return f"retrying in {round(retry_in / 60)} min"


def connection_text(kind: str, reason: str = "", retry_in: float | None = None) -> str:
    """The status bar's words for a stream state, e.g. ``Offline — retrying in 12 s``."""
    retry = retry_words(retry_in)
    retry = f" — {retry}" if retry else ""
    words = {
        "connecting": "Connecting…",
        "live": "Live",
        "reconnecting": "Reconnecting",
        "offline": "Offline",
        "failed": f"Cannot follow this server{': ' + reason if reason else ''}",
        "stopped": "The server ended the stream",
    }.get(kind, kind)
    return words + retry


def stale_text(kind: str, reason: str = "", retry_in: float | None = None) -> str:
    """The banner over a stale board: ``Scores may be out of date: server unreachable. …``"""
    why = reason or {"stopped": "the server ended the stream"}.get(kind, "no connection")
    retry = retry_words(retry_in)
    return f"Scores may be out of date: {why}." + (f" {retry.capitalize()}." if retry else "")


def provider_text(state: dict[str, object] | None) -> str:
    """The status bar's words for the data provider the server follows (its ``/healthz``
    ``provider`` section): nothing when all is well, else what the user should know."""
    if not state:
        return ""
    name = str(state.get("name") or "the data provider")
    kind = state.get("state")
    if kind == "starting":
        return f"Waiting for {name}…"
    if kind == "delayed":
        return f"{name}: data delayed (its last answer failed; retrying)"
    if kind == "down":
        return f"{name} is down: scores may be out of date"
    return ""
