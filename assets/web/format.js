"use strict";
// Pure text for the scoreboard: no DOM, no state, so app.js stays about wiring.
// Feed strings are returned as plain strings; app.js only ever puts them in textContent.

const TouchlineFormat = (() => {
  const TIMELINE_TYPES = new Set([
    "kickoff", "goal", "goal_disallowed", "card", "substitution", "half_time",
    "second_half", "extra_time", "penalty_shootout", "full_time",
  ]);
  const MATCH_EVENT_TYPES = [...TIMELINE_TYPES, "clock"];

  const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
  const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

  function minuteText(minute, added) {
    if (minute === null || minute === undefined) return "";
    return added ? `${minute}+${added}'` : `${minute}'`;
  }

  function sameLocalDay(a, b) {
    return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth()
      && a.getDate() === b.getDate();
  }

  // Kick-off in the browser's own time zone: the day is only added when it is not today.
  function kickoff(iso, now = new Date()) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return { main: "–", sub: "", full: "" };
    return {
      main: timeFmt.format(date),
      sub: sameLocalDay(date, now) ? "" : dayFmt.format(date),
      full: fullFmt.format(date),
    };
  }

  // --- the running minute -------------------------------------------------------------
  // The minute runs on between events by the wall clock and the match's clock_rate, stops at
  // the breaks and counts added time: the same rules as the viewer's
  // desktop/core/match_clock.py (and the server's server/feeds/timing.py), kept in step by
  // hand. Each event re-anchors the clock, so it corrects itself on every event.

  // [first minute, last minute, base] of each period.
  const PERIODS = [[0, 45, 0], [46, 90, 45], [91, 105, 90], [106, 120, 105]];
  const MAX_ADDED = 30;
  const PERIOD_STARTS = new Set(["kickoff", "second_half", "extra_time"]);
  const AT_PRECISION_MS = 1000; // "at" has whole seconds

  function periodOf(status, minute) {
    if (status === "live") return (minute || 0) <= 45 ? 0 : 1;
    if (status === "extra_time") return (minute || 0) <= 105 ? 2 : 3;
    return null;
  }

  function position(period, minute, added) {
    return Math.max(0, (minute || 0) - PERIODS[period][2] + (added || 0));
  }

  function minuteAt(period, elapsed) {
    const [first, last, base] = PERIODS[period];
    const minute = base + Math.floor(elapsed);
    if (minute < first) return [first, null];
    if (minute <= last) return [minute, null];
    return [last, Math.min(minute - last, MAX_ADDED)];
  }

  const later = (a, b) => ((a[0] || 0) * 100 + (a[1] || 0) >= (b[0] || 0) * 100 + (b[1] || 0) ? a : b);

  // When ev happened on this browser's clock (skewMs: ours minus the server's), never after
  // nowMs, its arrival: a clock a second late is corrected by the next event, an early one
  // would jump back.
  function published(ev, nowMs, skewMs) {
    const at = ev && ev.at ? Date.parse(ev.at) : NaN;
    return Number.isNaN(at) ? nowMs : Math.min(nowMs, at + skewMs + AT_PRECISION_MS);
  }

  // Where a match's clock stands (null while it is stopped). ev: the event that just came,
  // or none for a match from a snapshot, which runs on from its latest event with a time.
  function clockAnchor(match, ev, nowMs, skewMs = 0) {
    const period = periodOf(match.status, match.minute);
    if (period === null) return null;
    const floor = [match.minute, match.added];
    const rate = match.clock_rate > 0 ? match.clock_rate : 1;
    let from = ev;
    if (!from) {
      const events = match.events || [];
      from = [...events].reverse().find((e) => e.at);
      if (!from || periodOf(from.status, from.minute) !== period) {
        return { period, elapsed: position(period, ...floor), at: nowMs, rate, floor };
      }
    }
    const elapsed = PERIOD_STARTS.has(from.type) ? 0 : position(period, from.minute, from.added);
    return { period, elapsed, at: published(from, nowMs, skewMs), rate, floor };
  }

  function runningMinute(anchor, nowMs) {
    const run = (Math.max(0, nowMs - anchor.at) / 60000) * anchor.rate;
    return later(minuteAt(anchor.period, anchor.elapsed + run), anchor.floor);
  }

  // What the status column shows: a main line (67', HT, FT...) and an optional second line.
  // shown: the running minute [minute, added], else the match's own.
  function status(match, now = new Date(), shown = null) {
    const [m, a] = shown || [match.minute, match.added];
    const minute = minuteText(m, a);
    switch (match.status) {
      case "scheduled": {
        const k = kickoff(match.kickoff, now);
        return { main: k.main, sub: k.sub, label: `Kick-off ${k.full}` };
      }
      case "live":
        return { main: minute || "Live", sub: "", label: minute ? `Live, minute ${minute}` : "Live" };
      case "half_time":
        return { main: "HT", sub: "", label: "Half time" };
      case "extra_time":
        return { main: minute || "ET", sub: minute ? "ET" : "", label: `Extra time ${minute}`.trim() };
      case "penalties":
        return { main: "Pens", sub: "", label: "Penalty shoot-out" };
      case "full_time": {
        const sub = match.penalties ? "Pens" : (match.minute || 0) > 90 ? "AET" : "";
        return { main: "FT", sub, label: "Full time" };
      }
      default:
        return { main: String(match.status ?? ""), sub: "", label: "" };
    }
  }

  function score(match) {
    if (match.status === "scheduled") return { main: "–", pens: "" };
    const s = match.score || { home: 0, away: 0 };
    const p = match.penalties;
    return { main: `${s.home}–${s.away}`, pens: p ? `(${p.home}–${p.away})` : "" };
  }

  const CARD_ICON = {
    yellow: ["🟨", "Yellow card"],
    second_yellow: ["🟨🟥", "Second yellow card"],
    red: ["🟥", "Red card"],
  };

  // An emoji and the words a screen reader gets for it.
  function icon(ev) {
    switch (ev.type) {
      case "kickoff": return ["⏱️", "Kick-off"];
      case "goal": return ["⚽", ev.own_goal ? "Own goal" : ev.penalty ? "Penalty goal" : "Goal"];
      case "goal_disallowed": return ["🚫", "Goal disallowed"];
      case "card": return CARD_ICON[ev.card] || CARD_ICON.yellow;
      case "substitution": return ["🔄", "Substitution"];
      case "half_time": return ["⏸️", "Half time"];
      case "second_half": return ["▶️", "Second half"];
      case "extra_time": return ["⏱️", "Extra time"];
      case "penalty_shootout":
        if (ev.scored === true) return ["✅", "Penalty scored"];
        if (ev.scored === false) return ["❌", "Penalty missed"];
        return ["🥅", "Penalty shoot-out"];
      case "full_time": return ["🏁", "Full time"];
      default: return ["•", ev.type];
    }
  }

  // Sent-off players per side: a red card or a second yellow.
  function redCards(match) {
    const out = { home: 0, away: 0 };
    for (const ev of match.events || []) {
      if (ev.type === "card" && (ev.card === "red" || ev.card === "second_yellow") && ev.team in out) {
        out[ev.team] += 1;
      }
    }
    return out;
  }

  // Fallback line for an event that came without text (the server normally fills it in).
  function eventText(ev) {
    if (ev.text) return ev.text;
    if (ev.type === "substitution") return `${ev.player_in ?? "?"} on, ${ev.player_out ?? "?"} off`;
    return icon(ev)[1];
  }

  return {
    TIMELINE_TYPES, MATCH_EVENT_TYPES, minuteText, kickoff, status, score, icon, redCards,
    eventText, clockAnchor, runningMinute,
  };
})();
