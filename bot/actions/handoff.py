"""Handing the conversation to a person, with the context packet the agent reads first."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions._turn import finish, turn_of
from bot.engine import handoff_packet
from bot.texts import say


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        runtime, state, language = turn.runtime, turn.state, turn.language
        shown = [
            {"id": p.id, "title": p.title, "price": p.price}
            for p in runtime.brain.kb.products(state.shown)
        ]
        packet = handoff_packet(turn.understanding, turn.decision, state, products=shown)
        availability = await runtime.availability()
        if availability.reachable:
            minutes = availability.expected_wait_minutes(runtime.settings.minutes_per_queued_conversation)
            dispatcher.utter_message(
                text=say("handoff_online", language, minutes=minutes),
                json_message={"kind": "handoff", "packet": packet, "expected_wait_minutes": minutes},
            )
        else:
            # Nobody to take it now: say so, offer the e-mail form, and keep helping.
            dispatcher.utter_message(
                text=say("handoff_offline", language, hours=runtime.settings.business_hours),
                json_message={
                    "kind": "form",
                    "form": "offline",
                    "fields": [
                        {"name": "email", "label": say("offline_email", language), "type": "email", "required": True},
                        {"name": "message", "label": say("offline_message", language), "type": "textarea", "required": False},
                    ],
                    "submit_label": say("offline_submit", language),
                    "handoff_packet": packet,
                },
            )
        state.handoff_offered, state.failed = True, 0
        return finish(turn, "handoff")
