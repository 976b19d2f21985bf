"""Guided selling, pure: constraints to filters, and the one question that splits best.

The candidates' facet counts (from the knowledge engine) say how each open
question would divide them; the bot asks the one with the highest entropy, so
each answer removes as much doubt as possible. The content team may fix the
questions and their wording per category in bot/flows/<category>.yml; without
a flow the bot asks about price and any attribute the candidates differ in.
See docs/subsystems/bot.md.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from bot.accessories import FIT_ATTRIBUTES
from bot.details import content_words, number_for, unit_of
from bot.engine import REPLY_FACET, REPLY_RESULTS, REPLY_SKIP
from bot.entities import Measure
from bot.nlu import PRODUCT_REQUEST
from bot.texts import attribute_name, decimal, in_voice, value_text
from knowledge import LANGUAGES, Hit, Language, Product, analyse
from knowledge.analysis import ANY_STOPWORD, fold, tokens

FLOWS_DIR = Path(__file__).parent / "flows"
PRICE = "price"
KIND = "category"  # the question "what kind of product?", answered with a category path
MAX_OPTIONS = 4
# Plural and linking endings after a flow's word ("tents", "Kuppelzelte", "Pfannen").
_ENDING = "(?:e|n|en|s|es|er)?"

# Parts and accessories an English kind word may stand before: "tent pegs", "pan lid",
# "knife sharpener" name those, not the kind, as the German compound "Zeltheringe" does.
PART_WORDS = (
    "peg", "pole", "stake", "footprint", "groundsheet", "repair", "patch", "lid", "handle",
    "sharpener", "sheath", "shade", "bulb", "liner", "cover", "case", "strap", "rack",
    "holder", "hook", "cleaner", "spare", "replacement", "part", "filter", "refill",
    "charger", "battery", "batteries", "guard", "protector", "pump", "mount", "adapter",
    "seal", "gasket", "cord", "cable", "plug", "wick", "knob", "sleeve", "insert",
    # German, for "Heringe für mein Zelt" (a compound, "Zeltheringe", starts no flow).
    "hering", "heringe", "stange", "stangen", "gestänge", "deckel", "griff", "griffe",
    "ersatzteil", "ersatzteile", "schärfer", "hülle", "bezug", "schirm", "akku", "akkus",
    "ladegerät", "dichtung", "reparaturset",
)  # fmt: skip
_PART = rf"(?:{'|'.join(PART_WORDS)})(?:s|es)?\b"

# A shopper asking which product of a kind, and for what use: "welche Pfanne für
# Induktion?", "a tent for the beach". Around a flow's words these ask for a product,
# as a request does ("I need a lamp": nlu.PRODUCT_REQUEST).
_WHICH = re.compile(r"^(?:which|welche[mnrs]?)\s+", re.IGNORECASE)
# After the kind, asking for the best of it: "which pan is best", "welche Pfanne ist die
# beste", "which tent would you recommend", "welches Zelt empfiehlst du".
_BEST = re.compile(
    r"\s+(?:(?:is|are|would be|ist|sind|wäre)\s+(?:the\s+|die\s+|der\s+|das\s+|am\s+)?"
    r"(?:best|beste[nrs]?)|(?:would|do|should|can)\s+you\s+(?:recommend|suggest)|"
    r"(?:empfiehlst du|würdest du empfehlen|empfehlen sie|würden sie empfehlen))\b",
    re.IGNORECASE,
)
_USE = re.compile(r"\s+(?:for|für|fuer)\s+[^?!.]+[?!.]*$", re.IGNORECASE)

# A gift for someone: anything the shop sells may be one, so the bot asks what the
# person enjoys. Not the shop's gift cards ("Geschenkgutschein" is one word).
GIFT = re.compile(
    # "Present" not as in "the present exchange rate", "at her present position".
    r"\b(?:gifts?|(?<!\bthe )(?<!\bat )(?<!\bher )(?<!\bhis )(?<!\bits )presents?|"
    r"geschenk(?:e|en|idee\w*)?|mitbringsel|"
    r"(?:geburtstags|weihnachts|hochzeits)geschenke?)\b"
    r"(?!\s*-?\s*(?:cards?|vouchers?|certificates?|karten?|gutscheine?)\b)"
    # Or asked as what to give: "what can I give my dad?", „Was soll ich ihr schenken?"
    r"|\bwhat (?:can|could|should|shall) i (?:give|get|buy)(?= (?:my|him|her|them|for)\b)"
    r"|\bwas (?:kann|könnte|soll|sollte) ich (?:\w+ ){0,3}schenken\b",
    re.IGNORECASE,
)
# The shop's services around gifts, the FAQs' questions: wrapping, receipts, sending a
# thing "as a gift".
_GIFT_SERVICE = re.compile(
    r"\b(?:wrap\w*|verpack\w*|einpack\w*|receipts?|quittung|beleg)\b|"
    r"\b(?:as a (?:gift|present)|als geschenk)\b",
    re.IGNORECASE,
)


def asks_for_gift(text: str) -> bool:
    """ "A present for my sister", "what can I give my dad?", „Geburtstagsgeschenk";
    not "do you sell gift cards?" nor "can you wrap my present?"."""
    return GIFT.search(text) is not None and _GIFT_SERVICE.search(text) is None


# Who a gift is for, the occasion and "who likes": no product's words ("what can I give
# my dad for christmas?" found the Watering can by "can").
_GIFT_CONTEXT = re.compile(
    r"\b(?:mum|mom|mother|dad|father|parents|sister|brother|wife|husband|girlfriend|"
    r"boyfriend|partner|friend|son|daughter|grandma|grandpa|grandmother|grandfather|"
    r"colleague|boss|him|her|them|someone|somebody|mutter|mama|vater|papa|eltern|"
    r"schwester|bruder|frau|mann|freundin|freund|sohn|tochter|oma|opa|kollegin|kollege|"
    r"chef|chefin|ihn|ihr|jemanden|christmas|birthday|wedding|anniversary|weihnachten|"
    r"geburtstag|hochzeit|jahrestag|muttertag|vatertag|likes?|loves?|enjoys?|ideas?|"
    r"mag|liebt|idee\w*|gerne?|meine[mnrs]?|seine[mnrs]?|ihre[mnrs]?)\b",
    re.IGNORECASE,
)


def gift_words(text: str) -> str:
    """What a gift request says of the gift itself: "cooking" of "a present for my
    sister who likes cooking", nothing of "what can I give my dad for christmas?"."""
    return content_words(_GIFT_CONTEXT.sub(" ", GIFT.sub(" ", text)))


