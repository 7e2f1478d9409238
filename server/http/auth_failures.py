"""Failed publish authentications, limited per client address: a token guesser gets a few
tries, then one every few seconds, however fast it asks.

The client address is the connection's, or what a trusted proxy put in X-Forwarded-For
(uvicorn rewrites it before the app sees it: ``FORWARDED_ALLOW_IPS``, default 127.0.0.1).

A request without a token made by a web page of another site is answered as any other but
never counted: any page a scorer visits can make their browser send such requests (a
``fetch(url, {method: "POST", mode: "no-cors"})``, a form), and counting them would let that
page lock the scorer out. Without a token they can guess nothing. A browser says where a
request comes from (``Sec-Fetch-Site``, ``Origin``), and cannot send a token to another site
unless CORS lets the page (``--cors-origin``), and then it is counted like any other.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.http.limits import TokenBuckets, answer, retry_after

log = logging.getLogger("touchline.server")

#: Addresses remembered at most (a few hundred bytes each, so a few MB). Past it the address
#: that failed or asked longest ago is forgotten first: by then it has most likely refilled.
MAX_ADDRESSES = 10_000


def parse_limit(text: str) -> tuple[int, float]:
    """An argparse type for ``--auth-failures N/S``: N failures, then one more every S s."""
    tries, _, seconds = text.partition("/")
    try:
        limit = int(tries), float(seconds)
    except ValueError:
        limit = (0, 0.0)
    if not (limit[0] > 0 and limit[1] > 0 and limit[1] < float("inf")):  # also refuses NaN
        raise argparse.ArgumentTypeError(
            f"not N/S (N failures, then one every S seconds, both more than 0): {text!r}"
        )
    return limit


def client_key(scope: Scope) -> str:
    """What a failure is counted against: the client's IP address, or for IPv6 its /64 (one
    host is commonly given a whole /64, so its single addresses cost it nothing)."""
    client = scope.get("client")
    host = client[0] if client else ""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        # Not an IP (a Unix socket; junk in X-Forwarded-For sent from the proxy's own host):
        # kept short and printable, as it is kept in memory and may be logged.
        return host[:64].encode("unicode_escape").decode("ascii")
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _header(scope: Scope, name: bytes) -> bytes | None:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for key, value in headers:
        if key == name:
            return value
    return None


def from_another_site(scope: Scope) -> bool:
    """Whether a browser made this request for a page of another site: as its
    ``Sec-Fetch-Site`` says (cross-site, same-site), or without it, as its ``Origin`` does
    (``null``, or another host than the one asked). Tools send neither."""
    site = _header(scope, b"sec-fetch-site")
    if site is not None:
        return site.lower() in (b"cross-site", b"same-site")
    origin = _header(scope, b"origin")
    if origin is None:
        return False
    host = _header(scope, b"host") or b""
    try:
        netloc = urlsplit(origin.decode("latin-1")).netloc
    except ValueError:
        return True
    return netloc.lower() != host.decode("latin-1").lower()


class FailureBuckets:
    """A bucket of ``failures`` tries per address, given back one every ``refill`` seconds
    (a :class:`~server.http.limits.TokenBuckets`).

    Only addresses that failed are kept, and one whose bucket is full again is dropped: it is
    the same as one never seen. Bounded by ``max_addresses``, least recently seen first out.
    """

    def __init__(
        self,
        failures: int,
        refill: float,
        *,
        max_addresses: int = MAX_ADDRESSES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures, self.refill = failures, refill
        self._tries = TokenBuckets(
            failures, per=refill, max_keys=max_addresses, forget_full=True, clock=clock
        )

    def __len__(self) -> int:
        return len(self._tries)

    def wait(self, address: str) -> float:
        """Seconds until ``address`` may try again: 0 while it has a try left."""
        return self._tries.wait(address)

    def failed(self, address: str) -> bool:
        """Counts one failure; true only when it spent the address's last try and that has
        not been logged yet in this episode (so a caller logs once per address)."""
        return self._tries.spend(address)


class AuthFailureLimit:
    """In front of the publish API (``POST /api/...``): 429 with ``Retry-After`` for an
    address out of tries, whatever it sends (so a guesser cannot tell when it found the
    token), and every 401 the app answers counts as a failure of the client's address."""

    def __init__(self, app: ASGIApp, buckets: FailureBuckets, prefix: str = "/api/") -> None:
        self.app, self.buckets, self.prefix = app, buckets, prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith(self.prefix)
        ):
            return await self.app(scope, receive, send)
        address = client_key(scope)
        wait = self.buckets.wait(address)
        if wait:
            after = retry_after(wait)
            b = self.buckets
            return await answer(
                send,
                429,
                f"too many failed authentications from this address (at most {b.failures}, "
                f"then one every {b.refill:g} s: --auth-failures); try again in {after} s",
                **{"Retry-After": after},
            )

        if _header(scope, b"authorization") is None and from_another_site(scope):
            return await self.app(scope, receive, send)  # a page's request: never counted

        async def count_401(message: Message) -> None:
            start = message["type"] == "http.response.start"
            if start and message["status"] == 401 and self.buckets.failed(address):
                # The address alone: never a header, a token or a body.
                log.warning(
                    "publish: %s used up its %d tries to authenticate; its publishes get "
                    "429 until it stops failing for a while (--auth-failures)",
                    address,
                    self.buckets.failures,
                )
            await send(message)

        await self.app(scope, receive, count_401)
