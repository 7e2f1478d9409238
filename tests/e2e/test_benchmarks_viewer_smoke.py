"""The viewer benchmark, run end to end with tiny sizes: the real app against the real server.

Speed is measured by running the benchmark, not here: this only checks that every figure is
reported and right in kind (every missed event applied once, one summary notice...).
"""

from __future__ import annotations

import io
import math

from benchmarks.viewer.bench import parse_args, run
from benchmarks.viewer.report import rows

GOALS, EVENTS, MATCHES = 5, 200, 5


def test_viewer_benchmark_quick_run_reports_every_figure_and_applies_every_event():
    argv = f"--quick --goals {GOALS} --matches 3 --catchup-events {EVENTS} "
    argv += f"--catchup-matches {MATCHES} --runs 1 --rss-seconds 1 --idle-seconds 1"
    out = io.StringIO()
    results = run(parse_args(argv.split()), out=out)

    lat = results["latency"]
    assert lat["missing"] == 0 and len(lat["updated_s"]) == GOALS
    assert all(0 < t < 5 for t in lat["updated_s"] + lat["painted_s"])

    [catchup] = results["catchup"]
    assert catchup["applied"] and catchup["shown"]
    assert catchup["events"] == EVENTS and catchup["snapshots"] == 0  # resumed, not resent
    assert catchup["matches_board"] and catchup["last_id_board"]  # the board is the server's
    [notice] = catchup["notices"]
    assert notice["kind"] == "summary" and notice["title"].endswith("while you were offline")
    assert 0 < catchup["shown_s"] <= catchup["painted_s"] and catchup["gaps_ms"]

    for kind in ("start_remote", "start_embedded"):
        [start] = results[kind]
        assert 0 < start["window-painted"] <= start["snapshot-painted"], kind
    assert results["rss"]["rss_kb"] > 10_000
    assert math.isfinite(results["idle"]["cpu_pct"]) and results["idle"]["cpu_pct"] >= 0

    report = out.getvalue()
    for label, _value, target, passed in rows(results):
        assert label in report
        assert passed is None or target  # every pass/fail line names its target
    assert "≤ 20 ms" in report and "one summary" in report and "≤ 0.1 %" in report