# The attribute a person count ("for 4 people") means unless a flow says another.
PERSONS = "persons"
# Where an extracted entity lands among the knowledge engine's filters.
SEASON_FACET = "attr.season"
ENTITY_FILTERS = {
    "budget_max": "price_max",
    "budget_min": "price_min",
    "colour": "attr.colour",
    "season": SEASON_FACET,
    "size": "attr.size",
}
# Facets of taste, asked after the others where no flow sets the order.
TASTE = frozenset({"attr.colour", "attr.color"})

# Where no candidate is of a season, the value that includes it: tents fit for winter
# are sold as "4-season" (sleeping bags as "winter").
SEASON_INCLUDED_IN = {"winter": "4-season"}
# The seasons a wish is met by: a 3-season tent or bag does for the summer ("Wir fahren
# im Sommer zelten" found the beach shelter alone). A 4-season one is more than is asked.
SEASONS_MEETING = {"summer": ["summer", "3-season"]}


def seasons_widened(constraints: dict[str, Any]) -> dict[str, Any] | None:
    """``constraints`` with a season replaced by the one that includes it, if any."""
    widened = {
        name: SEASON_INCLUDED_IN.get(value, value)
        if ENTITY_FILTERS.get(name, name) == SEASON_FACET
        else value
        for name, value in constraints.items()
    }
    return widened if widened != constraints else None


GENERIC_PROMPTS = {
    KIND: {"en": "What kind of product are you looking for?", "de": "Was darf es sein?"},
    PRICE: {
        "en": "What is your budget?",
        "de": "Wie hoch ist dein Budget?",
        "de-sie": "Wie hoch ist Ihr Budget?",
    },
    # Common facets outside any flow, so that German chats do not ask about "colour".
    "brand": {"en": "Which brand would you like?", "de": "Welche Marke soll es sein?"},
    "attr.colour": {"en": "Which colour would you like?", "de": "Welche Farbe soll es sein?"},
    "attr.color": {"en": "Which color would you like?", "de": "Welche Farbe soll es sein?"},
    "attr.size": {"en": "Which size would you like?", "de": "Welche Größe soll es sein?"},
    "attr.material": {
        "en": "Which material would you like?",
        "de": "Welches Material soll es sein?",
    },
    "": {"en": "Which {name} would you like?", "de": "Welcher Wert für „{name}“ soll es sein?"},
}


@dataclass(frozen=True)
class Question:
    facet: str
    prompt: dict[str, str]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # value -> language -> label


