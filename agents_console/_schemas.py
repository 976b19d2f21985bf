"""Wire formats of the console's REST API (agents, teams, canned responses)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from agents_console.placeholders import KNOWN, placeholders_in, unknown_placeholders
from chat.models import CannedResponse

Role = Literal["agent", "editor", "admin"]
PresenceStatus = Literal["online", "away", "offline"]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


# Validators rather than patterns, for messages a person can act on ("String should match
# pattern '^[^@\s]+@…'" was the console's answer to a mistyped address).
def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("must be an e-mail address such as name@shop.example")
    return value


def _shortcut(value: str) -> str:
    if not _SHORTCUT.match(value):
        raise ValueError(
            "may hold only small letters, digits, - and _, and must start with a letter or digit"
        )
    return value


Email = Annotated[
    str, Field(min_length=3, max_length=320, json_schema_extra={"format": "email"}),
    AfterValidator(_email),
]  # fmt: skip
Name = Annotated[str, Field(min_length=1, max_length=200)]
# Long enough to resist guessing; argon2 makes each guess slow.
Password = Annotated[str, Field(min_length=10, max_length=200)]
Capacity = Annotated[int, Field(ge=1, le=50)]
TeamName = Annotated[str, Field(min_length=1, max_length=100)]
Shortcut = Annotated[
    str, Field(min_length=1, max_length=64, examples=["greet"]), AfterValidator(_shortcut)
]
CannedText = Annotated[str, Field(min_length=1, max_length=4000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TeamRef(BaseModel):
    id: int
    name: str


class AgentCreate(Strict):
    email: Email
    name: Name
    password: Password
    role: Role = "agent"
    max_concurrent: Capacity = 5
    team_ids: list[int] = []

    @field_validator("email")
    @classmethod
    def lower(cls, email: str) -> str:
        return email.lower()


class AgentUpdate(Strict):
    """Only the fields sent change."""

    name: Name | None = None
    password: Password | None = None
    role: Role | None = None
    max_concurrent: Capacity | None = None
    team_ids: list[int] | None = None
    active: bool | None = None


class AgentOut(BaseModel):
    id: int
    email: str
    name: str
    role: Role
    max_concurrent: int
    active: bool
    teams: list[TeamRef]
    status: PresenceStatus = "offline"
    load: int = 0


class TeamIn(Strict):
    name: TeamName


class TeamOut(BaseModel):
    id: int
    name: str
    agent_ids: list[int]


class CannedIn(Strict):
    shortcut: Shortcut
    title: Name
    text: CannedText
    team_id: int | None = None  # None: every agent sees it

    @field_validator("shortcut", mode="before")
    @classmethod
    def no_slash(cls, shortcut: object) -> object:
        # Agents type "/greet"; accept the slash when an editor copies it in.
        return shortcut.lstrip("/").lower() if isinstance(shortcut, str) else shortcut

    @field_validator("text")
    @classmethod
    def known_placeholders(cls, text: str) -> str:
        unknown = unknown_placeholders(text)
        if unknown:
            raise ValueError(
                f"unknown placeholder {{{unknown[0]}}}; use "
                + ", ".join(f"{{{name}}}" for name in KNOWN)
            )
        return text


class CannedOut(BaseModel):
    id: int
    shortcut: str
    title: str
    text: str
    team_id: int | None
    placeholders: list[str]
    created_at: dt.datetime

    @classmethod
    def of(cls, canned: CannedResponse) -> CannedOut:
        return cls(
            id=canned.id,
            shortcut=canned.shortcut,
            title=canned.title,
            text=canned.text,
            team_id=canned.team_id,
            placeholders=placeholders_in(canned.text),
            created_at=canned.created_at,
        )


class LastWords(BaseModel):
    """What the shopper last saw said in a conversation (no notes, no status changes)."""

    seq: int
    sender_kind: str  # visitor | bot | agent
    sender_id: str | None
    content_type: str
    text: str  # at most LAST_WORDS_CHARS characters
    created_at: dt.datetime


class OpenConversationOut(BaseModel):
    id: int
    status: Literal["bot", "queued", "assigned"]
    contact_id: str
    contact_name: str | None
    contact_email: str | None
    team_id: int | None
    assignee_id: int | None
    priority: int
    handoff_reason: str | None
    created_at: dt.datetime
    queued_at: dt.datetime | None
    # Since when the shopper waits for an answer (None: they are not waiting): in the
    # queue since queued_at, or since their first message nobody answered yet.
    waiting_since: dt.datetime | None
    last_seq: int
    last_message: LastWords | None


class OpenConversations(BaseModel):
    conversations: list[OpenConversationOut]
    truncated: bool  # more are open than ``limit``: the oldest are listed


class Rendered(BaseModel):
    text: str
    missing: list[str]  # placeholders left in the text: no value known for them
