"""The browser page at GET /, driven in real headless Chromium against the real server.

Chromium comes from Debian (``apt-get install chromium``); Playwright only drives it, it
cannot download its own browser here. Waits use Playwright's polling ``expect`` (no sleeps).
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.serverproc import ServerProcess, server_fixture, start_server

WEB = Path(__file__).resolve().parents[2] / "assets" / "web"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 10_000
XSS = "<img src=x onerror=alert(1)>"

# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        pytest.fail("Chromium is missing: install chromium (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# One empty server for the module (each test server starts on a data folder of its own);
# every test uses its own match ids.
server = server_fixture("--feed", "none")


@dataclass
class Watched:
    """A page plus everything it complained about."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def row(self, match_id: str):  # -> Locator
        return self.page.locator(f'tr.match[data-match-id="{match_id}"]')

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.page_errors == []
        assert self.dialogs == []


@contextlib.contextmanager
def watching(browser: Browser, **context_options: object) -> Iterator[Watched]:
    context = browser.new_context(**context_options)
    page = context.new_page()
    watched = Watched(page)
    page.on("console", lambda m: m.type == "error" and watched.console_errors.append(m.text))
    page.on("pageerror", lambda exc: watched.page_errors.append(str(exc)))

    def on_dialog(dialog: object) -> None:
        watched.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield watched
    finally:
        context.close()


@pytest.fixture
def web(browser: Browser) -> Iterator[Watched]:
    # A fixed zone and locale so local kick-off times are predictable.
    with watching(browser, timezone_id="Asia/Tokyo", locale="en-GB") as watched:
        yield watched


def open_page(web: Watched, srv: ServerProcess) -> None:
    web.page.goto(srv.url + "/")
    expect(web.page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT_MS)


# --- tests ------------------------------------------------------------------------------------


def test_snapshot_is_shown_grouped_by_competition(server: ServerProcess, web: Watched) -> None:
    live = server.add_match(
        id="snap-live",
        competition="Snapshot Cup",
        home={"name": "Mexico", "code": "MEX"},
        away="South Africa",
        kickoff="2026-06-11T19:00:00Z",
    )
    server.publish(live, type="kickoff")
    server.publish(live, type="goal", minute=9, team="home", player="Julián Quiñones")
    server.publish(live, type="clock", minute=45, added=2)
    server.add_match(
        id="snap-later",
        competition="Snapshot Cup",
        home="South Korea",
        away="Czech Republic",
        kickoff="2026-06-12T02:00:00Z",
    )
    server.add_match(
        id="snap-other",
        competition="Another League",
        home="Brazil",
        away="Argentina",
        kickoff="2026-06-13T00:30:00Z",
    )

    open_page(web, server)

    cup = web.page.locator("section.competition", has_text="Snapshot Cup")
    expect(cup.locator("h2")).to_have_text("Snapshot Cup")
    # Ordered by kick-off inside the competition.
    expect(cup.locator("tr.match")).to_have_count(2)
    assert cup.locator("tr.match").first.get_attribute("data-match-id") == live
    row = web.row(live)
    expect(row.locator(".home .team-name")).to_have_text("Mexico")
    expect(row.locator(".away .team-name")).to_have_text("South Africa")
    expect(row.locator(".score")).to_have_text("1–0")
    expect(row.locator(".status")).to_have_text("45+2'")
    # Scheduled: kick-off in the browser's zone (02:00 UTC is 11:00 in Tokyo, same day).
    expect(web.row("snap-later").locator(".status-main")).to_have_text("11:00")
    expect(web.row("snap-later").locator(".score")).to_have_text("–")
    other = web.page.locator("section.competition", has_text="Another League")
    expect(other.locator("tr.match")).to_have_count(1)
    web.assert_clean()