@dataclass(frozen=True)
class Flow:
    """A category's guided-selling questions, in the order the content team prefers."""

    category: str
    match: tuple[str, ...]  # words that name the category, as words of their own
    questions: tuple[Question, ...]
    intro: dict[str, str] = field(default_factory=dict)
    # Words that name the category at the end of a German compound too: "pfanne" in
    # "Gusseisenpfanne". Not English words: "pan" ends "Japan", "tent" ends "content".
    heads: tuple[str, ...] = ()
    persons: str = PERSONS  # the attribute "for 4 people" means: "seats" for furniture
    # The kind per language as a sentence names it, plural: {"en": "tents", "de": "Zelte"}.
    name: dict[str, str] = field(default_factory=dict)

    def called(self, voice: str) -> str:
        """The kind as a reply in ``voice`` names it: "Zelte", not the catalog's "Tents"."""
        return in_voice(self.name, voice) or leaf(self.category).lower()

    def used_in(self, text: str) -> bool:
        """Whether ``text`` uses one of the flow's words ("pans", "Zelte",
        "Gusseisenpfanne"). A word that only starts a longer one does not count: that
        names something else ("potato", "tentative", "Zeltheringe": tent pegs), nor does
        one before a part's word ("tent pegs", ``PART_WORDS``)."""
        return bool(self._words.search(text.lower()))

    @cached_property
    def _words(self) -> re.Pattern[str]:
        # A head's match is the whole compound ("kuppelzelte"), for ``replaced``.
        heads = [rf"\w*{re.escape(h)}{_ENDING}(?!\w)" for h in self.heads]
        words = [rf"(?<!\w){re.escape(w)}{_ENDING}(?!\w)(?!\s+{_PART})" for w in self.match]
        return re.compile("|".join(heads + words) or "(?!)")  # no words match nothing

    def ends_a_german_word(self, word: str) -> bool:
        """Whether ``word`` (lower case) is one of the heads, maybe in a compound:
        "schlafsack", "kuppelzelte"."""
        return self._head.fullmatch(word) is not None

    @cached_property
    def _head(self) -> re.Pattern[str]:
        heads = [rf"\w*{re.escape(h)}{_ENDING}" for h in self.heads]
        return re.compile("|".join(heads) or "(?!)")

    @cached_property
    def parts(self) -> re.Pattern[str]:
        """Matches a part of the flow's kind: "tent pegs", "pan lid", "pegs for my tent"
        (group ``part``)."""
        kind = rf"(?<!\w)(?:{'|'.join(re.escape(w) for w in self.match)}){_ENDING}"
        return re.compile(
            rf"{kind}\s+(?P<part>{_PART})|"
            rf"(?<!\w)(?P<part_for>{_PART})\s+(?:for|für)\s+"
            rf"(?:(?:my|the|a|an|our|meine?[mnrs]?|unser\w*|de[mnrs]|die|das|eine?[mnrs]?)\s+)?"
            rf"{kind}(?!\w)",
            re.IGNORECASE,
        )

    def replaced(self, text: str, word: str) -> str:
        """``text``, lower case, with each of the flow's words replaced by ``word``."""
        return self._words.sub(word, text.lower())

    def named_alone(self, text: str, *, compounds: bool = True) -> bool:
        """Whether ``text`` holds nothing but the flow's words ("Pfanne", "ein Kuppelzelt",
        "tents"), after a request or "which", before a use and around asking for the
        best ("I need a lamp", "welche Pfanne ist die beste für Induktion"): it names a
        kind of product and asks nothing about it ("Pfanne rostet"). Read in either
        language: one word says too little to tell ("Pfannen"). Without ``compounds``
        a German compound ending in a head counts as more ("Fahrradrucksack": a
        backpack for cycling, not any backpack)."""
        words = _USE.sub("", _BEST.sub("", _WHICH.sub("", after_request(text).strip())))
        return self.used_in(words) and any(
            self._only_own_words(words, language, compounds) for language in LANGUAGES
        )

    def _only_own_words(self, text: str, language: Language, compounds: bool) -> bool:
        own = {term for word in (*self.match, *self.heads) for term in analyse(word, language)}
        heads = tuple(term for word in self.heads for term in analyse(word, language))
        terms = analyse(text, language)
        return bool(terms) and all(t in own or (compounds and t.endswith(heads)) for t in terms)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Flow:
        questions = tuple(
            Question(facet=q["facet"], prompt=q["ask"], labels=q.get("labels", {}))
            for q in data.get("questions", [])
        )
        return cls(
            category=data["category"],
            match=tuple(word.lower() for word in data.get("match", [])),
            questions=questions,
            intro=data.get("intro", {}),
            heads=tuple(word.lower() for word in data.get("heads", [])),
            persons=data.get("persons") or PERSONS,
            name=data.get("name", {}),
        )


def after_request(text: str) -> str:
    """What a request at the start of ``text`` asks for: "lamps?" of "do you have
    lamps?", "a tent" of "Hi, I'm looking for a tent"; else ``text``."""
    request = PRODUCT_REQUEST.search(text)
    if request and len(text[: request.start()].split()) <= 3:
        return text[request.end() :]
    return text


def category_named(
    words: list[str],
    categories: Iterable[str],
    same: Callable[[str, str], bool],
    names: Mapping[str, Mapping[str, str]],
) -> str | None:
    """The category whose name ``words`` say, each of them a word of it by ``same``
    (``KnowledgeBase.same_word``): its path's last part ("garden"; "Küche" where a
    synonym set says kitchen) or a name the shop gave it (``names``: "Gartengeräte")."""
    for category in categories:
        called = [leaf(category), *names.get(category, {}).values()]
        for name in called:
            held = tokens(name)
            if words and all(any(same(word, part) for part in held) for word in words):
                return category
    return None


