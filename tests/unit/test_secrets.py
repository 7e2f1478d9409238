"""desktop.platform.secrets: the provider token in the keyring, the environment as fallback."""

from __future__ import annotations

import pytest

from desktop.platform import secrets
from tests.support.keyrings import MemoryKeyring, no_keyring, using_keyring


def test_a_token_saved_in_the_keyring_is_read_back_per_provider_and_forgotten(monkeypatch):
    monkeypatch.delenv("TOUCHLINE_PROVIDER_TOKEN", raising=False)
    with using_keyring(MemoryKeyring()) as ring:
        assert secrets.keyring_available()
        assert secrets.save_token("football-data", "tok-123")
        assert ring.passwords == {("touchline", "football-data"): "tok-123"}
        assert secrets.load_token("football-data") == "tok-123"
        assert secrets.load_token("espn") is None
        assert secrets.save_token("football-data", None)
        assert secrets.save_token("football-data", "")  # forgetting twice is fine
        assert secrets.load_token("football-data") is None


@pytest.mark.parametrize("env", [None, "from-env"])
def test_without_a_keyring_nothing_is_saved_and_the_environment_is_the_fallback(monkeypatch, env):
    if env:
        monkeypatch.setenv("TOUCHLINE_PROVIDER_TOKEN", env)
    else:
        monkeypatch.delenv("TOUCHLINE_PROVIDER_TOKEN", raising=False)
    with using_keyring(no_keyring()):
        assert not secrets.keyring_available()
        assert not secrets.save_token("football-data", "tok-123")
        assert secrets.load_token("football-data") == env


def test_the_keyring_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("TOUCHLINE_PROVIDER_TOKEN", "from-env")
    with using_keyring(MemoryKeyring()):
        secrets.save_token("football-data", "saved")
        assert secrets.load_token("football-data") == "saved"
