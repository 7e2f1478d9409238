"""Turns fan-out runs into figures, medians, the table and the summary."""

from __future__ import annotations

import math
import statistics
from typing import Any

# (key, label, lower is better); ratios are touchline / reference.
ROWS = (
    ("connected", "subscribers connected", False),
    ("connect_s", "connect all (s)", True),
    ("p50_ms", "latency p50 (ms)", True),
    ("p99_ms", "latency p99 (ms)", True),
    ("max_ms", "latency max (ms)", True),
    ("last_ms", "last subscriber has it (ms)", True),
    ("publish_ms", "publish answered p50 (ms)", True),
    ("missing", "deliveries missing", True),
    ("rss_per_sub_kb", "RSS per subscriber (KB)", True),
    ("cpu_per_delivery_us", "CPU per delivery (µs)", True),
    ("rss_base_mb", "RSS before (MB)", True),
    ("after_leave_mb", "RSS after leave − before (MB)", True),
)
#: Issue 5's targets for touchline at 10,000 subscribers.
TARGETS = "p99 ≤ 2.5× limit, ≥ 5× better than peer; connect-all ≤ 2× limit; ≤ 40 KB/subscriber"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values; nan when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def figures(
    *,
    n: int,
    goals: int,
    connect: dict[str, Any],
    published: dict[str, float],
    reports: list[dict[str, Any]],
    rss_kb: tuple[int, int, int],
    cpu_s: float,
    answered_s: list[float] | None = None,
) -> dict[str, Any]:
    """One run's figures. ``published``: event id -> monotonic time just before its POST;
    ``answered_s``: each publish's round trip (POST to its answer), in seconds."""
    latencies: list[float] = []
    last: list[float] = []
    unexpected = 0
    for report in reports:
        unexpected += sum(1 for ident in report["goals"] if ident not in published)
    for ident, sent in published.items():
        got = [when - sent for r in reports for when in r["goals"].get(ident, [])]
        latencies += got
        if got:
            last.append(max(got))
    connected = connect["connected"]
    deliveries = len(latencies)
    base, full, after = rss_kb
    return {
        "n": n,
        "goals": goals,
        "connected": connected,
        "connect_errors": connect["errors"],
        "connect_s": connect["seconds"],
        "deliveries": deliveries,
        "missing": connected * goals - deliveries,
        "duplicates": sum(r["duplicates"] for r in reports),
        "unexpected_ids": unexpected,
        "dropped": sum(r["dropped"] for r in reports),
        "bad_responses": sum(r["bad"] for r in reports),
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": max(latencies, default=math.nan) * 1000,
        "last_ms": statistics.median(last) * 1000 if last else math.nan,
        "publish_ms": statistics.median(answered_s) * 1000 if answered_s else math.nan,
        "rss_base_mb": base / 1024,
        "rss_per_sub_kb": (full - base) / connected if connected else math.nan,
        "after_leave_mb": (after - base) / 1024,
        "cpu_per_delivery_us": cpu_s / deliveries * 1e6 if deliveries else math.nan,
    }


def failed_run(n: int, goals: int, reason: str, server_log: list[str]) -> dict[str, Any]:
    """A run that could not finish: no figures, the reason and the server's last errors."""
    out: dict[str, Any] = {key: math.nan for key, _, _ in ROWS}
    out.update(n=n, goals=goals, connect_errors={}, after_leave_cycles_mb=[])
    out.update(duplicates=0, unexpected_ids=0, dropped=0, bad_responses=0)
    out["failed"] = reason + "".join(f"\n      server: {line}" for line in server_log)
    return out


def medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    out = {}
    for key, _, _ in ROWS:
        values = [r[key] for r in runs if not math.isnan(r[key])]
        out[key] = statistics.median(values) if values else math.nan
    return out


def _cell(value: float) -> str:
    if math.isnan(value):
        return "—"
    if value == int(value) and abs(value) >= 100:
        return f"{int(value)}"
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def _ratio(a: float, b: float) -> str:
    if math.isnan(a) or math.isnan(b) or b == 0:
        return "—"
    return f"{a / b:.2f}×"


def table(n: int, goals: int, results: dict[str, list[dict[str, Any]]]) -> str:
    kinds = [k for k in ("touchline", "peer", "limit", "redis", "redis2") if results.get(k)]
    med = {k: medians(results[k]) for k in kinds}
    repeats = max(len(results[k]) for k in kinds)
    lines = [
        f"N = {n} subscribers, {goals} goals; medians of {repeats} run(s) per server",
        f"{'':32}" + "".join(f"{k:>11}" for k in kinds) + f"{'t/peer':>9}{'t/limit':>9}",
    ]
    for key, label, _ in ROWS:
        row = f"{label:32}" + "".join(f"{_cell(med[k][key]):>11}" for k in kinds)
        t = med.get("touchline", {}).get(key, math.nan)
        for ref in ("peer", "limit"):
            show = key not in ("connected", "missing", "rss_base_mb", "after_leave_mb")
            row += f"{_ratio(t, med[ref][key]) if show and ref in med else '':>9}"
        lines.append(row)
    for k in kinds:
        p99s = ", ".join(_cell(r["p99_ms"]) for r in results[k])
        odd = _oddities(results[k])
        lines.append(f"  {k}: p99 per run (ms): {p99s}{'; ' + odd if odd else ''}")
        waves = [
            r["after_leave_cycles_mb"] for r in results[k] if len(r["after_leave_cycles_mb"]) > 1
        ]
        for i, mb in enumerate(waves):
            shown = ", ".join(f"{x:.1f}" for x in mb)
            lines.append(
                f"  {k}: RSS after leave − before, wave by wave, run {i + 1} (MB): {shown}"
            )
    for k in kinds:
        lines += gc_lines(k, results[k])
    return "\n".join(lines)


