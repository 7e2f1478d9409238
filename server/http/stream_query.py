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

from server.wire import MAX_ID

#: The stream's formats besides Touchline's own named events (``format=classic``: the
#: original article's ``Match Summary`` lines).
FORMATS = ("classic",)
#: The longest query a stream request may have (414 beyond it): room for MAX_FILTER ids of
#: MAX_ID characters, and a Last-Event-ID of any length the server could have given.
MAX_QUERY = 8 * 1024
#: The most matches one stream may ask for (400 beyond it). A stream holds its filter for as
#: long as it is open, so this bounds what a query can make a stream cost.
MAX_FILTER = 50


class QueryRefused(ValueError):
    """A query beyond the limits above: ``status`` (414 or 400) and a message to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class StreamQuery(BaseModel):
    """What a stream request may ask for. Unknown parameters are ignored."""

    model_config = ConfigDict(frozen=True)

    match: Annotated[
        list[Annotated[str, Field(max_length=MAX_ID)]] | None,
        Field(description="Only these matches", max_length=MAX_FILTER),
    ] = None
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
    """The query of a raw ASGI ``query_string``. Raises QueryRefused for one beyond the
    limits (checked before anything is parsed, or for the filter, before the model reads it),
    and pydantic's ValidationError for a value the model refuses (which the fast path leaves
    to the documented route to answer)."""
    if not raw:
        return _ALL  # most viewers ask for everything: no parsing at all
    if len(raw) > MAX_QUERY:
        raise QueryRefused(
            414, f"the query is {len(raw)} bytes long: a stream's has at most {MAX_QUERY} bytes"
        )
    found = parse_qs(raw.decode("latin-1"))
    if "match" in found:
        ids = found["match"] = list(dict.fromkeys(found["match"]))  # each once, in order
        if len(ids) > MAX_FILTER:
            raise QueryRefused(
                400, f"match: {len(ids)} match ids; a stream follows at most {MAX_FILTER} match ids"
            )
        if any(len(i) > MAX_ID for i in ids):
            raise QueryRefused(400, f"match: a match id has at most {MAX_ID} characters")
    return StreamQuery.model_validate(
        {
            name: values if name in _REPEATED else values[-1]
            for name, values in found.items()
            if name in StreamQuery.model_fields
        }
    )
