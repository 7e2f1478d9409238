"""Argument types for the command lines (``positive`` serves both: ``touchline`` passes
--speed through)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from urllib.parse import urlsplit


def positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    """An argparse type: a number of ``kind`` that is more than 0."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0:  # also refuses NaN
            raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
        return value

    return parse


def non_negative(kind: type[int] | type[float]) -> Callable[[str], float]:
    """An argparse type: a number of ``kind`` that is 0 or more."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value >= 0:  # also refuses NaN
            raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
        return value

    return parse


def origin(text: str) -> str:
    """A CORS origin as browsers send it (``https://host[:port]``), or ``*``."""
    if text == "*":
        return text
    parts = urlsplit(text.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise argparse.ArgumentTypeError(
            f"not an origin: {text!r} (want scheme://host[:port], e.g. https://scores.example)"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise argparse.ArgumentTypeError(f"not an origin: {text!r} (no query, user or fragment)")
    return f"{parts.scheme}://{parts.netloc}"


def codes(text: str) -> tuple[str, ...]:
    """``PL,CL`` → ("PL", "CL"), spaces and empty items ignored: the ``--competitions`` of both
    command lines and the viewer's settings field."""
    return tuple(part.strip() for part in text.split(",") if part.strip())