def _oddities(runs: list[dict[str, Any]]) -> str:
    notes = []
    for key in ("duplicates", "unexpected_ids", "dropped", "bad_responses"):
        total = sum(r[key] for r in runs)
        if total:
            notes.append(f"{key} {total}")
    errors: dict[str, int] = {}
    for r in runs:
        for what, count in r["connect_errors"].items():
            errors[what] = errors.get(what, 0) + count
    notes += [f"connect failures '{what}': {count}" for what, count in errors.items()]
    notes += [f"run {i + 1} FAILED: {r['failed']}" for i, r in enumerate(runs) if r.get("failed")]
    return "; ".join(notes)


def summary(n: int, results: dict[str, list[dict[str, Any]]]) -> str:
    """One paragraph on touchline against the references and issue 5's targets."""
    if not all(results.get(k) for k in ("touchline", "peer", "limit")):
        return ""
    t, peer, limit = (medians(results[k]) for k in ("touchline", "peer", "limit"))
    if any(math.isnan(m["p99_ms"]) for m in (t, peer, limit)):
        return f"At N={n}, not every server finished a run: see the failures above."
    missing = sum(r["missing"] for r in results["touchline"])
    offered = sum(r["connected"] * r["goals"] for r in results["touchline"])
    return (
        f"At N={n}, touchline delivered {offered - missing} of {offered} goal frames "
        f"({missing} missing); connected {t['connected']:.0f} of {n}. "
        f"Its p99 of {t['p99_ms']:.1f} ms is {t['p99_ms'] / limit['p99_ms']:.2f}× the limit's "
        f"and {_versus(peer['p99_ms'] / t['p99_ms'])} the peer's; connect-all took "
        f"{t['connect_s']:.2f} s ({t['connect_s'] / limit['connect_s']:.2f}× the limit's). "
        f"It holds {t['rss_per_sub_kb']:.1f} KB per subscriber (peer "
        f"{peer['rss_per_sub_kb']:.1f}, limit {limit['rss_per_sub_kb']:.1f}) and spends "
        f"{t['cpu_per_delivery_us']:.1f} µs of CPU per delivery (peer "
        f"{peer['cpu_per_delivery_us']:.1f}, limit {limit['cpu_per_delivery_us']:.1f}); after "
        f"the subscribers left it kept {t['after_leave_mb']:.1f} MB over its starting RSS. "
        f"Targets at 10,000: {TARGETS}."
    )


def gc_figures(pauses: list[list[float]], phases: dict[str, list[float]]) -> dict[str, Any]:
    """Per phase: full (generation 2) collections, their longest pause, and the time spent
    in all collections; ``pauses`` as benchmarks.fanout.gcwatch writes them."""
    out: dict[str, Any] = {}
    for phase, (begin, end) in phases.items():
        inside = [p for p in pauses if begin <= p[0] < end]
        full = [p[2] for p in inside if p[1] == 2]
        out[phase] = {
            "full": len(full),
            "full_max_ms": max(full, default=0.0) * 1000,
            "all_ms": sum(p[2] for p in inside) * 1000,
            "seconds": end - begin,
        }
    return out


def gc_lines(kind: str, runs: list[dict[str, Any]]) -> list[str]:
    lines = []
    for i, run in enumerate(r for r in runs if "gc" in r):
        parts = []
        forced = run["gc"].get("forced_collect")
        for phase, g in run["gc"].items():
            if phase == "forced_collect":
                continue
            parts.append(
                f"{phase} {g['full']} full (longest {g['full_max_ms']:.0f} ms), "
                f"all GC {g['all_ms']:.0f} ms of {g['seconds']:.1f} s"
            )
        if forced:
            parts.insert(0, f"{forced['tracked_per_sub']:.0f} GC-tracked objects per subscriber")
            parts.append(
                f"then gc.collect() freed {forced['objects']} objects in "
                f"{forced['seconds'] * 1000:.0f} ms, RSS {forced['rss_after_collect_mb']:.1f} MB "
                f"over the start, {forced['rss_after_trim_mb']:.1f} MB after malloc_trim(0)"
            )
        lines.append(f"  {kind} GC, run {i + 1}: " + "; ".join(parts))
    return lines


def _versus(ratio: float) -> str:
    """peer / touchline as words: "3.10× better than" or "1.57× worse than"."""
    if ratio >= 1:
        return f"{ratio:.2f}× better than"
    return f"{1 / ratio:.2f}× worse than"
