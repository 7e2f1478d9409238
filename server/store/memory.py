"""The throw-away store: nothing outlives the process (``--store :memory:``)."""

from __future__ import annotations

from server.store.base import Loaded, StoredEvent, StoredReply, new_epoch
from server.wire import Match


class MemoryStore:
    """Keeps nothing: a restarted server starts a new epoch, so old ids can never match.
    (Idempotency keys live in the broker's memory, like the log.)"""

    def __init__(self) -> None:
        self.epoch = new_epoch()

    def load(self, keep: int) -> Loaded:
        return Loaded(epoch=self.epoch, last_seq=0, matches=[], recent=[])

    async def append(
        self,
        event: StoredEvent,
        match: Match,
        progress: tuple[str, str] | None = None,
        reply: StoredReply | None = None,
    ) -> None:
        return None

    def progress(self, key: str) -> str | None:
        return None

    async def close(self) -> None:
        return None
