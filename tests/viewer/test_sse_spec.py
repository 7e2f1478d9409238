"""The viewer's stream client fed unusual but valid SSE by a scripted server, handled as the
WHATWG EventSource processing model says:
https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
("§" below names the step quoted). Real sockets: a TinyServer writes the bytes, the real
StreamClient reads them; the server side records what each reconnect sent."""

from __future__ import annotations

from desktop.core.items import EventItem, SnapshotItem
from desktop.stream.sse_parser import Dispatch, EventStreamParser
from server.wire import Match, MatchEvent, Score, Snapshot, Team
from tests.support.stream_fixtures import Follower, TinyServer, scripted
from tests.support.wait import wait_until_async

BOM = b"\xef\xbb\xbf"
MATCH = Match(id="m", competition="Cup", home=Team(name="Malmö FF"), away=Team(name="Away"),
              kickoff="2026-06-11T19:00:00Z", status="live", minute=1)  # fmt: skip
SNAP = Snapshot(matches=[MATCH]).model_dump_json()


def goal(n: int, player: str = "Scorer") -> str:
    """The JSON of the n-th home goal (id ``g-n``, minute n, score n:0)."""
    ev = MatchEvent(id=f"g-{n}", type="goal", match="m", minute=n, team="home", player=player,
                    score=Score(home=n), status="live")  # fmt: skip
    return ev.model_dump_json()


def frame(kind: str, event_id: str | None, data: str, nl: str = "\n") -> bytes:
    lines = [f"event: {kind}", *([f"id: {event_id}"] if event_id is not None else [])]
    return nl.join([*lines, f"data: {data}", "", ""]).encode()


def goals(f: Follower) -> list[str]:
    return [e.id for e in f.board.matches["m"].events] if "m" in f.board.matches else []


def event_ids(f: Follower) -> list[str | None]:
    return [i.event_id for i in f.items]


def resumed_from(tiny: TinyServer, n: int) -> str | None:
    """The Last-Event-ID connection ``n`` carried, UTF-8 (the head is recorded as latin-1)."""
    value = tiny.header(n, "last-event-id")
    return None if value is None else value.encode("latin-1").decode()


# --- line endings, BOM, encoding ------------------------------------------------------------


async def test_crlf_lf_and_lone_cr_line_endings_all_end_lines() -> None:
    # § "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
    # character pair, a single U+000A LINE FEED (LF) character, or a single U+000D CARRIAGE
    # RETURN (CR) character."
    pieces = [
        frame("snapshot", "e-1", SNAP, "\r\n"),
        frame("goal", "g-1", goal(1), "\r"),
        b"event: goal\r",  # a CRLF split across two reads is one line end, not two
        b"\nid: g-2\r\ndata: " + goal(2).encode() + b"\r\r\n",  # CR ends data, CRLF blanks
        frame("goal", "g-3", goal(3), "\n"),
        frame("goal", "g-4", goal(4), "\r"),  # ends in CR, then nothing more is sent
    ]
    async with TinyServer(scripted(pieces)) as tiny, Follower(tiny.url) as f:
        # The last event's final CR is a line end by itself: it is dispatched now, not when
        # the next byte (a heartbeat 15 s later) shows it was not half of a CRLF.
        await wait_until_async(lambda: len(goals(f)) == 4, timeout=3, what="four goals")
        assert goals(f) == ["g-1", "g-2", "g-3", "g-4"]
        assert f.board.matches["m"].score == Score(home=4, away=0)
        assert f.client.last_event_id == "g-4"
        assert len(tiny.requests) == 1


