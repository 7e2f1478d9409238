"""The data provider's token, kept in the system keyring, never in the settings INI.

The ``keyring`` library picks the platform's store (Secret Service on Linux desktops, the
macOS Keychain, Windows' Credential Locker). Where there is none, keyring's chosen backend is
its ``fail`` (or ``null``) one: :func:`keyring_available` says so, so the settings page can
tell the user the token is kept for this session only and how to give it each time (the
``TOUCHLINE_PROVIDER_TOKEN`` environment variable, which :func:`load_token` also reads).

The token is never logged: errors are logged by their type and message, which keyring never
fills with the secret. Calls may block on a D-Bus round trip or an unlock prompt: the app runs
them off the event loop (``asyncio.to_thread``).
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import TYPE_CHECKING

from desktop.platform.embedded import TOKEN_ENV

if TYPE_CHECKING:
    from types import ModuleType

log = logging.getLogger("touchline.secrets")

#: The keyring's service name; the user name is the provider's (one token per provider).
SERVICE = "touchline"


def _keyring() -> ModuleType:
    # Imported when a token is first asked for, not with the app: keyring's import (its
    # backends, found through entry points) is start-up time the demo and a plain server never
    # need.
    import keyring

    return keyring


def keyring_available() -> bool:
    """Whether a real keyring backend is there to keep the token between runs."""
    from keyring.backends import fail, null

    return not isinstance(_keyring().get_keyring(), fail.Keyring | null.Keyring)


def load_token(provider: str) -> str | None:
    """The token saved for ``provider``, else ``TOUCHLINE_PROVIDER_TOKEN``, else None."""
    from keyring.errors import KeyringError

    if keyring_available():
        try:
            saved: str | None = _keyring().get_password(SERVICE, provider)
        except KeyringError as exc:
            log.warning(
                "cannot read the %s token from the keyring: %s", provider, type(exc).__name__
            )
        else:
            if saved:
                return saved
    return os.environ.get(TOKEN_ENV) or None


def has_saved_token(provider: str) -> bool:
    """Whether the keyring holds a token for ``provider`` (the environment does not count)."""
    from keyring.errors import KeyringError

    if not keyring_available():
        return False
    try:
        return bool(_keyring().get_password(SERVICE, provider))
    except KeyringError:
        return False


def save_token(provider: str, token: str | None) -> bool:
    """Keeps ``token`` for ``provider`` in the keyring (None or "" forgets it); False when
    there is no keyring to keep it in or it refused."""
    from keyring.errors import KeyringError, PasswordDeleteError

    if not keyring_available():
        return False
    try:
        if token:
            _keyring().set_password(SERVICE, provider, token)
        else:
            with contextlib.suppress(PasswordDeleteError):  # nothing was saved
                _keyring().delete_password(SERVICE, provider)
    except KeyringError as exc:
        log.warning("cannot save the %s token in the keyring: %s", provider, type(exc).__name__)
        return False
    return True
