"""The viewer benchmark's table: each figure next to its target, pass or fail."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import TextIO


def pct(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0..1), nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def spread(values: Sequence[float], scale: float = 1.0, unit: str = "") -> str:
    """``median (min–max)`` of repeated runs."""
    if not values:
        return "n/a"
    med = statistics.median(values) * scale
    if len(values) == 1:
        return f"{med:.0f}{unit}" if med >= 10 else f"{med:.2f}{unit}"
    lo, hi = min(values) * scale, max(values) * scale
    fmt = ".0f" if med >= 10 else ".2f"
    return f"{med:{fmt}}{unit} ({lo:{fmt}}–{hi:{fmt}})"


def _notices_words(notices: list[dict]) -> str:
    """The one notice's title, or how many of each kind."""
    if len(notices) == 1:
        return f"1: “{notices[0]['title']}”"
    kinds = Counter(n["kind"] for n in notices)
    return f"{len(notices)}: " + ", ".join(f"{n} {k}" for k, n in kinds.items()) if kinds else "0"


def rows(r: dict) -> list[tuple[str, str, str, bool | None]]:
    """(figure, value, target, passed) for whatever parts ran; passed None = information."""
    out: list[tuple[str, str, str, bool | None]] = []
    if lat := r.get("latency"):
        up, paint = lat["updated_s"], lat["painted_s"]
        n = f"{len(up)} goals"
        out.append(
            ("publish→scoreboard p50 (dataChanged)", f"{pct(up, 0.5) * 1e3:.1f} ms", n, None)
        )
        p99 = pct(up, 0.99) * 1e3
        out.append(("publish→scoreboard p99 (dataChanged)", f"{p99:.1f} ms", "≤ 20 ms", p99 <= 20))
        out.append(("publish→painted p50 / p99", f"{pct(paint, .5) * 1e3:.1f} / "
                    f"{pct(paint, .99) * 1e3:.1f} ms", "", None))  # fmt: skip
        if got := lat.get("received_s"):
            inner = [u - g for u, g in zip(up, got, strict=True)]
            parts = (
                ("server: publish→frame at a bare socket", lat.get("server_s", [])),
                ("viewer: frame→dataChanged", lat.get("viewer_s", [])),
                ("  of which bytes read→dataChanged", inner),
            )
            for label, xs in parts:
                value = f"{pct(xs, 0.5) * 1e3:.1f} / {pct(xs, 0.99) * 1e3:.1f} ms"
                out.append((f"  … {label} p50 / p99", value, "", None))
        out.append(("goals not seen by the viewer", str(lat["missing"]), "0", lat["missing"] == 0))
    if runs := r.get("catchup"):
        n = runs[0]["expected_events"]
        shown = [c["shown_s"] for c in runs]
        ok_time = statistics.median(shown) <= 1.0
        out.append((f"catch-up of {n:,} events: board = server", spread(shown, 1, " s"),
                    "≤ 1 s", ok_time))  # fmt: skip
        out.append(("  … painted", spread([c["painted_s"] for c in runs], 1, " s"), "", None))
        if "paints" in runs[0]:
            paint = statistics.median(c["paint_s"] for c in runs)
            count = statistics.median(c["paints"] for c in runs)
            out.append(("  … of which repainting the scoreboard",
                        f"{paint:.2f} s in {count:.0f} paints", "", None))  # fmt: skip
        stalls = [max(c["gaps_ms"], default=0) for c in runs]
        out.append(("  longest Qt loop stall (5 ms ticker gap)", spread(stalls, 1, " ms"),
                    "≤ 50 ms", statistics.median(stalls) <= 50))  # fmt: skip
        if "gap_cpu_ms" in runs[0]:  # busy, or waiting for a core the machine gave elsewhere?
            on_cpu = [c["gap_cpu_ms"][c["gaps_ms"].index(max(c["gaps_ms"]))] for c in runs]
            out.append(("  … of it on the viewer's CPU", spread(on_cpu, 1, " ms"), "", None))
        if "gc_ms" in runs[0]:
            worst = [max((ms for _, ms in c["gc_ms"]), default=0) for c in runs]
            full = [sum(1 for gen, _ in c["gc_ms"] if gen == 2) for c in runs]
            out.append(("  … longest GC pause meanwhile", spread(worst, 1, " ms"),
                        f"{statistics.median(full):.0f} full", None))  # fmt: skip
        notices = [c["notices"] for c in runs]
        one = all(len(x) == 1 and x[0]["kind"] == "summary" for x in notices)
        words = "; ".join(sorted({_notices_words(x) for x in notices}))
        out.append(("  notices raised", words, "one summary", one))
        applied = all(
            c["events"] == c["expected_events"] and c["snapshots"] == 0
            and c["matches_board"] and c["last_id_board"] for c in runs
        )  # fmt: skip
        out.append(("  every event applied once, board = server", "yes" if applied else "NO",
                    "yes", applied))  # fmt: skip
    for key, label, target in (("start_remote", "cold start, following a server", 1.0),
                               ("start_embedded", "cold start, embedded server", 2.0)):  # fmt: skip
        if runs := r.get(key):
            snap = [x["snapshot-painted"] for x in runs]
            ok = statistics.median(snap) <= target
            out.append((f"{label}: board painted", spread(snap, 1, " s"), f"≤ {target:.1f} s", ok))
            win = [x["window-painted"] for x in runs if "window-painted" in x]
            out.append(("  … window painted", spread(win, 1, " s"), "", None))
    if rss := r.get("rss"):
        mb = rss["rss_kb"] / 1024
        out.append((f"RSS after {rss['seconds']:.0f} s of a live board", f"{mb:.0f} MB",
                    "≤ 120 MB", mb <= 120))  # fmt: skip
        out.append(("  peak RSS", f"{rss['hwm_kb'] / 1024:.0f} MB", "", None))
    if idle := r.get("idle"):
        cpu = idle["cpu_pct"]
        out.append((f"idle CPU over {idle['seconds']:.0f} s, quiet stream", f"{cpu:.3f} %",
                    "≤ 0.1 %", cpu <= 0.1))  # fmt: skip
        out.append(("  wakeups", f"{idle['wakeups_per_s']:.1f} /s", "", None))
    return out


def print_table(r: dict, out: TextIO) -> None:
    table = rows(r)
    width = max((len(label) for label, *_ in table), default=10)
    vwidth = max((len(value) for _, value, *_ in table), default=10)
    print(f"\n{'figure':{width}}  {'measured':{vwidth}}  {'target':12}  result", file=out)
    for label, value, target, passed in table:
        verdict = "" if passed is None else ("pass" if passed else "FAIL")
        print(f"{label:{width}}  {value:{vwidth}}  {target:12}  {verdict}", file=out)
