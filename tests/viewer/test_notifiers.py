"""Notification backends against a real D-Bus session bus (a private dbus-daemon) and a small
org.freedesktop.Notifications server, plus the choice of backend when things are missing."""

import asyncio
from pathlib import Path

from desktop.core.notify_rules import Notice
from desktop.platform.notifiers import (
    BannerNotifier,
    Capabilities,
    NativeNotifier,
    TrayNotifier,
    pick,
    probe_session_bus,
)
from desktop.ui.banner import NoticeBanner
from server.resources import asset
from tests.support.notifyd import notification_server, start_bus
from tests.support.wait import wait_until_async

GOAL = Notice("GOAL! <b>X</b> 1–0 Plain FC", "9' <img src=x onerror=alert(1)> & co", "goal", "m1")


def mute_key_of(sent: dict) -> str:
    """The action key of the "Mute match" button (actions are key, label pairs)."""
    pairs = dict(zip(sent["actions"][1::2], sent["actions"][::2], strict=True))
    return pairs["Mute match"]


async def test_probe_without_any_session_bus_reports_no_service(monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    caps = await probe_session_bus()
    assert not caps.notification_service
    assert caps.bus_error


async def test_notification_daemon_that_cannot_start_counts_as_none(monkeypatch, tmp_path):
    services = tmp_path / "services"
    services.mkdir()
    (services / "broken.service").write_text(
        "[D-BUS Service]\nName=org.freedesktop.Notifications\nExec=/bin/false\n"
    )
    proc, address = start_bus(tmp_path, str(services))
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    try:
        caps = await probe_session_bus()
    finally:
        proc.terminate()
        proc.wait(5)
    assert caps.bus_error == ""
    assert not caps.notification_service


async def test_probe_with_a_dead_bus_address_reports_no_service(monkeypatch, tmp_path):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-such-socket")
    caps = await probe_session_bus()
    assert not caps.notification_service
    assert caps.bus_error


async def test_bus_without_notification_server_falls_back_to_tray_then_banner(session_bus, qapp):
    caps = await probe_session_bus()
    assert caps.bus_error == ""
    assert not caps.notification_service
    banner = NoticeBanner()
    from PySide6.QtWidgets import QSystemTrayIcon

    tray = QSystemTrayIcon()
    opened: list[str] = []
    chosen = pick(caps, tray=tray, banner=banner, on_open=opened.append, on_mute=print)
    assert isinstance(chosen, TrayNotifier)
    await chosen.close()
    chosen = pick(caps, tray=None, banner=banner, on_open=opened.append, on_mute=print)
    assert isinstance(chosen, BannerNotifier)
    await chosen.notify(GOAL)
    assert banner.history == [(GOAL.title, GOAL.body)]
    assert banner.title.text() == GOAL.title  # plain text, shown as sent


async def test_native_notice_reaches_the_server_escaped_and_its_actions_call_back(session_bus):
    async with notification_server(["body", "body-markup", "actions"]) as server:
        caps = await probe_session_bus()
        assert caps.notification_service
        assert caps.server_name == "fake-notifyd"
        assert caps.body_markup and caps.actions
        opened: list[str] = []
        muted: list[str] = []
        icon = str(asset("icons", "touchline-128.png"))
        notifier = pick(
            caps,
            tray=None,
            banner=None,
            on_open=opened.append,
            on_mute=muted.append,
            icon_path=icon,
        )
        assert isinstance(notifier, NativeNotifier)
        assert "fake-notifyd" in notifier.description

        await notifier.notify(GOAL)
        await asyncio.wait_for(server.arrived.wait(), 5)

        sent = server.received[0]
        assert sent["app"] == "Touchline"
        assert sent["icon"] == Path(icon).as_uri()
        assert sent["summary"] == GOAL.title  # the summary is plain text by the spec
        assert sent["body"] == "9' &lt;img src=x onerror=alert(1)&gt; &amp; co"
        assert "default" in sent["actions"][::2]
        assert mute_key_of(sent)

        # A server closes a notification once one of its actions is used: one per notice.
        second = Notice("Red card: A 0–0 B", "30' Someone", "red_card", "m2")
        server.arrived.clear()
        await notifier.notify(second)
        await asyncio.wait_for(server.arrived.wait(), 5)
        server.ActionInvoked(1, "default")
        server.ActionInvoked(2, mute_key_of(server.received[1]))
        await wait_until_async(lambda: opened and muted, 2, "both actions to be handled")
        assert opened == ["m1"]
        assert muted == ["m2"]
        await notifier.close()


async def test_native_body_is_left_alone_when_the_server_shows_plain_text(session_bus):
    async with notification_server(["body"]) as server:
        caps = await probe_session_bus()
        notifier = pick(caps, tray=None, banner=None, on_open=print, on_mute=print)
        await notifier.notify(GOAL)
        await asyncio.wait_for(server.arrived.wait(), 5)
        assert server.received[0]["body"] == GOAL.body
        # No actions capability: no buttons that could never be pressed.
        assert "Mute match" not in server.received[0]["actions"]
        await notifier.close()


def test_preferred_backend_is_used_when_available(qapp):
    banner = NoticeBanner()
    caps = Capabilities(notification_service=True, server_caps=frozenset({"actions"}))
    assert (
        pick(caps, tray=None, banner=banner, on_open=print, on_mute=print, prefer="banner").name
        == "banner"
    )
    # Asking for a tray where there is none falls back to the banner, not to nothing.
    assert (
        pick(
            Capabilities(), tray=None, banner=banner, on_open=print, on_mute=print, prefer="tray"
        ).name
        == "banner"
    )


async def test_tray_message_click_opens_the_last_notified_match(qapp):
    from PySide6.QtWidgets import QSystemTrayIcon

    tray = QSystemTrayIcon()
    opened: list[str] = []
    notifier = TrayNotifier(tray, opened.append, Capabilities())
    await notifier.notify(GOAL)
    tray.messageClicked.emit()
    assert opened == ["m1"]
    await notifier.close()
    tray.messageClicked.emit()  # disconnected on close
    assert opened == ["m1"]


async def test_a_tray_message_about_no_one_match_clicked_opens_the_window_alone(qapp):
    from PySide6.QtWidgets import QSystemTrayIcon

    tray = QSystemTrayIcon()
    opened: list[str | None] = []
    notifier = TrayNotifier(tray, opened.append, Capabilities())
    await notifier.notify(
        Notice("3 goals while you were away", "Arsenal 1–0 Chelsea…", "summary", None)
    )
    tray.messageClicked.emit()
    assert opened == [None]
    await notifier.close()
