"""FeedError: one line naming the file, the entry and what is wrong with it."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError


class FeedError(Exception):
    """A feed that cannot be loaded, e.g. ``demo.json: events[12]: unknown match 'ars-chx'``.

    ``path`` is the file as the user named it, ``where`` the offending entry as a JSON path
    (``events[12].minute``) or a text position (``line 3, column 7``), empty when the whole
    file is at fault, and ``message`` says what is wrong.
    """

    def __init__(self, path: str, where: str, message: str) -> None:
        super().__init__(path, where, message)
        self.path, self.where, self.message = path, where, message

    def __str__(self) -> str:
        parts = [self.path, self.where, self.message] if self.where else [self.path, self.message]
        return ": ".join(parts)


def json_path(*parts: str | int) -> str:
    """``("events", 12, "minute")`` -> ``events[12].minute``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part:
            out += f".{part}" if out else part
    return out


def from_validation(path: str, prefix: Sequence[str | int], exc: ValidationError) -> FeedError:
    """The first problem pydantic found, as a FeedError located by its ``loc``."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = "unknown field"
    elif first["type"] == "missing":
        message = "field required"
    # Value errors raised by our own validators read "Value error, <text>".
    message = message.removeprefix("Value error, ")
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return FeedError(path, json_path(*prefix, *first["loc"]), message)
