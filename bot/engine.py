"""The dialogue engine: which skill answers a message. Pure: no I/O, no clock.

Given what the message means (``Understanding``), the conversation's bot state
and a few facts about the shopper, ``decide`` names the action to run and the
reason; the rasa-sdk actions in bot/actions/ carry it out. The rules for a
handoff live here and nowhere else. See docs/subsystems/bot.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from bot.details import AGAIN, FEATURE, Detail
from bot.entities import lacks_what_was_asked
from bot.nlu import Understanding
from bot.settings import BotSettings


class ActionName(StrEnum):
    answer_faq = "answer_faq"
    show_products = "show_products"
    suggest_accessories = "suggest_accessories"  # reported as show_products
    product_details = "product_details"  # "is it in stock?" about a product shown or named
    ask_clarifying = "ask_clarifying"
    order_status = "order_status"
    opening_hours = "opening_hours"  # when the team answers, and whether someone is there now
    handoff = "handoff"
    greet = "greet"
    goodbye = "goodbye"
    fallback = "fallback"


class HandoffReason(StrEnum):
    asked = "asked"
    no_answer = "no_answer"  # failed answers in a row
    frustration = "frustration"
    high_value = "high_value"  # the configurable cart / customer value rule


# Quick-reply values the bot itself sends; a click comes back as {"reply": value}.
REPLY_HUMAN = "human"
REPLY_RESTART = "restart"
REPLY_SKIP = "skip"
REPLY_RESULTS = "results"
REPLY_COMPARE = "compare"  # how the products shown differ
REPLY_FAQ = "faq:"  # + FAQ id
REPLY_FACET = "facet:"  # + "<facet>=<value>"

# How much nearer than the order-status examples an FAQ must be to answer a message
# about the shopper's own order. Set on Bitext's dev split (0 to 0.05 did best; the
# larger keeps the look-up for "has my order shipped?", 0.94 to an FAQ against 0.91).
ORDER_FAQ_MARGIN = 0.05
SELLING_SLOTS = ("budget_min", "budget_max", "persons", "size", "colour", "season")


@dataclass
class BotState:
    """What the bot remembers in ``conversation.bot_state`` between messages."""

    failed: int = 0  # unanswered messages in a row
    failed_question: str | None = None
    last_intent: str | None = None
    last_confidence: float | None = None
    # Guided selling: the search, its constraints and the questions asked so far.
    query: str | None = None
    category: str | None = None
    constraints: dict[str, Any] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    pending: str | None = None  # the facet of the question just asked
    pending_values: list[str] = field(default_factory=list)  # the values it offered
    shown: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # every product this search has shown
    ranking: str | None = None  # the order of those shown ("price": the cheapest first)
    # Order look-up for a shopper who is not identified.
    awaiting: str | None = None  # "order" while the bot waits for number and e-mail
    order_number: str | None = None
    email: str | None = None
    value_rule_fired: bool = False
    handoff_offered: bool = False
    # The language of the last message: a click on "12" or "OK" does not say which.
    language: str | None = None
    # The last question about products shown ("how heavy is the first one?"): what it
    # asked (a detail, a feature's words) and of which, for "and the second one?".
    asked_detail: str | None = None
    asked_feature: str = ""
    asked_of: list[str] = field(default_factory=list)
    # The FAQ that answers that question where the catalog does not ("is it dishwasher
    # safe?": the cast-iron care FAQ), for "the second one" to be answered as it.
    asked_faq: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> BotState:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def selling(self) -> bool:
        return self.query is not None

    def restart_selling(self) -> None:
        self.query, self.category, self.pending = None, None, None
        self.constraints, self.asked, self.pending_values, self.seen = {}, [], [], []
        self.ranking = None
        self.forget_shown()

    def show(self, product_ids: list[str]) -> None:
        """These products are on screen now, and nothing has been asked about them yet."""
        self.shown, self.asked_detail, self.asked_feature, self.asked_of = product_ids, None, "", []
        self.asked_faq = None
        self.seen += [product_id for product_id in product_ids if product_id not in self.seen]

    def forget_shown(self) -> None:
        """No products on screen to ask about: "they" is what comes next."""
        self.show([])


@dataclass(frozen=True)
class Facts:
    """What the hub knows about the shopper, read fresh for every message."""

    verified_customer: bool = False
    customer_id: str | None = None
    personalise: bool = False  # consent given; never true for anonymous visitors
    cart_value: float | None = None
    customer_value: float | None = None
    reply: str | None = None  # the value of a clicked quick reply
    site: str | None = None  # the widget site the shopper chats on (its business hours)


@dataclass(frozen=True)
class Decision:
    action: ActionName
    reason: str = ""
    faq_id: str | None = None
    suggestions: tuple[str, ...] = ()
    handoff_reason: HandoffReason | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        return cls(
            action=ActionName(data["action"]),
            reason=data.get("reason", ""),
            faq_id=data.get("faq_id"),
            suggestions=tuple(data.get("suggestions") or ()),
            handoff_reason=HandoffReason(data["handoff_reason"])
            if data.get("handoff_reason")
            else None,
        )


def _handoff(reason: HandoffReason, why: str) -> Decision:
    return Decision(ActionName.handoff, reason=why, handoff_reason=reason)


def _value_rule(facts: Facts, settings: BotSettings) -> str | None:
    if (
        settings.handoff_cart_value is not None
        and (facts.cart_value or 0) > settings.handoff_cart_value
    ):
        return f"cart value {facts.cart_value:.2f} above {settings.handoff_cart_value:.2f}"
    if (
        settings.handoff_customer_value is not None
        and (facts.customer_value or 0) > settings.handoff_customer_value
    ):
        return (
            f"customer value {facts.customer_value:.2f} above {settings.handoff_customer_value:.2f}"
        )
    return None


def _from_reply(reply: str, state: BotState) -> Decision | None:
    if reply == REPLY_HUMAN:
        return _handoff(HandoffReason.asked, "clicked talk to a human")
    if reply.startswith(REPLY_FAQ):
        return Decision(
            ActionName.answer_faq, reason="picked a suggestion", faq_id=reply[len(REPLY_FAQ) :]
        )
    if reply == REPLY_RESTART:
        return Decision(ActionName.ask_clarifying, reason="start over")
    if reply == REPLY_COMPARE and state.shown:
        return Decision(ActionName.product_details, reason="clicked compare")
    if state.selling and (reply in (REPLY_SKIP, REPLY_RESULTS) or reply.startswith(REPLY_FACET)):
        return Decision(ActionName.show_products, reason="answered a selling question")
    return None


def _answers_selling(u: Understanding, state: BotState) -> bool:
    slots = u.entities.slots()
    return state.selling and (
        u.intent in ("skip", "results", "more")
        or any(name in slots for name in SELLING_SLOTS)
        or u.entities.ranking is not None  # "the cheapest one"
        or state.pending is not None
    )


def _asks_an_faq_about_the_order(u: Understanding) -> bool:
    """ "Can I cancel my order?" names the shopper's order but asks what an FAQ answers:
    the FAQ is clearly nearer than any order-status example. "Where is my order?" is as
    near an order-status FAQ as an example, and the look-up answers it better."""
    faq = u.faq
    return (
        faq is not None
        and faq.band == "answer"
        and faq.similarity > u.intent_score + ORDER_FAQ_MARGIN
    )


def _names_nothing(detail: Detail) -> bool:
    """ "Is it in stock?", "how heavy is it?", "wie viel kostet er?": a question of "it"
    and nothing else, which with no product on screen the details action answers by
    asking which product (not the FAQ on sold-out items, nor the Stock pot, whose name
    says "stock"). Not "is it X?" (a feature): "is it safe to go to Serbia?"."""
    return (
        detail.singular
        and detail.about not in (FEATURE, AGAIN)
        and not detail.rest
        and not detail.ordinals
    )


def is_shopping(u: Understanding) -> bool:
    """The message asks for a product or states what one must be ("for two", "under 50")."""
    return u.intent in ("product_search", "accessories") or any(
        name in SELLING_SLOTS for name in u.entities.slots()
    )


def decide(u: Understanding, state: BotState, facts: Facts, settings: BotSettings) -> Decision:
    """The next action for message ``u``; the order of the checks is the bot's priorities."""
    if facts.reply and (decision := _from_reply(facts.reply, state)):
        return decision
    if u.intent == "handoff_request":
        return _handoff(HandoffReason.asked, "asked for a human")
    if u.intent == "frustration":
        return _handoff(HandoffReason.frustration, "sounds frustrated")
    if u.intent == "opening_hours":
        return Decision(ActionName.opening_hours, reason="asked when the team is there")
    if not state.value_rule_fired and (why := _value_rule(facts, settings)):
        return _handoff(HandoffReason.high_value, why)
    entities = u.entities
    if (
        (u.intent == "order_status" and not _asks_an_faq_about_the_order(u))
        or entities.order_number
        or (state.awaiting == "order" and entities.email)
        # "I don't have it" to the request for them; not "I don't know which tent to buy".
        or (state.awaiting == "order" and lacks_what_was_asked(u.text) and not is_shopping(u))
    ):
        return Decision(ActionName.order_status, reason="order look-up")
    if u.intent == "start_over":
        return Decision(ActionName.ask_clarifying, reason="start over")
    if u.intent == "more" and state.selling and state.shown:
        return Decision(ActionName.show_products, reason="asked for more of them")
    if u.intent == "all":
        return Decision(ActionName.show_products, reason="asked for all of a kind")
    # "Is it in stock?" after products were shown, or "how heavy is the Trail 2?"; not
    # "is it available in red?", which narrows the search ("the pan 32 cm" names one,
    # "is the first one good for winter?" points at one).
    detail = u.detail
    if (
        detail is not None
        and (detail.about != AGAIN or state.asked_detail is not None)
        and (state.shown or detail.named or (_names_nothing(detail) and not state.selling))
        and (
            detail.named
            or detail.ordinals
            or not any(name in SELLING_SLOTS for name in entities.slots())
            # "Is it good for winter?" of the one product shown: a question about it.
            or (detail.singular and detail.about == FEATURE and len(state.shown) == 1)
        )
    ):
        return Decision(ActionName.product_details, reason=f"asked for the {detail.about}")
    faq = u.faq
    # "Was kostet die erste?" while a selling question waits: about what the search has
    # found so far (ActionSearchProducts shows it and answers), not the FAQ on shipping
    # costs. An FAQ that answers "is it possible to pay by invoice?" still does.
    if (
        detail is not None
        and state.pending is not None
        and detail.about != AGAIN
        and not (detail.about == FEATURE and faq is not None and faq.band == "answer")
        and not any(name in SELLING_SLOTS for name in entities.slots())
    ):
        return Decision(ActionName.show_products, reason="asked about the products found so far")
    # "Accessories for my tent": the catalog says what fits; a consenting customer's
    # purchases say which tent (no catalog match needed: "what goes with my last order").
    if u.intent == "accessories" and (u.catalog_match or facts.personalise):
        return Decision(ActionName.suggest_accessories, reason="asked what goes with a product")
    if u.intent == "product_search" and u.catalog_match and u.intent_score >= 1.0:
        return Decision(ActionName.show_products, reason="asked for a product the catalog has")
    if u.intent_score >= 1.0 and u.intent in ("greet", "goodbye", "thanks"):
        return Decision(
            ActionName.greet if u.intent == "greet" else ActionName.goodbye, reason=u.intent
        )
    # "Is there a cheaper one?" is the search's, even where an FAQ is near (a shop's "do
    # you price match?" shares the word "cheaper"): than the first product on screen;
    # with none, it asks which product; while its questions run, they go on.
    if u.compares_shown:
        return Decision(ActionName.show_products, reason="asked for one past the product shown")
    # "The cheapest?" while a search runs: of what it found, not the FAQ on price drops.
    if u.ranks_alone and (state.selling or state.shown):
        return Decision(ActionName.show_products, reason="asked for them in an order")
    # Guided selling only for what the catalog has; anything else is for the FAQ or a person.
    # (An accessories question the catalog matches was taken above.)
    shopping = is_shopping(u)
    # An FAQ that shares the product's word ("my pan is rusty") must not answer a shopper
    # who names what they want ("a frying pan", "a skillet"): the model heard a product
    # request at least as clearly as the FAQ (a rule always; "I want to return a tent"
    # is nearer the FAQ than the example "I want a tent"), a product's title holds
    # every word, or the message is nearer a product than any FAQ text.
    if (
        shopping
        and u.catalog_match
        and faq is not None
        and faq.band != "unknown"
        and (
            (
                u.intent == "product_search"
                and not u.intent_inferred
                and u.intent_score >= faq.similarity
            )
            or u.names_product
            or u.catalog_similarity > faq.similarity
        )
    ):
        return Decision(ActionName.show_products, reason="names a product, not an FAQ's question")
    # Small talk the rules heard ("tell me a joke", „Erzähl mir einen Witz“) is the bot's
    # to answer unless the FAQ shares a word with it (a shop's "Am I talking to a real
    # person?"): the model alone puts some FAQ near any sentence, German ones the most.
    if u.intent == "about_me" and u.intent_score >= 1.0 and faq and not faq.keyword:
        return Decision(ActionName.goodbye, reason=u.intent)
    if faq and faq.band == "answer":
        return Decision(ActionName.answer_faq, reason="confident FAQ match", faq_id=faq.faq_id)
    if u.browses and not state.selling:
        # "What do you have?": which part of the shop (the catalog need not match).
        return Decision(ActionName.show_products, reason="asked what the shop has")
    if _answers_selling(u, state):
        return Decision(ActionName.show_products, reason="answered a selling question")
    if u.intent == "greet":
        return Decision(ActionName.greet, reason="greeting")
    # Small talk after the FAQs: a shop's own "Am I talking to a person?" answers that.
    if u.intent in ("goodbye", "thanks", "ack", "about_me", "help"):
        return Decision(ActionName.goodbye, reason=u.intent)
    if shopping and u.catalog_match and (faq is None or faq.band != "suggest"):
        return Decision(ActionName.show_products, reason="looking for a product")
    if faq and faq.band == "suggest":
        return Decision(
            ActionName.ask_clarifying, reason="close FAQ matches", suggestions=faq.suggestions
        )
    if state.failed + 1 >= settings.failed_answers_before_handoff:
        return _handoff(HandoffReason.no_answer, f"{state.failed + 1} unanswered messages in a row")
    return Decision(ActionName.fallback, reason="no confident answer")


