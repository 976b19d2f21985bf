"""FAQ answers, and the closest questions when the bot is not sure enough to answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions._turn import finish, human_button, turn_of
from bot.engine import REPLY_FAQ
from bot.texts import say
from knowledge import Faq, KnowledgeBase


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
        u = turn.understanding
        if u.unlisted_methods and verdict is not None and verdict.faq_id == faq.id:
            # "Can I pay with Klarna?": that it is not taken, before the ways that are.
            methods = say("or", turn.voice).join(u.unlisted_methods)
            dispatcher.utter_message(text=say("payment_not_accepted", turn.voice, method=methods))
        utter_faq(dispatcher, faq, turn.voice)
        return finish(turn, "answer_faq")


def utter_faq(dispatcher: CollectingDispatcher, faq: Faq, voice: str) -> None:
    """The FAQ's answer with a link to its source (insights count it by its ``faq_id``)."""
    text = faq.answer
    if faq.url:
        text += "\n" + say("faq_source", voice, url=faq.url)
    dispatcher.utter_message(
        text=text, json_message={"kind": "faq", "faq_id": faq.id, "source_url": faq.url or None}
    )


class ActionSuggestFaqs(Action):
    """The middle band: offer the two or three closest questions as quick replies."""

    def name(self) -> str:
        return "action_suggest_faqs"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        buttons = suggestion_buttons(turn.runtime.brain.kb, turn.decision.suggestions, turn.voice)
        dispatcher.utter_message(text=say("suggest", turn.voice), buttons=buttons)
        return finish(turn, "ask_clarifying")


def suggestion_buttons(
    kb: KnowledgeBase, faq_ids: Sequence[str], voice: str
) -> list[dict[str, str]]:
    """The three closest questions as buttons, and one to talk to a person. Those in the
    reply's language, where there are any: an English shopper was offered „Gibt es
    Geschenkgutscheine?“ next to "Do you sell gift cards?"."""
    faqs = [faq for faq_id in faq_ids if (faq := kb.get_faq(faq_id)) is not None]
    language = voice.split("-")[0]
    faqs = [faq for faq in faqs if faq.locale.split("-")[0] == language] or faqs
    buttons = [{"title": faq.question, "payload": REPLY_FAQ + faq.id} for faq in faqs[:3]]
    buttons.append(human_button(voice))
    return buttons
