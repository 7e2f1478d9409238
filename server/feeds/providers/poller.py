"""Polls a provider and publishes what changed into the broker: one more publisher, like the
feed replay.

:class:`Follower` turns each poll's snapshots into events (the detector's steps), storing the
detector's memory of a match with every event it publishes for that match (``progress``, in
the same transaction), so a restarted server repeats nothing and skips nothing.

:class:`Poller` runs the cycles: one request a cycle per the provider's plan (football-data:
one for every competition; ESPN: one per league and day), often while a match is live or about
to kick off, rarely when none is, and never beyond the request budget (a sliding minute).
``429`` waits for ``Retry-After``; other failures back off exponentially with jitter. A failure
is logged once, and again only when its kind changes; the recovery is logged with how long it
took. :attr:`Poller.state` is what ``/healthz`` shows: ``ok``, ``delayed`` (the last poll
failed) or ``down`` (nothing for ``down_after`` seconds); after ``down``, the first good poll
takes the matches in silently, as at first sight.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

import httpx
from pydantic import ValidationError

from server import __version__
from server.config import DEFAULTS
from server.core.match_state import Conflict
from server.feeds.providers.base import MatchSnapshot, Provider, Request, SchemaError
from server.feeds.providers.detector import (
    MAX_STEPS,
    Absorb,
    Memory,
    Publish,
    Remember,
    absorb,
    next_step,
)
from server.wire import EventIn, Match, MatchEvent

log = logging.getLogger("touchline.provider")

#: Phases in which a match is being played (poll at the live pace).
PLAYING = frozenset(
    {
        "first_half",
        "half_time",
        "second_half",
        "extra_time_first",
        "extra_time_break",
        "extra_time_second",
        "penalties",
        "in_play",
        "paused",
        "suspended",
    }
)


class Publisher(Protocol):
    """What the follower needs from the broker."""

    matches: dict[str, Match]

    async def publish(
        self,
        match_id: str,
        ev: EventIn,
        *,
        progress: tuple[str, str] | Callable[[MatchEvent], tuple[str, str]] | None = None,
    ) -> MatchEvent: ...

    async def put_match(
        self, match: Match, *, progress: tuple[str, str] | None = None
    ) -> Match: ...

    def progress(self, key: str) -> str | None: ...


class Follower:
    """Publishes the difference between each poll and what was published before."""

    def __init__(self, publisher: Publisher, provider: str) -> None:
        self.publisher = publisher
        self.provider = provider
        self.memory: dict[str, Memory] = {}
        self.noted: set[tuple[str, str]] = set()
        self.listed: set[str] = set()  # the matches of the last complete poll
        self.kickoffs: dict[str, datetime] = {}
        self.playing: set[str] = set()
        self.polls = 0  # numbers the polls (a falling score must be seen on two)

    def key(self, match_id: str) -> str:
        return f"provider:{self.provider}:{match_id}"

    @property
    def polled_key(self) -> str:
        return f"provider:{self.provider}:polled"

    def note(self, what: str, why: str, level: int = logging.WARNING) -> None:
        """Logs a problem with the provider's data once (per match and kind of problem)."""
        if (what, why) in self.noted:
            return
        self.noted.add((what, why))
        log.log(level, "%s: %s: %s", self.provider, what, why)

    async def apply(
        self,
        snapshots: Iterable[MatchSnapshot],
        *,
        silent: Callable[[str], bool] = lambda _id: False,
        complete: bool = True,
    ) -> None:
        """Publishes what changed. ``silent(id)``: take that match in as at first sight.
        ``complete``: the poll covered every request (a match missing from it vanished)."""
        seen: set[str] = set()
        self.polls += 1
        for snap in snapshots:
            if snap.id in seen:
                self.note(snap.id, "listed twice in one poll: the first kept")
                continue
            seen.add(snap.id)
            self.kickoffs[snap.id] = snap.kickoff
            if snap.phase in PLAYING:
                self.playing.add(snap.id)
            else:
                self.playing.discard(snap.id)
            try:
                await self._follow(snap, silent(snap.id))
            except Exception:  # a bug must cost one match one poll, never the server
                log.exception("%s: %s: could not follow this poll", self.provider, snap.id)
        if complete:
            for gone in self.listed - seen:
                match = self.publisher.matches.get(gone)
                if match is not None and match.status not in ("scheduled", "full_time"):
                    self.note(gone, "vanished from the provider's list while live: kept as is")
                else:  # yesterday's matches, off the list: their memory stays in the store
                    self.memory.pop(gone, None)
                    self.kickoffs.pop(gone, None)
                self.playing.discard(gone)
            self.listed = seen

    def _load(self, match_id: str) -> Memory | None:
        raw = self.publisher.progress(self.key(match_id))
        if raw is None:
            return None
        try:
            return Memory.model_validate_json(raw)
        except ValidationError as exc:
            self.note(match_id, f"stored memory unreadable ({exc.error_count()} errors): reset")
            return None

    async def _follow(self, snap: MatchSnapshot, silent: bool) -> None:
        match_id = snap.id
        wire = self.publisher.matches.get(match_id)
        mem = self.memory.get(match_id) or self._load(match_id)
        if wire is None or mem is None or silent:
            await self._absorb(snap, wire, mem, force=wire is None or mem is None)
            return
        for _ in range(MAX_STEPS):
            decision = next_step(snap, wire, mem, poll=self.polls)
            for text in decision.notes:
                self.note(match_id, text)
            step = decision.step
            if step is None:
                break
            if isinstance(step, Remember):
                mem = self.memory[match_id] = step.memory
                continue
            if isinstance(step, Absorb):
                self.note(match_id, f"taken in silently: {step.why}", logging.INFO)
                await self._absorb(snap, wire, mem, force=True)
                return
            try:
                published = await self.publisher.publish(
                    match_id, step.event, progress=self._progress(match_id, step)
                )
            except (Conflict, ValueError, LookupError) as exc:
                # The match moved under us (a scorer on the publish API?): take it as it is.
                self.note(match_id, f"{step.event.type} refused ({exc}): taken in silently")
                await self._absorb(snap, self.publisher.matches.get(match_id), mem, force=True)
                return
            mem = self.memory[match_id] = step.after(published.id)
            wire = self.publisher.matches[match_id]
        else:
            self.note(match_id, f"did not settle in {MAX_STEPS} steps")

    def _progress(
        self, match_id: str, step: Publish
    ) -> tuple[str, str] | Callable[[MatchEvent], tuple[str, str]]:
        if step.event.type == "clock":
            # A tick changes no memory: it records that polling went on (see Poller.start).
            return (self.polled_key, datetime.now(UTC).isoformat())
        key = self.key(match_id)
        return lambda event: (key, step.after(event.id).model_dump_json())

    async def _absorb(
        self, snap: MatchSnapshot, wire: Match | None, mem: Memory | None, *, force: bool
    ) -> None:
        match, after, notes = absorb(snap, wire, mem)
        for text in notes:
            self.note(snap.id, text)
        if not force and match == wire and after == mem:
            return
        self.memory[snap.id] = after
        await self.publisher.put_match(match, progress=(self.key(snap.id), after.model_dump_json()))


