"""The server tier: each module runs its own server (``srv = server_fixture(...)``, see
tests/support/serverproc.py); ``api`` is a publishing client of that server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.serverproc import ServerProcess


@pytest.fixture
def api(srv: ServerProcess) -> Iterator[httpx.Client]:
    """A client of the module's server, holding its publish token."""
    with httpx.Client(base_url=srv.url, headers=srv.headers(), timeout=10) as client:
        yield client
