"""Answers about products: stock, price, rating, description, an attribute, how they
differ, and which to take."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.accessories import NOT_COMPARED
from bot.actions._cards import utter_cards
from bot.actions._turn import Turn, finish, turn_of
from bot.actions.faq import suggestion_buttons, utter_faq
from bot.details import (
    AGAIN,
    BRAND,
    BUY,
    COMPARE,
    DESCRIPTION,
    FEATURE,
    POPULAR,
    PRICE,
    RATING,
    RECOMMEND,
    STOCK,
    Detail,
    attribute_for,
    content_words,
    differing,
    number_for,
    unit_of,
)
from bot.engine import REPLY_COMPARE, BotState
from bot.entities import UNIT_WORDS, extract_season
from bot.selling import ValueNames, unlikeness, value_names
from bot.texts import attribute_name, money, rating_text, say, value_text
from knowledge import Faq, KnowledgeBase, Language, Product, attribute_words
from knowledge.analysis import stem, token_stems, tokens

LOW_STOCK = 5  # "only 3 left" up to here, as the widget's cards say
DESCRIPTION_CHARACTERS = 300
NAME_SEARCH_DEPTH = 5  # catalog products looked at for "how heavy is the Trail 2?"
ALIKE_DEPTH = 50  # products of its kind weighed as instead of a sold-out one
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def products_asked_about(
    kb: KnowledgeBase, detail: Detail, shown: list[str], limit: int, asked_of: Sequence[str] = ()
) -> tuple[list[Product], bool]:
    """The products ``detail`` asks about and whether they were all shown: those its
    ordinals point at, "the other one(s)" (those shown but not ``asked_of`` last time),
    "it" (the one product the last answer was about), those whose names hold the words
    it names ("the Trail 2", "the skillet"; shown ones first, then the catalog's), else
    those shown (a word in another language than the catalog's: "das Zelt"), every one
    where it asks which has the most or least."""
    on_screen = kb.products(shown)
    if detail.other and (others := [p for p in on_screen if p.id not in asked_of]):
        return others[:limit], True
    # "Is it in stock?" after "the first one?"; "and how heavy?" after "how warm is the
    # first one?": the products the last question was about.
    last = bool(asked_of) and all(product_id in shown for product_id in asked_of)
    if last and not detail.rest and (detail.follows or (detail.singular and len(asked_of) == 1)):
        return kb.products(list(asked_of)), True
    if detail.ordinals and all(-len(on_screen) <= i < len(on_screen) for i in detail.ordinals):
        return [on_screen[i] for i in detail.ordinals], True
    # A feature's words are what is asked; the brain may have found names among them.
    names = detail.names or ((detail.rest,) if detail.rest and detail.about != FEATURE else ())
    named: dict[str, Product] = {}
    for name in names:
        hits = kb.search(name, k=NAME_SEARCH_DEPTH, mode="keyword").hits
        candidates = on_screen + [p for p in kb.products([h.id for h in hits]) if p.id not in shown]
        named.update((p.id, p) for p in kb.named_in_full(name, candidates))
    if named:
        products = list(named.values())[:limit]
        return products, all(p.id in shown for p in products)
    # "Which is the cheapest?" of all six tents "show me all tents" put on screen.
    return (on_screen if detail.extreme else on_screen[:limit]), True


def in_stock_like(kb: KnowledgeBase, product: Product, limit: int) -> list[Product]:
    """Up to ``limit`` products of ``product``'s category in stock, the most alike first
    (`selling.unlikeness`; of the 50 nearest its title): what to offer where it is sold out."""
    filters = {"category": product.category, "in_stock": True}
    hits = kb.search(product.title, filters=filters, k=ALIKE_DEPTH).hits
    alike = [p for p in kb.products([hit.id for hit in hits]) if p.id != product.id]
    return sorted(alike, key=lambda other: unlikeness(product, other))[:limit]


def detail_line(
    product: Product, about: str, voice: str, names: ValueNames | None = None
) -> tuple[str, bool]:
    """What ``product`` has for ``about``, as a line of the reply; False where the
    catalog does not say. ``names``: what attributes' values are called in the reply's
    language, where it is not the catalog's."""
    title = product.title
    if about == STOCK:
        if product.stock <= 0:
            return say("detail_out_of_stock", voice, title=title), True
        key = "detail_few_left" if product.stock <= LOW_STOCK else "detail_in_stock"
        return say(key, voice, title=title, n=product.stock), True
    if about == PRICE:
        return say(
            "detail_price", voice, title=title, price=money(product.price, product.currency, voice)
        ), True
    if about == RATING:
        if product.rating is None:
            return say("detail_no_rating", voice, title=title), True
        return say(
            "detail_rating", voice, title=title, rating=rating_text(product.rating, voice)
        ), True
    if about == BRAND:
        if not product.brand:
            return _unknown(title, about, voice), False
        return say(
            "detail_value", voice, title=title, value=f"{_name(BRAND, voice)} {product.brand}"
        ), True
    if about == DESCRIPTION:
        if not product.description:
            return _unknown(title, about, voice), False
        text = product.description
        if len(text) > DESCRIPTION_CHARACTERS:
            text = text[:DESCRIPTION_CHARACTERS].rsplit(" ", 1)[0] + " …"
        return f"{title}: {text}", True
    found = attribute_for(product.attributes, about)
    if found is not None:
        value = _attribute(*found, voice, names)
        return say("detail_value", voice, title=title, value=value), True
    if measure := _measure_in_text(product, about):  # "Dining table 180 cm": its length
        return say("detail_value", voice, title=title, value=measure), True
    if about == "size" and (bigness := number_for(product.attributes, "capacity")):
        # "How big is the daypack?": what it holds (22 l), or whom (a tent, 2 persons).
        value = _attribute(*bigness, voice, names)
        return say("detail_value", voice, title=title, value=value), True
    return _unknown(title, about, voice), False


# Units a measure of a detail is written in, for catalogs that give it in the title or
# the description rather than as an attribute ("Trail 2 … 1.4 kg", "Dining table 180 cm").
_MEASURE_UNITS = {
    "weight": ("kg", "g"),
    "size": ("cm", "mm", "m"),
    "capacity": ("l", "ml"),
    "brightness": ("lm",),
    "power": ("w",),
}
_NUMBER = r"\d+(?:[.,]\d+)?"


@functools.cache
def _measure_pattern(about: str) -> re.Pattern[str] | None:
    units = "|".join(UNIT_WORDS[unit] for unit in _MEASURE_UNITS.get(about, ()))
    if not units:
        return None
    # "1.4 kg", "130 x 180 cm", "55+10 l"; not "20 cm" of "1200 cm3".
    return re.compile(
        rf"(?<![\w.,]){_NUMBER}(?:\s*[x×+]\s*{_NUMBER})*\s*(?:{units})(?!\w)", re.IGNORECASE
    )


def _measure_in_text(product: Product, about: str) -> str | None:
    """The measure of ``about`` the product's title, else its description, writes; None
    where neither holds exactly one (two weights in a text would be a guess)."""
    pattern = _measure_pattern(about)
    if pattern is None:
        return None
    for text in (product.title, product.description or ""):
        found = pattern.findall(text)
        if len(found) == 1:
            return str(found[0])
    return None


def feature_line(
    product: Product,
    feature: str,
    language: str,
    voice: str,
    synonyms: Callable[[str], Iterable[tuple[str, ...]]] = lambda _word: (),
    names: ValueNames | None = None,
) -> tuple[str, bool]:
    """What the catalog writes of ``product`` about ``feature`` ("waterproof", "pan
    dishwasher safe"): the sentence of its description, else the attribute, else its
    title, holding the most of its words, quoted as it stands; False where none does. Quoted, not read as
    a yes or a no: "Not for induction." answers "does it work on induction?" either way.
    A word may be held as one of its ``synonyms`` (``Thesaurus.forms_for``): German
    "wasserdicht" as the "waterproof" of an English description."""
    lang: Language = "de" if language == "de" else "en"
    seasonal = attribute_for(product.attributes, "season") is not None
    if seasonal and extract_season(feature):
        # "Is it good for winter?", "warm enough for spring?": its season, for the
        # shopper to weigh ("3-season").
        return detail_line(product, "season", voice, names)
    asked = {stem(word, lang): [(stem(word, lang),), *synonyms(word)] for word in feature.split()}
    sentences = _SENTENCE_END.split(product.description) if product.description else []
    # Its title last: "Non-stick frying pan" says non-stick where its description does not.
    attributes = (_attribute(n, v, voice) for n, v in product.attributes.items())
    candidates = [*sentences, *attributes, product.title]
    held = [_held_words(asked.values(), text) for text in candidates]
    best = max(range(len(candidates)), key=held.__getitem__, default=None)
    # Every word, or all but one of three or more ("pan dishwasher safe": "Dishwasher
    # safe."); one word in common is not enough ("delivery free": "kink-free hose").
    if best is None or held[best] < len(asked) - (len(asked) >= 3):
        return say("feature_unknown", voice, title=product.title), False
    if best == len(candidates) - 1:  # its title: no need to quote it again
        return say("feature_in_title", voice, title=product.title), True
    return say("feature_found", voice, title=product.title, text=candidates[best].strip()), True


def _held_words(words: Iterable[list[tuple[str, ...]]], text: str) -> int:
    """How many of ``words`` (each its ways: stems in a row) ``text`` holds, its words
    stemmed in either language (an English description, a German question)."""
    terms = frozenset().union(*map(token_stems, tokens(text)))
    return sum(any(terms.issuperset(way) for way in ways) for ways in words)


def comparison(products: list[Product], voice: str, names: ValueNames | None = None) -> str:
    """How ``products`` differ: one line each with the price, the rating and the
    attributes whose values differ ("Summit 2 expedition tent: 699.00 €, rated 4.8,
    weight 3.6 kg, season 4-season.")."""
    if len(products) == 1:  # nothing to compare it with: what it has
        differ = [n for n in products[0].attributes if n not in NOT_COMPARED]
    else:
        differ = differing([p.attributes for p in products])
    ratings = {p.rating for p in products}
    lines = [] if len(products) == 1 else [say("detail_compare", voice)]
    for product in products:
        parts = [money(product.price, product.currency, voice)]
        if len(ratings) > 1 and product.rating is not None:
            parts.append(say("rated", voice, rating=rating_text(product.rating, voice)))
        parts += [_attribute(name, product.attributes[name], voice, names) for name in differ]
        lines.append(say("detail_value", voice, title=product.title, value=", ".join(parts)))
    return "\n".join(lines)


def recommendation(products: list[Product], voice: str) -> str:
    """The first product, which the search ranked first for what the shopper asked, and
    the best rated one where that is another."""
    first = products[0]
    text = say(
        "recommend_first", voice, title=first.title, price=money(first.price, first.currency, voice)
    )
    rated = [p for p in products if p.rating is not None]
    best = max(rated, key=lambda p: p.rating or 0.0, default=None)
    if best is not None and best.rating is not None and best.rating != first.rating:
        text += " " + say(
            "recommend_rated", voice, title=best.title, rating=rating_text(best.rating, voice)
        )
    return text


def extreme(
    products: list[Product], detail: Detail, voice: str, names: ValueNames | None = None
) -> tuple[str, bool, Product | None]:
    """Which of ``products`` has the least or most of the detail ("Of these, the Pop-up
    beach shelter is the lightest (weight 1.2 kg)."), whether the catalog says (False
    where none has a number), and the product (None where they are alike)."""
    if detail.about == POPULAR:  # the shop marks its best sellers; else the best rated
        if best := next((p for p in products if p.popular), None):
            return say("extreme_popular_max", voice, title=best.title), True, best
        line, known, best = extreme(products, replace(detail, about=RATING), voice, names)
        return f"{say('extreme_popular_none', voice)} {line}", known, best
    if detail.about == RATING:
        measured = [
            (p.rating, p, rating_text(p.rating, voice)) for p in products if p.rating is not None
        ]
    elif detail.about == PRICE:
        measured = [(p.price, p, money(p.price, p.currency, voice)) for p in products]
    else:
        measured = [
            (found[1], p, _attribute(*found, voice, names))
            for p in products
            if (found := number_for(p.attributes, detail.about))
        ]
    if not measured and len(products) == 1:
        return _unknown(products[0].title, detail.about, voice), False, None
    if not measured:  # "which is the lightest?" of knives whose weights it lacks
        return say("feature_unknown_all", voice), False, None
    if len(measured) > 1 and len({number for number, _, _ in measured}) == 1:
        return say("extreme_tie", voice, value=measured[0][2]), True, None
    pick = min if detail.extreme == "min" else max
    _, product, value = pick(measured, key=lambda m: m[0])
    key = f"extreme_{detail.about}_{detail.extreme}"
    return say(key, voice, title=product.title, value=value), True, product


def _of_another_kind(kb: KnowledgeBase, faq: Faq, products: Sequence[Product]) -> bool:
    """Whether ``faq`` is about products not every one of ``products`` is: its question uses words
    of products' names that none of theirs holds, nor their descriptions ("How do I
    care for cast iron cookware?" is no answer to "is it dishwasher safe?" of a bread
    knife). "Can I pay by invoice?" uses no such word, and is about every product."""
    named = [word for word in content_words(faq.question).split() if kb.names_product(word)]
    ways: list[list[tuple[str, ...]]] = [[(term,) for term in token_stems(word)] for word in named]
    texts = [
        f"{p.title} {p.category.replace('/', ' ')} {p.description} {attribute_words(p)}"
        for p in products
    ]
    # Of several ("are they dishwasher safe?"), about each of them.
    return bool(named) and not all(_held_words(ways, text) for text in texts)


def _attribute(name: str, value: Any, voice: str, names: ValueNames | None = None) -> str:
    """An attribute as a reply writes it: "weight 1.4 kg", "Induktion ja", "Material
    Gusseisen" (``names``)."""
    unit = unit_of(name)
    written = value_text(value, voice, name, (names or {}).get(name, {}).get(str(value).lower()))
    return f"{_name(name, voice)} {written}" + (f" {unit}" if unit else "")


def _name(attribute: str, voice: str) -> str:
    """A detail or an attribute as a reply names it, without a unit ("weight_kg": "weight")."""
    if unit_of(attribute):
        attribute = attribute.rsplit("_", 1)[0]
    return attribute_name(attribute, voice)


def _unknown(title: str, about: str, voice: str) -> str:
    return say("detail_unknown", voice, title=title, name=_name(about, voice))


def _compared(state: BotState, detail: Detail, limit: int) -> list[str]:
    """The products a comparison is of: those on screen, or where that is one product,
    it and the ones asked about just before ("was kostet das Trail 2?", "und das
    Basecamp 4?", "welches ist leichter?": both tents, not the Basecamp 4 alone)."""
    comparing = detail.extreme is not None or detail.about == COMPARE
    if not comparing or len(state.shown) != 1 or detail.rest or detail.names:
        return state.shown
    before = [product_id for product_id in state.seen if product_id not in state.shown]
    return [*before[-(limit - 1) :], *state.shown] if limit > 1 else state.shown


class ActionProductDetails(Action):
    def name(self) -> str:
        return "action_product_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        state, voice = turn.state, turn.voice
        clicked = turn.facts.reply == REPLY_COMPARE
        pointer = Detail(COMPARE) if clicked else turn.understanding.detail
        kb = turn.runtime.brain.kb
        assert pointer is not None, "decide() chose product_details for a message without one"
        limit = turn.runtime.settings.cards_shown
        products, all_shown = await asyncio.to_thread(
            products_asked_about,
            kb,
            pointer,
            _compared(state, pointer, limit),
            limit,
            state.asked_of,
        )
        if not products:
            dispatcher.utter_message(text=say("detail_which", voice))
            return finish(turn, "ask_clarifying")
        # "And the second one?": the last question, of the products its words point at;
        # "the second one" too where the bot asked which one that question was of.
        detail, faq_id = pointer, None
        which_asked = state.asked_detail is not None and not state.asked_of
        pointed = pointer.about == DESCRIPTION and pointer.ordinals and not pointer.rest
        if state.asked_detail is not None and (pointer.about == AGAIN or (which_asked and pointed)):
            # With that question's FAQ where the catalog does not say: "the second one"
            # itself is near no FAQ ("is it dishwasher safe?" of a cast-iron pan).
            detail = Detail(state.asked_detail, rest=state.asked_feature)
            faq_id = state.asked_faq or ""
        outcome = await answer_about(dispatcher, turn, detail, products, all_shown, faq_id=faq_id)
        return finish(turn, outcome)


async def answer_about(
    dispatcher: CollectingDispatcher,
    turn: Turn,
    detail: Detail,
    products: list[Product],
    all_shown: bool,
    *,
    faq_id: str | None = None,
) -> str:
    """Say what ``detail`` asks of ``products`` (with their cards where not all of them
    are on screen); the turn's outcome: "fallback" where the catalog does not say.
    ``faq_id``: the FAQ that answers where the catalog does not ("" none); by default
    the one the message is surely answered by."""
    state, voice, kb = turn.state, turn.voice, turn.runtime.brain.kb
    faq = turn.understanding.faq
    if faq_id is None:
        faq_id = faq.faq_id if faq and faq.band == "answer" else ""
    if not all_shown:  # named, not on screen: shown with the answer
        state.show([p.id for p in products])
    # A question of each product by itself is asked again of others ("and the second?").
    again = detail.extreme is None and detail.about not in (COMPARE, RECOMMEND, BUY)
    state.asked_detail = detail.about if again else None
    state.asked_feature = detail.rest if detail.about == FEATURE else ""
    state.asked_of = [p.id for p in products]
    state.asked_faq = (faq_id or None) if again else None
    if detail.about == BUY:  # the cards again, with their buttons at hand
        key = "buy_one" if len(products) == 1 else "buy_which"
        utter_cards(dispatcher, say(key, voice, title=products[0].title), products)
        return "product_details"
    # Values in the reply's language where it is not the catalog's: "Material Gusseisen".
    catalog = kb.settings.catalog_language
    names = value_names(turn.runtime.flows, catalog) if turn.language != catalog else None
    if detail.extreme is not None:
        line, known, picked = extreme(products, detail, voice, names)
        lines = [(line, known)]
        if picked is not None:  # "wie schwer ist der?" is about the one named
            state.asked_of = [picked.id]
    elif detail.about == COMPARE:
        lines = [(comparison(products, voice, names), True)]
    elif detail.about == RECOMMEND:
        lines = [(recommendation(products, voice), True)]
    elif detail.about == FEATURE:
        forms = kb.synonyms.forms_for
        lines = [feature_line(p, detail.rest, turn.language, voice, forms, names) for p in products]
        if detail.which and any(known for _, known in lines) and not all(k for _, k in lines):
            # "Which one is waterproof?": those that say so, and that the others do not.
            lines = [line for line in lines if line[1]]
            lines.append((say("feature_not_others", voice), True))
    else:
        lines = [detail_line(product, detail.about, voice, names) for product in products]
    if detail.about == FEATURE and not any(known for _, known in lines):
        if detail.singular and len(products) > 1:
            # "Is it dishwasher safe?" of the three pans shown, none pointed at and none
            # of their texts saying: which one ("the first one" is asked it then); not
            # an FAQ on one kind of them (it answered with the cast-iron care text).
            state.asked_of = []
            dispatcher.utter_message(text=say("detail_which_shown", voice))
            return "ask_clarifying"
        # The catalog does not say, an FAQ does: "is it dishwasher safe?" of a cast
        # iron pan, "is it possible to pay by invoice?".
        if faq_id and (answer := kb.get_faq(faq_id)) and not _of_another_kind(kb, answer, products):
            utter_faq(dispatcher, answer, voice)
            return "answer_faq"
        if len(lines) > 1:
            lines = [(say("feature_unknown_all", voice), False)]
    text = "\n".join(line for line, _ in lines)
    if all_shown:
        dispatcher.utter_message(text=text)
    else:
        utter_cards(dispatcher, text, products)
    if detail.about == STOCK and len(products) == 1 and products[0].stock <= 0:
        # Sold out: what the shopper can have instead, as a shop assistant would say.
        limit = turn.runtime.settings.cards_shown
        if instead := await asyncio.to_thread(in_stock_like, kb, products[0], limit):
            state.show([products[0].id, *(p.id for p in instead)])
            utter_cards(dispatcher, say("in_stock_instead", voice), instead)
    if not any(known for _, known in lines):
        # An FAQ near enough to suggest may be what was meant.
        near = faq.suggestions if faq and faq.band == "suggest" else []
        dispatcher.utter_message(buttons=suggestion_buttons(kb, near, voice))
        # Unanswered: the content team sees the question among the gaps (the catalog
        # lacks the lamp's weight).
        return "fallback"
    return "product_details"