async def test_one_leading_bom_is_stripped_a_second_one_is_not() -> None:
    # § "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present."
    # Only one: a second BOM is part of the first field name, "\ufeffevent", which is not a
    # known field, so that event is an unnamed "message" (not a goal: it is skipped).
    body = [
        BOM[:1],  # the BOM split across reads
        BOM[1:] + frame("snapshot", "e-1", SNAP),
        BOM + frame("goal", "g-1", goal(1)),
        frame("goal", "g-2", goal(2)),
    ]
    async with TinyServer(scripted(body)) as tiny, Follower(tiny.url) as f:
        await wait_until_async(
            lambda: f.client.last_event_id == "g-2", timeout=3, what="the last goal"
        )
        assert [type(i) for i in f.items] == [SnapshotItem, EventItem]
        assert goals(f) == ["g-2"]  # the event behind the second BOM was not a goal
        # A BOM at the start of every connection is stripped again: a new stream.
        assert len(tiny.requests) == 1


async def test_stream_is_utf8_whatever_charset_the_content_type_names() -> None:
    # § "Event streams are always decoded as UTF-8. There is no way to specify another
    # character encoding." (httpx's aiter_text would decode this as latin-1: "MalmÃ¶").
    body = frame("snapshot", "e-1", SNAP) + frame("goal", "g-1", goal(1, "Müller"))
    # The type is matched as a MIME type: case-insensitively, parameters aside.
    script = scripted(body, ctype="Text/Event-Stream ; charset=iso-8859-1")
    async with TinyServer(script) as tiny, Follower(tiny.url) as f:
        await wait_until_async(lambda: goals(f) == ["g-1"], timeout=3, what="the goal")
        assert f.board.matches["m"].home.name == "Malmö FF"
        assert f.board.matches["m"].events[0].player == "Müller"


# --- fields ---------------------------------------------------------------------------------


async def test_comments_unknown_fields_and_fields_without_a_space_after_the_colon() -> None:
    body = (
        # § "If the line starts with a U+003A COLON character (:) Ignore the line."
        b": a comment\n:\n:no space\n"
        # § "If value starts with a U+0020 SPACE character, remove it from value." - only if.
        + b"event:snapshot\nid:e-1\ndata:"
        + SNAP.encode()
        + b"\n\n"
        # § "Otherwise: The field is ignored." A comment inside an event does not end it.
        + b"event:goal\n: in the middle\nunknown: field\nretry-after: 9\nid:g-1\ndata:"
        + goal(1).encode()
        + b"\n\n"
        # Only one space is removed: the data is " {...}", still the same JSON.
        + b"event: goal\nid: g-2\ndata:  "
        + goal(2).encode()
        + b"\n\n"
    )
    async with TinyServer(scripted(body)) as tiny, Follower(tiny.url) as f:
        await wait_until_async(lambda: len(goals(f)) == 2, timeout=3, what="two goals")
        assert event_ids(f) == ["e-1", "g-1", "g-2"]
        assert f.client.retry_ms == 3000  # "retry-after" is not "retry"


async def test_multi_line_data_is_joined_with_line_feeds() -> None:
    # § "If the field name is "data": Append the field value to the data buffer, then append
    # a single U+000A LINE FEED (LF) character"; at dispatch "If the data buffer's last
    # character is a U+000A LINE FEED (LF) character, then remove the last character".
    # JSON allows LF between tokens, so a JSON split over data lines still parses; a line
    # "data" without a colon is the field "data" with an empty value: one more LF.
    head, rest = SNAP.split(":", 1)
    g_head, g_rest = goal(1).split(",", 1)
    body = (
        f"event: snapshot\nid: e-1\ndata: {head}:\ndata\ndata: {rest}\n\n"
        f"event: goal\nid: g-1\ndata: {g_head},\ndata: {g_rest}\n\n"
    ).encode()
    async with TinyServer(scripted(body)) as tiny, Follower(tiny.url) as f:
        await wait_until_async(lambda: goals(f) == ["g-1"], timeout=3, what="the goal")
        assert f.board.matches["m"].score == Score(home=1, away=0)


