"""How the stream connection looks from outside: its state, and the URLs it uses. No I/O."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

STREAM_PATH = "live-scores"

StateKind = Literal["connecting", "live", "reconnecting", "offline", "failed", "stopped"]


@dataclass(frozen=True)
class StreamState:
    """The connection as the UI shows it.

    ``retry_at`` is the ``time.monotonic()`` of the next attempt (reconnecting, offline,
    failed), ``reason`` says why in plain words, ``status_code`` is the HTTP status if any.
    ``server_time`` (``live`` only) is the server's clock when the stream opened, from its
    ``Date`` header: events published before it are history being replayed (see
    :meth:`desktop.core.notify_rules.NoticeRules.connected`).
    """

    kind: StateKind
    reason: str = ""
    retry_at: float | None = None
    status_code: int | None = None
    server_time: datetime | None = None

    def retry_in(self, now: float | None = None) -> float | None:
        """Seconds until the next attempt (0 when due), or None if none is planned."""
        if self.retry_at is None:
            return None
        return max(0.0, self.retry_at - (time.monotonic() if now is None else now))


def http_date(value: str | None) -> datetime | None:
    """The ``Date`` header as an aware UTC datetime, or None if absent or unreadable."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (TypeError, ValueError):
        return None


# --- URLs -----------------------------------------------------------------------------------


def stream_url(url: str) -> str:
    """The stream URL for a server's base address or a stream URL (query kept).

    ``127.0.0.1:8000`` → ``http://127.0.0.1:8000/live-scores``; a path whose last segment is
    already ``live-scores`` is kept; any other path gets ``/live-scores`` appended (a server
    behind a reverse-proxy prefix).
    """
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.rsplit("/", 1)[-1] != STREAM_PATH:
        path = f"{path}/{STREAM_PATH}"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def base_url(url: str) -> str:
    """The server's base address (no trailing slash), for ``/api/...`` and ``/healthz``."""
    parts = urlsplit(stream_url(url))
    path = parts.path[: -len(STREAM_PATH)].rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
