"""The replay engine, played at high speed into an in-process publisher with the broker's rules."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.config import DEFAULTS, DEMO_HEAD_START
from server.core.match_state import apply_event
from server.feeds import Feed, load_feed
from server.feeds.model import scratch_match
from server.feeds.replay import plan, replay
from server.resources import asset
from server.wire import EventIn, Match, MatchEvent, MatchIn
from tests.support.wait import wait_until_async

FIXTURES = Path(__file__).parents[1] / "feeds"


@dataclass
class Record:
    mono: float  # loop time when it arrived
    wall: datetime
    kind: str  # match_added or the event type
    match: str
    snapshot: Match  # the match right after it


class Recorder:
    """A small publisher that keeps matches the way the broker does (match_state rules)."""

    def __init__(self) -> None:
        self.matches: dict[str, Match] = {}
        self.log: list[Record] = []
        self.tasks_seen = 0
        self.progress_kept: dict[str, str] = {}

    def progress(self, key: str) -> str | None:
        return self.progress_kept.get(key)

    def _keep(self, progress: tuple[str, str] | None) -> None:
        if progress is not None:
            self.progress_kept[progress[0]] = progress[1]

    def _record(self, kind: str, match: Match) -> None:
        now = asyncio.get_running_loop().time()
        self.log.append(Record(now, datetime.now(UTC), kind, match.id, match.model_copy(deep=True)))
        self.tasks_seen = max(self.tasks_seen, len(asyncio.all_tasks()))

    async def add_match(self, spec: MatchIn, *, progress=None, clock_rate: float = 1.0) -> Match:
        match = scratch_match(spec, clock_rate=clock_rate)
        self.matches[match.id] = match
        self._record("match_added", match)
        self._keep(progress)
        return match

    async def publish(self, match_id: str, ev: EventIn, *, progress=None) -> MatchEvent:
        out = apply_event(self.matches[match_id], ev, str(len(self.log)))
        self._record(ev.type, self.matches[match_id])
        self._keep(progress)
        return out

    def of(self, kind: str, match: str | None = None) -> list[Record]:
        return [r for r in self.log if r.kind == kind and match in (None, r.match)]


def one_match_feed(tmp_path: Path, *kickoffs: str) -> Feed:
    """A feed of short goalless matches, one per kick-off time."""
    doc = {
        "matches": [
            {"id": f"m{i}", "home": "H", "away": "A", "kickoff": k} for i, k in enumerate(kickoffs)
        ],
        "events": [
            {"match": f"m{i}", "type": kind}
            for i in range(len(kickoffs))
            for kind in ("kickoff", "half_time", "second_half", "full_time")
        ],
    }
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(doc))
    return load_feed(str(path))


async def test_tournament_replay_ends_every_match_with_its_real_result_in_one_task() -> None:
    feed = load_feed("worldcup-2026")
    raw = json.loads(asset("feeds", "worldcup-2026.json").read_text(encoding="utf-8"))
    recorder = Recorder()
    baseline = len(asyncio.all_tasks())
    await replay(feed, recorder, speed=1_000_000, start_delay=0, gap=0)
    assert len(recorder.matches) == 104
    for m, source in zip(feed.matches, raw["matches"], strict=True):
        match, score = recorder.matches[m.id], source["score"]
        assert match.status == "full_time", m.id
        assert [match.score.home, match.score.away] == (score.get("et") or score["ft"]), m.id
        pens = [match.penalties.home, match.penalties.away] if match.penalties else None
        assert pens == score.get("p"), m.id
    # One scheduler, not a task per match or per event.
    assert recorder.tasks_seen <= baseline


async def test_matches_are_added_scheduled_then_kick_off_at_their_projected_time() -> None:
    feed = load_feed("demo")
    recorder = Recorder()
    await replay(feed, recorder, speed=30_000)
    added = recorder.log[: len(feed.matches)]
    assert [r.kind for r in added] == ["match_added"] * len(feed.matches)
    assert all(r.snapshot.status == "scheduled" for r in added)
    assert all(r.snapshot.clock_rate == 30_000 for r in added)  # clients tick at this rate
    assert all(r.snapshot.kickoff > added[0].wall for r in added)  # announced ahead of time
    for r in added:
        (kickoff,) = recorder.of("kickoff", r.match)
        late = (kickoff.wall - r.snapshot.kickoff).total_seconds()
        assert -0.01 <= late < 0.5, (r.match, late)
    # Matches kicking off together in the feed are kicked off together.
    projected = {r.match: r.snapshot.kickoff for r in added}
    by_slot: dict[datetime, set[datetime]] = {}
    for m in feed.matches:
        by_slot.setdefault(m.kickoff, set()).add(projected[m.id])
    assert all(len(v) == 1 for v in by_slot.values())


async def test_events_are_published_in_match_time_never_early() -> None:
    feed = load_feed("demo")
    speed = 30_000
    day = plan(feed, speed=speed, start_delay=0.0, gap=0.01)
    recorder = Recorder()
    await replay(feed, recorder, speed=speed, start_delay=0.0, gap=0.01)
    published = recorder.log[len(feed.matches) :]
    assert [(r.match, r.kind) for r in published] == [(s.match, s.event.type) for s in day.steps]
    start = published[0].mono - day.steps[0].at
    for record, step in zip(published, day.steps, strict=True):
        assert record.mono >= start + step.at - 0.002, step


def test_plan_plays_a_slot_together_and_cuts_idle_gaps(tmp_path: Path) -> None:
    feed = one_match_feed(
        tmp_path,
        *["2025-11-29T15:00:00Z"] * 3,
        *["2025-11-29T17:30:00Z"] * 2,
        "2025-11-29T20:00:00Z",
    )
    speed, delay, gap = 30.0, 10.0, 5.0
    day = plan(feed, speed=speed, start_delay=delay, gap=gap)
    length = {m: tl[-1].at * 60 / speed for m, tl in feed.timelines().items()}
    slots: dict[datetime, list[str]] = {}
    for m in feed.matches:
        slots.setdefault(m.kickoff, []).append(m.id)
    first, second, third = (slots[k] for k in sorted(slots))
    assert {day.kickoffs[m] for m in first} == {delay}
    # 15:00 -> 17:30 is 150 minutes, 300 s at speed 30: longer than the first slot lasts, so
    # the idle stretch is cut to `gap` after its last match ends.
    end_first = delay + max(length[m] for m in first)
    assert {day.kickoffs[m] for m in second} == {end_first + gap}
    end_second = end_first + gap + max(length[m] for m in second)
    assert {day.kickoffs[m] for m in third} == {end_second + gap}
    assert day.length == end_second + gap + length[third[0]]


def test_plan_keeps_the_true_offset_of_a_slot_that_overlaps(tmp_path: Path) -> None:
    feed = one_match_feed(tmp_path, "2025-03-01T15:00:00Z", "2025-03-01T15:20:00Z")
    day = plan(feed, speed=60.0, start_delay=2.0, gap=1.0)
    assert day.kickoffs == {"m0": 2.0, "m1": 2.0 + 20 * 60 / 60.0}


def test_clock_ticks_once_a_minute_in_play_and_never_in_the_break() -> None:
    feed = load_feed("demo")
    timeline = feed.timelines()["ars-che"]
    ticks = [(t.at, t.event.minute, t.event.added) for t in timeline if t.event.type == "clock"]
    first_half = [t for t in ticks if t[0] <= 47]
    event_minutes = {14, 27, 39}  # the first half's cards and goal move the clock themselves
    expected = [(float(m), m, None) for m in range(1, 46) if m not in event_minutes]
    assert first_half == [*expected, (46.0, 45, 1)]  # 45+2 is the half-time whistle itself
    half_time = next(t.at for t in timeline if t.event.type == "half_time")
    second_half = next(t.at for t in timeline if t.event.type == "second_half")
    assert (half_time, second_half) == (47.0, 62.0)  # a 15-minute break
    assert not [t for t in ticks if half_time < t[0] <= second_half]
    # Second half: minute 47 comes 2 minutes after the restart (46 is shown by the whistle).
    assert next(t for t in ticks if t[0] > second_half) == (64.0, 47, None)
    assert ticks[-1][1:] == (90, 3)  # then the full-time whistle at 90+4


async def test_loop_starts_a_new_matchday_that_resets_every_match(tmp_path: Path) -> None:
    feed = one_match_feed(tmp_path, "2025-03-01T15:00:00Z")
    recorder = Recorder()
    task = asyncio.create_task(
        replay(feed, recorder, speed=100_000, loop=True, start_delay=0, gap=0, pause=0.01)
    )
    try:
        await wait_until_async(
            lambda: len(recorder.of("full_time")) >= 2, what="two full times", interval=0.005
        )
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    kinds = [r.kind for r in recorder.log if r.kind != "clock"]
    day = ["match_added", "kickoff", "half_time", "second_half", "full_time"]
    assert kinds[: 2 * len(day)] == day + day
    again = recorder.of("match_added")[1]
    assert (again.snapshot.status, again.snapshot.events) == ("scheduled", [])
    assert again.snapshot.kickoff > recorder.of("match_added")[0].snapshot.kickoff


async def test_cancelling_the_replay_stops_it_at_once() -> None:
    recorder = Recorder()
    task = asyncio.create_task(replay(load_feed("demo"), recorder, speed=30, start_delay=0))
    await wait_until_async(lambda: recorder.of("kickoff"), what="a kick-off", interval=0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=1)
    seen = len(recorder.log)
    for _ in range(20):  # turns of the loop in which a replay still running would go on
        await asyncio.sleep(0)
    assert task.cancelled() and len(recorder.log) == seen


async def test_refused_event_is_logged_and_the_replay_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Interfering(Recorder):
        """A live scorer ends ars-che right after kick-off, behind the replay's back."""

        async def publish(self, match_id: str, ev: EventIn, *, progress=None) -> MatchEvent:
            out = await super().publish(match_id, ev, progress=progress)
            if match_id == "ars-che" and ev.type == "kickoff":
                await super().publish(match_id, EventIn(type="full_time"))
            return out

    recorder = Interfering()
    with caplog.at_level(logging.WARNING, logger="server.feeds.replay"):
        await replay(load_feed("demo"), recorder, speed=100_000, start_delay=0, gap=0)
    assert str(recorder.matches["ars-che"].score) == "0–0"
    assert "ars-che card refused: cannot apply card to a match that is full_time" in caplog.text
    others = [m for m in recorder.matches.values() if m.id != "ars-che"]
    assert all(m.status == "full_time" for m in others)
    assert str(recorder.matches["liv-mci"].score) == "2–1"


