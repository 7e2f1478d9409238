# D-Bus signatures are written as annotations ("as", "u"): not Python names.
# ruff: noqa: F821, F722
"""A private D-Bus session bus (a real dbus-daemon) and a small org.freedesktop.Notifications
server on it: what the viewer's notices reach in tests, never the desktop the tests run on."""

# No "from __future__ import annotations": dbus-fast reads the signature strings below as
# they are written.
import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator

from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method, signal


class NotificationServer(ServiceInterface):
    """Just enough of the freedesktop notification spec to receive and click notices."""

    def __init__(self, caps: list[str]) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.caps = caps
        self.received: list[dict] = []
        self.arrived = asyncio.Event()

    @method()
    def GetCapabilities(self) -> "as":
        return self.caps

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["fake-notifyd", "touchline tests", "1.0", "1.2"]

    @method()
    def Notify(
        self,
        app_name: "s",
        replaces_id: "u",
        app_icon: "s",
        summary: "s",
        body: "s",
        actions: "as",
        hints: "a{sv}",
        expire_timeout: "i",
    ) -> "u":
        self.received.append(
            {
                "app": app_name,
                "icon": app_icon,
                "summary": summary,
                "body": body,
                "actions": list(actions),
            }
        )
        self.arrived.set()
        return len(self.received)

    @method()
    def CloseNotification(self, nid: "u") -> None:
        return None

    @signal()
    def ActionInvoked(self, nid: int, key: str) -> "us":
        return [nid, key]

    @signal()
    def NotificationClosed(self, nid: int, reason: int) -> "uu":
        return [nid, reason]


BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def start_bus(tmp_path, services: str | None = None) -> tuple[subprocess.Popen, str]:
    """A private dbus-daemon; no activatable services unless ``services`` names a folder."""
    daemon = shutil.which("dbus-daemon")
    assert daemon, "dbus-daemon is needed for the notification tests (Debian: dbus-daemon)"
    config = BUS_CONFIG.format(dir=tmp_path)
    if services:
        config = config.replace(
            "</busconfig>", f"  <servicedir>{services}</servicedir>\n</busconfig>"
        )
    (tmp_path / "bus.conf").write_text(config)
    proc = subprocess.Popen(
        [daemon, f"--config-file={tmp_path / 'bus.conf'}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    return proc, proc.stdout.readline().strip()


@contextlib.asynccontextmanager
async def notification_server(caps: list[str]) -> AsyncIterator[NotificationServer]:
    bus = await MessageBus().connect()
    server = NotificationServer(caps)
    bus.export("/org/freedesktop/Notifications", server)
    await bus.request_name("org.freedesktop.Notifications")
    try:
        yield server
    finally:
        bus.disconnect()