def test_published_match_and_goal_appear_live(server: ServerProcess, web: Watched) -> None:
    open_page(web, server)
    match_id = server.add_match(id="live-1", competition="Live Cup", home="Spain", away="Japan")
    row = web.row(match_id)
    expect(row.locator(".home .team-name")).to_have_text("Spain", timeout=WAIT_MS)

    server.publish(match_id, type="kickoff")
    expect(row.locator(".status")).to_have_text("0'")
    server.publish(match_id, type="goal", minute=23, team="away", player="Kaoru Mitoma")
    expect(row.locator(".score")).to_have_text("0–1")
    expect(row.locator(".status")).to_have_text("23'")
    expect(row).to_have_class(re.compile(r"\bflash-goal\b"))
    expect(web.page.locator("#announcer")).to_have_text(re.compile(r"^Goal for Japan: Spain 0–1"))
    server.publish(match_id, type="card", minute=40, team="home", card="red", player="Rodri")
    expect(row.locator(".home .red-card")).to_have_count(1)
    expect(row.locator(".home .red-cards")).to_have_attribute("aria-label", "1 red card")
    web.assert_clean()


def test_status_column_follows_the_match_to_penalties(server: ServerProcess, web: Watched) -> None:
    match_id = server.add_match(id="status-1", competition="Status Cup", home="A", away="B")
    open_page(web, server)
    row = web.row(match_id)
    status, score = row.locator(".status"), row.locator(".score")

    server.publish(match_id, type="kickoff")
    server.publish(match_id, type="clock", minute=45, added=2)
    expect(status).to_have_text("45+2'")
    server.publish(match_id, type="half_time")
    expect(status).to_have_text("HT")
    server.publish(match_id, type="second_half")
    expect(status).to_have_text("46'")
    server.publish(match_id, type="extra_time")
    expect(row.locator(".status-main")).to_have_text("91'")
    expect(row.locator(".status-sub")).to_have_text("ET")
    server.publish(match_id, type="penalty_shootout", team="home", scored=True, player="X")
    expect(status).to_have_text("Pens")
    expect(score.locator(".score-pens")).to_have_text("(1–0)")
    server.publish(match_id, type="full_time")
    expect(row.locator(".status-main")).to_have_text("FT")
    expect(row.locator(".status-sub")).to_have_text("Pens")
    expect(score.locator(".score-main")).to_have_text("0–0")
    web.assert_clean()


def test_the_minute_runs_on_between_events_and_stops_at_half_time(
    server: ServerProcess, web: Watched
) -> None:
    """A live scorer sends no clock ticks: the page runs the minute on by the wall clock (a
    fake one here, Playwright's) from the kick-off's time, into added time, and stops at half
    time."""
    match_id = server.add_match(id="run-1", competition="Clock Cup", home="Ghana", away="Panama")
    web.page.clock.install(time=datetime.now(UTC))
    server.publish(match_id, type="kickoff")
    open_page(web, server)
    status = web.row(match_id).locator(".status")
    expect(status).to_have_text("0'")
    web.page.clock.run_for(31 * 60_000 + 30_000)
    expect(status).to_have_text("31'")
    web.page.clock.run_for(16 * 60_000)
    expect(status).to_have_text("45+2'")
    server.publish(match_id, type="half_time", minute=45, added=2)
    expect(status).to_have_text("HT")
    web.page.clock.run_for(10 * 60_000)
    expect(status).to_have_text("HT")
    web.assert_clean()


def test_the_pages_clock_is_corrected_by_each_event_and_runs_at_the_matchs_rate(
    server: ServerProcess, web: Watched
) -> None:
    """format.js's clock, in the page, with explicit times (a fake page clock cannot move the
    server's clock along with it, so events published later would not line up)."""
    open_page(web, server)
    minutes = web.page.evaluate(
        """() => {
        const F = TouchlineFormat, t0 = Date.parse("2026-06-11T19:00:00Z"), min = 60000;
        const at = (ms) => new Date(ms).toISOString();
        const match = (over) => ({status: "live", minute: 0, added: null, clock_rate: 1,
                                  events: [], ...over});
        const ev = (type, minute, atMs) => ({type, minute, added: null, status: "live",
                                             at: at(atMs)});
        const run = (m, e, now, later) => F.runningMinute(F.clockAnchor(m, e, now), later);
        return [
          // kick-off: runs on from its time
          run(match({}), ev("kickoff", 0, t0), t0, t0 + 35 * min + 5000),
          // a goal entered at 29' when the clock said 31': the event wins, then runs on
          run(match({minute: 29}), ev("goal", 29, t0 + 31 * min), t0 + 31 * min, t0 + 32 * min),
          // a tick ahead of the clock puts it forward
          run(match({minute: 40}), ev("clock", 40, t0 + 33 * min), t0 + 33 * min, t0 + 33 * min),
          // second half: 46' from its whistle, 47' two minutes on
          run(match({minute: 46}), ev("second_half", 46, t0), t0, t0 + 2 * min),
          // a replay at 30 times real time: 2 s is a match minute
          run(match({clock_rate: 30}), ev("kickoff", 0, t0), t0, t0 + 94000),
          // a snapshot runs on from its latest event that has a time
          run(match({minute: 35, events: [ev("kickoff", 0, t0)]}), null, t0 + 40 * min,
              t0 + 40 * min + 5000),
          // half time: no clock
          F.clockAnchor(match({status: "half_time", minute: 45}), null, t0),
        ];
      }"""
    )
    assert minutes == [[35, None], [30, None], [40, None], [47, None], [45, 2], [40, None], None]
    web.assert_clean()


