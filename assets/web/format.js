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

  // What the status column shows: a main line (67', HT, FT...) and an optional second line.
  function status(match, now = new Date()) {
    const minute = minuteText(match.minute, match.added);
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

  return { TIMELINE_TYPES, MATCH_EVENT_TYPES, minuteText, kickoff, status, score, icon, redCards, eventText };
})();
