"""The in-process dialogue runner: understand, decide, run the rasa-sdk action, collect replies.

Rasa-format bot messages (``text``, ``buttons``, ``custom``) become hub messages
in ``to_replies``, which the REST connector to a shop's own Rasa server uses
too. See docs/subsystems/bot.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import (
    ActionAnswerFaq,
    ActionFallback,
    ActionGoodbye,
    ActionGreet,
    ActionHandoff,
    ActionOpeningHours,
    ActionOrderStatus,
    ActionProductDetails,
    ActionSearchProducts,
    ActionStartOver,
    ActionSuggestAccessories,
    ActionSuggestFaqs,
)
from bot.actions._turn import OUTCOME_SLOT, STATE_SLOT
from bot.details import PRICE, leans_on_last
from bot.engine import ActionName, BotState, Decision, Facts, decide, record, unanswered
from bot.nlu import Understanding, mentions
from bot.runtime import Runtime, activate
from knowledge import Faq


@dataclass(frozen=True)
class Reply:
    content_type: str  # text | quick_replies | product_cards | form
    text: str
    payload: dict[str, Any] | None = None


@dataclass
class TurnResult:
    action: str
    replies: list[Reply]
    state: BotState
    understanding: Understanding
    decision: Decision
    handoff: dict[str, Any] | None = None
    product_ids: list[str] = field(default_factory=list)

    def outcome(self) -> dict[str, Any]:
        """What the bot did, as data: the listener puts it in the turn's first message
        (payload ``bot_turn``), so nobody has to read it back from the reply text."""
        u = self.understanding
        confidence = u.faq.confidence if u.faq else u.intent_score
        return {
            "action": self.action,
            "faq_id": self.decision.faq_id if self.action == "answer_faq" else None,
            "confidence": round(confidence, 4),
            "reason": self.decision.reason,
            "handoff_reason": self.decision.handoff_reason.value
            if self.decision.handoff_reason
            else None,
            "suggested_faqs": list(self.decision.suggestions),
        }

    def summary(self) -> dict[str, Any]:
        """The JSON line `touchpoint bot ask --json` prints."""
        outcome = self.outcome()
        return {
            "text": self.understanding.text,
            "action": outcome["action"],
            "faq_id": outcome["faq_id"],
            "product_ids": self.product_ids,
            "confidence": outcome["confidence"],
            "reply": "\n".join(r.text for r in self.replies if r.text),
        }


def rasa_action_for(decision: Decision) -> Action:
    if decision.action is ActionName.ask_clarifying:
        return ActionSuggestFaqs() if decision.suggestions else ActionStartOver()
    return {
        ActionName.answer_faq: ActionAnswerFaq,
        ActionName.show_products: ActionSearchProducts,
        ActionName.suggest_accessories: ActionSuggestAccessories,
        ActionName.product_details: ActionProductDetails,
        ActionName.order_status: ActionOrderStatus,
        ActionName.handoff: ActionHandoff,
        ActionName.opening_hours: ActionOpeningHours,
        ActionName.greet: ActionGreet,
        ActionName.goodbye: ActionGoodbye,
        ActionName.fallback: ActionFallback,
    }[decision.action]()


def to_replies(
    messages: list[dict[str, Any]],
) -> tuple[list[Reply], dict[str, Any] | None, list[str]]:
    """Rasa-format messages -> hub replies, the handoff packet if any, the products named."""
    replies: list[Reply] = []
    handoff: dict[str, Any] | None = None
    product_ids: list[str] = []
    for message in messages:
        text = str(message.get("text") or "")
        custom: dict[str, Any] = message.get("custom") or message.get("json_message") or {}
        buttons = message.get("buttons") or []
        kind = custom.get("kind")
        if kind == "handoff":
            handoff = custom["packet"]
        if kind == "product_cards" or "products" in custom and kind is None:
            products = custom.get("products", [])
            product_ids += [str(p.get("id")) for p in products]  # in the order shown
            replies.append(Reply("product_cards", text, {"products": products}))
        elif kind == "form" or "form" in custom and kind is None:
            fields_: dict[str, Any] = {
                k: custom[k] for k in ("form", "fields", "submit_label") if k in custom
            }
            replies.append(Reply("form", text, fields_))
        elif buttons:
            options = [
                {"label": str(b.get("title", "")), "value": str(b.get("payload", ""))}
                for b in buttons
            ]
            if kind == "candidates":
                product_ids = [str(p) for p in custom.get("product_ids", [])]
            replies.append(Reply("quick_replies", text, {"options": options}))
        elif text:
            payload = {k: v for k, v in custom.items() if k != "kind"} if kind == "faq" else None
            replies.append(Reply("text", text, payload))
    return replies, handoff, product_ids


def _asks_a_price_of_nothing(u: Understanding, decision: Decision, state: BotState) -> bool:
    """Whether the details action would ask which product's price is meant: "what does
    it cost?" with no product on screen or named. After an FAQ's answer "it" may be what
    the FAQ is about; stock or weight is only ever a product's."""
    return (
        decision.action is ActionName.product_details
        and not state.shown
        and u.detail is not None
        and u.detail.about == PRICE
        and not u.detail.named
    )


