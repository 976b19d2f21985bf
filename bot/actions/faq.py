"""FAQ answers, and the closest questions when the bot is not sure enough to answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions._turn import finish, turn_of
from bot.engine import REPLY_FAQ, REPLY_HUMAN
from bot.texts import say


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        verdict = turn.understanding.faq
        # From a Rasa server the decision may differ from Rasa's choice; its best match then.
        faq_id = turn.decision.faq_id or (
            verdict.faq_id if verdict and verdict.band == "answer" else None
        )
        faq = turn.runtime.brain.kb.get_faq(faq_id) if faq_id else None
        if faq is None:  # the FAQ was deleted between matching and answering
            dispatcher.utter_message(text=say("fallback", turn.voice))
            return finish(turn, "fallback")
        text = faq.answer
        if faq.url:
            text += "\n" + say("faq_source", turn.voice, url=faq.url)
        dispatcher.utter_message(
            text=text, json_message={"kind": "faq", "faq_id": faq.id, "source_url": faq.url or None}
        )
        return finish(turn, "answer_faq")


class ActionSuggestFaqs(Action):
    """The middle band: offer the two or three closest questions as quick replies."""

    def name(self) -> str:
        return "action_suggest_faqs"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        kb = turn.runtime.brain.kb
        buttons = [
            {"title": faq.question, "payload": REPLY_FAQ + faq.id}
            for faq_id in turn.decision.suggestions[:3]
            if (faq := kb.get_faq(faq_id)) is not None
        ]
        buttons.append({"title": say("human_button", turn.voice), "payload": REPLY_HUMAN})
        dispatcher.utter_message(text=say("suggest", turn.voice), buttons=buttons)
        return finish(turn, "ask_clarifying")