def test_clicking_a_match_shows_its_timeline(server: ServerProcess, web: Watched) -> None:
    match_id = server.add_match(id="tl-1", competition="Timeline Cup", home="C", away="D")
    server.publish(match_id, type="kickoff")
    server.publish(match_id, type="goal", minute=12, team="home", player="Scorer One")
    open_page(web, server)
    row = web.row(match_id)
    timeline = web.page.locator(f"#timeline-{match_id} .timeline")

    row.click()
    expect(row).to_have_attribute("aria-expanded", "true")
    expect(timeline.locator("li")).to_have_count(2)
    goal = timeline.locator("li.tl-goal")
    expect(goal.locator(".tl-minute")).to_have_text("12'")
    expect(goal.locator(".tl-icon")).to_have_attribute("aria-label", "Goal")
    expect(goal.locator(".tl-player")).to_have_text("Scorer One")
    expect(goal.locator(".tl-text")).to_contain_text("Goal!")

    # An open timeline keeps up with the stream, and a VAR reversal strikes the goal out.
    server.publish(match_id, type="goal_disallowed", minute=14, team="home")
    expect(timeline.locator("li")).to_have_count(3)
    expect(goal).to_have_class(re.compile(r"\btl-cancelled\b"))
    expect(row.locator(".score")).to_have_text("0–0")

    # Keyboard: rows are focusable and Enter toggles the timeline.
    row.focus()
    web.page.keyboard.press("Enter")
    expect(row).to_have_attribute("aria-expanded", "false")
    expect(timeline).to_have_count(0)
    web.page.keyboard.press("Space")
    expect(row).to_have_attribute("aria-expanded", "true")
    web.assert_clean()


def test_feed_text_is_shown_as_text_never_as_html(server: ServerProcess, web: Watched) -> None:
    player = '<b onmouseover="alert(2)">Bold</b>'
    match_id = server.add_match(id="xss-1", competition=f"{XSS} Cup", home=XSS, away="Fair Play")
    server.publish(match_id, type="kickoff", text="<script>alert(3)</script>")
    server.publish(match_id, type="goal", minute=5, team="home", player=player)
    open_page(web, server)
    row = web.row(match_id)
    row.click()

    expect(row.locator(".home .team-name")).to_have_text(XSS)
    assert row.locator(".home .team-name").evaluate("n => n.textContent") == XSS
    expect(web.page.locator("section.competition h2", has_text=XSS)).to_have_text(f"{XSS} Cup")
    timeline = web.page.locator(f"#timeline-{match_id}")
    expect(timeline.locator(".tl-goal .tl-player")).to_have_text(player)
    expect(timeline.locator(".tl-kickoff .tl-text")).to_have_text("<script>alert(3)</script>")
    row.hover()
    # Nothing from the feed became markup: no img, no b, no extra script element.
    assert web.page.locator("main img, main b, main script").count() == 0
    assert web.page.evaluate("document.images.length") == 0
    web.assert_clean()


