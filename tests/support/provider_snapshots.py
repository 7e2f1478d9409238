"""Normalised provider snapshots for tests, written short, and a real broker that follows them.

run = Following()
await run.poll(snap("first_half", (0, 0), minute=12))
frames = await run.poll(snap("first_half", (1, 0), minute=14))
assert kinds(frames) == ["goal", "clock"]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from server.core.broker import Broker
from server.feeds.providers.base import Incident, MatchSnapshot, TeamRef
from server.feeds.providers.poller import Follower
from server.store.base import Store
from server.store.memory import MemoryStore

KICKOFF = datetime(2022, 12, 18, 15, 0, tzinfo=UTC)
HOME = TeamRef("Argentina", "ARG", "762")
AWAY = TeamRef("France", "FRA", "773")


def snap(
    phase: str = "scheduled",
    score: tuple[int, int] | None = None,
    *,
    minute: int | None = None,
    added: int | None = None,
    incidents: tuple[Incident, ...] | list[Incident] | None = None,
    penalties: tuple[int, int] | None = None,
    extra_time: bool = False,
    match_id: str = "fd-1",
    home: TeamRef = HOME,
    away: TeamRef = AWAY,
    kickoff: datetime = KICKOFF,
    round: str | None = "Final",
) -> MatchSnapshot:
    return MatchSnapshot(
        id=match_id,
        competition="World Cup",
        round=round,
        home=home,
        away=away,
        kickoff=kickoff,
        phase=phase,  # type: ignore[arg-type]
        minute=minute,
        added=added,
        score=score,
        penalties=penalties,
        incidents=tuple(incidents) if incidents is not None else None,
        extra_time=extra_time,
    )


def goal(
    side: str, minute: int | None, player: str | None = None, *, key: str | None = None, **kw: Any
) -> Incident:
    return Incident(
        key=key or f"g|{minute}|{side}|{player}",
        kind="goal",
        team=side,  # type: ignore[arg-type]
        minute=minute,
        player=player,
        **kw,
    )


def card(side: str, minute: int, player: str, kind: str = "yellow") -> Incident:
    return Incident(
        key=f"c|{minute}|{side}|{player}",
        kind="card",
        team=side,  # type: ignore[arg-type]
        minute=minute,
        player=player,
        card=kind,  # type: ignore[arg-type]
    )


def sub(side: str, minute: int, player_in: str | None, player_out: str | None) -> Incident:
    return Incident(
        key=f"s|{minute}|{side}|{player_out}",
        kind="substitution",
        team=side,  # type: ignore[arg-type]
        minute=minute,
        player_in=player_in,
        player_out=player_out,
    )


def kick(side: str, n: int, player: str, scored: bool) -> Incident:
    return Incident(
        key=f"k|{side}|{n}",
        kind="shootout",
        team=side,  # type: ignore[arg-type]
        player=player,
        scored=scored,
    )


@dataclass
class Frame:
    kind: str
    data: dict[str, Any]


class Following:
    """A real broker (memory store unless given one) and the provider follower feeding it."""

    def __init__(self, store: Store | None = None, provider: str = "test") -> None:
        self.broker = Broker(store or MemoryStore())
        self.follower = Follower(self.broker, provider)

    async def poll(self, *snaps: MatchSnapshot, silent: bool = False) -> list[Frame]:
        """Applies one poll; returns the frames it published."""
        start = self.broker.seq
        await self.follower.apply(snaps, silent=lambda _id: silent)
        return [Frame(f.kind, json.loads(f.data)) for f in self.broker.log if f.seq > start]

    def match(self, match_id: str = "fd-1") -> Any:
        return self.broker.matches[match_id]


def kinds(frames: list[Frame], *, clock: bool = False) -> list[str]:
    return [f.kind for f in frames if clock or f.kind != "clock"]