def browse_words(text: str) -> list[str]:
    """The words of a message besides its request that may name what is wanted: none of
    "what do you have?", "pets" of "what pets do you have", "garden" of "something for
    the garden"."""
    if request := PRODUCT_REQUEST.search(text):
        text = f"{text[: request.start()]} {text[request.end() :]}"
    return content_words(text).split()


@dataclass(frozen=True)
class PartAsked:
    """ "Tent pegs": a part or accessory of a flow's kind, as the shopper wrote it."""

    flow: Flow
    phrase: str  # "tent pegs"
    part: str  # "pegs"
    alone: bool  # the message asks for nothing else: "do you have tent pegs?"


def part_in(text: str, flows: list[Flow]) -> PartAsked | None:
    """The part of a kind ``text`` asks for ("tent pegs", "a pan lid"), if any."""
    asked = after_request(text)
    for flow in flows:
        if found := flow.parts.search(asked):
            around = tokens(asked[: found.start()] + " " + asked[found.end() :])
            alone = all(fold(word) in ANY_STOPWORD for word in around)
            return PartAsked(flow, found[0], found["part"] or found["part_for"], alone)
    return None


def load_flows(folder: Path = FLOWS_DIR) -> list[Flow]:
    return [
        Flow.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(folder.glob("*.yml"))
    ]


# What the flows' buttons call an attribute's values, per language: {"material":
# {"cast iron": {"en": "Cast iron", "de": "Gusseisen"}}}.
ValueNames = dict[str, dict[str, dict[str, str]]]


def value_names(flows: Iterable[Flow], catalog_language: str) -> ValueNames:
    """The labels the flows give attributes' values (lower case), the first flow's where
    several do: how a reply in another language than the catalog's names them. Only
    labels that name the value as the catalog does ("Cast iron" for "cast iron", so
    "Gusseisen" is its German name), not those that say it another way ("Spring to
    autumn" for "3-season": „Saison Frühling bis Herbst“ no longer says 3-season)."""
    names: ValueNames = {}
    for flow in flows:
        for question in flow.questions:
            if not question.facet.startswith("attr."):
                continue
            values = names.setdefault(question.facet.removeprefix("attr."), {})
            for value, labels in question.labels.items():
                if labels.get(catalog_language, "").lower() == value.lower():
                    values.setdefault(value.lower(), labels)
    return names


def german_kind_only(text: str, flows: list[Flow]) -> bool:
    """Whether every word of ``text`` is a flow's German head ("Schlafsack", "Zelte?",
    "Kuppelzelt"): a German shopper, whatever the page's language, as no stop word tells."""
    words = [word.lower() for word in re.findall(r"\w+", text)]
    return bool(words) and all(any(f.ends_a_german_word(w) for f in flows) for w in words)


def flow_for(text: str, flows: list[Flow]) -> Flow | None:
    """The first flow whose words ``text`` uses."""
    return next((flow for flow in flows if flow.used_in(text)), None)


def leaf(category: str) -> str:
    """ "Outdoor/Tents" -> "Tents"."""
    return category.rsplit("/", 1)[-1]


def flow_of(category: str | None, flows: list[Flow]) -> Flow | None:
    """The flow of ``category``, if it has one."""
    return next((flow for flow in flows if flow.category == category), None)


def kind_called(category: str, flows: list[Flow], voice: str) -> str:
    """A category as a reply in ``voice`` names it: its flow's name, else the last part
    of its path."""
    flow = flow_of(category, flows)
    return flow.called(voice) if flow is not None else leaf(category).lower()


# A word for any product, per language: stands in for a flow's words where the question
# is about products in general ("my tent arrived damaged").
ANY_PRODUCT = {"en": "item", "de": "Artikel"}


_NOT = frozenset({"not", "nicht"})


def feature_words(words: str, flows: list[Flow]) -> str:
    """The words of a feature asked for, without those naming a flow's kind: "waterproof"
    of "tent waterproof"; "stick" of "pan not stick" (what doesn't stick is non-stick).
    None of "without lid", "kein Deckel": what a product lacks is no feature to look for."""
    flow = flow_for(words, flows)
    kindless = (content_words(flow.replaced(words, " ")) if flow else words).split()
    if any(_NEGATION.fullmatch(word) and word not in _NOT for word in kindless):
        return ""
    return " ".join(word for word in kindless if word not in _NOT)


def without_kinds(
    text: str, flows: list[Flow], language: str, *, word: str | None = None
) -> str | None:
    """``text`` with every flow's words replaced by a word for any product ("my tent
    arrived damaged" -> "my item arrived damaged"), or by ``word``; None where it has
    no flow's words."""
    if flow_for(text, flows) is None:
        return None
    if word is None:
        word = ANY_PRODUCT.get(language, ANY_PRODUCT["en"])
    for flow in flows:
        text = flow.replaced(text, word)
    return text


def _filter_of(name: str, persons: str) -> str:
    """The filter an extracted entity or facet sets; a person count sets at least
    ``persons`` (the attribute a flow says it means: "seats" for furniture)."""
    return f"attr.{persons}_min" if name == "persons" else ENTITY_FILTERS.get(name, name)


