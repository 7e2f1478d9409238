"""Bad input against the real server: schemathesis from the server's own /openapi.json and
hypothesis find no 5xx, odd bodies get a 4xx with a message, and odd names either round-trip
exactly (API and stream alike) or are refused with a 422 that names the field.

tests/server/test_publish_api.py has the basic table (not JSON, arrays, unknown event fields...);
this file extends it rather than repeating it.
"""

from __future__ import annotations

import json

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.wire import EVENT_TYPES, MAX_NAME
from tests.support.serverproc import server_fixture
from tests.support.sse_reader import StreamReader

#: Every operation of the API but the stream, which never ends (and is fuzzed by nothing).
OPERATIONS = [
    ("POST", "/api/matches"),
    ("POST", "/api/matches/{match_id}/events"),
    ("GET", "/api/matches"),
    ("GET", "/api/matches/{match_id}"),
    ("GET", "/healthz"),
    ("GET", "/healthz/ready"),
]
FUZZ = settings(
    max_examples=40,
    database=None,  # nothing written into the checkout
    deadline=None,  # real HTTP: time varies on a shared machine
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


srv = server_fixture("--feed", "none")


@pytest.fixture(scope="module")
def api(srv):  # for the whole module, as the module's live match is
    with httpx.Client(base_url=srv.url, headers=srv.headers(), timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def live_match(api) -> str:
    match_id = api.post("/api/matches", json={"home": "Fuzz FC", "away": "Probe United"})
    match_id = match_id.json()["id"]
    assert api.post(f"/api/matches/{match_id}/events", json={"type": "kickoff"}).is_success
    return match_id


@pytest.fixture(scope="module")
def live_schema(srv):
    return schemathesis.openapi.from_url(f"{srv.url}/openapi.json")


def assert_answered_with_a_message(response: httpx.Response | object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, f"{status}: {response.text}"  # type: ignore[attr-defined]
    if status >= 400:
        assert response.json()["detail"], response.text  # type: ignore[attr-defined]


# --- schemathesis ----------------------------------------------------------------------------


def test_fuzzed_operations_are_every_operation_but_the_stream(live_schema):
    served = {
        (op.ok().method.upper(), op.ok().path)
        for op in live_schema.get_all_operations()
        if op.ok().path != "/live-scores"
    }
    assert served == set(OPERATIONS)


#: Valid requests for every operation; invalid ones where there is a body to get wrong (a
#: path's match id is any string, so no request can have an invalid one).
FUZZED = [(m, p, "positive") for m, p in OPERATIONS] + [
    (m, p, "negative") for m, p in OPERATIONS if m == "POST"
]


@pytest.mark.parametrize(("method", "path", "mode"), FUZZED)
def test_schemathesis_finds_no_server_error(srv, live_schema, live_match, method, path, mode):
    operation = live_schema[path][method]
    # Events go to a live match, so valid ones reach the rules of football, not just a 404.
    fixed = {"match_id": live_match} if path.endswith("/events") else None
    strategy = operation.as_strategy(
        generation_mode=schemathesis.GenerationMode(mode), path_parameters=fixed
    )

    @FUZZ
    @given(case=strategy)
    def check(case):
        response = case.call(base_url=srv.url, headers=srv.headers(), timeout=10)
        assert_answered_with_a_message(response)
        if mode == "positive" and (method, path) == ("POST", "/api/matches"):
            # The schema says exactly what a match may be: what fits it is taken (or is a
            # duplicate id). Events also have rules of football the schema cannot state, and
            # the schema cannot say that an Idempotency-Key is for one request only.
            allowed = {201, 409}
            if "was used for a different request" in response.text:
                allowed.add(422)
            assert response.status_code in allowed, response.text

    check()


# --- hypothesis: arbitrary JSON --------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
anything = json_values | st.sampled_from(EVENT_TYPES) | st.sampled_from(["home", "away"])
event_like = st.fixed_dictionaries(
    {},
    optional={
        key: anything
        for key in (
            "type", "minute", "added", "team", "player", "text", "penalty", "own_goal",
            "card", "player_in", "player_out", "scored", "penalties", "extra",
        )
    },
)  # fmt: skip


@FUZZ
@given(body=json_values | event_like)
def test_arbitrary_json_event_bodies_never_get_a_server_error(api, live_match, body):
    r = api.post(
        f"/api/matches/{live_match}/events",
        content=json.dumps(body),  # NaN and Infinity included, as Python writes them
        headers={"Content-Type": "application/json"},
    )
    assert_answered_with_a_message(r)
    assert r.status_code in (201, 404, 409, 422), r.text


@FUZZ
@given(body=st.binary(max_size=200))
def test_arbitrary_bytes_as_a_match_body_never_get_a_server_error(api, body):
    r = api.post("/api/matches", content=body, headers={"Content-Type": "application/json"})
    assert_answered_with_a_message(r)


def test_after_the_fuzzing_the_match_is_still_whole(srv, api, live_match):
    match = api.get(f"/api/matches/{live_match}").json()
    for side in ("home", "away"):
        goals = [e for e in match["events"] if e["team"] == side]
        scored = sum(e["type"] == "goal" for e in goals)
        taken_back = sum(e["type"] == "goal_disallowed" for e in goals)
        assert match["score"][side] == scored - taken_back
    with StreamReader(f"{srv.url}/live-scores?match={live_match}") as stream:
        snapshot = stream.next()
    assert snapshot.json["matches"] == [match]


# --- odd bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "ctype"),
    [
        (b'{"home": "A", "away": "B"}', "text/plain"),
        (b"home=A&away=B", "application/x-www-form-urlencoded"),
        (b"--x\r\nContent-Disposition: form-data; name=home\r\n\r\nA\r\n--x--", "multipart/form-data; boundary=x"),  # noqa: E501
        (b'{"home": "\xff\xfe", "away": "B"}', "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
        (b'{"home": "A", "away": "B", "kickoff": ' + b"9" * 5000 + b"}", "application/json"),
        (b'{"home": "A", "away": "B", "kickoff": NaN}', "application/json"),
        (b"null", "application/json"),
        (b'"A v B"', "application/json"),
        (b"42", "application/json"),
    ],
    ids=[
        "json-as-text-plain", "form", "multipart", "invalid-utf8", "deeply-nested",
        "5000-digit-number", "nan", "null", "string", "number",
    ],
)  # fmt: skip
def test_match_body_that_is_not_a_match_object_is_4xx_with_a_message(api, content, ctype):
    before = len(api.get("/api/matches").json()["matches"])
    r = api.post("/api/matches", content=content, headers={"Content-Type": ctype})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["detail"]
    assert len(api.get("/api/matches").json()["matches"]) == before


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"home": "A", "away": "B", "venue": "Wembley"}, "venue"),
        ({"home": {"name": "A", "colour": "red"}, "away": "B"}, "home.colour"),
        ({"home": 7, "away": "B"}, "home"),
        ({"home": ["A"], "away": "B"}, "home"),
        ({"home": {"name": None}, "away": "B"}, "home.name"),
        ({"home": "A", "away": "B", "competition": 2026}, "competition"),
        ({"home": "A", "away": "B", "kickoff": 1e400}, "kickoff"),
    ],
    ids=["unknown-field", "unknown-team-field", "number", "list", "null-name", "int-text", "inf"],
)
def test_wrong_types_and_unknown_fields_in_a_match_are_422_naming_the_field(api, body, fragment):
    r = api.post(
        "/api/matches", content=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert r.json()["detail"].startswith(fragment + ":")


@pytest.mark.parametrize(
    "body",
    [
        {"type": "goal", "team": "home", "minute": 10.5},
        {"type": "goal", "team": "home", "minute": "ten"},
        {"type": "goal", "team": "home", "penalty": "maybe"},
        {"type": ["goal"]},
        {"type": "goal", "team": ["home"]},
        {"type": "goal", "team": "home", "penalties": {"home": -1, "away": 0}},
        {"type": "clock", "minute": 10, "text": {"en": "ten"}},
        {"type": "goal", "team": "home", "player": 9},
    ],
    ids=[
        "fraction",
        "word-minute",
        "word-flag",
        "list-type",
        "list-team",
        "negative",
        "obj",
        "int",
    ],
)
def test_wrong_types_in_an_event_are_422_and_change_nothing(api, live_match, body):
    before = api.get(f"/api/matches/{live_match}").json()
    r = api.post(f"/api/matches/{live_match}/events", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"]
    assert api.get(f"/api/matches/{live_match}").json() == before


def test_invalid_json_names_what_is_wrong_with_it(api, live_match):
    r = api.post(
        f"/api/matches/{live_match}/events",
        content=b'{"type": "goal",}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith("the body is not valid JSON (")


# --- odd names -------------------------------------------------------------------------------

ODD_NAMES = {
    "html": "<script>alert('x')</script> & <b>Bold</b> &amp;",
    "rtl": "الأهلي",
    "rtl-mixed": "Maccabi מכבי תל אביב 1906",
    "emoji": "⚽ Team 🇧🇷 👨‍👩‍👧",
    "quotes": "Quote \" ' ` \\ \\n not a newline",
    "combining": "Ñandú ñandu\u0301 Zürich",
    "sse-lookalike": "data: {} id: 1 event: goal",
    "longest": "L" * MAX_NAME,
}


@pytest.mark.parametrize("name", list(ODD_NAMES.values()), ids=list(ODD_NAMES))
def test_odd_names_round_trip_exactly_through_the_api_and_the_stream(srv, api, name):
    with StreamReader(f"{srv.url}/live-scores") as stream:
        stream.next()  # snapshot
        created = api.post(
            "/api/matches",
            json={"home": name, "away": {"name": name, "code": "X"}, "competition": name},
        )
        assert created.status_code == 201, created.text
        match_id = created.json()["id"]
        added = stream.until("match_added")[-1].json
        api.post(f"/api/matches/{match_id}/events", json={"type": "kickoff"})
        goal = api.post(
            f"/api/matches/{match_id}/events",
            json={"type": "goal", "team": "home", "minute": 9, "player": name, "text": name},
        )
        assert goal.status_code == 201, goal.text
        streamed_goal = stream.until("goal")[-1].json
    stored = api.get(f"/api/matches/{match_id}").json()
    for match in (created.json(), added, stored):
        assert match["home"]["name"] == name
        assert match["away"]["name"] == name
        assert match["competition"] == name
    assert streamed_goal["player"] == name and streamed_goal["text"] == name
    assert stored["events"][-1]["player"] == name


@pytest.mark.parametrize(
    ("bad", "codepoint"),
    [
        ("Nul\x00FC", "U+0000"),
        ("Two\nLines", "U+000A"),
        ("Tab\tUnited", "U+0009"),
        ("Bell\x07", "U+0007"),
        ("Escape\x1b[31mRed", "U+001B"),
        ("Del\x7f", "U+007F"),
        ("C1\x85Next", "U+0085"),
        ("Override\u202eCBA", "U+202E"),
        ("Isolate\u2067x", "U+2067"),
    ],
    ids=["nul", "newline", "tab", "bell", "ansi-escape", "del", "c1-nel", "rlo", "isolate"],
)
def test_control_characters_in_names_are_422_naming_field_and_character(api, bad, codepoint):
    r = api.post("/api/matches", json={"home": bad, "away": "B"})
    assert r.status_code == 422
    assert (
        r.json()["detail"] == f"home.name: must be plain text: {codepoint} is a control character"
    )
    r = api.post("/api/matches", json={"home": "A", "away": "B", "round": bad})
    assert r.json()["detail"].startswith("round: must be plain text")


def test_control_characters_in_event_texts_are_422(api, live_match):
    for field in ("player", "text", "player_in", "player_out"):
        event = {"type": "substitution", "team": "away", "player_in": "I", "player_out": "O"}
        event[field] = "a\x00b"
        r = api.post(f"/api/matches/{live_match}/events", json=event)
        assert r.status_code == 422
        assert r.json()["detail"].startswith(f"{field}: must be plain text: U+0000")


def test_lone_surrogate_in_a_name_is_422_not_a_server_error(api):
    r = api.post(
        "/api/matches",
        content=b'{"home": "\\ud800", "away": "B"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith("home.name:")


def test_ten_thousand_character_names_are_422_and_never_reach_the_stream(srv, api):
    huge = "N" * 10_000
    with StreamReader(f"{srv.url}/live-scores") as stream:
        stream.next()
        for body, field in [
            ({"home": huge, "away": "B"}, "home.name"),
            ({"home": "A", "away": "B", "competition": huge}, "competition"),
        ]:
            r = api.post("/api/matches", json=body)
            assert r.status_code == 422
            assert (
                r.json()["detail"] == f"{field}: String should have at most {MAX_NAME} characters"
            )
            assert huge not in r.text  # the answer does not echo the input
        stream.assert_quiet(0.5)
