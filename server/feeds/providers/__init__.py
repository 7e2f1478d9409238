"""Live data providers: the server follows real matches and publishes what changes.

- :mod:`.base`: the normalised snapshot every provider's parser produces, and the interface.
- :mod:`.football_data`, :mod:`.espn`: one module per provider.
- :mod:`.detector`: successive snapshots → the wire's events, once (pure).
- :mod:`.poller`: the polling loop and the publisher that drives the detector.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from server.config import PROVIDERS
from server.feeds.providers.base import Provider
from server.feeds.providers.espn import Espn
from server.feeds.providers.football_data import FootballData

NAMES = PROVIDERS  # the one list, in server.config so command lines need not import this
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class ProviderError(ValueError):
    """A provider that cannot be set up as asked (a missing token, a bad competition code)."""


def make_provider(name: str, *, token: str | None, competitions: Sequence[str]) -> Provider:
    """The provider ``name`` following ``competitions`` (football-data codes like ``PL``,
    ESPN league slugs like ``eng.1``)."""
    for code in competitions:
        if not _CODE.match(code):
            raise ProviderError(f"not a competition code: {code!r}")
    if name == "football-data":
        if not token:
            raise ProviderError(
                "football-data needs a token: --provider-token TOKEN or TOUCHLINE_PROVIDER_TOKEN "
                "(free at https://www.football-data.org/client/register)"
            )
        return FootballData(token, [c.upper() for c in competitions])
    if name == "espn":
        if not competitions:
            raise ProviderError("espn needs --competitions, ESPN league slugs like eng.1,esp.1")
        return Espn([c.lower() for c in competitions])
    raise ProviderError(f"unknown provider {name!r}: one of {', '.join(NAMES)}")


__all__ = ["NAMES", "Provider", "ProviderError", "make_provider"]