def unanswered(decision: Decision) -> bool:
    """Whether ``decision`` leaves the message unanswered: a fallback, or the handoff
    after too many of them."""
    return decision.action is ActionName.fallback or (
        decision.action is ActionName.handoff and decision.handoff_reason is HandoffReason.no_answer
    )


# What keeps an order look-up waiting for its number and e-mail (``record``).
_KEEP_WAITING = (ActionName.order_status, ActionName.answer_faq, ActionName.fallback)


def record(u: Understanding, decision: Decision, state: BotState) -> BotState:
    """The state after ``decision`` was taken for ``u`` (the actions add their own slots)."""
    failed = unanswered(decision)
    state.failed = state.failed + 1 if failed else 0
    if failed:
        state.failed_question = u.text
    state.last_intent = decision.faq_id or u.intent or decision.action.value
    # The confidence of what last_intent names: an intent's own score, not that of the
    # nearest FAQ the shopper did not ask about.
    faq_named = decision.faq_id is not None or not u.intent
    confidence = u.faq.confidence if u.faq and faq_named else u.intent_score
    state.last_confidence = round(confidence, 3)
    if decision.handoff_reason is HandoffReason.high_value:
        state.value_rule_fired = True
    # Gone on to shopping or to a person, the shopper is no longer giving an order's
    # number: a budget typed as "1000" was looked up. A question on the side ("where
    # do I find the number?") and the honest "I don't know" keep the look-up waiting.
    if decision.action not in _KEEP_WAITING or decision.suggestions:
        state.awaiting, state.order_number, state.email = None, None, None
    state.language = u.language
    return state


