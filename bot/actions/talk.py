"""Greeting, small talk, goodbye and the honest "I don't know"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions._turn import finish, human_button, turn_of
from bot.engine import is_shopping
from bot.texts import say

# What the goodbye action says to the small talk it also answers (bot/nlu.py's rules).
_SMALL_TALK = {
    "thanks": "you_are_welcome", "ack": "ack", "about_me": "about_me", "help": "ask_away",
}  # fmt: skip


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        dispatcher.utter_message(text=say("greet", turn.voice))
        return finish(turn, "greet")


class ActionGoodbye(Action):
    def name(self) -> str:
        return "action_goodbye"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        # Thanks, "ok" and "who are you?" often come mid-conversation: the door stays open.
        text = _SMALL_TALK.get(turn.understanding.intent or "", "goodbye")
        dispatcher.utter_message(text=say(text, turn.voice))
        return finish(turn, "goodbye")


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        voice = turn.voice
        # Asked for a product the catalog has nothing close to ("a kayak for two"): say so.
        text = say("no_products" if is_shopping(turn.understanding) else "fallback", voice)
        dispatcher.utter_message(
            text=text,
            buttons=[human_button(voice)],
        )
        return finish(turn, "fallback")