def filters_for(
    constraints: dict[str, Any], category: str | None, *, persons: str = PERSONS
) -> dict[str, Any]:
    """The knowledge engine's product filters for the shopper's constraints."""
    filters: dict[str, Any] = {"category": category} if category else {}
    for name, value in constraints.items():
        key = _filter_of(name, persons)
        filters[key] = SEASONS_MEETING.get(value, value) if key == SEASON_FACET else value
    return filters


def constraint_from_reply(reply: str) -> tuple[str, Any] | None:
    """``facet:price=50-100`` -> a constraint; a price bucket becomes min and max."""
    if not reply.startswith(REPLY_FACET):
        return None
    facet, _, value = reply[len(REPLY_FACET) :].partition("=")
    return facet, value


def apply_constraint(constraints: dict[str, Any], facet: str, value: str) -> dict[str, Any]:
    # It replaces an entity that set the same filter: "summer" said, then "all year" chosen.
    updated = {name: v for name, v in constraints.items() if ENTITY_FILTERS.get(name) != facet}
    if facet == PRICE:
        low, _, high = value.rstrip("+").partition("-")
        updated["price_min"] = float(low) if low else None
        updated["price_max"] = float(high) if high else None
        return {k: v for k, v in updated.items() if v is not None}
    updated[facet] = value
    return updated


_NEGATION = re.compile(r"\b(?:not|no|without|nicht|kein\w*|ohne)\b|n't\b", re.IGNORECASE)
_YES = re.compile(r"^\s*(?:yes|ja)\b[\s,]*", re.IGNORECASE)


def constraints_named_in(
    text: str,
    facets: dict[str, dict[str, int]],
    skip: set[str],
    questions: Sequence[Question] = (),
) -> dict[str, str]:
    """Attribute values the shopper already named ("a *cast iron* pan", "*red* chair"),
    and a yes/no attribute by its name or the flow's label of "yes" ("pans for
    *induction*", "Pfannen für *Induktion*": ``attr.induction`` true; not "not for
    induction")."""
    lowered = f" {text.lower()} "
    named = {}
    for facet, counts in facets.items():
        if not facet.startswith("attr.") or facet in skip:
            continue
        if counts and set(counts) <= {"true", "false"}:
            if _names_yes(lowered, facet, questions):
                named[facet] = "true"
            continue
        for value in sorted(counts, key=len, reverse=True):
            if (
                len(value) > 2
                and not value.replace(".", "").isdigit()
                and re.search(rf"(?<!\w){re.escape(value.lower())}(?!\w)", lowered)
            ):
                named[facet] = value
                break
    return named


def _names_yes(lowered: str, facet: str, questions: Sequence[Question]) -> bool:
    """Whether ``lowered`` asks for yes/no ``facet`` by name, with no negation in the
    three words before it ("not suitable for induction"; a "non-stick pan for
    induction" is one)."""
    names = {facet.removeprefix("attr.").replace("_", " ")}
    for question in questions:
        if question.facet == facet:
            names |= {_YES.sub("", label) for label in question.labels.get("true", {}).values()}
    for name in names:
        for found in re.finditer(rf"(?<!\w){re.escape(name.lower())}(?!\w)", lowered):
            before = " ".join(lowered[: found.start()].split()[-3:])
            if len(name) > 2 and not _NEGATION.search(before):
                return True
    return False


# Units as attribute names end, by what they measure and their size in its base unit.
_DIMENSIONS = {"kg": ("mass", 1.0), "g": ("mass", 0.001), "l": ("volume", 1.0),
               "ml": ("volume", 0.001), "m": ("length", 100.0), "cm": ("length", 1.0),
               "mm": ("length", 0.1), "c": ("temperature", 1.0), "w": ("power", 1.0),
               "lm": ("light", 1.0)}  # fmt: skip
ABOUT = 0.15  # "a 40 l backpack", "around 45 litres": within 15 %


def measured_constraints(
    measures: tuple[Measure, ...], facets: dict[str, dict[str, int]]
) -> dict[str, float]:
    """The bounds the shopper's measures set on the products' numeric attributes:
    "under 2 kg" is ``attr.weight_kg_max`` 2, "mindestens 40 Liter" ``attr.volume_l_min``
    40, "a 40 l backpack" 34-46 l. A measure bounds the attribute in a unit of its kind
    (grams for kilograms too) that most of the ``facets``' products have. A temperature
    bounds a comfort rating from above whatever the words: a bag "for -10 °C" keeps warm
    at -10 °C or colder."""
    constraints: dict[str, float] = {}
    for measure in measures:
        dimension, scale = _DIMENSIONS[measure.unit]
        fitting = [
            (sum(counts.values()), facet, _DIMENSIONS[unit][1])
            for facet, counts in facets.items()
            if facet.startswith("attr.")
            and (unit := facet.rsplit("_", 1)[-1].lower()) in _DIMENSIONS
            and _DIMENSIONS[unit][0] == dimension
        ]
        if not fitting:
            continue
        _, facet, facet_scale = max(fitting)
        number = round(measure.number * scale / facet_scale, 6)
        bound = measure.bound
        if facet.startswith("attr.comfort") and bound != "below":
            bound = "max"
        if bound == "about":
            low, high = sorted((number * (1 - ABOUT), number * (1 + ABOUT)))
            constraints |= {f"{facet}_min": round(low, 6), f"{facet}_max": round(high, 6)}
        elif bound in ("below", "above"):  # just past the number, as for "a lighter one"
            strictly = -_STRICTLY if bound == "below" else _STRICTLY
            constraints[f"{facet}_{'max' if bound == 'below' else 'min'}"] = number + strictly
        else:
            constraints[f"{facet}_{bound}"] = number
    return constraints


