"""Handing the conversation to a person, with the context packet the agent reads first."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions._turn import finish, human_button, turn_of
from bot.engine import HandoffReason, handoff_packet
from bot.runtime import Runtime
from bot.texts import in_voice, say


async def announce(
    dispatcher: CollectingDispatcher,
    runtime: Runtime,
    voice: str,
    packet: dict[str, Any],
    site: str | None,
    opening: str = "",
) -> bool:
    """Tell the shopper what happens next; True when an agent can take the conversation now.
    ``site``: the widget site the shopper chats on, whose business hours apply; ``opening``
    comes first ("Sorry I couldn't help.")."""
    availability = await runtime.availability(site)
    if availability.reachable:
        minutes = availability.expected_wait_minutes(
            runtime.settings.minutes_per_queued_conversation
        )
        dispatcher.utter_message(
            text=opening + say("handoff_online", voice, minutes=minutes),
            json_message={"kind": "handoff", "packet": packet, "expected_wait_minutes": minutes},
        )
        return True
    # Nobody to take it now: say so, offer the e-mail form, and keep helping.
    fields = [
        {
            "name": "email",
            "label": say("offline_email", voice),
            "type": "email",
            "required": True,
        },
        {
            "name": "message",
            "label": say("offline_message", voice),
            "type": "textarea",
            "required": False,
        },
    ]
    # Outside opening hours the hours tell the shopper when to come back; within them
    # (everyone away or signed out) the hours would read as wrong.
    hours = in_voice(availability.hours, voice)
    if availability.business_hours or not hours:
        text = say("handoff_away", voice)
    else:
        text = say("handoff_offline", voice, hours=hours)
    dispatcher.utter_message(
        text=opening + text,
        json_message={
            "kind": "form",
            "form": "offline",
            "fields": fields,
            "submit_label": say("offline_submit", voice),
        },
    )
    return False


class ActionOpeningHours(Action):
    """When the team answers chats (the site's business hours), and whether someone is
    there now; the button asks for them, or for the message form when nobody is."""

    def name(self) -> str:
        return "action_opening_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        voice = turn.voice
        availability = await turn.runtime.availability(turn.facts.site)
        hours = in_voice(availability.hours, voice)
        when = say("hours_known", voice, hours=hours) if hours else say("hours_any_time", voice)
        now, button = (
            ("hours_online_now", "human_button")
            if availability.reachable
            else ("hours_away_now", "message_button")
        )
        dispatcher.utter_message(
            text=f"{when} {say(now, voice)}",
            buttons=[human_button(voice, button)],
        )
        return finish(turn, "opening_hours")


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        runtime, state = turn.runtime, turn.state
        shown = [
            {"id": p.id, "title": p.title, "price": p.price}
            for p in runtime.brain.kb.products(state.shown)
        ]
        packet = handoff_packet(turn.understanding, turn.decision, state, products=shown)
        # Passed on because the bot failed the shopper: it says sorry first.
        failed = turn.decision.handoff_reason in (
            HandoffReason.frustration,
            HandoffReason.no_answer,
        )
        opening = say("handoff_sorry", turn.voice) + " " if failed else ""
        await announce(dispatcher, runtime, turn.voice, packet, turn.facts.site, opening)
        state.handoff_offered, state.failed = True, 0
        return finish(turn, "handoff")
