"""What goes with a product: the accessories a shopper asks for, and what goes with a
kind of which the shop lacks the part asked for ("tent pegs")."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.accessories import Rules, pick, searches_for
from bot.actions._cards import after_cards, utter_cards
from bot.actions._turn import Turn, finish, turn_of
from bot.nlu import ACCESSORY_WORDS
from bot.runtime import OrderView
from bot.selling import Flow, PartAsked, flow_for, kind_called, within
from bot.texts import say
from knowledge import KnowledgeBase


class ActionSuggestAccessories(Action):
    """What goes with a product. For a consenting, identified customer it starts from a
    past purchase (the one named, else the newest); for anyone else from the category the
    shopper names, with no reference to history."""

    def name(self) -> str:
        return "action_suggest_accessories"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        runtime, state, voice = turn.runtime, turn.state, turn.voice
        kb = runtime.brain.kb
        named = await asyncio.to_thread(_named_category, kb, turn.understanding.text, runtime.flows)
        bought = await purchases(turn)
        base = next((p for p in bought if named is None or within(p.category, named)), None)
        category = base.category if base is not None else named
        if category is None:
            dispatcher.utter_message(text=say("accessories_which", voice))
            return finish(turn, "ask_clarifying")
        exclude = {p.id for p in bought}
        products = await asyncio.to_thread(
            _compatible,
            kb,
            base.id if base is not None else None,
            category,
            runtime.brain.accessories,
            exclude,
            runtime.settings.cards_shown,
        )
        state.restart_selling()
        if not products:
            dispatcher.utter_message(text=say("no_accessories", voice))
            return finish(turn, "fallback")
        state.show([p.id for p in products])
        intro = (
            say("accessories_bought", voice, title=base.title)
            if base is not None
            else say("accessories_for", voice, what=kind_called(category, runtime.flows, voice))
        )
        utter_cards(dispatcher, intro, products)
        dispatcher.utter_message(buttons=after_cards(products, voice))
        return finish(turn, "show_products")


async def purchases(turn: Turn) -> list[Any]:
    """The catalog products a consenting, identified customer bought, newest first; for
    anyone else nothing: purchase history is used only with consent (Facts.personalise)."""
    facts = turn.facts
    if not (facts.personalise and facts.customer_id):
        return []
    kb = turn.runtime.brain.kb
    orders: list[OrderView] = await turn.runtime.orders.for_customer(facts.customer_id)
    bought: dict[str, Any] = {}
    for order in orders:
        for item in order.items:
            product = kb.get_product(str(item.get("product_id", "")))
            if product is not None:
                bought.setdefault(product.id, product)
    return list(bought.values())


def _named_category(kb: KnowledgeBase, text: str, flows: list[Flow]) -> str | None:
    """The category the shopper names ("accessories for my *tent*"): a flow's words, else
    the category of the best product whose words match (the accessory words removed)."""
    if flow := flow_for(text, flows):
        return flow.category
    words = ACCESSORY_WORDS.sub(" ", text)
    hits = kb.search(words, k=1, mode="keyword").hits if words.strip() else []
    product = kb.get_product(hits[0].id) if hits else None
    return product.category if product is not None else None


def _compatible(
    kb: KnowledgeBase,
    product_id: str | None,
    category: str,
    rules: Rules,
    exclude: set[str],
    k: int,
) -> list[Any]:
    groups = []
    for search in searches_for(product_id, category, rules):
        # A rule's words name one kind of product: its best match; a browse: the top k.
        limit = 1 if search.query else k
        result = kb.search(search.query, filters=search.filters, k=limit)
        groups.append(kb.products([hit.id for hit in result.hits]))
    return pick(groups, exclude=exclude, k=k)


async def no_such_part(
    dispatcher: CollectingDispatcher, turn: Turn, part: PartAsked
) -> list[dict[str, Any]]:
    """Say the shop has no such part, with what goes with that kind where the catalog
    knows: "tent pegs" gets "I couldn't find tent pegs", then a lantern and a mat. Still a
    question the bot could not answer: the content team sees it among the gaps."""
    runtime, state, voice = turn.runtime, turn.state, turn.voice
    category = part.flow.category
    products = await asyncio.to_thread(
        _compatible,
        runtime.brain.kb,
        None,
        category,
        runtime.brain.accessories,
        set(),
        runtime.settings.cards_shown,
    )
    state.restart_selling()
    text = say("no_part", voice, what=part.phrase)
    if products:
        state.show([p.id for p in products])
        also = say("accessories_for", voice, what=part.flow.called(voice))
        utter_cards(dispatcher, f"{text}\n{also}", products)
        dispatcher.utter_message(buttons=after_cards(products, voice))
    else:
        dispatcher.utter_message(text=text)
    return finish(turn, "fallback")
