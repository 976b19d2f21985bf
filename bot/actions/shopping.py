"""Guided selling: a Rasa form whose next question is chosen from the candidates' facets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.accessories import differences
from bot.actions._cards import after_cards, utter_cards
from bot.actions._turn import Turn, finish, turn_of
from bot.actions.accessories import no_such_part, purchases
from bot.actions.details import (
    NAME_SEARCH_DEPTH,
    answer_about,
    feature_line,
    in_stock_like,
    products_asked_about,
)
from bot.brain import Brain
from bot.details import AGAIN, BUY, FEATURE, Detail, content_words
from bot.engine import REPLY_RESULTS, SELLING_SLOTS, BotState
from bot.entities import COLOURS, SEASONS, Entities, amount_alone, extract, without_ranking
from bot.runtime import current
from bot.selling import (
    BROWSE_QUESTION,
    GIFT_QUESTION,
    KIND,
    PERSONS,
    PRICE,
    THAN_SHOWN,
    Flow,
    Question,
    after_request,
    apply_constraint,
    asks_for_gift,
    browse_words,
    buyable_first,
    category_named,
    choose_question,
    closest,
    constrained_facets,
    constraint_from_reply,
    constraints_named_in,
    departments,
    feature_words,
    filters_for,
    flow_for,
    flow_of,
    gift_words,
    kind_called,
    kind_question,
    kinds_of,
    leading,
    leaf,
    measured,
    measured_constraints,
    part_in,
    question_message,
    ranked,
    seasons_widened,
    than_shown,
    value_names,
    within,
)
from bot.texts import in_voice, money, say, value_text
from knowledge import Hit, KnowledgeBase, Product, SearchResult

FORM = "shopping_form"
RANKED_DEPTH = 50  # hits searched for "the cheapest": those that lead, then ranked
ALL_SHOWN = 12  # cards for "show me all tents": a carousel's worth; "more" goes on
RANKED_INTRO = {
    "price": "cheapest_first", "-price": "dearest_first", "-rating": "best_rated_first",
    "-popular": "popular_first",
    "weight": "lightest_first", "-weight": "heaviest_first", "-capacity": "biggest_first",
    "capacity": "smallest_first", "comfort": "warmest_first",
}  # fmt: skip


class ValidateShoppingForm(FormValidationAction):
    """Fills the selling slots from the message's entities and rejects impossible values."""

    def name(self) -> str:
        return "validate_shopping_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        return list(SELLING_SLOTS)

    def _entities(self, tracker: Tracker) -> dict[str, Any]:
        return extract((tracker.latest_message or {}).get("text") or "").slots()

    async def _extract(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        value = self._entities(tracker).get(slot)
        return {slot: value} if value is not None else {}

    async def extract_budget_min(
        self, d: CollectingDispatcher, t: Tracker, _: Any
    ) -> dict[str, Any]:
        return await self._extract("budget_min", t)

    async def extract_budget_max(
        self, d: CollectingDispatcher, t: Tracker, _: Any
    ) -> dict[str, Any]:
        return await self._extract("budget_max", t)

    async def extract_persons(self, d: CollectingDispatcher, t: Tracker, _: Any) -> dict[str, Any]:
        return await self._extract("persons", t)

    async def extract_size(self, d: CollectingDispatcher, t: Tracker, _: Any) -> dict[str, Any]:
        return await self._extract("size", t)

    async def extract_colour(self, d: CollectingDispatcher, t: Tracker, _: Any) -> dict[str, Any]:
        return await self._extract("colour", t)

    async def extract_season(self, d: CollectingDispatcher, t: Tracker, _: Any) -> dict[str, Any]:
        return await self._extract("season", t)

    @staticmethod
    def _budget(
        slot: str, value: Any, dispatcher: CollectingDispatcher, voice: str
    ) -> dict[str, Any]:
        if isinstance(value, int | float) and value > 0:
            return {slot: float(value)}
        dispatcher.utter_message(text=say("invalid_budget", voice))
        return {slot: None}

    async def validate_budget_max(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        return self._budget("budget_max", value, dispatcher, await _voice(tracker))

    async def validate_budget_min(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        return self._budget("budget_min", value, dispatcher, await _voice(tracker))

    async def validate_persons(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        if isinstance(value, int) and 1 <= value <= 30:
            return {"persons": value}
        dispatcher.utter_message(text=say("invalid_persons", await _voice(tracker)))
        return {"persons": None}

    async def validate_size(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        return {"size": str(value).strip() or None}

    async def validate_colour(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        return {"colour": value if value in COLOURS else None}

    async def validate_season(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> dict[str, Any]:
        return {"season": value if value in SEASONS else None}


async def _voice(tracker: Tracker) -> str:
    prepared = (tracker.latest_message or {}).get("touchpoint")
    runtime = await current()
    return runtime.voice(prepared["understanding"].language if prepared else "en")


async def _form_slots(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
) -> dict[str, Any]:
    events = await ValidateShoppingForm().run(dispatcher, tracker, domain)
    return {
        e["name"]: e["value"]
        for e in events
        if e.get("event") == "slot" and e["name"] in SELLING_SLOTS and e["value"] is not None
    }


async def _comparison(turn: Turn, first: Any) -> str | None:
    """For a consenting known customer only: how the top card compares with a past
    purchase of the same category (price, and the attributes that differ)."""
    voice = turn.voice
    for bought in await purchases(turn):
        if bought.id != first.id and bought.category == first.category:
            diff = first.price - bought.price
            amount = money(abs(diff), first.currency, voice)
            key = "same_price" if abs(diff) < 0.01 else "cheaper" if diff < 0 else "dearer"
            changes = [
                say(
                    "attribute_change",
                    voice,
                    name=name.replace("_", " "),
                    new=value_text(new, voice, name),
                    old=value_text(old, voice, name),
                )
                for name, new, old in differences(first.attributes, bought.attributes)
            ]
            details = say("compared_details", voice, changes=", ".join(changes))
            return say(
                "compared_last_time",
                voice,
                title=bought.title,
                price=money(bought.price, bought.currency, voice),
                diff=say(key, voice, amount=amount),
                details=details if changes else "",
            )
    return None


async def _search(brain: Brain, query: str, filters: dict[str, Any], k: int) -> SearchResult:
    """Search; when the category is known but the words match nothing there (another
    language, a vague "I need a tent"), browse the category with the other filters.
    A guided-selling search runs on its first message again and again; the embedder's
    cache of recent texts still holds that message's vector."""
    flow = flow_of(filters.get("category"), brain.flows)
    if flow is not None and flow.named_alone(query, compounds=False):
        # "I need a sleeping bag": every one is as much one. Browse them, popular and
        # best rated first; ranked by the words, the shortest title led ("Kids' sleeping bag").
        query = ""
    result = await asyncio.to_thread(brain.kb.search, query, filters=filters, k=k)
    if result.total == 0 and "category" in filters:
        result = await asyncio.to_thread(brain.kb.search, "", filters=filters, k=k)
    return result


@dataclass
class _Reading:
    """What a message adds to the search under way (``_read``)."""

    earlier: dict[str, Any]  # the constraints before it
    picked: tuple[str, str] | None  # an answer to the question asked: (facet, value)
    typed: str  # an answer that offered no value, in words products' names hold
    asked_about: Detail | None  # a question about the products instead of an answer
    which: Detail | None  # a feature asked for: those whose text says it
    ranking: str | None  # "the cheapest", "a cheaper one": an order, or one past the shown
    relative: str | None  # the ranking where it is one past a product ("a cheaper one")
    compared: Product | None  # the product named to go past ("cheaper than the Trail 2")


class ActionSearchProducts(Action):
    """A turn of guided selling, read top to bottom in ``run``: what the message starts
    (``_begin``) or adds to the search under way (``_read``), the search and what gives
    way when nothing meets every condition (``_constrained``, ``_given_way``), the
    products that lead (``_candidates``, ``_featured``), then the question that narrows
    them (``_question``) or their cards (``_show``)."""

    def name(self) -> str:
        return "action_search_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        u, state, runtime = turn.understanding, turn.state, turn.runtime
        settings, brain, text = runtime.settings, runtime.brain, u.text
        if u.compares_shown and not state.shown and not state.selling:
            # "Is there a cheaper one?" with nothing on screen: than which?
            dispatcher.utter_message(text=say("detail_which", turn.voice))
            return finish(turn, "ask_clarifying")
        if u.intent == "more" and state.selling and state.shown:
            return await _more(dispatcher, turn)
        if u.intent == "all":
            return await _all(dispatcher, turn)
        if begun := await _begin(dispatcher, turn):
            return begun
        form = await _form_slots(dispatcher, tracker, domain)
        reading = await _read(turn, form)
        flow = flow_of(state.category, runtime.flows)
        persons = flow.persons if flow else PERSONS

        def filters(constraints: dict[str, Any]) -> dict[str, Any]:
            return filters_for(constraints, state.category, persons=persons)

        ranking, compared = reading.ranking, reading.compared
        force_results = (
            turn.facts.reply == REPLY_RESULTS
            or u.intent in ("results", "more")  # typed, not clicked
            or reading.asked_about is not None
            or (ranking is not None and (reading.relative is None or bool(state.shown or compared)))
        )
        than, bound = _past_shown(turn, reading, persons) if reading.relative else (None, {})
        if reading.relative:
            ranking = None  # a bound, not an order
        state.pending, state.pending_values = None, []

        # An order of a whole kind ranks all of it ("der wärmste Schlafsack": its words
        # find two bags in an English catalog, the category has five); "the cheapest
        # frying pan" ranks what its words find.
        # So does an order alone of a search that named only its kind ("I need a tent",
        # then "the cheapest?": the Solo 1 at 219 € was not among the leaders).
        ordered = (state.query or "") if u.ranks_alone else text
        whole_kind = ranking and flow is not None and flow.named_alone(without_ranking(ordered))
        # "": a department browsed (its kinds), or the others of a product compared with.
        query = "" if whole_kind or compared else text if state.query is None else state.query
        if asks_for_gift(query):  # the gift's own words, not whom it is for
            query = gift_words(query)
            if not query and (asked := await _gift_question(dispatcher, turn)):
                return asked
        # Enough hits to tell whether more than narrow_above lead.
        k = (
            RANKED_DEPTH
            if ranking or reading.which is not None  # all of them ranked, or each looked at
            else max(settings.cards_shown, settings.narrow_above + 1)
        )
        result, said = await _constrained(turn, compared, query, filters, k, flow, persons)
        # Nothing cheaper than the cheapest, whatever else was asked: say so, rather than
        # show dearer ones as the closest.
        if (
            result.total == 0
            and than is not None
            and not (await _search(brain, query, filters(bound), 1)).total
        ):
            state.constraints = dict(reading.earlier)
            dispatcher.utter_message(
                text=say(f"none_{reading.relative}", turn.voice, title=than.title)
            )
            return finish(turn, "product_details")
        result, relaxed = await _given_way(
            turn, result, reading.earlier, query, filters, k, persons
        )
        if result.total == 0 or not result.hits:
            return await _nothing_found(dispatcher, turn)
        leaders = await asyncio.to_thread(
            _candidates,
            brain.kb,
            result,
            query,
            flow,
            ranking,
            not state.asked and not reading.picked,  # the search's first message
            settings.leading_gap,
            reading.typed,
        )
        # "I'm going camping next month" found tents alone: the tents' questions on the
        # tents' facets, not "which weight (kg)?" of everything camping.
        if (
            flow is None
            and state.category is None
            and len(led := {product.category for product in leaders}) == 1
            and (flow := flow_of(led.pop(), runtime.flows))
        ):
            state.category, persons = flow.category, flow.persons
            result = await _search(brain, query, filters(state.constraints), k)
        asked_about = reading.asked_about
        if reading.which is not None and not said:
            if holders := await _featured(turn, leaders, reading.which, query, filters):
                leaders, asked_about, force_results = holders, reading.which, True
            elif asked_about is None and state.category is not None:
                # Where none says so: that, and the search goes on.
                kind = kind_called(state.category, runtime.flows, turn.voice)
                dispatcher.utter_message(text=say("feature_unknown_kind", turn.voice, kind=kind))
        best = [p.id for p in leaders][: settings.cards_shown]
        may_ask = not relaxed and not force_results and len(state.asked) < settings.max_questions
        if (
            may_ask
            and len(leaders) > settings.narrow_above
            and (asking := _question(turn, leaders, result, flow, persons))
        ):
            question, facets = asking
            flow_intro = flow.intro if flow and not state.asked else {}
            return _ask(dispatcher, turn, question, facets, best, result.total, flow_intro)
        products = brain.kb.products(best)
        return await _show(dispatcher, turn, products, ranking, relaxed, asked_about)


async def _begin(dispatcher: CollectingDispatcher, turn: Turn) -> list[dict[str, Any]] | None:
    """Start a search where the message asks for a new one: a part of a kind ("tent
    pegs"), another kind than the search under way, a browse of the shop or of a
    department. The events where that answered the message already."""
    state, runtime, text = turn.state, turn.runtime, turn.understanding.text
    kb = runtime.brain.kb
    part = None if turn.facts.reply else part_in(text, runtime.flows)
    if part is not None:
        # "Tent pegs": what holds that word, never the tents; the shop may have none.
        holders = await asyncio.to_thread(
            kb.products_named, part.part, candidates=NAME_SEARCH_DEPTH
        )
        if not holders:
            return await no_such_part(dispatcher, turn, part)
        state.restart_selling()
        state.query, state.category = text, holders[0].category
    # "Pegs for my tent" uses the tents' words, but asks for pegs.
    named = None if part else flow_for(text, runtime.flows)
    detail = turn.understanding.detail
    # "Is it in stock?" asks about the tents found so far, not for the Stock pot.
    searching = turn.understanding.intent == "product_search" and not (
        detail is not None and not detail.rest and not detail.named
    )
    if searching and named and named.category != state.category:
        state.restart_selling()  # a new kind of product: a new search
    elif (
        named is None
        and part is None
        and state.selling
        and searching
        and not turn.facts.reply
        and not any(name in SELLING_SLOTS for name in turn.understanding.entities.slots())
        and not _answers_pending(turn)  # "1000" to the budget, not the Whetstone 1000/6000
        and await asyncio.to_thread(_names_another_kind, kb, text, state)
    ):
        state.restart_selling()  # "coffee makers" while the bot asks about tents
    if state.selling:
        return None
    state.query, state.category = text, named.category if named else None
    browsing = _browse_words(turn) if named is None and part is None else None
    if browsing == []:  # "what do you have?"
        shop, total = await _departments(runtime.brain)
        if len(shop) > 1:
            state.query = ""  # a department chosen shows all of it, by its kinds
            return _ask(dispatcher, turn, BROWSE_QUESTION, {KIND: shop}, [], total)
    elif browsing and (department := runtime.brain.department_named(browsing)):
        # "Something for the garden": its kinds, not what says "garden".
        state.query, state.category = "", department
    return None


async def _read(turn: Turn, form: dict[str, Any]) -> _Reading:
    """What the message adds to the search: the form's slots (``form``), an answer to
    the question asked, clicked or typed, a question about the products instead, a
    feature, an order, a product to go past. The constraints and the kind it sets are
    the state's from here on."""
    state, runtime, u = turn.state, turn.runtime, turn.understanding
    kb, text = runtime.brain.kb, u.text
    earlier = dict(state.constraints)
    state.constraints = {**state.constraints, **form}
    picked = constraint_from_reply(turn.facts.reply or "")
    if not picked and state.pending:
        picked = _answers_pending(turn)
        # "Küche" to "Kitchen | Outdoor | …": an option's name, through a synonym or as
        # the shop named it.
        if (
            not picked
            and state.pending == KIND
            and (
                chosen := category_named(
                    browse_words(text), state.pending_values, kb.same_word, kb.category_names
                )
            )
        ):
            picked = (KIND, chosen)
    slots_named = any(name in SELLING_SLOTS for name in u.entities.slots())
    # "Is it waterproof?", "how much are they?" instead of an answer to the question:
    # no more questions; what was found so far, and the answer about it.
    asked_about = (
        u.detail
        if state.pending
        and u.detail is not None
        and u.detail.about != AGAIN  # nothing was asked of what is shown
        and not picked
        and not slots_named
        else None
    )
    typed = ""
    # "Which tent is waterproof?", or "waterproof ones?" to a question: the products
    # whose text says so (``_featured``).
    which = u.detail if u.detail is not None and u.detail.which else None
    unanswered = not picked and asked_about is None and u.intent in (None, "product_search")
    if state.pending and unanswered and not slots_named:
        # "Non-stick please" to "which material?": no value offered, but words a
        # product's name holds (a pan's name says "non-stick"; its material is
        # aluminium). Not "let me think about it".
        typed = content_words(text)
        held: bool = await asyncio.to_thread(kb.names_product, typed) if typed else False
        if held:
            state.query = f"{state.query} {text}"
        typed = typed if held else ""
    # A feature asked of the search under way, to a question or of the products shown
    # ("waterproof please", "do you have one in wood?"): the words the shop's texts
    # use ("waterproof" of "it should be waterproof"); "let me think about it" has
    # none, a new kind of product started a new search (``_begin``), and numbers are
    # what a search reads ("a whetstone with 400 grit").
    if (
        which is None
        and not typed
        and (state.pending or state.shown)
        and unanswered
        and u.entities == Entities()
        and not any(character.isdigit() for character in text)
        and (asked := feature_words(content_words(text), runtime.flows))
        and (feature := await asyncio.to_thread(_shop_words, kb, asked))
    ):
        which = Detail(FEATURE, rest=feature, which=True)
    if picked and picked[0] == KIND:
        state.category = picked[1]  # its flow's questions follow
    elif picked:
        state.constraints = apply_constraint(state.constraints, *picked)
    # "The cheapest one": every product that leads, in that order, and no question.
    ranking = u.entities.ranking
    # "A cheaper one": than the one named ("a bigger version of the daypack"), else the
    # first shown, a bound; than none ("I need a warmer sleeping bag"), the questions
    # go on.
    relative = ranking if ranking in THAN_SHOWN else None
    compared = await asyncio.to_thread(runtime.brain.compared_with, text) if relative else None
    if compared is not None:  # the others of its kind past it, whatever their words
        state.query, state.category = "", state.category or compared.category
        # Its name's words ("cast iron", "32 cm") are no constraints of this message.
        state.constraints = dict(earlier)
    return _Reading(earlier, picked, typed, asked_about, which, ranking, relative, compared)


def _past_shown(
    turn: Turn, reading: _Reading, persons: str
) -> tuple[Product | None, dict[str, float]]:
    """ "A cheaper one": the product it is to be cheaper than (the one named, else the
    first shown) and the bound that says so, which replaces what was asked of the same
    facet ("bigger", then "smaller"). None and no bound where no product has the number."""
    state, kb = turn.state, turn.runtime.brain.kb
    shown = [reading.compared] if reading.compared else kb.products(state.shown[:1])
    if not shown or reading.relative is None:
        return None, {}
    # Of its kind: a cheaper one than the Trail 2 is a tent, not a cushion.
    state.category = state.category or shown[0].category
    bound = than_shown(reading.relative, shown[0])
    replaced = constrained_facets(bound, persons=persons)
    kept = {
        name: value
        for name, value in state.constraints.items()
        if not constrained_facets({name: value}, persons=persons) & replaced
    }
    state.constraints = {**kept, **bound}
    return (shown[0] if bound else None), bound


async def _constrained(
    turn: Turn,
    compared: Product | None,
    query: str,
    filters: Callable[[dict[str, Any]], dict[str, Any]],
    k: int,
    flow: Flow | None,
    persons: str,
) -> tuple[SearchResult, dict[str, Any]]:
    """The search under the state's constraints, with those the message names in words
    of the facets found ("a red one"), measures ("under 2 kg") and the seasons that meet
    one asked for; and the constraints the words named."""
    state, brain, u = turn.state, turn.runtime.brain, turn.understanding
    if u.entities.measures and compared is None:
        # "Under 2 kg", "a 40 l backpack": bounds on what the products measure in that
        # unit. The size of the same words ("40 l") is that measure where they have one.
        unsized = {
            name: value
            for name, value in state.constraints.items()
            if name != "size" or value != u.entities.size
        }
        around = await _search(brain, query, filters(unsized), k)
        if measured := measured_constraints(u.entities.measures, around.facets):
            state.constraints = {**unsized, **measured}
    result = await _search(brain, query, filters(state.constraints), k)
    constrained = constrained_facets(state.constraints, persons=persons)
    said = (
        constraints_named_in(u.text, result.facets, constrained, flow.questions if flow else ())
        if not compared
        else {}
    )
    if said:
        state.constraints = {**state.constraints, **said}
        result = await _search(brain, query, filters(state.constraints), k)
    widened = seasons_widened(state.constraints) if result.total == 0 else None
    if widened and (wider := await _search(brain, query, filters(widened), k)).total:
        # "A tent for winter": the 4-season ones, not the closest of any season.
        result, state.constraints = wider, widened
    return result, said


async def _given_way(
    turn: Turn,
    result: SearchResult,
    earlier: dict[str, Any],
    query: str,
    filters: Callable[[dict[str, Any]], dict[str, Any]],
    k: int,
    persons: str,
) -> tuple[SearchResult, bool]:
    """Where nothing meets every constraint, what comes closest (``_loosened``); where
    the constraints kept only products of another kind than the words name, the search
    without them. And whether conditions gave way."""
    state, brain = turn.state, turn.runtime.brain
    if result.total == 0 and state.constraints:
        result, state.constraints = await _loosened(
            brain, query, filters, state, earlier, k, persons
        )
        return result, True
    if (
        state.constraints
        and query == turn.understanding.text
        and not _same_kind(brain.kb, result, turn, state)
    ):
        return await _search(brain, query, filters({}), k), True
    return result, False


async def _nothing_found(dispatcher: CollectingDispatcher, turn: Turn) -> list[dict[str, Any]]:
    """No product at all: a gift that names none asks which department; else say so and
    start over."""
    if asks_for_gift(turn.understanding.text) and (asked := await _gift_question(dispatcher, turn)):
        return asked
    dispatcher.utter_message(text=say("no_products", turn.voice))
    turn.state.restart_selling()
    return finish(turn, "fallback")


async def _gift_question(
    dispatcher: CollectingDispatcher, turn: Turn
) -> list[dict[str, Any]] | None:
    """ "A present for my wife" names no product: which department the person enjoys
    (once, and not within a kind already chosen)."""
    state = turn.state
    if state.category is not None or KIND in state.asked:
        return None
    shop, total = await _departments(turn.runtime.brain)
    return _ask(dispatcher, turn, GIFT_QUESTION, {KIND: shop}, [], total) if len(shop) > 1 else None


async def _featured(
    turn: Turn,
    leaders: list[Product],
    which: Detail,
    query: str,
    filters: Callable[[dict[str, Any]], dict[str, Any]],
) -> list[Product]:
    """ "Which tent is waterproof?": those of the ``leaders`` whose text says so; where none
    does, those of the whole kind, the conditions so far giving way ("non-stick please"
    after the cast-iron pans)."""
    state, runtime, kb = turn.state, turn.runtime, turn.runtime.brain.kb
    holders = await asyncio.to_thread(_saying, kb, leaders, which.rest, turn)
    if not holders and state.constraints and state.category is not None:
        whole = await _search(runtime.brain, query, filters({}), RANKED_DEPTH)
        found = kb.products([hit.id for hit in whole.hits])
        if holders := await asyncio.to_thread(_saying, kb, found, which.rest, turn):
            state.constraints = {}
    return holders


def _question(
    turn: Turn,
    leaders: list[Product],
    result: SearchResult,
    flow: Flow | None,
    persons: str,
) -> tuple[Question, dict[str, dict[str, int]]] | None:
    """The question that narrows the ``leaders`` most and the facets it offers: which
    kind, where they are of several and no flow's; else the flow's next question or the
    facet that splits them best. None where nothing is left to ask."""
    state, flows = turn.state, turn.runtime.flows
    kinds = (
        kinds_of([p.category for p in leaders], result.facets.get(KIND, {}), state.category)
        if flow is None
        else {}
    )
    if question := kind_question(kinds, state.asked, state.category, flows):
        return question, {KIND: kinds}
    skip = set(state.asked) | constrained_facets(state.constraints, persons=persons)
    gift = asks_for_gift(state.query or "")
    question = choose_question(result.facets, result.total, skip=skip, flow=flow, gift=gift)
    return (question, result.facets) if question is not None else None


async def _show(
    dispatcher: CollectingDispatcher,
    turn: Turn,
    products: list[Product],
    ranking: str | None,
    relaxed: bool,
    asked_about: Detail | None,
) -> list[dict[str, Any]]:
    """The cards, introduced by how they were found (in an order, or the closest), with
    how the first compares with a past purchase, what is in stock where all are sold
    out, and the answer to a question asked about them."""
    state, settings, kb = turn.state, turn.runtime.settings, turn.runtime.brain.kb
    state.show([p.id for p in products])
    state.ranking = ranking  # "more" goes on in this order
    one, many = (
        ("product_relaxed", "products_relaxed") if relaxed else ("product_found", "products_found")
    )
    # "The lightest first:" only where one has a weight (then "the catalog doesn't say").
    if ranking and len(products) > 1 and not relaxed and measured(products, ranking):
        # No best seller among them: they come by rating, and the intro says so.
        unmarked = ranking == "-popular" and not products[0].popular
        many = RANKED_INTRO["-rating" if unmarked else ranking]
    # "I'll take the second one": its card alone, from the answer below.
    buying = asked_about is not None and asked_about.about == BUY
    if not buying:
        utter_cards(dispatcher, say(one if len(products) == 1 else many, turn.voice), products)
        if products and (note := await _comparison(turn, products[0])):
            dispatcher.utter_message(text=note)
        if products and asked_about is None and all(p.stock <= 0 for p in products):
            # All sold out ("a carbon steel wok"): what there is instead, as with "is the
            # wok in stock?".
            limit = settings.cards_shown
            if instead := await asyncio.to_thread(in_stock_like, kb, products[0], limit):
                state.show([p.id for p in products] + [p.id for p in instead])
                utter_cards(dispatcher, say("sold_out_instead", turn.voice), instead)
                products = [*products, *instead]
    outcome = "show_products"
    if asked_about is not None:
        about, all_shown = await asyncio.to_thread(
            products_asked_about, kb, asked_about, state.shown, len(state.shown)
        )
        outcome = await answer_about(dispatcher, turn, asked_about, about, all_shown)
    if outcome != "fallback" and not buying:  # there the buttons offer a person
        dispatcher.utter_message(buttons=after_cards(products, turn.voice))
    return finish(turn, outcome)


async def _more(dispatcher: CollectingDispatcher, turn: Turn) -> list[dict[str, Any]]:
    """ "Show me more": the next products of the search on screen, past every one it has
    shown. Where none that meets every condition is left, the nearest that meet all but
    one, then those of its kind that meet none, saying so; then that this was all."""
    state, runtime = turn.state, turn.runtime
    shown = runtime.settings.cards_shown
    flow = flow_of(state.category, runtime.flows)
    persons = flow.persons if flow else PERSONS

    def filters(constraints: dict[str, Any]) -> dict[str, Any]:
        return filters_for(constraints, state.category, persons=persons)

    # Enough to get past every one shown; in an order, as many as it ranked.
    k = RANKED_DEPTH if state.ranking else len(state.seen) + shown
    kb = runtime.brain.kb
    widening = _widening(runtime.brain, state.query or "", filters, state.constraints, persons, k)
    async for relaxed, hits in widening:
        found = kb.products([hit.id for hit in hits])
        if state.ranking:  # "the cheapest tent", then "more": the next cheapest
            found = ranked(found, state.ranking)
        order = [product.id for product in buyable_first(found)]
        if fresh := [product_id for product_id in order if product_id not in state.seen][:shown]:
            break
    else:
        dispatcher.utter_message(
            text=say("no_more", turn.voice), buttons=after_cards([], turn.voice)
        )
        return finish(turn, "show_products")
    products = kb.products(fresh)
    state.show([p.id for p in products])
    utter_cards(
        dispatcher,
        say("products_more_relaxed" if relaxed else "products_more", turn.voice),
        products,
    )
    dispatcher.utter_message(buttons=after_cards(products, turn.voice))
    return finish(turn, "show_products")


async def _all(dispatcher: CollectingDispatcher, turn: Turn) -> list[dict[str, Any]]:
    """ "Show me all tents", "all of them": the kind named, else the one the search is
    of, whole: without the conditions set so far and without questions, in the order
    asked for ("the cheapest tent", then "all of them"), up to ``ALL_SHOWN`` ("more" goes
    on). "Show me everything" asks which part of the shop."""
    state, runtime = turn.state, turn.runtime
    named = flow_for(turn.understanding.text, runtime.flows)
    category = named.category if named else state.category
    ranking = state.ranking if category == state.category else None
    state.restart_selling()
    state.query = ""  # no words: every product of the kind alike
    if category is None:
        shop, total = await _departments(runtime.brain)
        return _ask(dispatcher, turn, BROWSE_QUESTION, {KIND: shop}, [], total)
    state.category, state.ranking = category, ranking
    kb = runtime.brain.kb
    result = await _search(runtime.brain, "", filters_for({}, category), RANKED_DEPTH)
    found = kb.products([hit.id for hit in result.hits])
    products = buyable_first(ranked(found, ranking) if ranking else found)[:ALL_SHOWN]
    state.show([p.id for p in products])
    if result.total > len(products):
        intro = say("products_all_first", turn.voice, shown=len(products), total=result.total)
    else:
        intro = say("products_all", turn.voice, count=len(products))
    utter_cards(dispatcher, intro, products)
    dispatcher.utter_message(buttons=after_cards(products, turn.voice))
    return finish(turn, "show_products")


def _ask(
    dispatcher: CollectingDispatcher,
    turn: Turn,
    question: Question,
    facets: dict[str, dict[str, int]],
    best: list[str],
    total: int,
    intro: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Ask ``question`` with its quick replies; the best candidates so far go along."""
    state = turn.state
    kb = turn.runtime.brain.kb
    catalog = kb.settings.catalog_language
    if question.facet == KIND:  # the shop's own names ("Gartengeräte") win over the flows'
        names = kb.category_names
        shop = {category: names[category] for category in facets.get(KIND, {}) if category in names}
        question = replace(question, labels={**question.labels, **shop})
    elif not question.labels and turn.language != catalog:
        # No flow's question, in another language than the catalog's: its values as the
        # flows' buttons name them ("Gusseisen").
        attribute = question.facet.removeprefix("attr.")
        named = value_names(turn.runtime.flows, catalog).get(attribute, {})
        labels = {v: named[v.lower()] for v in facets.get(question.facet, {}) if v.lower() in named}
        question = replace(question, labels=labels)
    text, options = question_message(question, facets, turn.voice)
    if intro:
        text = f"{in_voice(intro, turn.voice) or ''} {text}"
    state.asked.append(question.facet)
    state.pending = question.facet
    state.forget_shown()  # "is it waterproof?" now asks about what this search finds
    state.pending_values = [o["value"].partition("=")[2] for o in options if "=" in o["value"]]
    dispatcher.utter_message(
        text=text,
        buttons=[{"title": o["label"], "payload": o["value"]} for o in options],
        json_message={"kind": "candidates", "product_ids": best, "total": total},
    )
    return [*finish(turn, "ask_clarifying"), SlotSet("requested_slot", question.facet)]


def _candidates(
    kb: KnowledgeBase,
    result: SearchResult,
    query: str,
    flow: Flow | None,
    ranking: str | None,
    first_message: bool,
    gap: float,
    typed: str = "",
) -> list[Product]:
    """The products that lead, in the order they are shown; ``typed``: the words of an
    answer that offered no value."""
    # A message that only names the flow's kind ("do you have lamps?") asks for all of
    # it: a lantern is one though its title says "lantern", not "lamp".
    # So does a browse of it ("the lightest tent": every tent, the lightest first), or
    # of a department, no words at all (their scores say nothing).
    whole_kind = not query or (flow is not None and flow.named_alone(query))
    leaders = kb.products(
        [hit.id for hit in (result.hits if whole_kind else leading(result.hits, gap))]
    )
    # A search's first message may name some of them ("how much is the chef's knife?"
    # among knives): those, not a question about blade length.
    if first_message and 0 < len(by_name := kb.named_by(query, leaders)) < len(leaders):
        leaders = by_name
    # Or, with a word the catalog lacks but a synonym of it has, name them in full ("Gibt
    # es eine Gießkanne?": the watering can; the rest came close in meaning only). Not
    # with the catalog's own words: "something for camping" names no "camping lantern".
    elif (
        first_message
        and not whole_kind
        and (words := content_words(after_request(query)))
        and any(_translates_a_name(kb, w, leaders) for w in words.split())
        and 0 < len(by_words := kb.named_in_full(words, leaders)) < len(leaders)
    ):
        leaders = by_words
    # So may a typed answer ("non-stick please"): those its words name.
    elif typed and 0 < len(by_typed := kb.named_in_full(typed, leaders)) < len(leaders):
        leaders = by_typed
    if ranking:
        # "The best rated skillet": of those its words name, where some are (no knife
        # that came close in meaning).
        named = kb.named_in_full(content_words(without_ranking(query)), leaders)
        leaders = ranked(named or leaders, ranking)
    return buyable_first(leaders)


def _browse_words(turn: Turn) -> list[str] | None:
    """The words of a message that asks to browse, none or one or two: nothing else is
    asked (no budget, no "the cheapest", no question about a product). "What do you
    have?" has none; "something for the garden" has "garden"."""
    u = turn.understanding
    if turn.facts.reply or u.entities != Entities() or u.detail is not None or u.compares_shown:
        return None
    if u.intent == "more":  # "anything else?" with nothing shown: all its words ask
        return []
    words = browse_words(u.text)
    return words if len(words) <= 2 else None


async def _departments(brain: Brain) -> tuple[dict[str, int], int]:
    """The catalog's top-level categories with their product counts, and all products."""
    everything = await _search(brain, "", {}, 1)
    return departments(everything.facets.get(KIND, {})), everything.total


def _translates_a_name(kb: KnowledgeBase, word: str, leaders: list[Product]) -> bool:
    """Whether ``word`` is one the catalog lacks, that a synonym set translates into
    what products are called, not into a kind of the ``leaders``: "Gießkanne" (watering
    can) names a product, "Garten" (the Garden department) all of its kinds."""
    if not kb.synonyms.forms_for(word) or kb.catalog_has_word(word):
        return False
    kinds = {part for product in leaders for part in product.category.split("/")}
    return not any(kb.same_word(word, kind) for kind in kinds)


async def _loosened(
    brain: Brain,
    query: str,
    filters: Callable[[dict[str, Any]], dict[str, Any]],
    state: BotState,
    earlier: dict[str, Any],
    k: int,
    persons: str,
) -> tuple[SearchResult, dict[str, Any]]:
    """What comes closest where nothing meets every constraint, and the constraints
    that still hold: the ones this message set, without the earlier ones ("for
    winter", then "under 300": the bags under 300), else those that meet all but one
    of them, nearest first on the one they miss; so of all constraints; else none."""
    constraints = state.constraints
    newest = {name: value for name, value in constraints.items() if earlier.get(name) != value}
    if newest and newest != constraints:
        result = await _search(brain, query, filters(newest), k)
        if result.total:
            return result, newest
        if nearly := await _all_but_one(brain, query, filters, newest, persons):
            return nearly, newest
    if nearly := await _all_but_one(brain, query, filters, constraints, persons):
        return nearly, constraints
    return await _search(brain, query, filters({}), k), constraints


async def _widening(
    brain: Brain,
    query: str,
    filters: Callable[[dict[str, Any]], dict[str, Any]],
    constraints: dict[str, Any],
    persons: str,
    k: int,
) -> AsyncIterator[tuple[bool, list[Hit]]]:
    """The hits of a search under ``constraints``, then of those that meet all of them but
    one (nearest first), then of those that meet none, each with whether conditions were
    let go: "more" goes on down them."""
    if constraints:
        yield False, (await _search(brain, query, filters(constraints), k)).hits
    depth = max(k, RANKED_DEPTH)
    if len(constraints) > 1 and (
        nearly := await _all_but_one(brain, query, filters, constraints, persons, depth)
    ):
        yield True, nearly.hits
    yield bool(constraints), (await _search(brain, query, filters({}), k)).hits


async def _all_but_one(
    brain: Brain,
    query: str,
    filters: Callable[[dict[str, Any]], dict[str, Any]],
    constraints: dict[str, Any],
    persons: str,
    k: int = RANKED_DEPTH,
) -> SearchResult | None:
    """The products that meet all of ``constraints`` but one, nearest first on the one
    they miss (``selling.closest``; of the ``k`` best hits of each search); None where
    none does."""
    misses = []
    for name in constraints:
        others = {other: value for other, value in constraints.items() if other != name}
        misses.append((name, (await _search(brain, query, filters(others), k)).hits))
    found = brain.kb.products(list({hit.id for _, hits in misses for hit in hits}))
    hits = closest(misses, {p.id: p for p in found}, constraints, persons=persons)
    return SearchResult(hits=hits, total=len(hits)) if hits else None


def _same_kind(kb: KnowledgeBase, result: SearchResult, turn: Turn, state: BotState) -> bool:
    """Whether the constrained ``result`` holds a product of the kind the message's words
    name: that of the product nearest in meaning (the understanding looked it up).
    Across the whole catalog a constraint may keep only what merely shares it: "red
    camping chair" kept a red backpack and a red pot."""
    nearest = turn.understanding.catalog_nearest
    named = kb.get_product(nearest) if nearest and state.category is None else None
    if named is None:
        return True
    return any(p.category == named.category for p in kb.products([h.id for h in result.hits]))


def _answers_pending(turn: Turn) -> tuple[str, str] | None:
    """The typed answer to the question the search asked, if the message is one."""
    state = turn.state
    if state.pending is None:
        return None
    asking = flow_of(state.category, turn.runtime.flows)
    return _typed_option(
        turn.understanding.text,
        state.pending,
        state.pending_values,
        asking.questions if asking else (),
    )


def _typed_option(
    text: str, facet: str, values: list[str], questions: Sequence[Question]
) -> tuple[str, str] | None:
    """A typed answer to the pending question, as (facet, value): one of the values
    offered, or a person count. Or the label of a button of the flow's ``questions``, in
    any language, this question's or one still to come: "Gusseisen" for cast iron; "das
    ganze Jahr" asked how many people, a tent's season."""
    typed = text.strip().lower().rstrip(".!")
    if facet == "attr.persons" and (persons := extract(f"for {typed}").persons):
        return facet, str(persons)
    # "1000" to "What is your budget?": at most that (it found the Whetstone 1000/6000).
    if facet == PRICE and (amount := amount_alone(typed)) is not None:
        return facet, f"-{amount}"
    for value in values:
        # A kind by its name: "tents" for "Outdoor/Tents".
        if typed in (value.lower(), leaf(value).lower()):
            return facet, value
    labelled = sorted(questions, key=lambda q: q.facet != facet)  # the pending one first
    for question in labelled:
        for value, labels in question.labels.items():
            if typed in (label.lower() for label in labels.values()):
                return question.facet, value
    return None


class ActionStartOver(Action):
    def name(self) -> str:
        return "action_start_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        turn.state.restart_selling()
        dispatcher.utter_message(text=say("what_product", turn.voice))
        return finish(turn, "ask_clarifying")


def _names_another_kind(kb: KnowledgeBase, text: str, state: BotState) -> bool:
    """Whether ``text`` names products, none of them of the kind the search is about:
    "coffee makers" while the questions are about tents; not "cast iron" among pans. A
    search of no flow's kind is about what its words named, else what it showed: "a
    kettle" after coffee makers is another search."""
    named = _request_names(kb, text)
    if not named:
        return False
    if state.category is not None:
        return not any(within(p.category, state.category) for p in named)
    before = {p.id for p in _request_names(kb, state.query or "")} or set(state.seen)
    return bool(before) and not any(p.id in before for p in named)


def _saying(kb: KnowledgeBase, products: list[Product], feature: str, turn: Turn) -> list[Product]:
    """Those of ``products`` whose description or attributes say ``feature``."""
    forms = kb.synonyms.forms_for
    return [
        product
        for product in products
        if feature_line(product, feature, turn.language, turn.voice, forms)[1]
    ]


def _shop_words(kb: KnowledgeBase, words: str) -> str:
    """Those of ``words`` the shop's texts use, or a synonym set translates
    ("wasserdicht": waterproof)."""
    return " ".join(
        word for word in words.split() if kb.catalog_has_word(word) or kb.synonyms.forms_for(word)
    )


def _request_names(kb: KnowledgeBase, text: str) -> list[Product]:
    """The products the words of a request name in full ("a kettle": the kettles)."""
    words = content_words(after_request(text))
    return kb.products_named(words) if words else []
