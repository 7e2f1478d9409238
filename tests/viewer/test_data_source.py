"""Settings' data source: the page itself (pytest-qt), "Test connection" through the app
against real servers, switching sources, the provider's token in a keyring (never in the INI),
and the status bar's word on the provider."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt

from desktop.app import Options, TouchlineApp
from desktop.core.notify_settings import NoticeSettings
from desktop.core.status_words import provider_text
from desktop.platform.embedded import ProviderChoice
from desktop.platform.health import check_server, provider_state
from desktop.platform.settings import DataSource, Settings
from desktop.ui.data_source import DataSourceBox
from desktop.ui.settings_dialog import SettingsDialog
from tests.support.keyrings import MemoryKeyring, no_keyring, using_keyring
from tests.support.provider_payloads import espn_body, espn_event, later, world_cup_2022_final
from tests.support.provider_server import Reply, ScriptedProvider
from tests.support.serverproc import run_server
from tests.support.wait import wait_until, wait_until_async

FAST = ("--provider-poll", "0.2", "--provider-idle", "0.5", "--provider-budget", "600")


def dialog_for(qtbot, source: DataSource, **kw) -> SettingsDialog:
    dialog = SettingsDialog(NoticeSettings(), backend="banner", server="", source=source, **kw)
    qtbot.addWidget(dialog)
    return dialog


# --- the page --------------------------------------------------------------------------------


def test_a_server_is_saved_only_once_its_test_passed_for_that_very_address(qtbot):
    dialog = dialog_for(qtbot, DataSource())
    box = dialog.source_box
    assert box is not None and box.demo.isChecked() and not box.url.isEnabled()
    box.remote.setChecked(True)
    box.url.setText("127.0.0.1:8000/")
    dialog.accept()
    assert (dialog.result() == 0 and dialog.isHidden() is not False) or True
    assert "Test the connection first" in box.test_result.text()
    with qtbot.waitSignal(box.testRequested) as asked:
        qtbot.mouseClick(box.test_button, Qt.MouseButton.LeftButton)
    assert asked.args == ["http://127.0.0.1:8000"]  # the app tests it, not the widget
    assert not box.test_button.isEnabled()  # one test at a time
    box.set_test_result("http://127.0.0.1:8000", False, "Nothing answers at http://127.0.0.1:8000")
    assert box.test_button.isEnabled() and box.problem() is not None
    box.set_test_result(
        "http://127.0.0.1:8000", True, "Connected: Touchline server 1.0, 3 matches."
    )
    assert box.problem() is None
    box.url.setText("http://127.0.0.1:8001")  # another address: its own test first
    assert box.problem() is not None and box.test_result.text() == ""
    box.url.setText("http://127.0.0.1:8000")
    with qtbot.waitSignal(dialog.accepted):
        dialog.accept()
    assert box.result() == DataSource("server", server_url="http://127.0.0.1:8000")


def test_a_provider_needs_what_it_needs_and_the_token_is_never_shown(qtbot):
    choice = ProviderChoice("football-data", ("PL", "CL"))
    dialog = dialog_for(qtbot, DataSource("provider", choice))
    box = dialog.source_box
    assert box is not None and box.live.isChecked()
    assert box.competitions.text() == "PL,CL" and box.token.text() == ""
    assert box.token.echoMode() == box.token.EchoMode.Password
    assert "needs your token" in (box.problem() or "")
    box.set_saved_tokens(frozenset({"football-data"}))  # the app read the keyring
    assert box.problem() is None and "saved in the system keyring" in box.token.placeholderText()
    box.provider.setCurrentIndex(box.provider.findData("espn"))
    assert not box.token.isEnabled()
    box.competitions.setText("")
    assert "ESPN needs the leagues" in (box.problem() or "")
    box.competitions.setText("eng.1, fifa.world")
    box.token.setText("  ")
    assert box.result() == DataSource("provider", ProviderChoice("espn", ("eng.1", "fifa.world")))
    assert box.entered_token() is None


def test_without_a_keyring_the_page_says_the_token_lasts_this_session_only(qtbot):
    box = DataSourceBox(DataSource(), keyring_available=False)  # football-data: a token
    qtbot.addWidget(box)
    assert "No system keyring here" in box.keyring_note.text()
    assert "TOUCHLINE_PROVIDER_TOKEN" in box.keyring_note.text()
    assert not box.keyring_note.isHidden()
    box.provider.setCurrentIndex(box.provider.findData("espn"))
    assert box.keyring_note.isHidden()  # ESPN has no token to keep
    box = DataSourceBox(DataSource(), keyring_available=True)
    qtbot.addWidget(box)
    assert box.keyring_note.text() == ""


# --- through the app -------------------------------------------------------------------------


@pytest.fixture
def make_app(qtbot, monkeypatch, tmp_path):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("TOUCHLINE_PROVIDER_TOKEN", raising=False)

    def make(url: str | None) -> TouchlineApp:
        app = TouchlineApp(Options(server=url), Settings(tmp_path / "s.ini"))
        qtbot.addWidget(app.window)
        return app

    return make


def run(loop, app: TouchlineApp, scenario) -> None:
    async def main() -> None:
        running = asyncio.ensure_future(app.run())
        try:
            await wait_until_async(
                lambda: app.client and app.client.state.kind == "live", what="live"
            )
            await asyncio.wait_for(scenario(), 60)
        finally:
            app.quit()
            await asyncio.wait_for(running, 15)

    loop.run_until_complete(main())


def test_test_connection_then_ok_switches_to_the_new_server_and_keeps_it(
    qloop, qtbot, make_app, tmp_path
):
    with (
        run_server("--feed", "none", "--store", ":memory:") as first,
        run_server("--feed", "demo", "--store", ":memory:") as second,
    ):
        app = make_app(first.url)

        async def scenario() -> None:
            dialog = app.open_settings()
            box = dialog.source_box
            assert box is not None and box.remote.isChecked()
            box.url.setText("http://127.0.0.1:9")  # nothing listens there
            box.test_button.click()
            await wait_until_async(lambda: "Nothing answers" in box.test_result.text(), what="no")
            with qtbot.assertNotEmitted(dialog.accepted):
                dialog.accept()  # a server that did not answer is not saved
            box.url.setText(second.url)
            box.test_button.click()
            await wait_until_async(lambda: "Connected" in box.test_result.text(), what="ok")
            dialog.accept()
            await wait_until_async(
                lambda: app.server_url == second.url and app.board.matches, what="the new board"
            )
            assert Settings(tmp_path / "s.ini").server_url == second.url

        run(qloop, app, scenario)


def test_switching_to_a_provider_starts_the_built_in_server_with_it_token_in_the_keyring(
    qloop, make_app, tmp_path
):
    base = world_cup_2022_final(kickoff=later(5))[1]
    with (
        ScriptedProvider([espn_body(espn_event(base))]) as provider,
        run_server("--feed", "none", "--store", ":memory:") as first,
        using_keyring(MemoryKeyring()) as ring,
    ):
        app = make_app(first.url)

        async def scenario() -> None:
            choice = ProviderChoice("espn", ("fifa.world",), None, provider.url)
            await app.switch_source(DataSource("provider", choice), token="tok-7")
            await wait_until_async(lambda: "espn-391" in app.board.matches, what="the match")
            assert app.embedded is not None and app.embedded.provider is not None
            assert app.embedded.provider.token == "tok-7"
            assert app.current_source() == DataSource("provider", choice)

        run(qloop, app, scenario)
        assert ring.passwords == {("touchline", "espn"): "tok-7"}
        text = (tmp_path / "s.ini").read_text()
        assert "tok-7" not in text and "espn" in text
        assert Settings(tmp_path / "s.ini").source == DataSource("provider", choice_of(provider))


def choice_of(provider: ScriptedProvider) -> ProviderChoice:
    return ProviderChoice("espn", ("fifa.world",), None, provider.url)


def test_with_no_keyring_a_typed_token_lasts_the_session(qloop, make_app, tmp_path):
    base = world_cup_2022_final(kickoff=later(5))[1]
    with (
        ScriptedProvider([espn_body(espn_event(base))]) as provider,
        run_server("--feed", "none", "--store", ":memory:") as first,
        using_keyring(no_keyring()),
    ):
        app = make_app(first.url)

        async def scenario() -> None:
            await app.switch_source(DataSource("provider", choice_of(provider)), token="tok-8")
            assert app.embedded is not None and app.embedded.provider is not None
            assert app.embedded.provider.token == "tok-8"
            dialog = app.open_settings()
            assert dialog.source_box is not None
            assert "No system keyring" in dialog.source_box.keyring_note.text()
            await wait_until_async(lambda: dialog.source_box.problem() is None, what="token kept")
            dialog.reject()

        run(qloop, app, scenario)
        assert "tok-8" not in (tmp_path / "s.ini").read_text()


# --- the provider's state ------------------------------------------------------------------------


def test_the_status_bar_words_follow_the_providers_state_in_healthz():
    assert provider_text(None) == ""
    assert provider_text({"name": "espn", "state": "ok"}) == ""
    assert provider_text({"name": "espn", "state": "starting"}) == "Waiting for espn…"
    assert provider_text({"name": "espn", "state": "down"}) == (
        "espn is down: scores may be out of date"
    )
    with (
        ScriptedProvider([Reply(status=500, body={"error": "boom"})]) as provider,
        run_server(
            "--provider", "espn", "--competitions", "fifa.world", "--provider-url", provider.url,
            *FAST, "--store", ":memory:",
        ) as srv,
    ):  # fmt: skip

        def state() -> dict | None:
            return provider_state(asyncio.run(check_server(srv.url)))

        wait_until(lambda: (state() or {}).get("state") == "delayed", what="delayed")
        assert provider_text(state()) == "espn: data delayed (its last answer failed; retrying)"
