"""A server's ``/healthz``, read by the app: "Test connection" in Settings, and the provider's
state while the built-in server follows one (the status bar says when data is delayed or the
provider is down). The server keeps that state in ``/healthz`` only (not on the stream), and
the built-in server is on loopback, so a read every few seconds costs next to nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Health:
    ok: bool
    message: str  # what the user reads
    body: dict[str, Any] | None = None


async def check_server(url: str, timeout: float = TIMEOUT_S) -> Health:
    """Whether a Touchline server answers at ``url`` (its base address), in words."""
    try:
        async with httpx.AsyncClient(timeout=timeout, trust_env=False) as client:
            reply = await client.get(url.rstrip("/") + "/healthz")
    except httpx.TimeoutException:
        return Health(False, f"No answer from {url} within {timeout:g} s.")
    except httpx.ConnectError:
        return Health(False, f"Nothing answers at {url}: is the server running?")
    except httpx.HTTPError as exc:
        return Health(False, f"Cannot reach {url} ({type(exc).__name__}).")
    try:
        body = reply.json()
    except ValueError:
        body = None
    if reply.status_code != 200 or not isinstance(body, dict) or body.get("status") != "ok":
        return Health(
            False, f"{url} answers, but not as a Touchline server (HTTP {reply.status_code})."
        )
    version = body.get("version", "")
    matches = body.get("matches", 0)
    return Health(True, f"Connected: Touchline server {version}, {matches} matches.", body)


def provider_state(health: Health) -> dict[str, Any] | None:
    """The ``provider`` section of a healthy answer, if the server follows a provider."""
    section = health.body.get("provider") if health.body else None
    return section if isinstance(section, dict) else None