async def test_fixture_without_result_keeps_its_kickoff_and_stays_scheduled() -> None:
    feed = load_feed(str(FIXTURES / "openfootball-edge-cases.json"))
    recorder = Recorder()
    before = datetime.now(UTC)
    await replay(feed, recorder, speed=100_000, start_delay=0, gap=0)
    fixture = recorder.matches["ec2026-003"]
    assert fixture.status == "scheduled"
    assert fixture.kickoff == datetime(2026, 7, 19, 19, 0, tzinfo=UTC)
    assert [recorder.matches[m].status for m in ("ec2026-001", "ec2026-002")] == ["full_time"] * 2
    assert recorder.matches["ec2026-001"].kickoff - before < timedelta(seconds=5)


async def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError, match="speed must be positive"):
        await replay(load_feed("demo"), Recorder(), speed=0)


async def test_replay_interrupted_then_restarted_resumes_without_repeating_or_skipping() -> None:
    feed = load_feed("demo")
    whole = Recorder()
    await replay(feed, whole, speed=1_000_000, start_delay=0, gap=0)

    recorder = Recorder()  # keeps its matches and progress, as a durable store does
    task = asyncio.create_task(replay(feed, recorder, speed=3_000, start_delay=0, gap=0))
    await wait_until_async(
        lambda: len(recorder.of("goal")) >= 3, what="three goals", interval=0.005
    )
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stopped_at = len(recorder.log)
    await replay(feed, recorder, speed=1_000_000, start_delay=0, gap=0)

    def story(log: list[Record]) -> list[tuple[str, str]]:
        return [(r.kind, r.match) for r in log]

    resumed = recorder.log[stopped_at:]
    assert "match_added" not in [r.kind for r in resumed]
    assert story(recorder.log) == story(whole.log)
    assert {m: str(x.score) for m, x in recorder.matches.items()} == {
        m: str(x.score) for m, x in whole.matches.items()
    }


