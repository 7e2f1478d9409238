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


#: States of a stream that is trying to connect: before it was ever live they are not a
#: "reconnection", and there are no scores to be out of date yet.
_TRYING = ("reconnecting", "offline")


def connection_text(
    kind: str, reason: str = "", retry_in: float | None = None, *, ever_live: bool = True
) -> str:
    """The status bar's words for a stream state, e.g. ``Offline — retrying in 12 s``;
    ``Not connected — retrying in 5 s`` while this server was never reached."""
    retry = retry_words(retry_in)
    retry = f" — {retry}" if retry else ""
    if not ever_live and kind in _TRYING:
        return "Not connected" + retry
    words = {
        "connecting": "Connecting…",
        "live": "Live",
        "reconnecting": "Reconnecting",
        "offline": "Offline",
        "failed": f"Cannot follow this server{': ' + reason if reason else ''}",
        "stopped": "The server ended the stream",
    }.get(kind, kind)
    return words + retry


def stale_text(
    kind: str, reason: str = "", retry_in: float | None = None, *, ever_live: bool = True
) -> str:
    """The banner over a stale board: ``Scores may be out of date: <why>. Retrying in 5 s.``;
    ``Cannot connect to the server: <why>. …`` while this server was never reached (its
    address is in the status bar, and the reason names where it tried)."""
    why = reason or {"stopped": "the server ended the stream"}.get(kind, "no connection")
    retry = retry_words(retry_in)
    retry = f" {retry.capitalize()}." if retry else ""
    if not ever_live and kind in _TRYING:
        return f"Cannot connect to the server: {why}.{retry}"
    return f"Scores may be out of date: {why}.{retry}"


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