def constrained_facets(constraints: dict[str, Any], *, persons: str = PERSONS) -> set[str]:
    facets = set()
    for name in constraints:
        key = _filter_of(name, persons)
        if key.startswith("price"):
            facets.add(PRICE)
        else:
            facets.add(key.removesuffix("_min").removesuffix("_max"))
    return facets


# "A cheaper one", "a lighter one": than the first product shown (the one recommended),
# as a bound on the price or on the attribute that holds the detail.
THAN_SHOWN = {
    "cheaper": (PRICE, "max"),
    "lighter": ("weight", "max"),
    "smaller": ("capacity", "max"),
    "bigger": ("capacity", "min"),
    "warmer": ("comfort", "max"),  # a lower comfort temperature
}
_STRICTLY = 1e-3  # a bound just past the product's own value: not it, nor its equals


def than_shown(ranking: str, product: Product) -> dict[str, float]:
    """The constraint "a ``ranking`` one than ``product``" sets; {} where the product
    has no number for it (a tent has no weight?)."""
    concept, bound = THAN_SHOWN[ranking]
    if concept == PRICE:
        return {"budget_max": product.price - 0.01}
    found = number_for(product.attributes, concept)
    if found is None:
        return {}
    name, number = found
    return {f"attr.{name}_{bound}": number + (-_STRICTLY if bound == "max" else _STRICTLY)}


def shortfall(product: Product, name: str, value: Any, *, persons: str = PERSONS) -> float:
    """How far ``product`` is from meeting the constraint ``name``, relative to its bound:
    0.5 for a bag good to -5 °C asked for one to -10 °C, as for one of 450 € asked for
    under 300; 0 where it meets it; 1 for another value ("red" of a green tent); infinite
    where it has no such value (a sleeping mat has no comfort temperature)."""
    key = _filter_of(name, persons)
    field, _, bound = key.rpartition("_")
    if bound in ("min", "max") and isinstance(value, int | float):
        attribute = field.removeprefix("attr.")
        actual = product.price if field == PRICE else product.attributes.get(attribute)
        if not isinstance(actual, int | float) or isinstance(actual, bool):
            return math.inf
        beyond = actual - value if bound == "max" else value - actual
        return max(beyond, 0.0) / max(abs(value), 1.0)
    actual = product.brand if key == "brand" else product.attributes.get(key.removeprefix("attr."))
    if actual is None:
        return math.inf
    if key == SEASON_FACET:
        value = SEASONS_MEETING.get(value, value)
    wanted = {str(v).lower() for v in (value if isinstance(value, list | tuple) else [value])}
    return 0.0 if str(actual).lower() in wanted else 1.0


def closest(
    misses: Sequence[tuple[str, Sequence[Hit]]],
    products: Mapping[str, Product],
    constraints: Mapping[str, Any],
    *,
    persons: str = PERSONS,
) -> list[Hit]:
    """Where nothing meets every constraint: the hits that meet all but one (``misses``:
    each constraint with the hits of a search without it), nearest first on the one they
    miss, then by score. "A sleeping bag to -10 °C under 300 €": the down bag to -5 °C
    for 289 € and the winter bag to -15 °C for 449 € before the summer bag for 79 €."""
    best: dict[str, tuple[float, Hit]] = {}
    for name, hits in misses:
        for hit in hits:
            if (product := products.get(hit.id)) is None:
                continue
            miss = shortfall(product, name, constraints[name], persons=persons)
            if hit.id not in best or miss < best[hit.id][0]:
                best[hit.id] = (miss, hit)
    return [hit for _, hit in sorted(best.values(), key=lambda pair: (pair[0], -pair[1].score))]


def unlikeness(product: Product, other: Product) -> float:
    """How unlike ``other`` is to ``product``: over the price and each of ``product``'s
    attributes, the relative difference of numbers (at most 1), 1 for another value or
    none. A sold-out 1-person trekking tent is most like the 2-person ultralight tent of
    the same season and colour, not the expedition tent whose title is like its own."""

    def apart(mine: Any, theirs: Any) -> float:
        numbers = all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in (mine, theirs)
        )
        if numbers:
            return min(abs(mine - theirs) / (max(abs(mine), abs(theirs)) or 1.0), 1.0)
        return 0.0 if str(mine).lower() == str(theirs).lower() else 1.0

    return apart(product.price, other.price) + sum(
        apart(value, other.attributes[name]) if name in other.attributes else 1.0
        for name, value in product.attributes.items()
    )


