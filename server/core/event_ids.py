"""Event ids: ``<epoch>-<seq>``. The epoch names one run of the store (a restarted in-memory
server starts a new one), the sequence numbers that run's events from 1. Pure functions, so the
one place that reads an id a client sends back (``Last-Event-ID``) is tested in-process."""

from __future__ import annotations

import re

#: A sequence number as this server writes it: ASCII digits, at most 18 of them (under 2**63).
#: Checked before int(), which takes other digits ("٣", but not "²", which str.isdigit()
#: calls a digit) and refuses more than 4,300 of them.
_SEQ = re.compile(r"[0-9]{1,18}")


def event_id(epoch: str, seq: int) -> str:
    return f"{epoch}-{seq}"


def parse_id(epoch: str, event_id: str | None) -> int | None:
    """The sequence of an id from ``epoch``, or None (another epoch, garbage...)."""
    if not event_id:
        return None
    their_epoch, _, seq = event_id.strip().rpartition("-")
    if their_epoch != epoch or not _SEQ.fullmatch(seq):
        return None
    return int(seq)
