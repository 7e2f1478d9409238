"""What the viewer remembers between runs, in QSettings (an INI file in the user's config dir).

Structured values are stored as JSON strings: QSettings' INI backend returns a one-element
list as a bare string and numbers as strings, and JSON keeps types exact across platforms.
Tests pass their own file path, so they never read or write the user's settings.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

log = logging.getLogger("touchline.settings")

ORGANISATION = "touchline"
APPLICATION = "touchline"


class Settings:
    def __init__(self, path: Path | str | None = None) -> None:
        if path is None:
            self.q = QSettings(
                QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
            )
        else:
            self.q = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def path(self) -> str:
        return self.q.fileName()

    def sync(self) -> None:
        self.q.sync()

    # --- JSON values -------------------------------------------------------------------

    def _get(self, key: str, default: Any) -> Any:
        raw = self.q.value(key)
        if raw is None:
            return default
        try:
            return json.loads(str(raw))
        except ValueError:
            log.warning("ignoring unreadable setting %s=%r", key, raw)
            return default

    def _set(self, key: str, value: Any) -> None:
        if value is None:
            self.q.remove(key)
        else:
            self.q.setValue(key, json.dumps(value, ensure_ascii=False))

    # --- server ------------------------------------------------------------------------

    @property
    def server_url(self) -> str | None:
        """The server to follow; None means the embedded one."""
        value = self._get("server/url", None)
        return value if isinstance(value, str) and value else None

    @server_url.setter
    def server_url(self, url: str | None) -> None:
        self._set("server/url", url or None)

    def resume_id(self, server: str) -> str | None:
        """The last stream id seen from ``server`` (ids from another server mean nothing)."""
        saved = self._get("stream/resume", {})
        return (
            saved.get("id") if isinstance(saved, dict) and saved.get("server") == server else None
        )

    def set_resume_id(self, server: str, event_id: str | None) -> None:
        self._set("stream/resume", {"server": server, "id": event_id} if event_id else None)

    # --- favourites --------------------------------------------------------------------

    @property
    def favourites(self) -> list[str]:
        value = self._get("favourites/teams", [])
        return sorted({v for v in value if isinstance(v, str)}) if isinstance(value, list) else []

    @favourites.setter
    def favourites(self, teams: list[str] | frozenset[str]) -> None:
        self._set("favourites/teams", sorted(teams))

    # --- notifications -----------------------------------------------------------------

    @property
    def notifications(self) -> dict[str, Any]:
        """The notification rules' settings, as the rules module serialises them."""
        value = self._get("notifications/settings", {})
        return value if isinstance(value, dict) else {}

    @notifications.setter
    def notifications(self, value: dict[str, Any]) -> None:
        self._set("notifications/settings", value)

    @property
    def notice_state(self) -> dict[str, Any]:
        """What the rules already notified (so a restart does not notify it again)."""
        value = self._get("notifications/state", {})
        return value if isinstance(value, dict) else {}

    @notice_state.setter
    def notice_state(self, value: dict[str, Any]) -> None:
        self._set("notifications/state", value)

    # --- window ------------------------------------------------------------------------

    def bytes(self, key: str) -> QByteArray | None:
        value = self.q.value(f"window/{key}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_bytes(self, key: str, value: QByteArray) -> None:
        self.q.setValue(f"window/{key}", value)