# --- polling ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pace:
    live: float = DEFAULTS.provider_poll  # seconds between polls while a match is live or soon
    idle: float = DEFAULTS.provider_idle  # between polls when none is
    soon: float = 600.0  # a kick-off this close (seconds) counts as live
    budget: float = 10.0  # requests a minute at most: the provider's limit
    timeout: float = 10.0  # one request

    @property
    def down_after(self) -> float:
        """Without a good poll for this long the provider is down (four live polls' time)."""
        return 4 * self.live

    @property
    def restart_grace(self) -> float:
        """A server restarted within this long carries on where it stopped, publishing what
        happened meanwhile; after longer, the first poll takes matches in silently."""
        return max(self.down_after, 300.0)

    @property
    def backoff(self) -> tuple[float, float]:
        """The first retry after an error and the longest wait between retries."""
        return min(5.0, self.live), max(self.idle, self.live)


class Budget:
    """At most ``per_minute`` requests in any sliding minute."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(1, int(per_minute))
        self.clock = clock
        self.sent: deque[float] = deque()

    def _trim(self) -> float:
        now = self.clock()
        while self.sent and self.sent[0] <= now - 60.0:
            self.sent.popleft()
        return now

    def wait(self) -> float:
        """Seconds until one more request fits."""
        now = self._trim()
        return 0.0 if len(self.sent) < self.limit else self.sent[0] + 60.0 - now

    def spend(self) -> None:
        self.sent.append(self.clock())

    def used(self) -> int:
        self._trim()
        return len(self.sent)


def retry_after(headers: httpx.Headers, now: datetime) -> float | None:
    """Seconds a 429 asks us to wait: ``Retry-After`` (seconds or an HTTP date), else
    football-data's ``X-RequestCounter-Reset``; None when neither says."""
    for name in ("retry-after", "x-requestcounter-reset"):
        value = headers.get(name)
        if value is None:
            continue
        value = value.strip()
        if value.isdigit():
            return min(float(value), 3600.0)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return min(max((when - now).total_seconds(), 0.0), 3600.0)
    return None


