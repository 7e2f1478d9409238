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

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QSystemTrayIcon

from desktop.core import display
from desktop.core.items import SnapshotItem, StreamItem, apply_item
from desktop.core.match_clock import MatchClocks
from desktop.core.notify_rules import Notice, NoticeRules
from desktop.core.notify_settings import NoticeSettings, Scope
from desktop.core.state import Scoreboard
from desktop.core.status_words import provider_text
from desktop.platform import autostart, secrets
from desktop.platform.embedded import EmbeddedServer, ProviderChoice
from desktop.platform.health import check_server, provider_state
from desktop.platform.notifiers import Capabilities, Notifier, pick, probe_session_bus
from desktop.platform.settings import DataSource, Settings
from desktop.stream.client import StreamClient
from desktop.stream.status import StreamState, base_url
from desktop.ui import icons
from desktop.ui.data_source import DataSourceBox
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.tray import Tray, tooltip_is_rich
from desktop.ui.window import MainWindow
from server.config import DEFAULTS, DEMO_HEAD_START, PROVIDERS
from server.resources import asset
from server.wire import Snapshot

log = logging.getLogger("touchline.app")

SAVE_EVERY_S = 30
#: Seconds between reads of the built-in server's /healthz while it follows a data provider
#: (the provider's state is there only; loopback, so cheap; the status bar is at most this late).
PROVIDER_CHECK_S = 10


