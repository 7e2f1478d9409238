"""What the viewer remembers between runs, in QSettings (an INI file in the user's config dir).

Structured values are stored as JSON strings: QSettings' INI backend returns a one-element
list as a bare string and numbers as strings, and JSON keeps types exact across platforms.
Tests pass their own file path, so they never read or write the user's settings.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QByteArray, QSettings

from desktop.platform.embedded import ProviderChoice
from server.config import PROVIDERS
from server.wire import Snapshot

log = logging.getLogger("touchline.settings")

ORGANISATION = "touchline"
APPLICATION = "touchline"


SourceKind = Literal["demo", "provider", "server"]


@dataclass(frozen=True)
class DataSource:
    """Where the scores come from: the built-in demo, the built-in server following a live
    data provider, or a Touchline server at ``server_url``."""

    kind: SourceKind = "demo"
    provider: ProviderChoice | None = None
    server_url: str | None = None


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

    def _get(self, key: str, default: object) -> object:
        """The JSON value stored at ``key`` (or ``default``): callers check its type."""
        raw = self.q.value(key)
        if raw is None:
            return default
        try:
            return json.loads(str(raw))
        except ValueError:
            log.warning("ignoring unreadable setting %s=%r", key, raw)
            return default

    def _set(self, key: str, value: object) -> None:
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

    # --- data provider (the built-in server follows it; its token is in the keyring) ----

    @property
    def source(self) -> DataSource:
        """The data source kept: a server, else a provider, else the demo."""
        if self.server_url:
            return DataSource("server", server_url=self.server_url)
        provider = self.provider
        return DataSource("provider", provider) if provider else DataSource()

    @source.setter
    def source(self, source: DataSource) -> None:
        self.server_url = source.server_url if source.kind == "server" else None
        self.provider = source.provider if source.kind == "provider" else None

    @property
    def provider(self) -> ProviderChoice | None:
        """The live data provider the built-in server follows; None: the demo (or a server).
        Never holds a token: that is in the system keyring (desktop.platform.secrets)."""
        value = self._get("source/provider", None)
        if not isinstance(value, dict) or value.get("name") not in PROVIDERS:
            return None
        codes = value.get("competitions")
        url = value.get("url")
        return ProviderChoice(
            name=str(value["name"]),
            competitions=tuple(c for c in codes if isinstance(c, str))
            if isinstance(codes, list)
            else (),
            url=url if isinstance(url, str) and url else None,
        )

    @provider.setter
    def provider(self, choice: ProviderChoice | None) -> None:
        if choice is None:
            self._set("source/provider", None)
            return
        saved = {"name": choice.name, "competitions": list(choice.competitions), "url": choice.url}
        self._set("source/provider", saved)

    @property
    def board_path(self) -> Path:
        """The last scoreboard seen, next to the settings file (kept out of the INI: big)."""
        return Path(self.q.fileName()).with_name("last-board.json")

    def load_board(self, server: str) -> tuple[str, Snapshot] | None:
        """The scoreboard and stream id saved for ``server`` (ids mean nothing elsewhere)."""
        try:
            saved = json.loads(self.board_path.read_text(encoding="utf-8"))
            if saved.get("server") != server or not saved.get("id"):
                return None
            return str(saved["id"]), Snapshot.model_validate(saved)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, AttributeError) as exc:  # unreadable: start fresh
            log.warning("ignoring saved scoreboard %s: %s", self.board_path, exc)
            return None

    def save_board(self, server: str, event_id: str | None, snapshot: Snapshot) -> None:
        if not event_id:
            self.board_path.unlink(missing_ok=True)
            return
        data = {"server": server, "id": event_id, **snapshot.model_dump(mode="json")}
        self.board_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.board_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.board_path)

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