class Failure(Exception):
    def __init__(self, kind: str, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.kind, self.wait = kind, wait


class Poller:
    """Runs poll cycles until cancelled; see the module docstring."""

    def __init__(
        self,
        provider: Provider,
        publisher: Publisher,
        *,
        base_url: str | None = None,
        pace: Pace | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.provider = provider
        self.base_url = (base_url or provider.base_url).rstrip("/")
        self.pace = pace or Pace(budget=provider.rate_limit)
        self.follower = Follower(publisher, provider.name)
        self.budget = Budget(self.pace.budget, clock)
        self.clock, self.now, self.jitter = clock, now, jitter
        self.started = clock()
        self.last_success: datetime | None = None
        self._last_success_clock: float | None = None
        self.failures = 0
        self.failing: str | None = None  # the kind of failure logged (logged once)
        self.last_error: str | None = None
        self.requests = 0
        self._silent = False  # the next good poll takes matches in silently (after down)
        self._absorbed: set[str] = set()
        self._was_down = False

    # --- state --------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        since = self._last_success_clock if self._last_success_clock is not None else self.started
        if self.clock() - since >= self.pace.down_after:
            return "down"
        if self.requests == 0:
            return "starting"
        return "ok" if self.failures == 0 else "delayed"

    @property
    def state(self) -> dict[str, Any]:
        """What ``/healthz`` shows of the provider."""
        return {
            "name": self.provider.name,
            "state": self.status,
            "last_success": self.last_success.isoformat().replace("+00:00", "Z")
            if self.last_success
            else None,
            "last_error": self.last_error,
            "requests_last_minute": self.budget.used(),
            "budget_per_minute": self.budget.limit,
            "live_matches": len(self.follower.playing),
        }

    # --- the loop -----------------------------------------------------------------------------
    def start(self) -> None:
        """Before the first poll: if polling stopped long ago (the server was off), the first
        poll takes matches in silently, as after the provider was unreachable."""
        polled = self.follower.publisher.progress(self.follower.polled_key)
        if polled is None:
            return
        try:
            last = datetime.fromisoformat(polled)
        except ValueError:
            return
        if (self.now() - last).total_seconds() > self.pace.restart_grace:
            self._silent = True

    async def run(self) -> None:
        self.start()
        headers = {"User-Agent": f"touchline-server/{__version__}"}
        async with httpx.AsyncClient(
            timeout=self.pace.timeout, headers=headers, follow_redirects=True, trust_env=False
        ) as client:
            while True:
                delay = await self.cycle(client)
                await asyncio.sleep(delay)

    async def cycle(self, client: httpx.AsyncClient) -> float:
        """One poll: every request of the cycle, then publishing. Returns the seconds to wait
        before the next one."""
        requests = self.provider.requests(self._days())
        snapshots: list[MatchSnapshot] = []
        failure: Failure | None = None
        for request in requests:
            wait = self.budget.wait()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                snapshots += await self._fetch(client, request)
            except Failure as exc:
                failure = exc
                break
        silent = self._silent
        if snapshots:

            def take_silently(match_id: str) -> bool:
                return silent and match_id not in self._absorbed

            await self.follower.apply(snapshots, silent=take_silently, complete=failure is None)
            if silent:
                self._absorbed |= {s.id for s in snapshots}
        if failure is not None:
            return self._failed(failure, len(requests))
        self._succeeded()
        return self._next_delay(len(requests))

    async def _fetch(self, client: httpx.AsyncClient, request: Request) -> list[MatchSnapshot]:
        self.budget.spend()
        self.requests += 1
        url = self.base_url + request.path
        try:
            response = await client.get(url, params=request.params, headers=request.headers)
        except httpx.HTTPError as exc:
            raise Failure("unreachable", f"{type(exc).__name__}: {exc or 'no answer'}") from None
        if response.status_code == 429:
            wait = retry_after(response.headers, self.now())
            raise Failure("rate limited", f"429 Too Many Requests (wait {wait} s)", wait)
        if response.status_code >= 400:
            detail = _message(response)
            raise Failure(f"http {response.status_code}", f"{response.status_code} {detail}")
        try:
            parsed = self.provider.parse(request, response.json())
        except (ValueError, SchemaError) as exc:  # JSONDecodeError is a ValueError
            raise Failure("schema", f"unreadable response from {request.path}: {exc}") from None
        for problem in parsed.problems:
            self.follower.note(problem.what, problem.why)
        return parsed.snapshots

    def _failed(self, failure: Failure, requests: int) -> float:
        self.failures += 1
        self.last_error = str(failure)
        base, cap = self.pace.backoff
        delay = min(cap, base * 2.0 ** (self.failures - 1)) * (0.5 + self.jitter() / 2)
        if failure.wait is not None:  # the provider said how long: never sooner
            delay = failure.wait + self.jitter()
        delay = max(delay, self._floor(requests))
        if failure.kind != self.failing:
            log.warning(
                "%s: poll failed: %s; retrying in %.0f s (logged once until it changes)",
                self.provider.name,
                failure,
                delay,
            )
            self.failing = failure.kind
        else:
            log.debug("%s: poll failed again: %s", self.provider.name, failure)
        if self.status == "down":
            if not self._was_down:
                log.warning(
                    "%s: no data for %.0f s: the provider is down; scores may be out of date",
                    self.provider.name,
                    self.pace.down_after,
                )
            self._was_down = True
            self._silent, self._absorbed = True, set()
        return delay

    def _succeeded(self) -> None:
        if self.failures:
            log.info(
                "%s: polling again after %d failed poll%s",
                self.provider.name,
                self.failures,
                "" if self.failures == 1 else "s",
            )
        self.failures, self.failing, self._was_down = 0, None, False
        self.last_success = self.now().replace(microsecond=0)
        self._last_success_clock = self.clock()
        self._silent, self._absorbed = False, set()

    def _floor(self, requests: int) -> float:
        """The shortest interval that keeps a steady pace inside the budget."""
        return 60.0 * max(requests, 1) / self.budget.limit

    def _next_delay(self, requests: int) -> float:
        now = self.now()
        follower = self.follower
        soon = timedelta(seconds=self.pace.soon)
        late = timedelta(hours=3)  # a kick-off past by this much with no news is not coming
        due = [
            kickoff
            for match_id, kickoff in follower.kickoffs.items()
            if match_id in follower.listed
            and match_id not in follower.playing
            and follower.publisher.matches.get(match_id) is not None
            and follower.publisher.matches[match_id].status == "scheduled"
            and now - late <= kickoff
        ]
        if follower.playing or any(kickoff <= now + soon for kickoff in due):
            interval = self.pace.live
        else:
            interval = self.pace.idle
            if due:  # wake up in time for the next kick-off
                until = (min(due) - soon - now).total_seconds()
                interval = max(self.pace.live, min(interval, until))
        return max(interval, self._floor(requests))

    def _days(self) -> list[date]:
        """Today (UTC), and yesterday while a match that kicked off yesterday is unfinished."""
        today = self.now().date()
        yesterday = today - timedelta(days=1)
        matches = self.follower.publisher.matches
        for match_id, kickoff in self.follower.kickoffs.items():
            match = matches.get(match_id)
            if kickoff.date() != yesterday or match is None:
                continue
            if match.status not in ("scheduled", "full_time") or match_id in self.follower.playing:
                return [yesterday, today]
        return [today]


def _message(response: httpx.Response) -> str:
    """A provider's error message, short (football-data: ``{"message": ..., "errorCode"}``)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    message = body.get("message") if isinstance(body, dict) else None
    return message[:200] if isinstance(message, str) else response.reason_phrase