def ranked(products: list[Product], ranking: str) -> list[Product]:
    """``products`` by price ("price", "-price"), best sellers first ("-popular"), best
    rating first ("-rating"; unrated last) or by an attribute ("weight": the lightest
    first, "-capacity": the biggest, "comfort": the warmest; those without the number
    last), in their order where equal."""
    if ranking == "-popular":  # the shop's best sellers, each group best rated first
        return sorted(ranked(products, "-rating"), key=lambda p: not p.popular)
    if ranking == "-rating":
        return sorted(products, key=lambda p: -(p.rating if p.rating is not None else -1))
    if ranking in ("price", "-price"):
        return sorted(products, key=lambda p: -p.price if ranking == "-price" else p.price)
    sign = -1 if ranking.startswith("-") else 1

    def key(product: Product) -> tuple[bool, float]:
        found = number_for(product.attributes, ranking.lstrip("-"))
        return (found is None, sign * found[1] if found else 0.0)

    return sorted(products, key=key)


def measured(products: list[Product], ranking: str) -> bool:
    """Whether any of ``products`` has what ``ranking`` orders by: "the lightest" of chairs
    whose weights the catalog lacks is in no order."""
    if ranking in ("price", "-price", "-popular"):
        return True
    if ranking == "-rating":
        return any(p.rating is not None for p in products)
    return any(number_for(p.attributes, ranking.lstrip("-")) for p in products)


def leading(hits: list[Hit], gap: float) -> list[Hit]:
    """The hits within ``gap`` of the best score: the kind of product the words name.

    A search finds things close in meaning too ("a coffee grinder" finds kettles and a
    French press), but those trail the grinder by far more than tents trail each other
    for "a tent", so a question would split products the shopper did not ask about.
    Browsing (no words) scores every hit alike and keeps them all.
    """
    if not hits:
        return []
    floor = hits[0].score - gap
    return [hit for hit in hits if hit.score >= floor]


def buyable_first(products: list[Product]) -> list[Product]:
    """Of each kind, what the shopper can buy now comes first; out of stock after it
    (stable). Each kind keeps its places: the sold-out parasol asked for stays before
    the backpack that came close to "I'd like to buy a parasol"."""
    slots: dict[str, list[int]] = {}
    for place, product in enumerate(products):
        slots.setdefault(product.category, []).append(place)
    ordered = list(products)
    for places in slots.values():
        kind = sorted((products[place] for place in places), key=lambda p: p.stock <= 0)
        for place, product in zip(places, kind, strict=True):
            ordered[place] = product
    return ordered


def split_entropy(counts: dict[str, int], total: int) -> float:
    """How evenly a facet divides the candidates (bits); products without the facet count as
    one more group, so a facet few products have scores low."""
    known = sum(counts.values())
    groups = [n for n in counts.values() if n > 0]
    if total > known:
        groups.append(total - known)
    if len(counts) < 2:
        return 0.0
    return -sum(n / total * math.log2(n / total) for n in groups)


def choose_question(
    facets: dict[str, dict[str, int]],
    total: int,
    *,
    skip: set[str],
    flow: Flow | None,
    gift: bool = False,
) -> Question | None:
    """The open question whose answer splits the candidates best; None if nothing splits.
    Without a flow, a ``gift`` asks the budget first where it splits them: the giver
    knows that, rarely what capacity the present should have."""
    if flow is not None:
        options = [q for q in flow.questions if q.facet not in skip]
    else:
        # What a product fits is a relationship for accessories, not a shopper's preference.
        names = [
            PRICE,
            *(n for n in facets if n.startswith("attr.") and n[5:] not in FIT_ATTRIBUTES),
        ]
        options = [Question(facet=n, prompt={}) for n in names if n not in skip]
    scored = [(split_entropy(facets.get(q.facet, {}), total), i, q) for i, q in enumerate(options)]
    scored = [item for item in scored if item[0] > 0.5]
    if not scored:
        return None
    # Without a flow, taste comes after what the product must do: "which colour?" is a
    # poor first question about coffee makers. Ties keep the flow's order: the content
    # team knows which question reads best first.
    return max(
        scored,
        key=lambda item: (
            flow is None and gift and item[2].facet == PRICE,
            flow is not None or item[2].facet not in TASTE,
            round(item[0], 1),
            -item[1],
        ),
    )[2]