async def test_multi_line_classic_messages_become_a_match() -> None:
    # Unnamed events are "message" (§ dispatch: "Initialize event's type attribute to
    # "message""); the article's format split over two data lines.
    body = (
        b'data: Match Summary: {"time": "00:00", "scores": "0:0",\n'
        b'data: "event": "Arsenal v Chelsea (Cup)"}\n\n'
        b'data: Match Summary: {"time": "12\'",\n'
        b'data:"scores": "1:0", "event": "Goal! Saka"}\n\n'
    )
    async with TinyServer(scripted(body)) as tiny, Follower(tiny.url) as f:
        await wait_until_async(lambda: len(f.items) == 2, timeout=3, what="two classic items")
        shown = f.board.matches["classic"]
        assert (shown.home.name, shown.away.name, shown.score) == (
            "Arsenal",
            "Chelsea",
            Score(home=1, away=0),
        )
        assert [e.type for e in shown.events] == ["goal"]


async def test_retry_takes_only_ascii_digits_and_applies_when_read() -> None:
    # § "If the field value consists of only ASCII digits, then interpret the field value as
    # an integer in base ten, and set the event stream's reconnection time to that integer.
    # Otherwise, ignore the field." Python's int() would take all but "12a" and "5 x".
    invalid = ["12a", "-5", "+5", " 5", "5 ", "٣", "1_0", "", "5 x", "0x10"]
    first = b"retry: 70\n\n" + b"".join(f"retry: {v}\n\n".encode() for v in invalid)
    first += frame("snapshot", "e-1", SNAP)
    # The field takes effect when read, even in an event the end of the stream cuts off.
    first += b"event: goal\nretry: 40\nid: g-1\n"
    async with TinyServer(scripted(first, b"")) as tiny, Follower(tiny.url) as f:
        await wait_until_async(lambda: len(f.items) == 1, timeout=3, what="the snapshot")
        await wait_until_async(lambda: len(tiny.requests) == 2, timeout=3, what="the reconnect")
        assert f.client.retry_ms == 40
        assert resumed_from(tiny, 1) == "e-1"  # the cut-off event's id never counted


# --- ids ------------------------------------------------------------------------------------


async def test_id_containing_nul_is_ignored() -> None:
    # § "If the field name is "id": If the field value does not contain U+0000 NULL, then
    # set the last event ID buffer to the field value. Otherwise, ignore the field."
    body = frame("snapshot", "e-1", SNAP) + frame("goal", "g-1\0x", goal(1))
    async with TinyServer(scripted(body, b"")) as tiny, Follower(tiny.url) as f:
        await wait_until_async(lambda: len(tiny.requests) == 2, timeout=3, what="the reconnect")
        assert goals(f) == ["g-1"]  # the event itself is dispatched
        assert event_ids(f) == ["e-1", "e-1"]  # under the last id that was valid
        assert resumed_from(tiny, 1) == "e-1"


async def test_empty_id_resets_the_last_event_id_and_it_persists_across_connections() -> None:
    # § dispatch step 1: "Set the last event ID string of the event source to the value of
    # the last event ID buffer. The buffer does not get reset, so the last event ID string
    # of the event source remains set to this value until the next time it is set by the
    # server." An empty "id:" sets it to "", and then the reconnect sends no Last-Event-ID
    # (§ "If the event source's last event ID string is not the empty string, set
    # `Last-Event-ID`"). The string belongs to the EventSource, so it outlives connections.
    connections = (
        frame("snapshot", "e-1", SNAP) + frame("goal", "", goal(1)),  # "id: " (empty)
        b"id: e-5\n\n",  # a block without data still sets it (see the next test)
        frame("goal", None, goal(2)) + b"id\n\n",  # no id: keeps e-5; then "id" alone resets
        b"",
    )
    async with TinyServer(scripted(*connections)) as tiny, Follower(tiny.url) as f:
        await wait_until_async(lambda: len(tiny.requests) == 4, timeout=5, what="three reconnects")
        assert [resumed_from(tiny, n) for n in range(4)] == [None, None, "e-5", None]
        assert event_ids(f) == ["e-1", None, "e-5"]
        assert goals(f) == ["g-1", "g-2"]
        assert f.client.last_event_id is None