# What a message that leans on the FAQ answered before may have been taken for alone:
# "how much time do I have?" for the delivery time, „Wer zahlt das?“ for the payment
# methods, "how long do I have?" for nothing sure enough to answer.
_READ_ALONE = (ActionName.answer_faq, ActionName.ask_clarifying)


def _answers_instead(found: Faq, asked: Faq, decision: Decision, text: str) -> bool:
    """Whether ``found``, the FAQ a message reads as with the question of ``asked`` (the
    one answered before), answers it rather than ``decision``, the message read alone.
    Where that answered nothing: another FAQ, or the same again only where it speaks of
    what was added (it names Switzerland; of "and for sale items?" the return policy
    says nothing). Where that answered an FAQ: another of ``asked``'s topic (a tag in
    common), never the same again ("can I pay for that?" after shipping costs stays
    the payment methods)."""
    if decision.action is not ActionName.answer_faq:
        return found.id != asked.id or mentions(found, text)
    return (
        found.id not in (asked.id, decision.faq_id)
        and found.locale == asked.locale
        and bool(set(found.tags) & set(asked.tags))
    )


class Dialogue:
    """One runtime, many conversations: each call is one shopper message."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def _last_faq(self, state: BotState) -> Faq | None:
        """The FAQ the bot answered last, where its last answer was one."""
        return self.runtime.brain.kb.get_faq(state.last_intent) if state.last_intent else None

    def _of_topic(self, asked: Faq, u: Understanding) -> str | None:
        """The FAQ nearest ``u`` where it is another of ``asked``'s topic: a tag and the
        language in common with the FAQ answered last."""
        faq = self.runtime.brain.kb.get_faq(u.faq.faq_id) if u.faq else None
        if (
            faq is not None
            and faq.id != asked.id
            and faq.locale == asked.locale
            and set(faq.tags) & set(asked.tags)
        ):
            return faq.id
        return None

    async def respond(
        self,
        text: str,
        *,
        state: BotState | None = None,
        facts: Facts | None = None,
        locale: str = "en",
        sender_id: str = "cli",
        understanding: Understanding | None = None,
    ) -> TurnResult:
        activate(self.runtime)  # the actions below look it up
        state = state or BotState()
        facts = facts or Facts()
        # Where the words do not tell the language, the conversation's so far decides.
        u = understanding or await self.runtime.understand(
            text, state.language or locale, expecting_order=state.awaiting == "order"
        )
        decision = decide(u, state, facts, self.runtime.settings)
        asked = self._last_faq(state)
        if (
            asked is not None
            and _asks_a_price_of_nothing(u, decision, state)
            and (topic_faq := self._of_topic(asked, u))
        ):
            # "And what does it cost?" after the FAQ on delivery times: "it" is the
            # delivery, whose price an FAQ of that topic answers, not a product to name.
            decision = Decision(
                ActionName.answer_faq, reason="asked the price of the last answer's topic",
                faq_id=topic_faq,
            )  # fmt: skip
        elif (
            asked is not None
            and leans_on_last(text)
            and (unanswered(decision) or decision.action in _READ_ALONE)
        ):
            # "And to Switzerland?" after the FAQ on shipping abroad, "how long do I have?"
            # or "who pays for that?" after the one on returning an item: read with its
            # question.
            again = await self.runtime.understand(
                f"{asked.question} {text}", state.language or locale, expecting_order=False
            )
            found = (
                self.runtime.brain.kb.get_faq(again.faq.faq_id)
                if again.faq is not None and again.faq.band == "answer"
                else None
            )
            if found is not None and _answers_instead(found, asked, decision, text):
                u = replace(again, text=text)
                decision = decide(u, state, facts, self.runtime.settings)
        state = record(u, decision, state)
        dispatcher = CollectingDispatcher()
        tracker = Tracker(
            sender_id=sender_id,
            slots={STATE_SLOT: state.to_dict(), **state.constraints},
            latest_message={
                "text": text,
                "intent": {"name": u.intent, "confidence": u.intent_score},
                "entities": [{"entity": k, "value": v} for k, v in u.entities.slots().items()],
                "touchpoint": {
                    "understanding": u,
                    "decision": decision,
                    "state": state,
                    "facts": facts,
                },
            },
            events=[],
            paused=False,
            followup_action=None,
            active_loop={"name": "shopping_form"} if state.selling else {},
            latest_action_name="action_listen",
        )
        events = await rasa_action_for(decision).run(dispatcher, tracker, {})
        slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
        replies, handoff, product_ids = to_replies(dispatcher.messages)
        return TurnResult(
            action=str(slots.get(OUTCOME_SLOT) or decision.action.value),
            replies=replies,
            state=BotState.from_dict(slots.get(STATE_SLOT, state.to_dict())),
            understanding=u,
            decision=decision,
            handoff=handoff,
            product_ids=product_ids,
        )
