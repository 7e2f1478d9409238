"""What the user controls while the viewer runs: mutes, favourites, tray, settings dialog.

:class:`AppControls` is part of :class:`desktop.app.TouchlineApp` (a mixin, so its methods are
the app's own: the window, the tray, the notifier and tests call ``app.mute(...)``); the app
creates every object it uses. Every change applies to the live notice rules at once and goes
into the settings file's notifications, saved at the next sync.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from desktop.core import display
from desktop.platform import autostart
from desktop.ui import icons
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.tray import Tray
from desktop.ui.window import STALE_STATES

if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop.core.notify_rules import NoticeRules
    from desktop.core.state import Scoreboard
    from desktop.platform.embedded import EmbeddedServer
    from desktop.platform.notifiers import Notifier
    from desktop.platform.settings import Settings
    from desktop.stream.client import StreamClient
    from desktop.ui.window import MainWindow


class AppControls:
    """Mixin for :class:`desktop.app.TouchlineApp`; the attributes below are set there."""

    rules: NoticeRules
    settings: Settings
    board: Scoreboard
    window: MainWindow
    tray: Tray | None
    notifier: Notifier | None
    embedded: EmbeddedServer | None
    client: StreamClient | None
    server_url: str
    quit: Callable[[], None]
    _tooltip_dirty: bool  # the tray's tooltip is redrawn on the next tick

    # --- mutes and favourites ----------------------------------------------------------------

    def set_muted_until(self, until: datetime | None) -> None:
        self.rules.settings.mute_until = until
        if self.tray is not None:
            self.tray.set_muted_until(until)
        self._tooltip_dirty = True
        self.settings.notifications = self.rules.settings.to_dict()

    def mute(self, how: str) -> None:
        """``hour``: for an hour; anything else: until tomorrow morning."""
        now = datetime.now(UTC)
        until = now + timedelta(hours=1) if how == "hour" else display.tomorrow_morning()
        self.set_muted_until(until)

    def set_match_muted(self, match_id: str, muted: bool) -> None:
        if muted:
            self.rules.settings.muted_matches.add(match_id)
        else:
            self.rules.settings.muted_matches.discard(match_id)
        self.settings.notifications = self.rules.settings.to_dict()

    def _favourites_changed(self) -> None:
        self.rules.settings.favourites = set(self.window.model.favourites())
        self.settings.notifications = self.rules.settings.to_dict()
        self._tooltip_dirty = True

    # --- tray --------------------------------------------------------------------------------

    def _make_tray(self, rich_tooltip: bool) -> None:
        self.tray = Tray(icons.app_icon(), rich_tooltip=rich_tooltip, parent=self)
        self.tray.toggleWindowRequested.connect(self._toggle_window)
        self.tray.quitRequested.connect(self.quit)
        self.tray.muteRequested.connect(self.mute)
        self.tray.unmuteRequested.connect(lambda: self.set_muted_until(None))
        self.window.visibilityChanged.connect(self.tray.set_window_visible)
        self.window.tray_available = True
        self.tray.set_muted_until(self.rules.settings.mute_until)
        self.tray.show()

    def _toggle_window(self) -> None:
        if self.window.isVisible() and not self.window.isMinimized():
            self.window.hide()
        else:
            self.window.show_and_raise()

    def _board_changed(self, _change: object) -> None:
        self._tooltip_dirty = True

    def _refresh_tooltip(self) -> None:
        self._tooltip_dirty = False
        if self.tray is not None:
            stale = self.client is not None and self.client.state.kind in STALE_STATES
            self.tray.show_board(
                self.board.matches.values(),
                self.window.model.is_favourite_team,
                stale=stale,
                muted_until=self.rules.settings.mute_until,
            )

    # --- settings dialog ---------------------------------------------------------------------

    def open_settings(self) -> SettingsDialog:
        server = f"{self.server_url} (built-in demo server)" if self.embedded else self.server_url
        dialog = SettingsDialog(
            self.rules.settings,
            backend=self.notifier.description if self.notifier else "none",
            server=server,
            parent=self.window,
        )
        dialog.accepted.connect(lambda: self.apply_settings(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()  # window-modal without a nested event loop (qasync keeps running)
        return dialog

    def apply_settings(self, dialog: SettingsDialog) -> None:
        # Only what the dialog edits: mutes and favourites may have changed while it was open.
        chosen, current = dialog.result_settings(), self.rules.settings
        current.kinds, current.favourites_only = chosen.kinds, chosen.favourites_only
        current.reminder_minutes = chosen.reminder_minutes
        self.settings.notifications = self.rules.settings.to_dict()
        wanted = dialog.wants_start_at_login()
        if wanted is not None and wanted != autostart.is_enabled():
            try:
                autostart.set_enabled(wanted)
            except OSError as exc:
                self.window.statusBar().showMessage(f"Could not change start at login: {exc}", 8000)
        self.settings.sync()
