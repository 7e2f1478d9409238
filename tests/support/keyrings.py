"""Keyring backends for tests: real ``keyring.backend.KeyringBackend`` objects, set with
``keyring.set_keyring`` so the code under test goes through the keyring library as it does on
a desktop, without touching the user's own keyring."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Passwords in a dict, for as long as the object lives."""

    priority = 1.0

    def __init__(self) -> None:  # the base's only reads KEYRING_PROPERTY_* variables
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@contextmanager
def using_keyring(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """``backend`` is the keyring for the block; the one before it afterwards."""
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(before)


def no_keyring() -> KeyringBackend:
    """What keyring picks on a machine with no keyring service: its fail backend."""
    return keyring.core.load_keyring("keyring.backends.fail.Keyring")