@pytest.mark.parametrize(
    "name",
    ["نادي الهلال", "הפועל באר שבע FC", "⚽ Lions 🦁 United", "Zoë Ça̧ Åström", "W" * 80],
    ids=["arabic", "hebrew-mixed", "emoji", "combining", "longest"],
)
def test_unusual_names_are_shown_exactly_as_published(
    server: ServerProcess, web: Watched, name: str
) -> None:
    match_id = server.add_match(competition="Odd Names Cup", home=name, away="Plain FC")
    open_page(web, server)
    cell = web.row(match_id).locator(".home .team-name")
    expect(cell).to_have_text(name)
    assert cell.evaluate("n => n.textContent") == name
    web.assert_clean()


def test_page_enforces_a_policy_that_refuses_inline_script(
    server: ServerProcess, web: Watched
) -> None:
    # The page carries its own policy (a meta tag), so this holds whatever the server sends.
    open_page(web, server)
    refused = web.page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener("securitypolicyviolation",
                (e) => resolve(e.effectiveDirective), {once: true});
            const s = document.createElement("script");
            s.textContent = "window.inlineRan = true";
            document.body.append(s);
            setTimeout(() => resolve(window.inlineRan ? "ran" : "no violation"), 2000);
        })"""
    )
    assert refused.startswith("script-src")
    assert web.page.evaluate("window.inlineRan === undefined")


def test_lost_connection_warns_and_recovers_with_fresh_scores(web: Watched) -> None:
    srv = start_server("--feed", "none")  # on an empty data folder of its own
    try:
        srv.add_match(id="conn-1", competition="Conn Cup", home="E", away="F")
        open_page(web, srv)
        stale = web.page.locator("#stale")
        expect(stale).to_be_hidden()
        srv.kill()

        expect(web.page.locator("#connection")).to_have_attribute(
            "data-state", "reconnecting", timeout=WAIT_MS
        )
        expect(web.page.locator("#connection-text")).to_have_text("Reconnecting…")
        expect(stale).to_be_visible()
        expect(stale).to_contain_text("may be out of date")

        # A new server on the same port knows other matches: the page takes its snapshot.
        srv = start_server("--feed", "none", "--port", str(srv.port))
        srv.add_match(id="conn-2", competition="Conn Cup", home="G", away="H")
        expect(web.page.locator("#connection")).to_have_attribute(
            "data-state", "live", timeout=WAIT_MS
        )
        expect(stale).to_be_hidden()
        expect(web.row("conn-2")).to_have_count(1)
        expect(web.row("conn-1")).to_have_count(0)
    finally:
        srv.stop()


@pytest.mark.parametrize(
    "options",
    [
        {"color_scheme": "dark", "viewport": {"width": 1200, "height": 800}},
        {"color_scheme": "light", "viewport": {"width": 360, "height": 740}},
    ],
    ids=["dark-desktop", "light-phone"],
)
def test_page_loads_and_updates_without_console_errors(
    server: ServerProcess, browser: Browser, options: dict
) -> None:
    # Every part (scripts, style, icon) loads and a stream of updates raises nothing.
    match_id = server.add_match(competition="Busy Cup", home="I", away="J")
    with watching(browser, **options) as web:
        open_page(web, server)
        server.publish(match_id, type="kickoff")
        web.row(match_id).click()
        server.publish(match_id, type="goal", minute=3, team="home", player="K")
        server.publish(match_id, type="clock", minute=4)
        expect(web.row(match_id).locator(".status")).to_have_text("4'", timeout=WAIT_MS)
        expect(web.page.locator(f"#timeline-{match_id} li")).to_have_count(2)
        web.assert_clean()


# --- static guard -----------------------------------------------------------------------------

FORBIDDEN = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write")


@pytest.mark.parametrize("path", sorted(WEB.glob("*.js")) + sorted(WEB.glob("*.html")), ids=str)
def test_web_sources_never_write_html(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert [word for word in FORBIDDEN if word in text] == []


def test_index_html_has_no_inline_script_or_external_resources() -> None:
    html = (WEB / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
    assert scripts and all(body.strip() == "" for body in scripts)
    assert re.search(r"\son[a-z]+\s*=", html) is None  # no inline event handlers
    assert re.search(r"\sstyle\s*=", html) is None
    # Nothing from elsewhere: the server may have no internet (no CDNs, no web fonts).
    for path in [WEB / "index.html", *WEB.glob("*.js"), *WEB.glob("*.css")]:
        text = path.read_text(encoding="utf-8")
        assert re.search(r"https?://|@import|url\(", text) is None, path
