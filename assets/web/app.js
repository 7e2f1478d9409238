"use strict";
// The live scoreboard: follows the server's /live-scores stream and keeps the page in step.
// Everything from the feed goes into textContent; the page never parses feed text as HTML.

(() => {
  const F = TouchlineFormat;
  const STREAM_URL = "live-scores"; // relative, so the page works behind a path prefix
  const CLOSED_RETRY_MS = 5000;
  const FLASH_MS = 4000;

  const matches = new Map(); // match id -> Match (wire format)
  const rows = new Map(); // match id -> {row, detail, cells}
  const sections = new Map(); // competition -> {section, tbody}
  const openTimelines = new Set();
  const clocks = new Map(); // match id -> where its clock stands (F.clockAnchor), while running
  const shownMinutes = new Map(); // match id -> the running minute on screen
  let skewMs = 0; // this browser's clock minus the server's (from a Date header)
  let everHadData = false;

  const $ = (id) => document.getElementById(id);
  const board = $("board");
  const empty = $("empty"); // kept here: it is detached from the page while there are matches

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- rows ------------------------------------------------------------------------------

  function createRow(id) {
    const row = el("tr", "match");
    row.tabIndex = 0;
    row.dataset.matchId = id;
    row.setAttribute("aria-expanded", "false");
    const cells = {
      status: el("td", "status"),
      home: el("td", "team home"),
      score: el("td", "score"),
      away: el("td", "team away"),
    };
    row.append(cells.status, cells.home, cells.score, cells.away);
    const detail = el("tr", "detail");
    detail.id = `timeline-${id}`;
    const cell = el("td");
    cell.colSpan = 4;
    detail.append(cell);
    row.setAttribute("aria-controls", detail.id);
    const entry = { row, detail, cells };
    rows.set(id, entry);
    return entry;
  }

  function teamCell(td, team, reds, side) {
    const name = el("span", "team-name", team.name);
    const code = el("span", "team-code", team.code || team.name);
    code.setAttribute("aria-hidden", "true");
    const marks = el("span", "red-cards");
    for (let i = 0; i < reds; i += 1) {
      const mark = el("span", "red-card");
      mark.title = "Red card";
      marks.append(mark);
    }
    if (reds) {
      marks.setAttribute("role", "img");
      marks.setAttribute("aria-label", reds === 1 ? "1 red card" : `${reds} red cards`);
    }
    // Red-card marks sit on the inner side, next to the score.
    td.replaceChildren(...(side === "home" ? [name, code, marks] : [marks, name, code]));
  }

  function renderStatus(match, cell) {
    const st = F.status(match, new Date(), shownMinutes.get(match.id));
    const main = el("span", "status-main", st.main);
    cell.replaceChildren(main);
    if (st.sub) cell.append(el("span", "status-sub", st.sub));
    cell.title = st.label;
  }

  // The clock of a match that changed: anchored where it now stands (ev: what just came).
  function setClock(match, ev) {
    const anchor = F.clockAnchor(match, ev, Date.now(), skewMs);
    if (anchor) {
      clocks.set(match.id, anchor);
      shownMinutes.set(match.id, F.runningMinute(anchor, Date.now()));
    } else {
      clocks.delete(match.id);
      shownMinutes.delete(match.id);
    }
  }

  // Once a second: the running minutes move on, and only the cells whose minute moved redraw.
  function tickClocks() {
    const now = Date.now();
    for (const [id, anchor] of clocks) {
      const shown = F.runningMinute(anchor, now);
      const before = shownMinutes.get(id);
      if (before && before[0] === shown[0] && before[1] === shown[1]) continue;
      shownMinutes.set(id, shown);
      const match = matches.get(id);
      const entry = rows.get(id);
      if (match && entry) renderStatus(match, entry.cells.status);
    }
  }

  function renderRow(match) {
    const { row, cells } = rows.get(match.id) || createRow(match.id);
    renderStatus(match, cells.status);
    row.dataset.status = match.status;

    const reds = F.redCards(match);
    teamCell(cells.home, match.home, reds.home, "home");
    teamCell(cells.away, match.away, reds.away, "away");

    const sc = F.score(match);
    cells.score.replaceChildren(el("span", "score-main", sc.main));
    if (sc.pens) cells.score.append(el("span", "score-pens", sc.pens));
    if (openTimelines.has(match.id)) renderTimeline(match);
  }

  function renderTimeline(match) {
    const { detail } = rows.get(match.id);
    const head = el("p", "timeline-head");
    const k = F.kickoff(match.kickoff);
    head.textContent = [match.round, k.full].filter(Boolean).join(" · ");
    const events = match.events || [];
    const cancelled = new Set(events.filter((e) => e.cancels).map((e) => e.cancels));
    const list = el("ol", "timeline");
    list.setAttribute("aria-label", `Timeline: ${match.home.name} v ${match.away.name}`);
    for (const ev of events) {
      const item = el("li", `tl-item tl-${ev.type}`);
      if (cancelled.has(ev.id)) item.classList.add("tl-cancelled");
      if (ev.team) item.classList.add(`tl-${ev.team}`);
      const [glyph, words] = F.icon(ev);
      const icon = el("span", "tl-icon", glyph);
      icon.setAttribute("role", "img");
      icon.setAttribute("aria-label", cancelled.has(ev.id) ? `${words} (disallowed)` : words);
      item.append(el("span", "tl-minute", F.minuteText(ev.minute, ev.added)), icon);
      item.append(el("span", "tl-player", ev.player || ""), el("span", "tl-text", F.eventText(ev)));
      list.append(item);
    }
    if (!events.length) list.append(el("li", "tl-none", "No events yet."));
    detail.firstChild.replaceChildren(head, list);
  }

  function toggleTimeline(id) {
    const entry = rows.get(id);
    if (!entry) return;
    const opening = !openTimelines.has(id);
    if (opening) openTimelines.add(id);
    else openTimelines.delete(id);
    entry.row.setAttribute("aria-expanded", String(opening));
    if (opening) renderTimeline(matches.get(id));
    layout();
  }

  // --- board layout ----------------------------------------------------------------------

  function createSection(name) {
    const section = el("section", "competition");
    const heading = el("h2", "competition-name", name);
    const table = el("table", "scores");
    const head = el("thead", "visually-hidden");
    const headRow = el("tr");
    for (const label of ["Status", "Home", "Score", "Away"]) {
      const th = el("th", "", label);
      th.scope = "col";
      headRow.append(th);
    }
    head.append(headRow);
    const tbody = el("tbody");
    table.append(head, tbody);
    section.append(heading, table);
    const entry = { section, tbody };
    sections.set(name, entry);
    return entry;
  }

  function byKickoff(a, b) {
    return a.kickoff < b.kickoff ? -1 : a.kickoff > b.kickoff ? 1 : a.id < b.id ? -1 : 1;
  }

  function sameChildren(parent, wanted) {
    const have = parent.children;
    return have.length === wanted.length && wanted.every((node, i) => have[i] === node);
  }

  // Puts sections and rows in order, moving nodes only when the order really changed so
  // that focus and running highlights survive ordinary updates.
  function layout() {
    const focused = document.activeElement?.closest?.("tr.match")?.dataset.matchId;
    const groups = new Map();
    for (const m of matches.values()) {
      if (!groups.has(m.competition)) groups.set(m.competition, []);
      groups.get(m.competition).push(m);
    }
    const names = [...groups.keys()].sort((a, b) => a.localeCompare(b));
    for (const [name, entry] of sections) {
      if (!groups.has(name)) {
        entry.section.remove();
        sections.delete(name);
      }
    }
    const wanted = [];
    for (const name of names) {
      const { section, tbody } = sections.get(name) || createSection(name);
      const trs = [];
      for (const m of groups.get(name).sort(byKickoff)) {
        const { row, detail } = rows.get(m.id);
        trs.push(row);
        if (openTimelines.has(m.id)) trs.push(detail);
      }
      if (!sameChildren(tbody, trs)) tbody.replaceChildren(...trs);
      wanted.push(section);
    }
    if (!wanted.length) wanted.push(empty);
    if (!sameChildren(board, wanted)) board.replaceChildren(...wanted);
    if (focused && document.activeElement === document.body) rows.get(focused)?.row.focus();
  }

  // --- stream events ---------------------------------------------------------------------

  function parse(e) {
    try {
      return JSON.parse(e.data);
    } catch (err) {
      console.warn("touchline: ignoring a frame that is not JSON", e.type, err);
      return null;
    }
  }

  function announce(text) {
    $("announcer").textContent = text;
  }

  function flash(row, className) {
    row.classList.remove("flash-goal", "flash-disallowed");
    void row.offsetWidth; // restart the CSS animation when two goals come close together
    row.classList.add(className);
    clearTimeout(row.flashTimer);
    row.flashTimer = setTimeout(() => row.classList.remove(className), FLASH_MS);
  }

  function gotData() {
    everHadData = true;
    board.setAttribute("aria-busy", "false");
    empty.textContent = "No matches yet.";
  }

  function onSnapshot(e) {
    const data = parse(e);
    if (!data || !Array.isArray(data.matches)) return;
    matches.clear();
    clocks.clear();
    shownMinutes.clear();
    for (const m of data.matches) {
      matches.set(m.id, m);
      setClock(m, null);
    }
    for (const [id, entry] of rows) {
      if (!matches.has(id)) {
        rows.delete(id);
        openTimelines.delete(id);
        entry.row.remove();
        entry.detail.remove();
      }
    }
    for (const m of matches.values()) renderRow(m);
    gotData();
    layout();
  }

  function onMatchAdded(e) {
    const m = parse(e);
    if (!m || !m.id) return;
    matches.set(m.id, m);
    setClock(m, null);
    renderRow(m);
    layout();
  }

  function onMatchEvent(e) {
    const ev = parse(e);
    const m = ev && matches.get(ev.match);
    if (!m) return;
    m.minute = ev.minute;
    m.added = ev.added;
    if (ev.type !== "clock") {
      m.score = ev.score;
      m.status = ev.status;
      m.penalties = ev.penalties;
    }
    m.events = m.events || [];
    if (F.TIMELINE_TYPES.has(ev.type) && !m.events.some((x) => x.id === ev.id)) m.events.push(ev);
    setClock(m, ev);
    renderRow(m);
    const { row } = rows.get(m.id);
    const line = `${m.home.name} ${ev.score.home}–${ev.score.away} ${m.away.name}`;
    if (ev.type === "goal") {
      flash(row, "flash-goal");
      announce(`Goal for ${m[ev.team]?.name ?? "?"}: ${line}`);
    } else if (ev.type === "goal_disallowed") {
      flash(row, "flash-disallowed");
      announce(`Goal disallowed: ${line}`);
    } else if (ev.type === "full_time") {
      announce(`Full time: ${line}`);
    }
  }

  // --- connection ------------------------------------------------------------------------

  function setConnection(state) {
    const words = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" };
    $("connection").dataset.state = state;
    $("connection-text").textContent = words[state];
    $("stale").hidden = state === "live" || !everHadData;
    if (!everHadData && state === "reconnecting") {
      empty.textContent = "Cannot reach the score server. Retrying…";
    }
  }

  // The server's clock, from a Date header (an EventSource does not show its own): events'
  // "at" are read on it. Whole seconds, as "at" is; without it, the two clocks are taken as one.
  async function readServerClock() {
    try {
      const sent = Date.now();
      const response = await fetch("healthz", { cache: "no-store" });
      const date = Date.parse(response.headers.get("date") || "");
      if (Number.isNaN(date)) return;
      skewMs = (sent + Date.now()) / 2 - date;
      // The snapshot's clocks were anchored before this was known.
      for (const m of matches.values()) if (!clocks.has(m.id) || m.events?.length) setClock(m, null);
    } catch (err) {
      console.warn("touchline: cannot read the server's clock", err);
    }
  }

  function connect() {
    setConnection("connecting");
    // EventSource reconnects by itself and sends Last-Event-ID, so the server resumes exactly.
    const source = new EventSource(STREAM_URL);
    source.addEventListener("open", () => {
      setConnection("live");
      readServerClock();
    });
    source.addEventListener("error", () => {
      setConnection("reconnecting");
      // CLOSED means the browser gave up (e.g. an HTTP error): start over, which brings a
      // fresh snapshot.
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, CLOSED_RETRY_MS);
    });
    source.addEventListener("snapshot", onSnapshot);
    source.addEventListener("match_added", onMatchAdded);
    for (const type of F.MATCH_EVENT_TYPES) source.addEventListener(type, onMatchEvent);
  }

  board.addEventListener("click", (e) => {
    const row = e.target.closest("tr.match");
    if (row) toggleTimeline(row.dataset.matchId);
  });
  board.addEventListener("keydown", (e) => {
    const row = e.target.closest("tr.match");
    if (row && e.target === row && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      toggleTimeline(row.dataset.matchId);
    }
  });

  connect();
  setInterval(tickClocks, 1000);
})();
