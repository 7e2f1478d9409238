"""Where notices are shown: native notifications, a tray balloon, or a banner in the window.

Each backend implements :class:`Notifier` (``await notify(notice)``). :func:`pick` chooses one
at start-up from a :class:`Capabilities` probe, in order of preference (vorta's ``pick()``):

1. ``native``: desktop-notifier (D-Bus ``org.freedesktop.Notifications`` on Linux), with a
   click that opens the match and a "Mute match" button when the server supports actions;
2. ``tray``: ``QSystemTrayIcon.showMessage`` when there is a tray;
3. ``banner``: the window's in-app notice banner.

A notice is anything with ``title``, ``body`` and ``match_id``
(``desktop.core.notify_rules.Notice``).
Feed text is plain: freedesktop servers that announce ``body-markup`` read the body as markup,
so it is escaped for them; the summary (title) is plain text by the spec.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # imported where used: the command line (--help) must not need Qt or D-Bus
    from dbus_fast.aio import MessageBus
    from desktop_notifier import Button
    from PySide6.QtWidgets import QSystemTrayIcon

log = logging.getLogger("touchline.notify")

NOTIFICATIONS = "org.freedesktop.Notifications"
SNI_WATCHER = "org.kde.StatusNotifierWatcher"
BACKENDS = ("native", "tray", "banner")


class NoticeLike(Protocol):
    # Read-only: a notifier only reads a notice (desktop.core.notify_rules.Notice is frozen).
    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def match_id(self) -> str | None: ...


class ShowsNotices(Protocol):
    """What the banner backend shows notices on (desktop.ui.banner.NoticeBanner)."""

    def show_notice(self, notice: NoticeLike) -> None: ...


class Notifier(Protocol):
    #: Short name: "native", "tray" or "banner".
    name: str
    #: What the user sees in Settings, e.g. "Desktop notifications (dunst)".
    description: str

    async def notify(self, notice: NoticeLike) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Capabilities:
    """What this desktop offers, probed once at start-up."""

    notification_service: bool = False
    server_name: str = ""
    server_caps: frozenset[str] = field(default_factory=frozenset)
    status_notifier: bool = False
    tray: bool = False
    bus_error: str = ""

    @property
    def body_markup(self) -> bool:
        return "body-markup" in self.server_caps

    @property
    def actions(self) -> bool:
        return "actions" in self.server_caps


# --- probing --------------------------------------------------------------------------------


async def _dbus_call(
    bus: MessageBus,
    dest: str,
    path: str,
    iface: str,
    member: str,
    sig: str = "",
    body: list[Any] | None = None,
) -> list[Any]:
    """One D-Bus method call; its reply's values (their types are the signature's)."""
    from dbus_fast import Message, MessageType

    reply = await bus.call(
        Message(
            destination=dest,
            path=path,
            interface=iface,
            member=member,
            signature=sig,
            body=body or [],
        )
    )
    if reply.message_type != MessageType.METHOD_RETURN:
        raise RuntimeError(f"{member}: {reply.body}")
    return reply.body


async def probe_session_bus(timeout: float = 1.5) -> Capabilities:
    """Asks the session bus for a notification server and a StatusNotifier host.

    Never raises and never blocks for long: no bus, a dead bus or a stuck server all come back
    as "no notification service" within ``timeout`` seconds.
    """
    if not sys.platform.startswith("linux"):
        return Capabilities(notification_service=True, server_name=sys.platform)
    try:
        return await asyncio.wait_for(_probe(), timeout)
    except Exception as exc:  # no session bus at all is normal (headless, ssh, CI)
        return Capabilities(bus_error=str(exc) or type(exc).__name__)


async def _probe() -> Capabilities:
    from dbus_fast.aio import MessageBus

    bus = await MessageBus().connect()
    try:
        dbus = ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus")
        owned = (await _dbus_call(bus, *dbus, "NameHasOwner", "s", [NOTIFICATIONS]))[0]
        if not owned:  # a daemon started on demand counts too
            activatable = (await _dbus_call(bus, *dbus, "ListActivatableNames"))[0]
            owned = NOTIFICATIONS in activatable
        name, caps = "", frozenset[str]()
        if owned:
            try:
                path = "/org/freedesktop/Notifications"
                caps = frozenset(
                    (await _dbus_call(bus, NOTIFICATIONS, path, NOTIFICATIONS, "GetCapabilities"))[
                        0
                    ]
                )
                name = (
                    await _dbus_call(
                        bus, NOTIFICATIONS, path, NOTIFICATIONS, "GetServerInformation"
                    )
                )[0]
            except RuntimeError as exc:  # e.g. an activatable daemon that cannot start here
                log.info("notification server does not answer: %s", exc)
                owned = False
        sni = (await _dbus_call(bus, *dbus, "NameHasOwner", "s", [SNI_WATCHER]))[0]
        return Capabilities(bool(owned), name, caps, bool(sni))
    finally:
        bus.disconnect()


# --- backends -------------------------------------------------------------------------------

#: Shows the window with that match open; None (a notice about no match): the window alone.
OpenMatch = Callable[[str | None], None]
#: Mutes that match.
MuteMatch = Callable[[str], None]


class NativeNotifier:
    """desktop-notifier: native notifications with "open match" on click and a mute button."""

    name = "native"

    def __init__(
        self,
        caps: Capabilities,
        on_open: OpenMatch,
        on_mute: MuteMatch,
        icon_path: str | None = None,
    ) -> None:
        from desktop_notifier import DesktopNotifier, Icon

        icon = Icon(path=Path(icon_path)) if icon_path else None
        self._dn = DesktopNotifier(app_name="Touchline", app_icon=icon)
        self._caps = caps
        self._on_open, self._on_mute = on_open, on_mute
        server = f" ({caps.server_name})" if caps.server_name else ""
        self.description = f"Desktop notifications{server}"

    def body_for(self, notice: NoticeLike) -> str:
        escape = sys.platform.startswith("linux") and self._caps.body_markup
        return html.escape(notice.body, quote=False) if escape else notice.body

    async def notify(self, notice: NoticeLike) -> None:
        from desktop_notifier import Button

        match_id = notice.match_id
        buttons: tuple[Button, ...] = ()
        if match_id and (self._caps.actions or not sys.platform.startswith("linux")):
            buttons = (Button(title="Mute match", on_pressed=lambda: self._on_mute(match_id)),)
        await self._dn.send(
            title=notice.title,
            message=self.body_for(notice),
            buttons=buttons,
            # Touchline's notice, clicked, opens Touchline (on its match when it has one).
            on_clicked=lambda: self._on_open(match_id),
        )

    async def close(self) -> None:
        # desktop-notifier has no public way to close its session-bus connection (it opens
        # it at the first notice); it ends with the process, and reaching into the library's
        # backend for it would break with any release.
        return None


class TrayNotifier:
    """``QSystemTrayIcon.showMessage``: a balloon from the tray; a click opens the match."""

    name = "tray"
    description = "System tray messages"

    def __init__(
        self,
        tray: QSystemTrayIcon,
        on_open: OpenMatch,
        caps: Capabilities | None = None,
        timeout_ms: int = 10_000,
    ) -> None:
        self._tray = tray
        self._on_open = on_open
        self._last: str | None = None
        self._timeout = timeout_ms
        # Qt sends balloons through org.freedesktop.Notifications when it uses a
        # StatusNotifier tray; only then is the body read as markup. Its own balloon is plain.
        self._escape = bool(caps and caps.status_notifier and caps.body_markup)
        tray.messageClicked.connect(self._clicked)

    def _clicked(self) -> None:
        self._on_open(self._last)

    async def notify(self, notice: NoticeLike) -> None:
        from PySide6.QtWidgets import QSystemTrayIcon

        self._last = notice.match_id
        body = html.escape(notice.body, quote=False) if self._escape else notice.body
        self._tray.showMessage(
            notice.title, body, QSystemTrayIcon.MessageIcon.Information, self._timeout
        )

    async def close(self) -> None:
        with contextlib.suppress(RuntimeError, TypeError):  # the tray may be gone already
            self._tray.messageClicked.disconnect(self._clicked)


class BannerNotifier:
    """The in-window banner (see :class:`desktop.ui.banner.NoticeBanner`)."""

    name = "banner"
    description = "Banner in the Touchline window"

    def __init__(self, banner: ShowsNotices) -> None:
        self._banner = banner

    async def notify(self, notice: NoticeLike) -> None:
        self._banner.show_notice(notice)

    async def close(self) -> None:
        return None


def pick(
    caps: Capabilities,
    *,
    tray: QSystemTrayIcon | None,
    banner: ShowsNotices,
    on_open: OpenMatch,
    on_mute: MuteMatch,
    prefer: str | None = None,
    icon_path: str | None = None,
) -> Notifier:
    """The best backend available, or ``prefer`` when it is available ("auto" = best)."""
    order = [prefer] if prefer in BACKENDS else list(BACKENDS)
    for name in order:
        if name == "native" and caps.notification_service:
            try:
                return NativeNotifier(caps, on_open, on_mute, icon_path)
            except Exception:  # a broken platform backend must not stop the app
                log.exception("desktop-notifier unavailable")
        if name == "tray" and tray is not None:
            return TrayNotifier(tray, on_open, caps)
        if name == "banner":
            return BannerNotifier(banner)
    log.info("notification backend %r unavailable; using the in-window banner", prefer)
    return BannerNotifier(banner)
