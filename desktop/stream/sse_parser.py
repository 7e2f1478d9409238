"""Parsing an event stream as the WHATWG EventSource processing model says. No I/O.

Spec: https://html.spec.whatwg.org/multipage/server-sent-events.html ("§" below = section
9.2.6 "Interpreting an event stream" unless named otherwise). httpx-sse's decoder (0.4.3) was
used before; it departs from the model in ways that matter to a client that must not lose a
goal, so this parser keeps to the spec step by step:

* bytes are decoded as UTF-8 whatever ``charset`` the Content-Type names, one leading BOM is
  dropped (§ "The stream must then be parsed..."; Encoding's "UTF-8 decode"); httpx's
  ``aiter_text`` keeps U+FEFF and honours the charset;
* a lone CR ends a line at once (httpx-sse holds it back until the next chunk, so the blank
  line ending an event, and with it the goal, waited for the next heartbeat);
* ``retry:`` takes ASCII digits only (``int()`` also takes ``+5``, `` 5``, ``1_0``, ``٣``) and
  applies when the field is read, not at the end of the event;
* the last event ID persists across connections (seeded from the client) and an empty ``id:``
  resets it, which httpx-sse cannot express with a fresh decoder per connection;
* a block without ``data:`` dispatches nothing, but its ``id:`` still sets the last event ID.

What is not dispatched before the stream ends (no closing blank line) is discarded: the caller
simply drops the parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from encodings import utf_8_sig

_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Dispatch:
    """One run of § "dispatch the event" that changed something.

    ``data`` is None when no event was dispatched (the data buffer was empty, step 2) and only
    ``last_event_id`` changed; then ``type`` is meaningless. ``last_event_id`` is the event
    source's last event ID string after this step ("" = none).
    """

    type: str
    data: str | None
    last_event_id: str


class EventStreamParser:
    """One connection's parser. Feed it the raw body bytes; it returns what was dispatched.

    ``last_event_id`` is the event source's last event ID string: pass the client's, so an
    event without ``id:`` on a new connection keeps it (§ dispatch step 1: "The buffer does
    not get reset"). ``retry`` is the reconnection time the stream set, in ms, or None.
    """

    def __init__(self, last_event_id: str = "") -> None:
        # "UTF-8 decode" (Encoding standard): drops a leading BOM, replaces bad sequences.
        self._text = utf_8_sig.IncrementalDecoder(errors="replace")
        self._line: list[str] = []  # the unfinished line, in pieces (joined once it ends)
        self._skip_lf = False  # the last chunk ended in CR: a LF opening the next belongs to it
        self._data: list[str] = []
        self._event_type = ""
        self._id_buffer = last_event_id  # § "last event ID buffer"
        self.last_event_id = last_event_id  # § "last event ID string" of the event source
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[Dispatch]:
        text = self._text.decode(chunk)
        if not text:
            return []
        if self._skip_lf:
            text = text[1:] if text[0] == "\n" else text
        # § "Lines must be separated by either a CRLF pair, a single LF, or a single CR."
        # A CR at the end of the chunk ends its line now; a LF that follows is skipped.
        self._skip_lf = text.endswith("\r")
        *lines, rest = _NEWLINE.split(text)  # only the new text: a long line stays linear
        if not lines:
            self._line.append(rest)
            return []
        lines[0] = "".join([*self._line, lines[0]])
        self._line = [rest]  # "" when the chunk ended a line: joins to nothing
        out: list[Dispatch] = []
        for line in lines:
            self._process(line, out)
        return out

    def _process(self, line: str, out: list[Dispatch]) -> None:
        if not line:  # § "If the line is empty (a blank line): Dispatch the event"
            self._dispatch(out)
            return
        if line[0] == ":":  # § "If the line starts with a U+003A COLON character: Ignore"
            return
        # § "If the line contains a U+003A COLON": field = before it, value = after it minus
        # one leading space; otherwise the whole line is the field and the value is "".
        name, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]
        # § "Process the field"; unknown field names are ignored.
        if name == "event":
            self._event_type = value
        elif name == "data":
            self._data.append(value)  # joined with LF at dispatch
        elif name == "id":
            if "\0" not in value:  # § "If the field value does not contain U+0000 NULL"
                self._id_buffer = value
        elif name == "retry" and value.isascii() and value.isdigit():
            # § "If the field value consists of only ASCII digits ... set the event stream's
            # reconnection time to that integer. Otherwise, ignore the field." Applied now,
            # not at dispatch.
            self.retry = int(value)

    def _dispatch(self, out: list[Dispatch]) -> None:
        # Step 1: the last event ID string takes the buffer's value, data or not.
        changed = self.last_event_id != self._id_buffer
        self.last_event_id = self._id_buffer
        # Step 2: an empty data buffer dispatches nothing (and resets the event type).
        if not self._data:
            self._event_type = ""
            if changed:
                out.append(Dispatch("", None, self.last_event_id))
            return
        # Step 3 (drop the final LF) is implied by joining; steps 4-6: type defaults to message.
        data = "\n".join(self._data)
        out.append(Dispatch(self._event_type or "message", data, self.last_event_id))
        self._data, self._event_type = [], ""
