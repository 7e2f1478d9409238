"""The stream's query (``GET /live-scores?match=…&format=…&last_event_id=…``), defined once.

Two readers share it: the documented FastAPI route takes it as its query model (so /docs and
/openapi.json list each parameter), and ``StreamFastPath`` in server/http/app.py, which serves
the stream before FastAPI's router, parses the raw query string with :func:`parse_query`.
A parameter added, renamed or restricted here changes both at once.
"""

from __future__ import annotations

from typing import Annotated, get_args, get_origin
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field

#: The stream's formats besides Touchline's own named events (``format=classic``: the
#: original article's ``Match Summary`` lines).
FORMATS = ("classic",)


class StreamQuery(BaseModel):
    """What a stream request may ask for. Unknown parameters are ignored."""

    model_config = ConfigDict(frozen=True)

    match: Annotated[list[str] | None, Field(description="Only these matches")] = None
    format: Annotated[str | None, Field(pattern=f"^({'|'.join(FORMATS)})$")] = None
    last_event_id: Annotated[str | None, Field(description="For first connects")] = None

    def only(self) -> frozenset[str] | None:
        """The matches asked for, or None for all of them."""
        return frozenset(self.match) if self.match else None

    def resume_from(self, header: str | None) -> str | None:
        """Where the stream resumes: the ``Last-Event-ID`` header (a reconnecting
        EventSource sends it) wins over the query parameter (a first connect's)."""
        return header or self.last_event_id


#: The parameters that may repeat (``match=a&match=b``); of the others the last one counts,
#: as in Starlette's ``request.query_params``.
_REPEATED = frozenset(
    name
    for name, field in StreamQuery.model_fields.items()
    if any(get_origin(t) is list for t in (field.annotation, *get_args(field.annotation)))
)

_ALL = StreamQuery()


def parse_query(raw: bytes) -> StreamQuery:
    """The query of a raw ASGI ``query_string``; pydantic's ValidationError for a value the
    model refuses (which the fast path leaves to the documented route to answer)."""
    if not raw:
        return _ALL  # most viewers ask for everything: no parsing at all
    found = parse_qs(raw.decode("latin-1"))
    return StreamQuery.model_validate(
        {
            name: values if name in _REPEATED else values[-1]
            for name, values in found.items()
            if name in StreamQuery.model_fields
        }
    )

MAX_QUERY = 8 * 1024
MAX_FILTER = 50


class QueryRefused(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
