"""Settings persistence (temp INI file), the settings dialog, and start-at-login entries."""

from __future__ import annotations

import configparser

import pytest

from desktop.core.notify_settings import NoticeSettings
from desktop.platform import autostart
from desktop.platform.settings import Settings
from desktop.ui.settings_dialog import SettingsDialog
from server.wire import Snapshot
from tests.support.matchdata import match


def test_settings_round_trip_through_the_ini_file(tmp_path):
    path = tmp_path / "touchline.ini"
    s = Settings(path)
    s.server_url = "http://scores.example:8000"
    s.favourites = ["Morocco", "Brazil"]
    s.notifications = NoticeSettings(kinds={"goal", "red_card"}, reminder_minutes=20).to_dict()
    s.notice_state = {"seen": ["id|1-2", "m1|abc"]}
    s.save_board("http://scores.example:8000", "17-42", Snapshot(matches=[match("a")]))
    s.sync()

    again = Settings(path)
    assert again.server_url == "http://scores.example:8000"
    assert again.favourites == ["Brazil", "Morocco"]
    restored = NoticeSettings.from_dict(again.notifications)
    assert restored.kinds == {"goal", "red_card"} and restored.reminder_minutes == 20
    assert again.notice_state == {"seen": ["id|1-2", "m1|abc"]}
    event_id, board = again.load_board("http://scores.example:8000")
    assert event_id == "17-42" and [m.home.name for m in board.matches] == ["Mexico"]
    assert again.load_board("http://other:8000") is None  # ids mean nothing elsewhere

    again.server_url = None  # back to the embedded server
    assert Settings(path).server_url is None


def test_a_damaged_saved_board_is_ignored(tmp_path):
    s = Settings(tmp_path / "t.ini")
    s.board_path.write_text('{"server": "http://x", "id": "1-1", "matches": [{"id": 5}]}')
    assert s.load_board("http://x") is None


def test_one_favourite_survives_the_ini_single_value_quirk(tmp_path):
    s = Settings(tmp_path / "t.ini")
    s.favourites = ["Ghana"]
    s.sync()
    assert Settings(tmp_path / "t.ini").favourites == ["Ghana"]


def test_unreadable_values_fall_back_to_defaults(tmp_path):
    path = tmp_path / "t.ini"
    path.write_text("[favourites]\nteams=not json [\n[server]\nurl=42\n")
    s = Settings(path)
    assert s.favourites == []
    assert s.server_url is None


def test_default_settings_file_lives_under_the_config_home(_private_config):
    # conftest points XDG_CONFIG_HOME at a temp dir; Qt may cache the first location it saw,
    # so only check the file name and scope here.
    assert Settings().path.endswith("touchline/touchline.ini")


def test_dialog_defaults_goals_on_others_off_and_reminder_off(qtbot):
    dialog = SettingsDialog(
        NoticeSettings(),
        backend="Banner in the Touchline window",
        server="http://127.0.0.1:1234 (built-in demo server)",
    )
    qtbot.addWidget(dialog)
    assert {k for k, b in dialog.kind_boxes.items() if b.isChecked()} == {"goal"}
    assert not dialog.favourites_only.isChecked()
    assert not dialog.reminder.isChecked()
    assert not dialog.reminder_minutes.isEnabled()
    assert dialog.backend_label.text() == "Banner in the Touchline window"


def test_dialog_result_keeps_favourites_and_mutes(qtbot):
    start = NoticeSettings(favourites={"Ghana"}, muted_matches={"m1"})
    dialog = SettingsDialog(start, backend="x", server="y")
    qtbot.addWidget(dialog)
    dialog.kind_boxes["red_card"].setChecked(True)
    dialog.kind_boxes["goal"].setChecked(False)
    dialog.favourites_only.setChecked(True)
    dialog.reminder.setChecked(True)
    dialog.reminder_minutes.setValue(30)
    out = dialog.result_settings()
    assert out.kinds == {"red_card"}
    assert out.favourites_only and out.reminder_minutes == 30
    assert out.favourites == {"Ghana"} and out.muted_matches == {"m1"}
    assert start.kinds == {"goal"}  # the original is untouched until the app applies it


def test_start_at_login_is_disabled_with_a_reason_where_unsupported(qtbot, monkeypatch):
    monkeypatch.setattr("sys.platform", "darwin")
    dialog = SettingsDialog(NoticeSettings(), backend="x", server="y")
    qtbot.addWidget(dialog)
    assert not dialog.start_at_login.isEnabled()
    assert "not supported" in dialog.start_at_login.toolTip()
    assert dialog.wants_start_at_login() is None


@pytest.mark.skipif(not autostart.supported(), reason="XDG autostart is Linux/BSD only")
def test_autostart_entry_is_written_and_removed_under_xdg_config_home(_private_config):
    argv = ["/opt/touch line/bin/touchline", "--minimized"]
    path = autostart.set_enabled(True, argv)
    assert path == _private_config / "autostart" / "touchline.desktop"
    assert autostart.is_enabled()
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(path)
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"] == '"/opt/touch line/bin/touchline" --minimized'
    autostart.set_enabled(False)
    assert not path.exists()
    assert not autostart.is_enabled()
    autostart.set_enabled(False)  # removing twice is fine


def test_autostart_ignores_a_relative_xdg_config_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert autostart.entry_path() == tmp_path / ".config" / "autostart" / "touchline.desktop"


@pytest.mark.skipif(not autostart.supported(), reason="XDG autostart is Linux/BSD only")
def test_dialog_reflects_an_existing_autostart_entry(qtbot, _private_config):
    autostart.set_enabled(True, ["touchline", "--minimized"])
    dialog = SettingsDialog(NoticeSettings(), backend="x", server="y")
    qtbot.addWidget(dialog)
    assert dialog.wants_start_at_login() is True
