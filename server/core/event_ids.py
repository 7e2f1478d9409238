"""Event ids: ``<epoch>-<seq>``. The epoch names one run of the store (a restarted in-memory
server starts a new one), the sequence numbers that run's events from 1. Pure functions, so the
one place that reads an id a client sends back (``Last-Event-ID``) is tested in-process."""

from __future__ import annotations


def event_id(epoch: str, seq: int) -> str:
    return f"{epoch}-{seq}"


def parse_id(epoch: str, event_id: str | None) -> int | None:
    """The sequence of an id from ``epoch``, or None (another epoch, garbage...)."""
    if not event_id:
        return None
    their_epoch, _, seq = event_id.strip().rpartition("-")
    # isdigit() alone accepts digits int() refuses ("²"): ASCII digits only.
    if their_epoch != epoch or not (seq.isascii() and seq.isdigit()):
        return None
    return int(seq)