def handoff_packet(
    u: Understanding, decision: Decision, state: BotState, *, products: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the agent sees first: why, what the bot understood, and what it already showed."""
    reason = decision.handoff_reason or HandoffReason.asked
    slots = {**state.constraints, **u.entities.slots()}
    summary_bits = [f"Handoff ({reason.value})"]
    if state.query:
        summary_bits.append(f"shopping for '{state.query}'")
    if state.failed_question:
        summary_bits.append(f"unanswered: '{state.failed_question}'")
    if u.text:
        summary_bits.append(f"last message: '{u.text[:80]}'")
    return {
        "reason": reason.value,
        "detail": decision.reason,
        "intent": state.last_intent or u.intent,
        "confidence": state.last_confidence,
        "slots": slots,
        "products_shown": products,
        "failed_question": state.failed_question,
        "language": u.language,
        "summary": "; ".join(summary_bits),
    }


PRESSED_HUMAN = "pressed talk to a person"
LEFT_MESSAGE = "left a message for the team"


def visitor_request_packet(
    last: Understanding,
    state: BotState,
    *,
    products: list[dict[str, Any]],
    detail: str = PRESSED_HUMAN,
) -> dict[str, Any]:
    """The same packet for a handoff the shopper asked for past the dialogue (the widget's
    "talk to a person" button, the offline form): from what the bot remembers and the
    shopper's last message."""
    decision = Decision(ActionName.handoff, reason=detail, handoff_reason=HandoffReason.asked)
    return handoff_packet(last, decision, state, products=products)