@dataclass
class Options:
    server: str | None = None  # None: the remembered server, else the embedded one
    #: Save ``server`` as the remembered one once the stream has been live (not before: a
    #: mistyped address must not become what the next start follows).
    remember_server: bool = False
    #: Run the built-in server this time even if a server is remembered (``--feed``/``--speed``
    #: or ``--provider`` on the command line: what the user typed wins for that run).
    built_in: bool = False
    feed: str | None = DEFAULTS.feed  # None: no replay (a provider's real matches only)
    speed: float = DEFAULTS.speed
    provider: ProviderChoice | None = None  # the built-in server follows it (not a --server)
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
        # Before the window's model subscribes: a change moves a clock before rows redraw.
        self.clocks = MatchClocks(self.board)
        notice_settings = NoticeSettings.from_dict(self.settings.notifications)
        notice_settings.favourites = set(self.settings.favourites)
        seen = self.settings.notice_state.get("seen", [])
        self.rules = NoticeRules(notice_settings, seen=seen if isinstance(seen, list) else [])
        self.window = MainWindow(
            self.board,
            self.settings,
            is_match_muted=lambda mid: mid in self.rules.settings.muted_matches,
            highlight_ms=options.highlight_ms,
            clocks=self.clocks,
            notice_settings=lambda: self.rules.settings,
        )
        self.tray: Tray | None = None
        self.notifier: Notifier | None = None
        self.caps = Capabilities()
        self.embedded: EmbeddedServer | None = None
        self.client: StreamClient | None = None
        remote = None if options.provider else options.server
        if remote is None and not (options.built_in or options.provider):
            remote = self.settings.server_url
        self._remote = remote  # what is followed: a server's address, or None (built-in)
        self._remember = remote if options.remember_server else None  # saved once live
        self.server_url = base_url(remote) if remote else ""  # "" until the built-in one runs
        # The last board seen from that server is on screen at once (resumed after its id).
        self._resume = self._restore_board() if remote else None
        self._switching: asyncio.Task[None] | None = None
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
        # --- data source (issues 10 and 12) ---
        self._saved_tokens: frozenset[str] = frozenset()  # providers with a token in the keyring
        self._session_tokens: dict[str, str] = {}  # typed in Settings, no keyring to keep them
        self._provider_label = QLabel(self.window)
        self._provider_label.setObjectName("providerState")
        self._provider_label.setTextFormat(Qt.TextFormat.PlainText)
        self.window.statusBar().addPermanentWidget(self._provider_label)

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
        await self._follow()
        self._timer.start()

    async def _follow(self) -> None:
        """Starts the built-in server if it is the one followed, then the stream client."""
        embedded = self._remote is None
        if embedded:
            provider = await self._with_token(self.options.provider)
            what = f"following {provider.name}" if provider else "starting the built-in demo server"
            self.window.set_connection("connecting", what)
            # The demo opens in the middle of its matchday: a newcomer sees matches under way,
            # at half time and finished at once, not an empty board until the first kick-off.
            demo = self.options.feed == "demo"
            head_start = ("--head-start", f"{DEMO_HEAD_START:g}") if demo else ()
            self.embedded = EmbeddedServer(
                feed=self.options.feed,
                speed=self.options.speed,
                provider=provider,
                extra_args=head_start,
            )
            self.server_url = base_url(await self.embedded.start())
        log.info("following %s%s", self.server_url, " (built-in server)" if embedded else "")
        provider_name = (
            self.embedded.provider.name if self.embedded and self.embedded.provider else None
        )
        self.window.set_server(self.server_url, embedded=embedded, provider=provider_name)
        self.client = StreamClient(
            self.server_url,
            on_item=self._on_item,
            on_state=self._on_state,
            last_event_id=self._resume,
            batch=self.board.batch,
        )
        self._stream_task = asyncio.create_task(self.client.run(), name="touchline-stream")
        if self.embedded is not None and self.embedded.provider is not None:
            self._spawn(self.check_provider())  # "Waiting for espn…" until its first answer

    async def _with_token(self, choice: ProviderChoice | None) -> ProviderChoice | None:
        """The choice with its token: given, else typed in Settings this session (no keyring
        to keep it), else from the keyring or the environment, read off the event loop (a
        keyring may wait on D-Bus or an unlock prompt)."""
        if choice is None or choice.token:
            return choice
        token = self._session_tokens.get(choice.name)
        if token is None:
            token = await asyncio.to_thread(secrets.load_token, choice.name)
        return dataclasses.replace(choice, token=token)

    async def _stop_stream(self) -> None:
        """Stops the stream client and waits (5 s at most) for its task to end."""
        if self.client is not None:
            self.client.stop()
        if self._stream_task is not None:
            try:
                await asyncio.wait_for(self._stream_task, 5)
            except (TimeoutError, asyncio.CancelledError):
                pass
            except Exception:
                log.exception("stream task failed")

    async def _unfollow(self) -> None:
        """Stops the stream client and the built-in server, keeping the board's last state."""
        await self._stop_stream()
        self.save_state()  # the board seen from a server, to resume it there next time
        self.client = self._stream_task = None
        if self.embedded is not None:
            await self.embedded.stop()
            self.embedded = None

    def follow_source(self, source: DataSource, token: str | None = None) -> None:
        """Follows ``source`` from now on (:meth:`switch_source`), after any switch still
        under way. The demo or a provider is kept at once (forgetting a server cannot strand
        anyone); a server's address once its stream has been live."""
        self._keep_source(source)
        previous = self._switching

        async def switch() -> None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            await self.switch_source(source, token)

        self._switching = task = asyncio.ensure_future(switch())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _keep_source(self, source: DataSource) -> None:
        url = source.server_url if source.kind == "server" else None
        self._remember = url  # a server: saved by _on_state once its stream is live
        if url is None:
            self.settings.source = source
            self.settings.sync()

    def _show_initial_window(self) -> None:
        if self.options.minimized and self.tray is not None:
            return  # in the tray; the window opens from there
        if self.options.minimized:
            self.window.showMinimized()
        else:
            self.window.show()

    async def _shutdown(self) -> None:
        self._timer.stop()
        if self._switching is not None:  # a switch half done must not start anything more
            self._switching.cancel()
            await asyncio.gather(self._switching, return_exceptions=True)
        await self._stop_stream()
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
        self.clocks.detach()
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
        if state.kind == "live":
            now = datetime.now(UTC)
            self.rules.connected(state.server_time, now)
            self.clocks.server_clock(state.server_time, now)
            if self._remember is not None and self._remember == self._remote:
                # It worked: from now on a plain start follows this server.
                # One data source at a time: this server, no provider any more.
                self.settings.source = DataSource("server", server_url=self._remember)
                self._remember = None
                self.settings.sync()
                log.info("remembering %s", self.settings.server_url)
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
        if self.window.advance_clocks(now):
            self._tooltip_dirty = True  # the same minutes as the board, in the same tick
        if self._tooltip_dirty:
            self._refresh_tooltip()
        self._ticks += 1
        if self._ticks % PROVIDER_CHECK_S == 0 and self.embedded and self.embedded.provider:
            self._spawn(self.check_provider())
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

    def set_own_kinds(self, scope: str, name: str, kinds: set[str] | None) -> None:
        """Which kinds notify for a team's or a competition's matches (None: the general)."""
        where: Scope = "team" if scope == "team" else "competition"
        self.rules.settings.set_own_kinds(where, name, kinds)
        self._keep_notice_settings()

    def _favourites_changed(self) -> None:
        self.rules.settings.favourites = set(self.window.model.favourites())
        self._keep_notice_settings()
        self._tooltip_dirty = True

    def open_settings(self, source_first: bool = False) -> SettingsDialog:
        """Opens the settings dialog; ``source_first``: with the data source in focus (the
        stale banner's "Change server…")."""
        server = self.server_url
        if self.embedded is not None:
            choice = self.embedded.provider
            where = f"built-in server following {choice.name}" if choice else "built-in demo server"
            server = f"{server} ({where})"
        dialog = SettingsDialog(
            self.rules.settings,
            backend=self.notifier.description if self.notifier else "none",
            server=server,
            source=self.current_source(),
            saved_tokens=self._saved_tokens | frozenset(self._session_tokens),
            keyring_available=secrets.keyring_available(),
            parent=self.window,
        )
        if dialog.source_box is not None:
            box = dialog.source_box
            box.testRequested.connect(lambda url: self._spawn(self._test_server(box, url)))
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                pass  # no loop runs (a test driving the dialog alone): no keyring read
            else:
                self._spawn(self._show_saved_tokens(box))
        if source_first and dialog.source_box is not None:
            dialog.source_box.focus_choice()
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
        box = dialog.source_box
        if box is not None:
            source, token = box.result(), box.entered_token()
            if source != self.current_source() or token:
                self.follow_source(source, token)

    # --- the data source: demo, a provider, a server ------------------------------------------

    def current_source(self) -> DataSource:
        """What is followed now (a provider's token is never part of it)."""
        if self._remote is not None:
            return DataSource("server", server_url=self.server_url)
        provider = self.options.provider
        if provider is None:
            return DataSource()
        return DataSource("provider", dataclasses.replace(provider, token=None))

    async def _show_saved_tokens(self, box: DataSourceBox) -> None:
        # Read when Settings opens, not at every start: a locked keyring may ask to unlock.
        self._saved_tokens = await asyncio.to_thread(_tokens_in_keyring)
        box.set_saved_tokens(self._saved_tokens | frozenset(self._session_tokens))

    async def _test_server(self, box: DataSourceBox, url: str) -> None:
        health = await check_server(url)
        box.set_test_result(url, health.ok, health.message)

    async def switch_source(self, source: DataSource, token: str | None = None) -> None:
        """Keeps ``source`` (a typed token in the keyring, or for this session when there is
        none) and follows it: the stream and the built-in server are stopped and started
        again, the board starts afresh (its first snapshot is a silent baseline)."""
        if token and source.provider is not None:
            name = source.provider.name
            if await asyncio.to_thread(secrets.save_token, name, token):
                self._saved_tokens |= {name}
                self._session_tokens.pop(name, None)
            else:
                self._session_tokens[name] = token
        self._keep_source(source)
        await self._unfollow()  # the board seen from the server left, kept for its return
        self._provider_label.setText("")
        url = source.server_url if source.kind == "server" else None
        self._remote = url
        self.board.clear()
        self.rules.rebaseline()
        self.options = dataclasses.replace(
            self.options,
            server=url,
            built_in=url is None,
            provider=source.provider if source.kind == "provider" else None,
            feed=DEFAULTS.feed if source.kind == "demo" else None,
        )
        self.server_url = base_url(url) if url else ""
        self._resume = self._restore_board() if self.server_url else None
        try:
            await self._follow()
        except Exception as exc:  # e.g. the built-in server did not come up
            log.error("cannot follow the new data source: %s", exc)
            self.window.set_connection("failed", f"the built-in server did not start ({exc})")

    async def check_provider(self) -> None:
        """The status bar's word on the provider the built-in server follows."""
        if self.embedded is None or self.embedded.url is None:
            return
        health = await check_server(self.embedded.url)
        self._provider_label.setText(provider_text(provider_state(health)))

    # --- tray ----------------------------------------------------------------------------------

    def _make_tray(self, rich_tooltip: bool) -> None:
        self.tray = Tray(icons.app_icon(), rich_tooltip=rich_tooltip, parent=self)
        self.tray.toggleWindowRequested.connect(self._toggle_window)
        self.tray.quitRequested.connect(self.quit)
        self.tray.muteRequested.connect(self.mute)
        self.tray.unmuteRequested.connect(lambda: self.set_muted_until(None))
        self.window.visibilityChanged.connect(self.tray.set_window_visible)
        tray = self.tray
        self.window.staleChanged.connect(lambda stale: tray.set_online(not stale))
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

    def _mark_tooltip_dirty(self, *_args: object) -> None:
        self._tooltip_dirty = True

    def _refresh_tooltip(self) -> None:
        self._tooltip_dirty = False
        if self.tray is not None:
            stale = self.window.looks_stale  # as the board looks (a quick reconnect does not)
            self.tray.show_board(
                self.board.matches.values(),
                self.window.model.is_favourite_team,
                stale=stale,
                muted_until=self.rules.settings.mute_until,
                shown=self.clocks.shown,
            )

    # --- window ------------------------------------------------------------------------------

    def _connect_window(self) -> None:
        w = self.window
        w.quitRequested.connect(self.quit)
        w.settingsRequested.connect(self.open_settings)
        w.sourceRequested.connect(lambda: self.open_settings(source_first=True))
        w.muteMatchRequested.connect(self.set_match_muted)
        w.kindsChosen.connect(self.set_own_kinds)
        w.staleChanged.connect(self._mark_tooltip_dirty)
        w.retryRequested.connect(self.retry_now)
        w.model.favouritesChanged.connect(self._favourites_changed)


def _tokens_in_keyring() -> frozenset[str]:
    """The providers with a token kept in the keyring (the settings page says so)."""
    return frozenset(name for name in PROVIDERS if secrets.has_saved_token(name))
