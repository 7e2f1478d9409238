"""A child process's log, read as it is written: the tests' one output reader.

A thread reads the process's text output line by line into ``lines``, so the pipe never fills
up (a process blocked on a full pipe stops answering), a test can read the log at any time,
and it can wait for a line."""

from __future__ import annotations

import re
import threading
from typing import IO

from tests.support.wait import wait_until


class LogPump:
    def __init__(self, stream: IO[str], name: str = "the process") -> None:
        self.name = name
        self.lines: list[str] = []
        self._stream = stream
        self._thread = threading.Thread(target=self._pump, daemon=True, name=f"log of {name}")
        self._thread.start()

    def _pump(self) -> None:
        for line in self._stream:
            self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    @property
    def ended(self) -> bool:
        """The process closed its output (it exited) and every line of it is in ``lines``."""
        return not self._thread.is_alive()

    def search(self, pattern: str | re.Pattern[str]) -> re.Match[str] | None:
        """The first line so far that matches ``pattern`` (a regular expression)."""
        for line in list(self.lines):
            if found := re.search(pattern, line):
                return found
        return None

    def wait_for_line(self, pattern: str | re.Pattern[str], timeout: float = 10.0) -> re.Match[str]:
        """Waits for a line matching ``pattern``; fails at once if the output ends without one."""

        def found() -> re.Match[str] | None:
            ended = self.ended  # before the search: a line read just before the end counts
            if (match := self.search(pattern)) is None and ended:
                raise AssertionError(f"{self.name} ended with no {pattern!r} in:\n{self.log}")
            return match

        return wait_until(
            found, timeout, lambda: f"{pattern!r} in the log of {self.name}:\n{self.log}"
        )

    def close(self, timeout: float = 5.0) -> None:
        """Waits for the end of the output (the process is gone), then closes the pipe."""
        self._thread.join(timeout)
        self._stream.close()
