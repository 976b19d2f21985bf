"""Questions about a product: "is it in stock?", "what does the first one weigh?",
"Was kostet der?", "how heavy is the Trail 2?", "what's the difference between the
first and the second?". Pure: no I/O.

``asked_detail`` reads what is asked (a *detail*: stock, price, rating, description,
an attribute such as weight, or how they differ) and which products (ordinals among
those shown, else the words left over, which may name one). The brain keeps the question only
where those words are nothing else (no "shipping" in "what does shipping cost for
it?"); the action in bot/actions/details.py answers from the catalog.
See docs/subsystems/bot.md.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.accessories import NOT_COMPARED
from bot.entities import COLOURS, POPULAR_WORDS, SEASONS, extract_colours
from knowledge.analysis import ANY_STOPWORD, fold, tokens

STOCK, PRICE, RATING, DESCRIPTION = "stock", "price", "rating", "description"
BRAND = "brand"  # "what brand is it?", "who makes the chef's knife?"
POPULAR = "popular"  # "which one is the most popular?": the shop's best sellers
COMPARE = "compare"  # how the products differ
RECOMMEND = "recommend"  # which of them to take
FEATURE = "feature"  # "is it waterproof?", "how many settings?": what the catalog writes
AGAIN = "again"  # "and the second one?": what was last asked, of other products
BUY = "buy"  # "I'll take it", "add the first one to my cart": where the cart button is

# What a question asks, English and German. The first that matches wins: an attribute
# before the price ("how much does it weigh"), the description last ("what is it").
_DETAILS: dict[str, str] = {
    # Not "I want to buy a tent", a search: a choice among products ("I'll take the
    # Trail 2") or a question of how to buy one.
    BUY: r"(?:i'?ll|i will|i'?d|i would|let me|we'?ll) (?:take|buy|order|get|go (?:for|with))|"
    r"(?:add|put)(?= [\w' ]{0,40}\b(?:to|in|into) (?:my |the )?(?:cart|basket))|"
    r"how (?:do|can) i (?:buy|order|purchase) (?:it|this|that|one|them|the)|"
    r"ich nehme|(?:in den|zum) warenkorb|"
    r"wie kann ich (?:es|ihn|sie|das|den|die) (?:kaufen|bestellen)",
    # The word after "which" is kept (group kind*): "which pan is best" is about pans.
    RECOMMEND: r"which (?P<kind1>\w+ )?(?:would|do|should|can) (?:you|i) (?:recommend|suggest|"
    r"take|choose|pick|buy|get)|which (?P<kind2>\w+ )?is (?:the )?best|your (?:recommendation|"
    r"pick|favou?rite)|welche[nrs]? (?P<kind3>\w+ )?(?:würdest du|empfiehlst du|würden sie|"
    r"empfehlen sie|soll ich|ist (?:die |der |das )?beste)|was (?:empfiehlst du|würdest du nehmen)",
    COMPARE: r"differences?|differ|compare\w*|comparison|versus|vs|unterschied\w*|"
    r"vergleich\w*|unterscheide\w*",
    "weight": r"weigh\w*|heavy|heavier|weight|wiegt|wiegen|schwer|gewicht",
    "blade": r"blades?|klinge\w*",
    "power": r"power|watts?|wattage|leistung|wie stark",
    "brightness": r"how bright|brightness|lumens?|wie hell|helligkeit",
    # "How long is it?", not "how long does the battery last?" (a time, not a size).
    "size": r"how (?:big|large|wide|tall)|how long(?!\s+(?:does|do|did|will|would|can|could|"
    r"should|until|till|before|to)\b)|sizes?|dimensions?|measurements|"
    r"wie (?:groß|lang|breit|hoch)|größe|maße|abmessung\w*",
    "colour": r"colou?rs?|farbe\w*",
    "material": r"materials?|made (?:of|from)|aus was|woraus|aus welchem",
    "persons": r"how many (?:people|persons|seats)|sleeps?|seats?|"
    r"(?:fits?|sleeps?|holds?|for) \d+ (?:people|persons|adults)|"
    r"wie viele (?:personen|leute|sitzplätze)|für wie viele",
    "capacity": r"capacity|volume|how many (?:litres|liters|cups)|fassungsvermögen|volumen|"
    r"wie viele? (?:liter|tassen)",
    "induction": r"induction|induktion\w*",
    "comfort": r"how warm|temperatures?|comfort|wie warm|temperatur\w*|komfort\w*",
    "season": r"seasons?|saison|jahreszeit\w*",
    BRAND: r"brands?|who makes|made by|manufacturer|maker|marke|hersteller|wer stellt",
    RATING: r"ratings?|rated|reviews?|stars|bewertung\w*|bewertet|sterne|rezension\w*",
    STOCK: r"in stock|on stock|available|availability|any left|sold out|auf lager|lieferbar|"
    r"verfügbar|vorrätig|ausverkauft|noch zu haben",
    PRICE: r"how much|prices?|costs?|kostet|kosten|wie teuer|preis",
    DESCRIPTION: r"tell me (?:more )?about|more (?:details|info\w*) (?:on|about)|describe|"
    r"what is (?:it|that|this)|erzähl\w* (?:mir )?(?:mehr )?(?:über|von)|"
    r"mehr (?:über|zu|infos? zu)|beschreib\w*|was ist (?:das|der|die|es)",
}
_DETAIL_PATTERNS = {
    detail: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE) for detail, pattern in _DETAILS.items()
}
# "Which one is the lightest?": the one with the least or most of an attribute, among
# those shown ("is there a lighter one?" asks for others, and is not this).
_WHICH = re.compile(r"\b(?:which|welche[nrs]?)\b", re.IGNORECASE)
_EXTREMES: dict[tuple[str, str], re.Pattern[str]] = {
    (about, extreme): re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)
    for (about, extreme), pattern in {
        ("weight", "min"): r"light(?:est|er)|leichteste?\w*|leichter\w*",
        ("weight", "max"): r"heav(?:iest|ier)|schwerste?\w*|schwerer\w*",
        ("capacity", "max"): r"bigg(?:est|er)|larg(?:est|er)|größte?\w*|größer\w*",
        ("capacity", "min"): r"small(?:est|er)|kleinste?\w*|kleiner\w*",
        ("comfort", "min"): r"warm(?:est|er)|wärmste?\w*|wärmer\w*",  # the lowest comfort °C
        (POPULAR, "max"): POPULAR_WORDS,
        (RATING, "max"): r"best rated|highest rated|top rated|best (?:rating|reviews?)|"
        r"highest rating|am besten bewertet\w*|beste[nr]? bewertung\w*",
        (PRICE, "min"): r"cheap(?:est|er)|least expensive|günstigste?\w*|günstiger\w*|"
        r"billigste?\w*|billiger\w*",
        (PRICE, "max"): r"most expensive|dearest|pricier|priciest|teuerste?\w*|teurer\w*",
    }.items()
}
# "The biggest": what a product holds, else how many it is for, else its size.
BIGGER = ("capacity", "persons", "size")
# Where a shop may keep a detail: the first word of an attribute's name ("weight" for
# "weight_kg"; a tent's "persons", a bench's "seats").
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "weight": ("weight",),
    "blade": ("blade",),
    "power": ("power",),
    "brightness": ("lumen", "brightness"),
    "size": ("size", "dimensions", "diameter", "length"),
    "colour": ("colour", "color"),
    "material": ("material",),
    "persons": ("persons", "seats"),
    "capacity": ("capacity", "volume", "cups"),
    "induction": ("induction",),
    "comfort": ("comfort",),
    "season": ("season",),
}
# Unit suffixes of attribute names ("weight_kg") and how a reply writes them.
_UNITS = {"kg": "kg", "g": "g", "cm": "cm", "mm": "mm", "m": "m", "l": "l", "ml": "ml",
          "c": "°C", "w": "W"}  # fmt: skip
# A question, not a search: "what grit is it?", "welche Körnung hat er?"; "a whetstone
# with grit 1000" says what the shopper looks for.
_QUESTION = re.compile(
    r"\?\s*$|^\s*(?:what|whats|which|how|is|are|does|do|has|have|was|welche[nrs]?|wie|"
    r"ist|sind|hat|haben)\b",
    re.IGNORECASE,
)
# "Is it waterproof?", "does the first one work on gas?", "Ist sie spülmaschinenfest?":
# a yes/no question whose subject is a product ("can you ship it?" is not). Only its
# start is matched: the words after it are the feature, and may hold an ordinal.
_YES_NO = re.compile(
    r"^\W*(?:(?:and|so|und|also)\s+)?(?:"
    r"(?:is|are|does|do|can|will|has)\s+(?:it|they|this|that|these|those|the)|"
    r"(?:ist|sind|hat|haben|kann|können|geht|gehen|passt|passen|lässt|lassen)\s+"
    r"(?:es|er|sie|das|der|die|den|dieser|diese|dieses))\b",
    re.IGNORECASE,
)
# "Which one is waterproof?", "which of the tents has a porch?", "Welches Zelt ist
# wasserdicht?": of several, those whose text says so. Another detail's words come first
# ("which one is in stock?", "which is the best").
_WHICH_HAS = re.compile(
    r"^\W*(?:(?:and|und)\s+)?(?:which|welche[nrs]?)\b"
    r"(?:\s+(?:one|ones|of\s+(?:them|these|those|the\s+\w+)|davon|von\s+(?:denen|ihnen)|\w+))?"
    r"\s+(?:is|are|has|have|can|ist|sind|hat|haben|kann|können|geht|gehen|passt|passen)\b",
    re.IGNORECASE,
)
# "How many settings does it have?", "how does it grind?", "how loud is it?", „Wie laut
# ist er?“: answered, like those, by what its text says. Not of a subject that is no
# product ("how do I return it?"), nor how long or soon ("how long does delivery take?"
# is a time, for the FAQ).
_HOW = re.compile(
    r"^\W*(?:(?:and|so|und|also)\s+)?(?:how many|wie viele?|"
    r"how\s+(?!long\b|soon\b|often\b|quickly\b)(?:\w+\s+)?(?:does|do|is|are|will|would|can)"
    r"\s+(?:it|they|this|that|these|those|the)|"
    r"wie\s+(?!lange?\b|bald\b|oft\b|schnell\b)(?:\w+\s+)?(?:ist|sind|\w+t)"
    r"\s+(?:es|er|sie|das|der|die|dieser|diese|dieses))\b",
    re.IGNORECASE,
)
# "And the second one?", "what about the Summit 2?", "und das andere?": the last
# question again, of the products its other words point at.
_AGAIN = re.compile(
    r"^\W*(?:(?:and|und)\b(?:\s+(?:what|how) about\b)?|(?:what|how) about\b|"
    r"(?:und )?(?:was ist mit|wie (?:ist|sieht) es (?:mit|bei))\b)",
    re.IGNORECASE,
)
_AND = re.compile(r"^\W*(?:and|und)\b", re.IGNORECASE)
# "Who pays for *that*?": what the answer before spoke of ("es" is too often no pointer:
# "gibt es").
_POINTING_BACK = re.compile(r"\b(?:that|this|it|das|dies|dafür|dafuer)\b", re.IGNORECASE)
_OTHER = re.compile(r"\b(?:other|others|andere[nrs]?)\b", re.IGNORECASE)
# "Is it in stock?", "wie schwer ist der?": one product, the one the last answer was
# about where it was about one ("sie", "die" may be one or several: not these).
_SINGULAR = re.compile(
    r"\b(?:it|this one|that one|er|es|ihn|ihm|der|das|den|dem|dieser|dieses|diesen)\b",
    re.IGNORECASE,
)
# Words of such a question that name no feature: "does it *go* in the oven?"
# (Besides ``_FILLER``, which names nothing in any question: "use", "fit", "come".)
_NO_FEATURE = frozenset(map(fold, [
    "go", "goes", "going", "put",
    "gehen", "geht", "passt", "passen", "lässt", "lassen", "sich", "verwenden", "benutzen",
]))  # fmt: skip
_ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1,
    "erste": 0, "ersten": 0, "erster": 0, "erstes": 0, "zweite": 1, "zweiten": 1,
    "zweiter": 1, "zweites": 1, "dritte": 2, "dritten": 2, "dritter": 2, "drittes": 2,
    "letzte": -1, "letzten": -1, "letzter": -1, "letztes": -1,
}  # fmt: skip
# One of those shown pointed at and nothing asked: "the second one", "die zweite bitte",
# "the last one?": what it is, as "tell me about the second one".
_POINTED_ALONE = re.compile(
    r"^\W*(?:(?:and|und|ok(?:ay)?|so|also)\s+)?(?:(?:the|der|die|das|den)\s+)?"
    rf"(?:{'|'.join(_ORDINALS)})(?:\s+(?:one|eins))?(?:\s+(?:please|bitte))?\W*$",
    re.IGNORECASE,
)
# The words of a question about "it" that name nothing: what is left once they and the
# stop words are gone names the product, or asks something else ("shipping").
_FILLER = frozenset(map(fold, [
    "it", "its", "s", "they", "them", "this", "that", "these", "those", "one", "ones",
    "there", "here", "how", "what", "whats", "which", "when", "much", "many", "any", "still",
    "again", "currently", "now", "right", "today", "also", "really", "actually", "exactly",
    "please", "tell", "can", "could", "you", "know", "suitable", "good", "work", "works",
    "get", "left", "item", "items", "product", "products", "thing", "does", "do", "did", "is",
    "are", "will", "would", "should", "long", "big", "large", "wide", "tall", "high", "time",
    "take", "buy", "choose", "pick", "between", "both", "two", "each", "other", "vs",
    "versus", "oder", "cart", "basket", "warenkorb", "leg", "lege", "legen", "come", "comes",
    "fit", "fits", "use", "used", "available", "offered", "gibt", "gibts", "something",
    "anything", "etwas", "bitte", "about",
    "es", "er", "sie", "ihn", "ihm", "der", "die", "das", "den", "dem", "des", "diese",
    "dieser", "dieses", "diesen", "wie", "was", "welche", "welcher", "welches", "wann",
    "wieviel", "viel", "viele", "noch", "wieder", "gerade", "jetzt", "auch", "denn",
    "eigentlich", "genau", "bitte", "mir", "sagen", "kannst", "können", "du", "weißt",
    "geeignet", "funktioniert", "man", "davon", "dafür", "damit", "hat", "haben", "ist",
    "sind", "habe", "hab", "hast", "habt", "wer", "artikel", "produkt", "ding", "gut", "gute",
    "guten", "lang", "lange", "zeit",
    "groß", "breit",
    "hoch", "nehmen", "kaufen", "zwischen", "beide", "beiden", "zwei", "andere", "anderen",
    "kann", "könnt", "könnte", "könnten", "könntest",
    # „Geht die auf Induktion?“, as "does it work on induction?".
    "geht", "gehen", "funktionieren", "klappt", "passt", "passen", "benutzen", "verwenden",
    "nutzen",
    "hi", "hello", "hey", "hallo", "moin", "servus",  # "Hi, something for the garden"
]))  # fmt: skip


# "The Trail 2", "das Messer": a particular product, where nothing was shown.
_DEFINITE = re.compile(
    r"\b(?:the|this|that|these|those|der|die|das|den|dem|des|diese[mnrs]?)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Detail:
    # STOCK, PRICE, RATING, DESCRIPTION, COMPARE, RECOMMEND, FEATURE, AGAIN, a key
    # of ATTRIBUTES, or the name of one of the shop's own attributes ("grit").
    about: str
    ordinals: tuple[int, ...] = ()  # among those shown: 0 the first, -1 the last
    # The words left over: "" for "is it in stock?", "trail 2" for the Trail 2; for a
    # FEATURE what is asked of the product ("waterproof").
    rest: str = ""
    # Set by the brain where ``rest`` is not one name: of a FEATURE question the words
    # before the feature ("trail 2" of "is the Trail 2 waterproof?"; ``rest`` holds the
    # feature), of a comparison each product's ("trail 2", "summit 2").
    names: tuple[str, ...] = ()
    definite: bool = False  # "the", "das": it asks about a particular product
    # The catalog names particular products by them ("trail 2", "chef knife"; not a kind
    # alone such as "tent"): the question needs no products on screen. Set by the brain.
    named: bool = False
    extreme: str | None = None  # "min" or "max": which of them has the least or most
    other: bool = False  # "the other one": those shown the last question was not about
    singular: bool = False  # "it", "der": one product, where the last answer was about one
    which: bool = False  # "which one is waterproof?": a FEATURE asked to pick those with it
    follows: bool = False  # "and how heavy?": of what the last question was about


def asked_detail(text: str, attributes: Iterable[str] = ()) -> Detail | None:
    """What ``text`` asks about a product, if it asks for a detail: one the bot knows
    by its words in either language, else one of the shop's own ``attributes`` named
    in a question ("what grit is it?" where products have a "grit")."""
    extreme = None
    if _WHICH.search(text):
        extreme = next((key for key, pattern in _EXTREMES.items() if pattern.search(text)), None)
    asked = next((d for d, found in _DETAIL_PATTERNS.items() if found.search(text)), None)
    which = bool(_WHICH_HAS.search(text))
    if asked in ATTRIBUTES and not _QUESTION.search(text):
        asked = None  # "for induction", "Farbe rot": what the product must have, not a question
    # The shop's own attribute over "what is it" alone: "what is it filled with?".
    own = _own_attribute(text, attributes) if asked in (None, DESCRIPTION) else None
    if extreme is not None:
        about, pattern = extreme[0], _EXTREMES[extreme]
    elif own:
        about, pattern = own
    elif asked:
        about, pattern = asked, _DETAIL_PATTERNS[asked]
    elif _YES_NO.search(text) or _HOW.search(text) or which:
        about, pattern = FEATURE, _YES_NO
    elif _AGAIN.search(text):
        about, pattern = AGAIN, _AGAIN
    elif _POINTED_ALONE.match(text):
        about, pattern = DESCRIPTION, _DETAIL_PATTERNS[DESCRIPTION]
    else:
        return None
    rest = _WHICH.sub(" ", text if about == FEATURE else pattern.sub(_kept, text))
    ordinals: list[int] = []
    words = []
    for token in tokens(rest):
        folded = fold(token)
        if folded in _ORDINALS:
            ordinals.append(_ORDINALS[folded])
        elif not (
            folded in _FILLER
            or folded in ANY_STOPWORD
            or (about == FEATURE and folded in _NO_FEATURE)
        ):
            words.append(folded)
    other = bool(_OTHER.search(text))
    if (about == FEATURE and not words) or (about == AGAIN and not (words or ordinals or other)):
        return None  # "is it?", "and?"
    return Detail(
        about=about,
        ordinals=tuple(dict.fromkeys(ordinals)),
        rest=" ".join(words),
        definite=bool(_DEFINITE.search(text)),
        extreme=extreme[1] if extreme else None,
        other=other,
        singular=bool(_SINGULAR.search(text)) and not ordinals and not other,
        which=about == FEATURE and which,
        follows=about != AGAIN and bool(_AND.match(text)) and not ordinals,
    )


def leans_on_last(text: str) -> bool:
    """Whether ``text`` means little without the answer before it: it ties itself to it
    ("and to Switzerland?", "what about sale items?", "und in die Schweiz?"), has no
    words of its own ("how long do I have?"), or one and a word pointing back ("who pays
    for that?", „Wer zahlt das?“)."""
    words = content_words(text).split()
    return (
        bool(_AGAIN.search(text))
        or not words
        or (len(words) == 1 and _POINTING_BACK.search(text) is not None)
    )


def asked_in_colour(text: str) -> Detail | None:
    """ "Do you have the Trail 2 in red?", "Gibt es das Trail 2 auch in Rot?": a colour
    asked of a particular product, which the brain keeps where the other words name
    one ("the red one" and "a red tent" name none: they narrow a search)."""
    if not (extract_colours(text) and _DEFINITE.search(text)):
        return None
    rest = " ".join(word for word in content_words(text).split() if word not in _NOT_A_NAME)
    return Detail("colour", rest=rest, definite=True) if rest else None


def _kept(match: re.Match[str]) -> str:
    """A question's own words replaced by a space, but for the kind of product they
    hold ("pan" of "which pan is the best")."""
    return " " + "".join(word for word in match.groupdict().values() if word) + " "


def content_words(text: str) -> str:
    """The words of ``text`` that may name something, folded: not stop words, nor the
    filler of a question or an answer ("please", "one", "it"): "non stick" of "non-stick
    please"."""
    folded = (fold(token) for token in tokens(text))
    return " ".join(word for word in folded if word not in _FILLER and word not in ANY_STOPWORD)


def _own_attribute(text: str, attributes: Iterable[str]) -> tuple[str, re.Pattern[str]] | None:
    """The shop's attribute a question names, the longest name where several fit."""
    if not _QUESTION.search(text):
        return None
    named = [
        (name, found) for name in attributes if (found := _naming(name)) and found.search(text)
    ]
    return max(named, key=lambda pair: len(pair[0]), default=None)


@functools.lru_cache(maxsize=4096)  # a catalog's names, asked about again and again
def _naming(attribute: str) -> re.Pattern[str] | None:
    """How a question names an attribute: its words without the unit, the last one in
    the singular or plural or as a verb ("pieces": "piece", "pieces"; "fill": "filled";
    "r_value": "r value", "r-value").
    None for a name without a word of three letters: too likely to be something else."""
    words = [w for w in attribute.lower().split("_")[: -1 if unit_of(attribute) else None] if w]
    if not any(len(word) >= 3 and word.isalpha() for word in words):
        return None
    *head, last = map(re.escape, words)
    # "fill": "fills", "filled", "filling"; "pieces": "piece", "pieces".
    last = f"{last.removesuffix('s')}(?:s|ed|ing)?"
    separator = r"[\s_-]+"  # "r value", "r-value", "r_value"
    return re.compile(rf"\b{separator.join([*head, last])}\b", re.IGNORECASE)


def unit_of(attribute: str) -> str | None:
    """The unit an attribute's name ends with: "weight_kg" -> "kg", "comfort_c" -> "°C"."""
    words = attribute.split("_")
    return _UNITS.get(words[-1].lower()) if len(words) > 1 else None


_NOT_A_NAME = frozenset(
    fold(word)
    for words in (*COLOURS.values(), *SEASONS.values(), ("cm", "mm", "m", "l", "kg", "g"))
    for word in words
)


def naming_words(rest: str) -> str:
    """The words of ``rest`` that may name a product: not a colour, season, number or unit
    alone ("in red", "32 cm" narrow a search; "cast iron pan 32 cm" names a pan)."""
    return " ".join(
        word for word in rest.split() if word not in _NOT_A_NAME and not word[0].isdigit()
    )


def differing(attributes: Sequence[Mapping[str, Any]]) -> list[str]:
    """The attributes every product has, with values that differ between them, in the
    first one's order (what a shopper weighs up: not what it fits, nor its EAN)."""
    first, *others = attributes
    return [
        name
        for name, value in first.items()
        if name not in NOT_COMPARED
        and all(name in other for other in others)
        and any(other[name] != value for other in others)
    ]


def attribute_for(attributes: Mapping[str, Any], about: str) -> tuple[str, Any] | None:
    """The product attribute that holds ``about``, as (name, value); None if it has none.
    ``about`` is a detail the bot knows (``ATTRIBUTES``) or the name of the attribute."""
    if about not in ATTRIBUTES:
        return (about, attributes[about]) if about in attributes else None
    names = ATTRIBUTES[about]
    for name, value in attributes.items():
        if name.lower().split("_")[0] in names:
            return name, value
    return None


def number_for(attributes: Mapping[str, Any], about: str) -> tuple[str, float] | None:
    """The attribute with a number for ``about``, as (name, number); "capacity" is a
    product's size in the widest sense (``BIGGER``: a tent's is its persons)."""
    for concept in BIGGER if about == "capacity" else (about,):
        found = attribute_for(attributes, concept)
        if found and isinstance(found[1], int | float) and not isinstance(found[1], bool):
            return found[0], float(found[1])
    return None
