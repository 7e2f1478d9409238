"""The user's notification settings (plain data; the UI persists it as JSON-able dicts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from server.wire import Match

NoticeKind = Literal[
    "goal", "goal_disallowed", "red_card", "kickoff", "half_time", "full_time",
    "reminder", "summary",
]  # fmt: skip


@dataclass(frozen=True)
class EventNotice:
    """How the notices of one kind of match event are named and chosen."""

    one: str  # its noun in a summary: "1 goal just now"
    many: str  # "3 goals while you were offline"
    label: str = ""  # its box in the settings dialog, "&" before the shortcut
    follows: NoticeKind | None = None  # no box of its own: on when this kind is on


#: The notices match events give, in the order summaries count them and the settings dialog
#: lists them: one table, so a new notifiable event is named here once. Which event gives
#: which kind is ``notify_rules.notice_kind``; a notice's words are ``notify_text``'s.
EVENT_NOTICES: dict[NoticeKind, EventNotice] = {
    "goal": EventNotice("goal", "goals", "&Goals (and disallowed goals)"),
    "goal_disallowed": EventNotice("disallowed goal", "disallowed goals", follows="goal"),
    "red_card": EventNotice("red card", "red cards", "&Red cards"),
    "kickoff": EventNotice("kick-off", "kick-offs", "&Kick-off"),
    "half_time": EventNotice("half time", "half times", "&Half time"),
    "full_time": EventNotice("full time", "full times", "F&ull time"),
}
#: The kinds a user can switch on (the others follow one of them).
EVENT_KINDS: tuple[NoticeKind, ...] = tuple(
    kind for kind, notice in EVENT_NOTICES.items() if notice.follows is None
)


#: Where a choice of kinds applies besides everywhere: a team's matches, a competition's.
Scope = Literal["team", "competition"]


@dataclass
class NoticeSettings:
    """What the user chose; the UI persists it with :meth:`to_dict` / :meth:`from_dict`.

    ``kinds`` apply to every match, unless a team playing in it has kinds of its own
    (``team_kinds``, both teams' together when both have), else its competition
    (``competition_kinds``): the nearer choice wins. Names are kept casefolded.
    """

    kinds: set[str] = field(default_factory=lambda: {"goal"})
    team_kinds: dict[str, set[str]] = field(default_factory=dict)
    competition_kinds: dict[str, set[str]] = field(default_factory=dict)
    favourites_only: bool = False
    favourites: set[str] = field(default_factory=set)
    mute_until: datetime | None = None
    muted_matches: set[str] = field(default_factory=set)
    #: Remind this many minutes before a favourite's kick-off; None = off.
    reminder_minutes: int | None = None

    def wants(self, kind: NoticeKind, match: Match | None = None) -> bool:
        """Whether ``kind`` notifies (for ``match``: its teams' or competition's own kinds)."""
        kinds = self.kinds_for(match) if match is not None else self.kinds
        if kind in kinds:
            return True
        notice = EVENT_NOTICES.get(kind)
        return notice is not None and notice.follows in kinds

    def own_kinds(self, scope: Scope, name: str) -> set[str] | None:
        """A team's or competition's own kinds, or None when it follows the general ones."""
        table = self.team_kinds if scope == "team" else self.competition_kinds
        return table.get(name.casefold())

    def set_own_kinds(self, scope: Scope, name: str, kinds: set[str] | None) -> None:
        """Gives a team or competition kinds of its own (None: back to the general ones)."""
        table = self.team_kinds if scope == "team" else self.competition_kinds
        if kinds is None:
            table.pop(name.casefold(), None)
        else:
            table[name.casefold()] = {k for k in kinds if k in EVENT_KINDS}

    def has_team_choice(self, match: Match) -> bool:
        return any(t.name.casefold() in self.team_kinds for t in (match.home, match.away))

    def kinds_for(self, match: Match) -> set[str]:
        """The kinds that notify for ``match``: its teams', else its competition's, else the
        general ones."""
        teams = [self.team_kinds.get(t.name.casefold()) for t in (match.home, match.away)]
        chosen = [kinds for kinds in teams if kinds is not None]
        if chosen:
            return set().union(*chosen)
        own = self.competition_kinds.get(match.competition.casefold())
        return own if own is not None else self.kinds

    def is_favourite(self, match: Match) -> bool:
        names = {n.casefold() for n in self.favourites}
        return any(t.name.casefold() in names for t in (match.home, match.away))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kinds": sorted(self.kinds),
            "favourites_only": self.favourites_only,
            "favourites": sorted(self.favourites),
            "mute_until": self.mute_until.isoformat() if self.mute_until else None,
            "muted_matches": sorted(self.muted_matches),
            "reminder_minutes": self.reminder_minutes,
            "team_kinds": {name: sorted(kinds) for name, kinds in self.team_kinds.items()},
            "competition_kinds": {
                name: sorted(kinds) for name, kinds in self.competition_kinds.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NoticeSettings:
        """Reads what :meth:`to_dict` wrote; missing or broken values fall back to defaults."""
        out = cls()
        if isinstance(data.get("kinds"), list):
            out.kinds = {k for k in data["kinds"] if k in EVENT_KINDS}
        out.favourites_only = bool(data.get("favourites_only", False))
        out.favourites = {str(n) for n in data.get("favourites") or [] if str(n).strip()}
        try:
            mute = data.get("mute_until")
            out.mute_until = datetime.fromisoformat(mute) if mute else None
        except (TypeError, ValueError):
            out.mute_until = None
        out.muted_matches = {str(m) for m in data.get("muted_matches") or []}
        minutes = data.get("reminder_minutes")
        out.reminder_minutes = minutes if isinstance(minutes, int) and minutes > 0 else None
        out.team_kinds = _own_kinds(data.get("team_kinds"))
        out.competition_kinds = _own_kinds(data.get("competition_kinds"))
        return out


def _own_kinds(value: object) -> dict[str, set[str]]:
    """A saved table of own kinds; anything unreadable in it is dropped."""
    if not isinstance(value, dict):
        return {}
    return {
        str(name).casefold(): {k for k in kinds if k in EVENT_KINDS}
        for name, kinds in value.items()
        if isinstance(kinds, list) and str(name).strip()
    }