async def test_a_head_start_opens_the_demo_with_every_state_at_once() -> None:
    """The viewer's built-in demo (server.config.DEMO_HEAD_START): its staggered kick-offs and
    the head start put one match at full time, one at half time, two under way at different
    minutes and two still to come on the first screen."""
    feed = load_feed("demo")
    recorder = Recorder()
    task = asyncio.create_task(
        replay(feed, recorder, speed=DEFAULTS.speed, head_start=DEMO_HEAD_START)
    )
    try:
        await wait_until_async(
            lambda: len(recorder.of("kickoff")) >= 4, what="the matchday so far", interval=0.01
        )
        # What was due at once is published in one burst, which a loaded machine or a big
        # heap can stretch past a fixed pause: wait for its last whistles instead.
        await wait_until_async(
            lambda: {"full_time", "half_time"} <= {m.status for m in recorder.matches.values()},
            what="the matches already finished and at half time",
            interval=0.01,
        )
        await asyncio.sleep(0.05)
        states = sorted((m.status, m.minute or 0) for m in recorder.matches.values())
        kickoffs = [r.snapshot.kickoff for r in recorder.of("match_added")]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    statuses = [s for s, _ in states]
    assert statuses.count("full_time") == 1 and statuses.count("half_time") == 1
    assert statuses.count("scheduled") == 2
    live = [minute for status, minute in states if status == "live"]
    assert len(live) == 2 and len(set(live)) == 2 and all(0 < m < 90 for m in live)
    assert sum(k < recorder.log[0].wall for k in kickoffs) == 4  # kicked off in the past


async def test_replay_that_already_finished_does_not_start_again_without_loop() -> None:
    feed = load_feed("demo")
    recorder = Recorder()
    await replay(feed, recorder, speed=1_000_000, start_delay=0, gap=0)
    played = len(recorder.log)
    await replay(feed, recorder, speed=1_000_000, start_delay=0, gap=0)
    assert len(recorder.log) == played
    assert all(m.status == "full_time" for m in recorder.matches.values())
