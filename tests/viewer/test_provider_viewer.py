"""The viewer's stream client, board and notice rules against the real ``touchline-server
--provider espn`` polling a scripted provider: a goal whose scorer comes a poll later notifies
once, and the timeline then names the scorer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from desktop.core.items import StreamItem
from desktop.core.notify_rules import Notice, NoticeRules
from tests.support.provider_payloads import late_scorer_script
from tests.support.provider_server import ScriptedProvider
from tests.support.serverproc import run_server
from tests.support.stream_fixtures import Follower
from tests.support.wait import wait_until_async

FAST = ("--provider-poll", "0.2", "--provider-idle", "0.5", "--provider-budget", "600")


class NoticedFollower(Follower):
    """A Follower whose items also go through the notice rules, as in the app."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.rules = NoticeRules()
        self.notices: list[Notice] = []

    def _item(self, item: StreamItem) -> None:
        super()._item(item)
        self.notices += self.rules.on_item(item, self.board, datetime.now(UTC))


async def test_a_goal_notifies_once_and_its_late_scorer_completes_the_timeline() -> None:
    script = late_scorer_script()
    with (
        ScriptedProvider(script, advance="manual") as provider,
        run_server(
            "--provider", "espn", "--competitions", "fifa.world", "--provider-url", provider.url,
            *FAST, "--store", ":memory:",
        ) as srv,
    ):  # fmt: skip
        async with NoticedFollower(srv.url) as v:
            v.rules.connected(None, datetime.now(UTC))
            await asyncio.to_thread(provider.wait_served, 0, 2)
            await wait_until_async(lambda: "espn-391" in v.board.matches, what="the match")
            provider.advance(1)
            await wait_until_async(lambda: v.notices, what="the goal notice")
            [notice] = v.notices
            assert notice.title == "GOAL! Argentina 1–0 France"
            match = v.board.matches["espn-391"]
            [goal] = [e for e in match.events if e.type == "goal"]
            assert goal.player is None
            provider.advance(2)
            await wait_until_async(
                lambda: (
                    [e.player for e in v.board.matches["espn-391"].events if e.type == "goal"]
                    == ["Lionel Messi"]
                ),
                what="the scorer in the timeline",
            )
            await asyncio.to_thread(provider.wait_served, 2, 3)
            v.notices += v.rules.tick(v.board, datetime.now(UTC))
    [completed] = [e for e in v.board.matches["espn-391"].events if e.type == "goal"]
    assert (completed.id, completed.minute, completed.penalty) == (goal.id, 23, True)
    assert completed.text == "Goal! Lionel Messi (penalty) for Argentina, Argentina 1–0 France"
    assert v.notices == [notice]  # the goal notified once; its scorer did not notify again
