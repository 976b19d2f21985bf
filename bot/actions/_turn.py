"""What every action reads first: the message's understanding, the decision and the state.

In-process the dialogue runner has already computed them and passes them in
the tracker's latest message; from a Rasa server they are computed here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.engine import REPLY_HUMAN, BotState, Decision, Facts, decide, record
from bot.nlu import Understanding
from bot.runtime import Runtime, current
from bot.texts import say

STATE_SLOT = "bot_state"
# The action the runner reports ("show_products", "ask_clarifying", ...); set by each action.
OUTCOME_SLOT = "bot_outcome"


@dataclass
class Turn:
    understanding: Understanding
    decision: Decision
    state: BotState
    facts: Facts
    runtime: Runtime

    @property
    def language(self) -> str:
        return self.understanding.language

    @property
    def voice(self) -> str:
        """What the replies are worded in (bot/texts.py): the language, German as du or Sie."""
        return self.runtime.voice(self.language)


async def turn_of(tracker: Tracker) -> Turn:
    runtime = await current()
    message = tracker.latest_message or {}
    prepared = message.get("touchpoint")
    if prepared is not None:  # in-process: the runner decided already
        return Turn(runtime=runtime, **prepared)
    state = BotState.from_dict(tracker.get_slot(STATE_SLOT))
    metadata: dict[str, Any] = message.get("metadata") or {}
    facts = Facts(
        verified_customer=bool(metadata.get("verified_customer")),
        customer_id=metadata.get("customer_id"),
        personalise=bool(metadata.get("personalise")),
        reply=metadata.get("reply"),
        site=metadata.get("site"),
    )
    understanding = await runtime.understand(
        message.get("text") or "",
        locale=state.language or str(metadata.get("locale") or "en"),
        expecting_order=state.awaiting == "order",
    )
    decision = decide(understanding, state, facts, runtime.settings)
    state = record(understanding, decision, state)
    return Turn(understanding, decision, state, facts, runtime)


def human_button(voice: str, label: str = "human_button") -> dict[str, str]:
    """The quick reply that asks for a person (with nobody online, ``message_button``:
    leave a message)."""
    return {"title": say(label, voice), "payload": REPLY_HUMAN}


def finish(turn: Turn, outcome: str) -> list[dict[str, Any]]:
    """The events every action returns: the new bot state and what it did."""
    return [SlotSet(STATE_SLOT, turn.state.to_dict()), SlotSet(OUTCOME_SLOT, outcome)]


def with_decision(turn: Turn, decision: Decision) -> Turn:
    return replace(turn, decision=decision)
