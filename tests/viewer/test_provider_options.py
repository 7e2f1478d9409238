"""``touchline --provider``: the options the app is started with, and the data source saved in
Settings; the command line wins for its run."""

from __future__ import annotations

import pytest

import desktop.__main__ as viewer
from desktop.app import Options
from desktop.platform.embedded import ProviderChoice
from desktop.platform.settings import Settings


@pytest.fixture
def started(monkeypatch, tmp_path):
    """Runs the viewer's main() up to where the app would run; returns the Options it got."""
    path = tmp_path / "touchline.ini"
    monkeypatch.setenv("TOUCHLINE_SETTINGS", str(path))
    got: list[Options] = []

    class Recorded:  # stands where the app would be built: records what it was given
        def __init__(self, options: Options, settings: Settings) -> None:
            got.append(options)

    monkeypatch.setattr("desktop.app.TouchlineApp", Recorded)
    monkeypatch.setattr(viewer, "run_app", lambda factory: factory() and 0)

    def start(*argv: str) -> tuple[Options, Settings]:
        assert viewer.main(list(argv)) == 0
        return got[-1], Settings(path)

    return start


def test_provider_options_start_the_built_in_server_with_no_demo_and_are_not_saved(started):
    options, settings = started(
        "--provider", "football-data", "--competitions", "PL, CL", "--provider-token", "tok"
    )
    assert options.provider == ProviderChoice("football-data", ("PL", "CL"), "tok")
    assert options.provider.token == "tok"
    assert (options.server, options.feed) == (None, None)
    assert settings.provider is None and settings.server_url is None  # for this run only


def test_the_provider_saved_in_settings_is_used_unless_the_command_line_names_another_source(
    started, tmp_path
):
    Settings(tmp_path / "touchline.ini").provider = ProviderChoice("espn", ("eng.1",))
    options, _ = started()
    assert options.provider == ProviderChoice("espn", ("eng.1",))
    assert options.feed is None
    options, _ = started("--feed", "worldcup-2026")
    assert (options.provider, options.feed) == (None, "worldcup-2026")
    options, settings = started("--server", "http://127.0.0.1:8000")
    assert options.provider is None and options.remember_server  # this run follows the server
    # Saved only once its stream has been live (TouchlineApp then drops the provider: one
    # source at a time); a mistyped address must not replace the provider kept.
    assert settings.server_url is None and settings.provider == ProviderChoice("espn", ("eng.1",))


def test_a_saved_provider_never_holds_its_token(tmp_path):
    settings = Settings(tmp_path / "touchline.ini")
    settings.provider = ProviderChoice("football-data", ("PL",), "secret-token", "http://mirror")
    settings.sync()
    assert "secret-token" not in (tmp_path / "touchline.ini").read_text()
    assert settings.provider == ProviderChoice("football-data", ("PL",), None, "http://mirror")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--provider", "espn", "--server", "http://x"], "not with --server"),
        (["--competitions", "PL"], "need --provider"),
        (["--provider", "fifa"], "invalid choice"),
    ],
)
def test_provider_options_that_make_no_sense_are_refused(started, capsys, argv, message):
    with pytest.raises(SystemExit) as exit:
        started(*argv)
    assert exit.value.code == 2
    assert message in capsys.readouterr().err
