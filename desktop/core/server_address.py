"""A Touchline server's address as the user types it (command line, settings dialog). No Qt.

One rule for both places: ``localhost:8000`` means ``http://localhost:8000``; only http and
https; a host is required; the port, if any, must be a port. The result has no trailing slash.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def server_address(text: str) -> str:
    """The normalised address, or ValueError saying in words what is wrong with ``text``."""
    value = text.strip()
    if not value:
        raise ValueError("no server address given (e.g. http://localhost:8000)")
    probe = value if "://" in value else "http://" + value
    parts = urlsplit(probe)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) server address: {text!r} (e.g. http://localhost:8000)")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise ValueError(f"bad port in {text!r}") from None
    return probe.rstrip("/")
