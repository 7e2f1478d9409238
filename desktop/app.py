"""Wiring: stream client → Scoreboard → Qt model and widgets; notice rules → a notifier.

:class:`TouchlineApp` owns every long-lived piece and is the only place that does I/O (the
stream, the embedded server, D-Bus, settings files). ``await app.run()`` returns the exit code
once a quit was requested (menu, Ctrl+Q, tray, closing the window without a tray, or a signal
handled by the bootstrap calling :meth:`TouchlineApp.quit`), after stopping everything in
order: stream, pending notifications, notifier, embedded server, then saving state.

What the user changes while it runs (mutes from the tray, the banner or a notification,
favourites from the scoreboard, the settings dialog) applies to the live notice rules at once
and goes into the settings file's notifications, saved at the next sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QSystemTrayIcon

from desktop.core import display
from desktop.core.items import SnapshotItem, StreamItem, apply_item
from desktop.core.notify_rules import Notice, NoticeRules
from desktop.core.notify_settings import NoticeSettings
from desktop.core.state import Scoreboard
from desktop.core.status_words import STALE_STATES
from desktop.platform import autostart
from desktop.platform.embedded import EmbeddedServer
from desktop.platform.notifiers import Capabilities, Notifier, pick, probe_session_bus
from desktop.platform.settings import Settings
from desktop.stream.client import StreamClient
from desktop.stream.status import StreamState, base_url
from desktop.ui import icons
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.tray import Tray, tooltip_is_rich
from desktop.ui.window import MainWindow
from server.config import DEFAULTS
from server.resources import asset
from server.wire import Snapshot

log = logging.getLogger("touchline.app")

SAVE_EVERY_S = 30


@dataclass
class Options:
    server: str | None = None  # None: the remembered server, else the embedded one
    feed: str = DEFAULTS.feed
    speed: float = DEFAULTS.speed
    minimized: bool = False
    notifier: str | None = None  # native / tray / banner; None = best available
    highlight_ms: int = 6000


class TouchlineApp(QObject):
    """The composition root: creates every long-lived piece, wires them, starts and stops them,
    and applies what the user changes (see the module docstring)."""

    def __init__(self, options: Options, settings: Settings | None = None) -> None:
        super().__init__()
        self.options = options
        self.settings = settings or Settings()
        self.board = Scoreboard()
        notice_settings = NoticeSettings.from_dict(self.settings.notifications)
        notice_settings.favourites = set(self.settings.favourites)
        seen = self.settings.notice_state.get("seen", [])
        self.rules = NoticeRules(notice_settings, seen=seen if isinstance(seen, list) else [])
        self.window = MainWindow(
            self.board,
            self.settings,
            is_match_muted=lambda mid: mid in self.rules.settings.muted_matches,
            highlight_ms=options.highlight_ms,
        )
        self.tray: Tray | None = None
        self.notifier: Notifier | None = None
        self.caps = Capabilities()
        self.embedded: EmbeddedServer | None = None
        self.client: StreamClient | None = None
        remote = options.server or self.settings.server_url
        self.server_url = base_url(remote) if remote else ""  # "" until the built-in one runs
        # The last board seen from that server is on screen at once (resumed after its id).
        self._resume = self._restore_board() if remote else None
        self._stream_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._quit = asyncio.Event()
        self._tooltip_dirty = True  # the tray's tooltip is redrawn on the next tick
        self._ticks = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._unsubscribe = self.board.subscribe(self._board_changed)
        self._connect_window()

    # --- start and stop --------------------------------------------------------------------

    def quit(self) -> None:
        """Asks :meth:`run` to stop everything and return (safe to call more than once)."""
        self._quit.set()

    async def run(self) -> int:
        try:
            await self._start()
        except Exception as exc:  # e.g. the built-in server refused its --feed
            log.error("cannot start: %s", exc)
            await self._shutdown()
            return 1
        await self._quit.wait()
        await self._shutdown()
        return 0

    async def _start(self) -> None:
        self.caps = await probe_session_bus()
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._make_tray(rich_tooltip=tooltip_is_rich(self.caps.status_notifier))
        self.caps = dataclasses.replace(self.caps, tray=self.tray is not None)
        prefer = self.options.notifier or os.environ.get("TOUCHLINE_NOTIFIER") or None
        self.notifier = pick(
            self.caps,
            tray=self.tray.icon if self.tray else None,
            banner=self.window.notice_banner,
            on_open=self.window.open_match,
            on_mute=lambda mid: self.set_match_muted(mid, True),
            prefer=prefer,
            icon_path=str(asset("icons", "touchline-128.png")),
        )
        log.info("notifications: %s", self.notifier.description)
        self._show_initial_window()

        embedded = not self.server_url
        if embedded:
            self.window.set_connection("connecting", "starting the built-in demo server")
            self.embedded = EmbeddedServer(feed=self.options.feed, speed=self.options.speed)
            self.server_url = base_url(await self.embedded.start())
        log.info("following %s%s", self.server_url, " (built-in server)" if embedded else "")
        self.window.set_server(self.server_url, embedded=embedded)
        self.client = StreamClient(
            self.server_url,
            on_item=self._on_item,
            on_state=self._on_state,
            last_event_id=self._resume,
            batch=self.board.batch,
        )
        self._stream_task = asyncio.create_task(self.client.run(), name="touchline-stream")
        self._timer.start()

    def _show_initial_window(self) -> None:
        if self.options.minimized and self.tray is not None:
            return  # in the tray; the window opens from there
        if self.options.minimized:
            self.window.showMinimized()
        else:
            self.window.show()

    async def _shutdown(self) -> None:
        self._timer.stop()
        if self.client is not None:
            self.client.stop()
        if self._stream_task is not None:
            try:
                await asyncio.wait_for(self._stream_task, 5)
            except (TimeoutError, asyncio.CancelledError):
                pass
            except Exception:
                log.exception("stream task failed")
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=2)
        if self.notifier is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.notifier.close(), 2)
        if self.embedded is not None:
            await self.embedded.stop()
        self.save_state()
        self._unsubscribe()
        if self.tray is not None:
            self.tray.close()
        self.window.tray_available = False
        self.window.detach()
        self.window.close()

    def _restore_board(self) -> str | None:
        """Shows the last scoreboard seen from this server and returns its stream id, so the
        stream resumes after it (an id the server no longer knows just gets a snapshot)."""
        saved = self.settings.load_board(self.server_url)
        if saved is None:
            return None
        item = SnapshotItem(saved[1], saved[0])
        apply_item(self.board, item)
        self.rules.on_item(item, self.board, datetime.now(UTC))  # a silent baseline
        return saved[0]

    def save_state(self) -> None:
        if self.client is not None and self.embedded is None:
            snapshot = Snapshot(matches=list(self.board.matches.values()))
            self.settings.save_board(self.server_url, self.board.last_event_id, snapshot)
        self._keep_notice_settings()
        self.settings.notice_state = {"seen": self.rules.export_seen()}
        self.settings.sync()

    # --- stream ------------------------------------------------------------------------------

    def _on_item(self, item: StreamItem) -> None:
        apply_item(self.board, item)
        self.deliver(self.rules.on_item(item, self.board, datetime.now(UTC)))

    def _on_state(self, state: StreamState) -> None:
        log.info("stream %s %s", state.kind, state.reason)
        if self._quit.is_set():
            return  # "stopped by the viewer": nothing to show while closing
        self.window.set_connection(state.kind, state.reason, state.retry_at)
        if self.tray is not None:
            self.tray.set_online(state.kind not in STALE_STATES)
        if state.kind == "live":
            self.rules.connected(state.server_time, datetime.now(UTC))
        self._tooltip_dirty = True

    def retry_now(self) -> None:
        if self.client is not None:
            self.client.retry_now()

    # --- notices -----------------------------------------------------------------------------

    def deliver(self, notices: list[Notice]) -> None:
        for notice in notices:
            if self.notifier is not None:
                self._spawn(self.notifier.notify(notice))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("notification failed: %s", task.exception())

    def _tick(self) -> None:
        now = datetime.now(UTC)
        s = self.rules.settings
        if s.mute_until is not None and now >= s.mute_until:
            self.set_muted_until(None)
        self.deliver(self.rules.tick(self.board, now))
        if self._tooltip_dirty:
            self._refresh_tooltip()
        self._ticks += 1
        if self._ticks % SAVE_EVERY_S == 0:
            self.save_state()  # a crash must not make the next start notify everything again

    # --- what the user changes: mutes, favourites, the settings dialog ------------------------

    def _keep_notice_settings(self) -> None:
        """The live rules' settings go into the settings file (written at the next sync)."""
        self.settings.notifications = self.rules.settings.to_dict()

    def set_muted_until(self, until: datetime | None) -> None:
        self.rules.settings.mute_until = until
        if self.tray is not None:
            self.tray.set_muted_until(until)
        self._tooltip_dirty = True
        self._keep_notice_settings()

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
        self._keep_notice_settings()

    def _favourites_changed(self) -> None:
        self.rules.settings.favourites = set(self.window.model.favourites())
        self._keep_notice_settings()
        self._tooltip_dirty = True

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
        self._keep_notice_settings()
        wanted = dialog.wants_start_at_login()
        if wanted is not None and wanted != autostart.is_enabled():
            try:
                autostart.set_enabled(wanted)
            except OSError as exc:
                self.window.statusBar().showMessage(f"Could not change start at login: {exc}", 8000)
        self.settings.sync()

    # --- tray ----------------------------------------------------------------------------------

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

    # --- window ------------------------------------------------------------------------------

    def _connect_window(self) -> None:
        w = self.window
        w.quitRequested.connect(self.quit)
        w.settingsRequested.connect(self.open_settings)
        w.muteMatchRequested.connect(self.set_match_muted)
        w.retryRequested.connect(self.retry_now)
        w.model.favouritesChanged.connect(self._favourites_changed)
