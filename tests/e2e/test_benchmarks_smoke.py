"""The fan-out benchmark, run end to end with a tiny load against the three real servers.

Speed is measured by running the benchmark, not here: these tests only check that every
delivery is counted and every figure is reported.
"""

from __future__ import annotations

import io
import math

from benchmarks.fanout.bench import parse_args, run
from benchmarks.fanout.report import ROWS
from benchmarks.fanout.servers import KINDS, REDIS_KINDS
from benchmarks.fanout.streamparse import parse

N, GOALS = 20, 2


def test_fanout_smoke_run_delivers_every_goal_to_every_subscriber_of_each_server():
    args = f"--n {N} --goals {GOALS} --repeat 1 --settle 0.05 --gap 0.02 --backlog 30"
    opts = parse_args(args.split())
    out = io.StringIO()
    results = run(opts, out=out)

    for kind in KINDS:
        [got] = results[N][kind]
        assert got["connected"] == N, (kind, got["connect_errors"])
        assert got["deliveries"] == N * GOALS and got["missing"] == 0, kind
        assert got["duplicates"] == got["unexpected_ids"] == got["dropped"] == 0, kind
        assert got["bad_responses"] == 0, kind
        assert 0 < got["p50_ms"] <= got["p99_ms"] <= got["max_ms"], kind
        for key in ("connect_s", "last_ms", "rss_per_sub_kb", "cpu_per_delivery_us"):
            assert math.isfinite(got[key]), (kind, key)
    report = out.getvalue()
    for _, label, _ in ROWS:
        assert label in report
    assert f"touchline delivered {N * GOALS} of {N * GOALS} goal frames (0 missing)" in report
    assert "t/peer" in report and "t/limit" in report


def test_fanout_smoke_run_on_redis_delivers_every_goal_through_one_and_two_servers():
    args = f"--n {N} --goals {GOALS} --repeat 1 --settle 0.05 --gap 0.02"
    opts = parse_args([*args.split(), "--servers", ",".join(REDIS_KINDS)])
    results = run(opts, out=io.StringIO())
    for kind in REDIS_KINDS:
        [got] = results[N][kind]
        assert got["connected"] == N, (kind, got.get("failed"), got["connect_errors"])
        assert got["deliveries"] == N * GOALS and got["missing"] == 0, kind
        assert got["duplicates"] == got["unexpected_ids"] == got["dropped"] == 0, kind
        assert got["publish_ms"] > 0 and 0 < got["p50_ms"] <= got["p99_ms"], kind


RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    b"d\r\nretry: 3000\n\n\r\n"
    b'2d\r\nid: e-1\r\nevent: snapshot\r\ndata: {"m": []}\r\n\r\n\r\n'
    b"10\r\n: ping - now\r\n\r\n\r\n"
    b'28\r\nid: e-2\r\nevent: goal\r\ndata: {"g": 1}\r\n\r\n\r\n'
    b'28\r\nid: e-3\r\nevent: goal\r\ndata: {"g": 2}\r\n\r\n\r\n'
)


def test_stream_parse_stamps_each_frame_with_the_chunk_that_completed_it():
    whole = parse([(7.0, RESPONSE)])
    assert whole.status == 200 and whole.error is None
    assert [(kind, ident) for _, kind, ident in whole.frames] == [
        ("message", ""),
        ("snapshot", "e-1"),
        ("goal", "e-2"),
        ("goal", "e-3"),
    ]
    assert {when for when, _, _ in whole.frames} == {7.0}

    # One byte per chunk, stamped with its offset: a frame's time is its last byte's offset.
    bytewise = parse([(float(i), RESPONSE[i : i + 1]) for i in range(len(RESPONSE))])
    assert [f[1:] for f in bytewise.frames] == [f[1:] for f in whole.frames]
    goal_2_end = RESPONSE.index(b'{"g": 1}\r\n\r\n') + len(b'{"g": 1}\r\n\r\n') - 1
    assert bytewise.frames[2][0] == goal_2_end


def test_stream_parse_reports_a_response_without_headers_and_a_bad_chunk():
    assert parse([(1.0, b"HTTP/1.1 200 OK\r\ncontent-")]).status is None
    bad = parse([(1.0, RESPONSE.replace(b"28\r\nid: e-2", b"zz\r\nid: e-2"))])
    assert bad.error and [f[2] for f in bad.frames] == ["", "e-1"]
