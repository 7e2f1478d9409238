"""The process's local time zone, changed for a test and put back after it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def local_time(zone: str) -> Iterator[None]:
    """Local time is ``zone``'s (an IANA name, e.g. ``Asia/Tokyo``) inside the block."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old
        time.tzset()