def kind_question(
    kinds: dict[str, int],
    asked: list[str],
    chosen: str | None = None,
    flows: list[Flow] | None = None,
) -> Question | None:
    """ "What kind of product?" where the candidates are of several kinds (category ->
    count) and no flow leads ("something for a beginner camper": tents, sleeping bags,
    a lantern). Their categories' own questions follow the answer. Asked once, and
    once more within a department chosen for a gift ("Outdoor": tents or backpacks?).
    The buttons name a kind as its flow does ("Zelte" in German)."""
    within = chosen is not None and all(kind.startswith(chosen + "/") for kind in kinds)
    if len(kinds) < 2 or asked.count(KIND) > int(within):
        return None
    labels = {
        flow.category: {language: _capitalised(name) for language, name in flow.name.items()}
        for flow in flows or []
        if flow.category in kinds
    }
    return Question(facet=KIND, prompt={}, labels=labels)


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


GIFT_QUESTION = Question(
    facet=KIND,
    prompt={
        "en": "Happy to help you find a gift. What does the person enjoy?",
        "de": "Gern helfe ich bei der Geschenksuche. Was mag die Person?",
    },
)
# "What do you have?": which part of the shop, then its kinds.
BROWSE_QUESTION = Question(
    facet=KIND,
    prompt={
        "en": "Happy to show you around. What are you looking for?",
        "de": "Gern zeige ich dir unser Sortiment. Wonach suchst du?",
        "de-sie": "Gern zeige ich Ihnen unser Sortiment. Wonach suchen Sie?",
    },
)


def top_levels(paths: Iterable[str]) -> list[str]:
    """The departments of category ``paths``, in the order first met."""
    return list(dict.fromkeys(path.split("/")[0] for path in paths))


def departments(category_counts: dict[str, int]) -> dict[str, int]:
    """The catalog's top-level categories (its facet counts every level of a path)."""
    return {name: n for name, n in category_counts.items() if "/" not in name}


def kinds_of(categories: list[str], counts: dict[str, int], chosen: str | None) -> dict[str, int]:
    """The kinds to offer: within a chosen department, its categories one level down
    (of ``counts``, the search's category facet: all it holds, not only the leaders);
    else the leading candidates' ``categories``."""
    if chosen:
        level = chosen.count("/") + 1
        return {
            c: n for c, n in counts.items() if c.startswith(chosen + "/") and c.count("/") == level
        }
    return dict(Counter(categories))


def question_message(
    question: Question, facets: dict[str, dict[str, int]], voice: str
) -> tuple[str, list[dict[str, str]]]:
    """The text and quick replies for ``question``: its most common values, then skip."""
    name = facet_name(question.facet, voice)
    template = question.prompt or GENERIC_PROMPTS.get(question.facet) or GENERIC_PROMPTS[""]
    text = in_voice(template, voice) or next(iter(template.values()))
    counts = facets.get(question.facet, {})
    if question.facet == PRICE:
        values = sorted(counts, key=_price_order)[:MAX_OPTIONS]
    else:
        values = sorted(counts, key=lambda v: -counts[v])[:MAX_OPTIONS]
        # The most common numbers read best in order (-15, -5, 5, 8 °C), not by count.
        with contextlib.suppress(ValueError):
            values = sorted(values, key=float)
    options = []
    leaves = [leaf(value) for value in values] if question.facet == KIND else []
    for value in values:
        label = in_voice(question.labels.get(value, {}), voice) or _label(
            question.facet, value, voice
        )
        if _is_number(label):  # "1,2" in German
            label = decimal(label, voice)
        if leaves.count(label) > 1:  # "Accessories" of outdoor and of kitchen
            label = value.replace("/", " › ")
        options.append({"label": label, "value": f"{REPLY_FACET}{question.facet}={value}"})
    skip = {"en": "Doesn't matter", "de": "Egal"}
    results = {"en": "Show results", "de": "Ergebnisse zeigen"}
    options.append({"label": in_voice(skip, voice) or "", "value": REPLY_SKIP})
    options.append({"label": in_voice(results, voice) or "", "value": REPLY_RESULTS})
    return text.format(name=name), options


def facet_name(facet: str, voice: str = "en") -> str:
    """A facet as a question names it: "attr.weight_kg" -> "weight (kg)"; in German
    "Gewicht (kg)" where ``texts.DETAIL_NAMES`` knows the word (English keeps the
    catalog's own)."""
    name = facet.removeprefix("attr.")
    unit = unit_of(name)
    words = name.rsplit("_", 1)[0] if unit else name
    called = words.replace("_", " ") if voice.startswith("en") else attribute_name(words, voice)
    return f"{called} ({unit})" if unit else called


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _price_order(label: str) -> float:
    return float(label.rstrip("+").partition("-")[0] or 0)


def _label(facet: str, value: str, voice: str) -> str:
    if facet == KIND:
        return leaf(value)
    if facet == PRICE:
        low, _, high = value.rstrip("+").partition("-")
        return f"{low}+ €" if not high else f"{low}–{high} €"
    return value_text(value, voice, facet.removeprefix("attr."))


def within(category: str, named: str) -> bool:
    """Whether ``category`` is ``named`` or one of its kinds ("Outdoor/Tents" in "Outdoor")."""
    return category == named or category.startswith(named + "/")
