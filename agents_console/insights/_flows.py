"""Guided-selling flows as the content team edits them in the console.

The bot ships one flow per category in bot/flows/*.yml. An edited flow is
stored in ``selling_flows`` and replaces the packaged one of its category in
the bot's runtime; deleting the edit brings the packaged one back. Other
server processes hear of an edit on the bus and reload.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agents_console.insights import _storage
from bot import Runtime
from bot.selling import PERSONS, Flow, load_flows

if TYPE_CHECKING:
    from chat.hub import Hub

log = logging.getLogger("touchpoint.insights")
CHANNEL = "insights.flows"
Texts = Annotated[
    dict[str, Annotated[str, Field(min_length=1, max_length=300)]], Field(max_length=10)
]
_FACET = re.compile(r"^(?:price|brand|attr\.[a-z0-9_]{1,64})$")


class FlowQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facet: str = Field(description='"price", "brand" or "attr.<name>" of the catalog')
    ask: Texts = Field(description='the question per language, e.g. {"en": "...", "de": "..."}')
    labels: dict[str, Texts] = Field(
        default_factory=dict, description="button text per facet value"
    )

    @field_validator("facet")
    @classmethod
    def known_facet(cls, facet: str) -> str:
        if not _FACET.match(facet):
            raise ValueError('use "price", "brand" or "attr.<attribute name>" (lowercase)')
        return facet

    @field_validator("ask")
    @classmethod
    def english_first(cls, ask: dict[str, str]) -> dict[str, str]:
        if "en" not in ask:
            raise ValueError('give at least the English question ("en")')
        return ask


Word = Annotated[str, Field(min_length=2, max_length=60)]


class FlowIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    match: Annotated[list[Word], Field(min_length=1, max_length=30)] = Field(
        description="words that start this flow as words of their own (a plural ending "
        "allowed), e.g. tent, zelt"
    )
    heads: Annotated[list[Word], Field(max_length=30)] = Field(
        default_factory=list,
        description="German words that start it at the end of a compound too, e.g. zelt "
        '("Kuppelzelt")',
    )
    persons: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")] = Field(
        default=PERSONS,
        description='the attribute "for 4 people" means (at least that many), e.g. seats',
    )
    name: Texts = Field(
        default_factory=dict,
        description="the kind as replies and buttons name it, plural, per language, e.g. "
        '{"en": "tents", "de": "Zelte"} (default: the category\'s last part)',
    )
    intro: Texts = Field(default_factory=dict)
    questions: Annotated[list[FlowQuestion], Field(min_length=1, max_length=10)]

    @field_validator("match", "heads")
    @classmethod
    def lower(cls, words: list[str]) -> list[str]:
        return list(dict.fromkeys(word.lower() for word in words))


class FlowOut(FlowIn):
    category: str
    source: Literal["packaged", "edited"]
    updated_by: str | None = None


def flow_out(
    flow: Flow, source: Literal["packaged", "edited"], updated_by: str | None = None
) -> FlowOut:
    return FlowOut(
        category=flow.category,
        source=source,
        updated_by=updated_by,
        match=list(flow.match),
        heads=list(flow.heads),
        persons=flow.persons,
        name=dict(flow.name),
        intro=dict(flow.intro),
        questions=[
            FlowQuestion(facet=q.facet, ask=q.prompt, labels=q.labels) for q in flow.questions
        ],
    )


def definition(category: str, flow: FlowIn) -> dict[str, Any]:
    """The flow as bot/flows/*.yml spells it (what ``Flow.from_dict`` reads)."""
    return {"category": category, **flow.model_dump()}


class FlowBook:
    """The bot's flows: the packaged ones with the console's edits on top."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.packaged = {flow.category: flow for flow in load_flows()}
        self._unsubscribe: Callable[[], None] | None = None

    async def start(self) -> None:
        self._unsubscribe = self.hub.bus.subscribe(CHANNEL, self._on_bus)
        await self.reload()

    def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()

    async def list(self) -> list[FlowOut]:
        async with self.hub.sessions() as db:
            edited = {row.category: row for row in await _storage.edited_flows(db)}
        flows = [flow_out(flow, "packaged") for c, flow in self.packaged.items() if c not in edited]
        flows += [
            flow_out(Flow.from_dict(row.definition), "edited", row.updated_by)
            for row in edited.values()
        ]
        return sorted(flows, key=lambda f: f.category)

    async def reload(self) -> None:
        """Install packaged plus edited flows in the bot's runtime (edits win by category)."""
        async with self.hub.sessions() as db:
            edited = [Flow.from_dict(row.definition) for row in await _storage.edited_flows(db)]
        merged = {**self.packaged, **{flow.category: flow for flow in edited}}
        self.hub.require(Runtime).flows[:] = [merged[c] for c in sorted(merged)]
        log.info("selling flows loaded", extra={"flows": len(merged), "edited": len(edited)})

    async def changed(self) -> None:
        await self.reload()
        await self.hub.bus.publish(CHANNEL, {"op": "reload"})

    async def _on_bus(self, _message: dict[str, Any]) -> None:
        await self.reload()