async def test_event_without_data_is_not_dispatched_but_its_id_counts() -> None:
    # § dispatch step 2: "If the data buffer is an empty string, set the data buffer and the
    # event type buffer to the empty string and return." Step 1 (the id) happened before.
    # The type is reset too: the next event, without "event:", is a plain "message".
    body = (
        frame("snapshot", "e-1", SNAP)
        + b"event: goal\nid: g-1\n\n"
        + b"event: snapshot\nid: e-2\n\n"
        + f"id: e-3\ndata: {SNAP}\n\n".encode()  # a "message": not a snapshot (skipped)
    )
    async with TinyServer(scripted(body, b"")) as tiny, Follower(tiny.url) as f:
        await wait_until_async(lambda: len(tiny.requests) == 2, timeout=3, what="the reconnect")
        assert [type(i) for i in f.items] == [SnapshotItem]
        assert resumed_from(tiny, 1) == "e-3"


async def test_event_cut_off_by_the_end_of_the_stream_is_discarded() -> None:
    # § "Once the end of the file is reached, any pending data must be discarded. (If the
    # file ends in the middle of an event, before the final empty line, the incomplete event
    # is not dispatched.)" Its id was only in the buffer, so it does not count either.
    connections = (
        frame("snapshot", "e-1", SNAP) + frame("goal", "g-1", goal(1))[:-1],  # no blank line
        f"event: goal\nid: g-1\ndata: {goal(1)}".encode(),  # not even the line's end
        b"",
    )
    async with TinyServer(scripted(*connections)) as tiny, Follower(tiny.url) as f:
        await wait_until_async(lambda: len(tiny.requests) == 3, timeout=5, what="two reconnects")
        assert [resumed_from(tiny, n) for n in range(3)] == [None, "e-1", "e-1"]
        assert [type(i) for i in f.items] == [SnapshotItem]
        assert goals(f) == []


async def test_non_ascii_id_is_sent_back_as_utf8() -> None:
    # The spec sets Last-Event-ID to the last event ID string "encoded as UTF-8"; httpx
    # refuses a non-ASCII str header (UnicodeEncodeError ended the client for good).
    body = frame("snapshot", "e-ü-€-1", SNAP)
    async with TinyServer(scripted(body, b"")) as tiny, Follower(tiny.url) as f:
        await wait_until_async(lambda: len(tiny.requests) == 2, timeout=3, what="the reconnect")
        assert resumed_from(tiny, 1) == "e-ü-€-1"
        assert f.task is not None and not f.task.done()


# --- the parser alone: chunk boundaries anywhere --------------------------------------------


STREAM = (
    BOM
    + b": hi\r\nretry: 10\r\n\r\n"
    + frame("snapshot", "e-1", SNAP, "\r\n")
    + frame("goal", "g-1", goal(1, "Ødegaard €"), "\r")
    + b"event: goal\nid: x\0y\ndata: a\ndata\ndata:b\r\n\r\n"
    + b"id: e-9\n\nid:\r\rdata: tail\n"
)
EXPECTED = [
    Dispatch("snapshot", SNAP, "e-1"),
    Dispatch("goal", goal(1, "Ødegaard €"), "g-1"),
    Dispatch("goal", "a\n\nb", "g-1"),
    Dispatch("", None, "e-9"),
    Dispatch("", None, ""),
]


def test_parser_gives_the_same_dispatches_however_the_bytes_are_split() -> None:
    for size in (len(STREAM), 1, 2, 3, 7):
        parser = EventStreamParser()
        out = [d for i in range(0, len(STREAM), size) for d in parser.feed(STREAM[i : i + size])]
        assert out == EXPECTED, f"chunks of {size}"
        assert parser.retry == 10 and parser.last_event_id == ""


def test_parser_seeded_with_a_last_event_id_keeps_it_for_events_without_id() -> None:
    parser = EventStreamParser("e-7")
    assert parser.feed(b"data: x\n\n") == [Dispatch("message", "x", "e-7")]
    assert parser.feed(b"\n\n: ping\n\n") == []  # blank lines change nothing: no dispatch
