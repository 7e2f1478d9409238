"""openfootball football.json files (https://github.com/openfootball/football.json).

Both layouts load: a flat ``matches`` list (teams as plain names, ``round`` on each match)
and ``rounds[].matches`` (teams as ``{name, code}``, the round's ``name`` as round). Scores
come as ``score: {ht, ft, et, p}`` or, in older files, as ``score1``/``score2``,
``score1i``/``score2i`` (half time), ``score1et``/``score2et`` and ``score1p``/``score2p``. The
competition is the file's ``name``; match ids are a short prefix made from it plus the
official match ``num`` when every match has a distinct one, else the position in the file:
``wc2026-001``, ``euro2024-051``.

Kick-off is ``date`` + ``time``; a time with an offset (``"13:00 UTC-6"``) is converted to
UTC, a time without one is taken as UTC, a missing time as 12:00 UTC. How a result becomes
events (goals, whistles, extra time, shoot-outs, and reconciling goal lists with the score)
is described in :mod:`server.feeds.openfootball_match`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from server.feeds.errors import FeedError, from_validation
from server.feeds.model import Feed, FeedEvent, build_feed
from server.feeds.openfootball_match import Goal, Score, match_events
from server.wire import MAX_NAME, MatchIn, TeamIn

Text = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
_FLAT_SCORES = (
    ("ft", "score1", "score2"),
    ("ht", "score1i", "score2i"),
    ("et", "score1et", "score2et"),
    ("p", "score1p", "score2p"),
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?:\s*UTC\s*([+-])(\d{1,2})(?::?(\d{2}))?)?$")


class OFTeam(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Text
    code: str | None = None


class OFMatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    round: Text | None = None
    #: ``Group A``: files of tournaments name a match's group apart from its round, whose
    #: ``Matchday 8`` counts the days of the whole group stage.
    group: Text | None = None
    num: int | None = None
    date: date
    time: str | None = None
    team1: OFTeam
    team2: OFTeam
    score: Score | None = None
    goals1: list[Goal] | None = None
    goals2: list[Goal] | None = None

    @field_validator("team1", "team2", mode="before")
    @classmethod
    def _plain_name(cls, value: object) -> object:
        return {"name": value} if isinstance(value, str) else value

    @model_validator(mode="before")
    @classmethod
    def _flat_scores(cls, data: object) -> object:
        """Older files give score1/score2 (after 90 minutes), score1i/score2i (half time),
        score1et/score2et and score1p/score2p instead of ``score``; null when unplayed."""
        if not isinstance(data, dict) or "score" in data or "score1" not in data:
            return data
        score = {
            key: [data[one], data[two]]
            for key, one, two in _FLAT_SCORES
            if data.get(one) is not None and data.get(two) is not None
        }
        return {**data, "score": score}


class OFRound(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Text
    matches: list[OFMatch]


class OFFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: Text
    matches: list[OFMatch] | None = None
    rounds: list[OFRound] | None = None


#: (where in the file, the match, its round's name)
Listed = tuple[str, OFMatch, str | None]


def looks_like(data: object) -> bool:
    return isinstance(data, dict) and ("rounds" in data or "matches" in data)


def id_prefix(name: str) -> str:
    """``World Cup 2026`` -> ``wc2026``, ``Euro 2024`` -> ``euro2024``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z]+", ascii_name)
    digits = "".join(re.findall(r"\d+", ascii_name))
    letters = words[0] if len(words) == 1 else "".join(w[0] for w in words)
    return (letters.lower() + digits)[:40] or "match"


def _kickoff(path: str, where: str, day: date, text: str | None) -> datetime:
    if text is None:
        return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    found = _TIME.match(text.strip())
    if not found:
        raise FeedError(path, f"{where}.time", f"'{text}' is not a time like 13:00 or 13:00 UTC-6")
    hour, minute, sign, off_h, off_m = found.groups()
    offset = timedelta(hours=int(off_h or 0), minutes=int(off_m or 0))
    if int(hour) > 23 or int(minute) > 59 or offset > timedelta(hours=14):
        raise FeedError(path, f"{where}.time", f"'{text}' is not a valid time")
    tz = timezone(-offset if sign == "-" else offset)
    local = datetime(day.year, day.month, day.day, int(hour), int(minute), tzinfo=tz)
    return local.astimezone(UTC)


def _team(t: OFTeam) -> TeamIn:
    code = t.code if t.code and len(t.code) <= 8 else None
    return TeamIn(name=t.name, code=code)


def _stages(path: str, listed: list[Listed]) -> list[str | None]:
    """Each match's round as fans read it. A grouped match's is ``Group A · Matchday 2``, the
    matchday being the teams' second match in their group (the file's ``Matchday 8`` counts
    the days of the whole group stage), or ``Group A`` alone when the file does not hold every
    pairing of the group once or twice (an excerpt), where that count would be wrong. Other
    matches keep their round."""
    kickoffs = [_kickoff(path, where, m.date, m.time) for where, m, _ in listed]
    groups: dict[str, list[int]] = {}
    for i, (_, m, _) in enumerate(listed):
        if m.group is not None:
            groups.setdefault(m.group, []).append(i)
    stages: list[str | None] = [name for _, _, name in listed]
    for group, members in groups.items():
        played: Counter[str] = Counter(
            t.name for i in members for t in (listed[i][1].team1, listed[i][1].team2)
        )
        # Every team meets every other once (or twice: home and away), in a group of three
        # or more: a lone match of an excerpt is no whole group of two.
        others = len(played) - 1
        whole = others > 1 and set(played.values()) in ({others}, {2 * others})
        for i in members:
            home = listed[i][1].team1.name
            before = sum(
                1
                for j in members
                if kickoffs[j] < kickoffs[i]
                and home in (listed[j][1].team1.name, listed[j][1].team2.name)
            )
            stages[i] = f"{group} · Matchday {before + 1}" if whole else group
    return stages


def parse(path: str, default_name: str, data: object) -> Feed:
    try:
        doc = OFFile.model_validate(data)
    except ValidationError as exc:
        raise from_validation(path, (), exc) from None
    if (doc.matches is None) == (doc.rounds is None):
        raise FeedError(path, "", "an openfootball file has either 'matches' or 'rounds'")
    listed: list[Listed] = []
    if doc.matches is not None:
        listed = [(f"matches[{i}]", m, m.round) for i, m in enumerate(doc.matches)]
    for r, rnd in enumerate(doc.rounds or []):
        listed += [
            (f"rounds[{r}].matches[{i}]", m, m.round or rnd.name) for i, m in enumerate(rnd.matches)
        ]

    listed = [
        (where, m, stage)
        for (where, m, _), stage in zip(listed, _stages(path, listed), strict=True)
    ]
    nums = [m.num for _, m, _ in listed]
    use_num = None not in nums and len(set(nums)) == len(nums)
    prefix = id_prefix(doc.name)
    matches: list[tuple[str, MatchIn]] = []
    events: list[tuple[str, FeedEvent]] = []
    warnings: list[str] = []
    for position, (where, m, round_name) in enumerate(listed, start=1):
        match_id = f"{prefix}-{(m.num if use_num else position):03d}"
        match = MatchIn(
            id=match_id,
            competition=doc.name,
            round=round_name,
            home=_team(m.team1),
            away=_team(m.team2),
            kickoff=_kickoff(path, where, m.date, m.time),
        )
        matches.append((where, match))
        converted = match_events(path, where, match, m.score, m.goals1, m.goals2, warnings)
        events += [(w, FeedEvent(match_id, ev)) for w, ev in converted]
    return build_feed(path, doc.name or default_name, matches, events, warnings)
