"""server.config: every place that has a default for a server option takes it from DEFAULTS."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from server.__main__ import build_parser as server_parser
from server.config import BUNDLED_FEEDS, DEFAULTS, Defaults
from server.http.app import Settings
from server.resources import asset

#: Settings fields that are not command-line defaults (a loaded feed, a token, a list).
NOT_DEFAULTS = {"publish_token", "feed", "loop", "cors_origins"}


def test_the_server_command_line_defaults_are_the_config_defaults():
    args = server_parser().parse_args([])
    for option in dataclasses.fields(Defaults):
        assert getattr(args, option.name) == getattr(DEFAULTS, option.name), option.name


def test_the_app_settings_default_to_the_config_defaults():
    settings = Settings()
    shared = {f.name for f in dataclasses.fields(Settings)} - NOT_DEFAULTS
    assert shared <= {f.name for f in dataclasses.fields(Defaults)}
    for name in shared:
        assert getattr(settings, name) == getattr(DEFAULTS, name), name


def test_the_broker_store_and_replay_default_to_the_config_defaults():
    from server.core.broker import Broker
    from server.feeds.replay import replay
    from server.store.redis import RedisStore
    from server.store.sqlite import SqliteStore

    assert inspect.signature(Broker).parameters["history"].default == DEFAULTS.history
    assert inspect.signature(SqliteStore).parameters["keep"].default == DEFAULTS.history
    assert inspect.signature(RedisStore).parameters["keep"].default == DEFAULTS.history
    assert inspect.signature(replay).parameters["speed"].default == DEFAULTS.speed


def test_the_viewer_starts_its_built_in_server_with_the_config_defaults():
    from desktop.__main__ import build_parser as viewer_parser
    from desktop.__main__ import run_options
    from desktop.app import Options
    from desktop.platform.embedded import EmbeddedServer
    from desktop.stream.client import StreamClient

    options = run_options(viewer_parser().parse_args([]))
    assert (options.feed, options.speed, options.built_in) == (DEFAULTS.feed, DEFAULTS.speed, False)
    assert (Options().feed, Options().speed) == (DEFAULTS.feed, DEFAULTS.speed)
    server = EmbeddedServer()
    assert (server.feed, server.speed) == (DEFAULTS.feed, DEFAULTS.speed)
    # The viewer expects the server's heartbeat: silence for 3 of them means a dead stream.
    heartbeat = inspect.signature(StreamClient).parameters["heartbeat"].default
    assert heartbeat == DEFAULTS.heartbeat


def test_the_defaults_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULTS.speed = 1.0  # type: ignore[misc]


def test_every_bundled_feed_is_shipped_and_both_command_lines_name_them():
    from desktop.__main__ import build_parser as viewer_parser

    assert DEFAULTS.feed in BUNDLED_FEEDS
    for name in BUNDLED_FEEDS:
        assert asset("feeds", f"{name}.json").is_file()
        assert name in server_parser().format_help()
        assert name in viewer_parser().format_help()
