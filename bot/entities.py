"""Rule-based entity extraction for English and German shopper text.

Pure functions, no I/O. Numbers, prices and e-mail addresses follow fixed
shapes, so regular expressions are both more exact and far cheaper than a model.
See docs/subsystems/bot.md.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from knowledge import detect_language as knowledge_language

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "a couple": 2,
    "ein": 1, "eine": 1, "einen": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "fuenf": 5,
    "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "zwölf": 12,
}  # fmt: skip

# Canonical colour names (English) and the words that mean them; German stems
# take adjective endings ("schwarzen", "rote").
COLOURS = {
    "black": ("black", "schwarz"),
    "white": ("white", "weiß", "weiss"),
    "red": ("red", "rot"),
    "blue": ("blue", "blau", "navy"),
    "green": ("green", "grün", "gruen", "olive", "oliv"),
    "yellow": ("yellow", "gelb"),
    "grey": ("grey", "gray", "grau", "anthracite", "anthrazit"),
    "orange": ("orange",),
    "pink": ("pink", "rosa"),
    "purple": ("purple", "lila", "violett"),
    "brown": ("brown", "braun"),
    "beige": ("beige", "sand"),
    "silver": ("silver", "silber"),
    "gold": ("gold", "golden"),
}

SEASONS = {
    "summer": ("summer", "sommer"),
    "winter": ("winter", "snow", "schnee"),
    "3-season": ("3-season", "three-season", "3-jahreszeiten", "drei-jahreszeiten", "spring",
                 "autumn", "fall", "frühling", "herbst"),
    "4-season": ("4-season", "four-season", "all season", "all-season", "ganzjährig",
                 "4-jahreszeiten", "vier-jahreszeiten"),
}  # fmt: skip

_CURRENCY = r"(?:€|eur(?:o|os)?\b|\$|usd\b|dollars?\b|£|gbp\b|pounds?\b|chf\b|franken\b)"
_AMOUNT = r"(\d{1,6}(?:[.,]\d{1,2})?)"
_MONEY = rf"(?:{_CURRENCY}\s*)?{_AMOUNT}(?:\s*{_CURRENCY}|,-)?"
_RANGE = re.compile(
    rf"(?:between|zwischen|from|von)\s+{_MONEY}\s+(?:and|und|to|bis|-)\s+{_MONEY}"
    rf"|{_MONEY}\s*(?:-|–|to|bis)\s*{_MONEY}\s*(?={_CURRENCY})",
    re.IGNORECASE,
)
# An amount with a unit of measure is no price: "around 45 liters", "under 2 kg".
_NOT_MONEY = (
    r"(?![.,]?\d)(?!\s*(?:cm|mm|m|km|l|liters?|litres?|liter|ml|kg|g|gramm?|grams?|w|watts?|"
    r"inch(?:es)?|zoll|°|grad|degrees?|people|persons?|personen|leute|days?|tage?n?|hours?|"
    r"stunden|minutes?|minuten|cups?|tassen|pieces?|stück)\b)"
)
_MAX = re.compile(
    r"(?:under|below|less than|cheaper than|no more than|not more than|max(?:imum|\.)?|up to|"
    r"at most|within|unter|unterhalb von|weniger als|günstiger als|billiger als|höchstens|"
    r"maximal|bis zu|bis|nicht mehr als)\s+" + _MONEY + _NOT_MONEY,
    re.IGNORECASE,
)
_MIN = re.compile(
    r"(?:over|above|more than|at least|from|min(?:imum|\.)?|über|ueber|mehr als|mindestens|ab)\s+"
    + _MONEY
    + _NOT_MONEY,
    re.IGNORECASE,
)
_AROUND = re.compile(
    r"(?:around|about|approximately|roughly|circa|ca\.|etwa|ungefähr|um die|rund)\s+"
    + _MONEY
    + _NOT_MONEY,
    re.IGNORECASE,
)
# A bare amount counts as a budget only with a currency: "100 euro", "€80", "$ 50".
_PRICE = re.compile(rf"{_CURRENCY}\s*{_AMOUNT}|{_AMOUNT}\s*{_CURRENCY}", re.IGNORECASE)
_BUDGET_WORD = re.compile(r"\b(?:budget|price|preis|kosten|spend|ausgeben)\b", re.IGNORECASE)

_IN_COMPANY = {"zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "fuenft": 5, "sechst": 6,
               "siebt": 7, "acht": 8}  # fmt: skip
_NUMBER = r"(\d{1,2}|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True)) + ")"
_PERSONS = re.compile(
    rf"(?:for|für|fuer)\s+{_NUMBER}\s*(?:people|persons?|guests?|adults?|personen|leute|gäste)?\b"
    rf"|{_NUMBER}[\s-]*(?:people|persons?|person|guests?|personen|leute|gäste|mann|man)\b"
    rf"|family of\s+{_NUMBER}|familie mit\s+{_NUMBER}"
    # "We are 4", "there are five of us", "for the two of us", "für uns zwei".
    rf"|\b(?:we(?:'re| are)|there(?:'re| are)|wir sind)\s+{_NUMBER}\b"
    rf"|\b(?:the\s+{_NUMBER}\s+of\s+us|(?:for|für|fuer)\s+(?:us|uns)\s+{_NUMBER})\b"
    # „Zu viert“, „wir sind zu dritt“: how many go together.
    rf"|\bzu\s+({'|'.join(_IN_COMPANY)})\b",
    re.IGNORECASE,
)
_SIZE = re.compile(
    r"\b(?:size|größe|groesse|gr\.)\s*:?\s*(xxs|xs|s|m|l|xl|xxl|3xl|\d{1,3}(?:[.,]5)?)\b"
    r"|\b(xxs|xs|xl|xxl|3xl)\b"
    r"|\b(\d{1,3}(?:[.,]\d)?)\s*(cm|l|liters?|litres?|liter|mm|inch|zoll)\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Four to 15 digits, perhaps after a shop's letters: not a card number (16 to 19). The
# letters may stand apart when capitals ("TP 10001"); "am 12345" is no order number.
_ORDER_ID = r"((?-i:[A-Z]{2,4})\s\d{4,15}|[A-Z]{0,4}-?\d{4,15})"
# Where an order number ends: not in more digits ("0171 5550199", "12.03.2025"), cents
# ("1299,90") or a word.
_ID_END = r"(?!\w|[.,/-]\d|\s+\d)"
_ORDER = re.compile(
    # After the words that name it: "order #100234", "my order number is 100234",
    # "Bestellnummer ist 100234", "meine Bestellung 100234", "Auftrags-Nr.: 100234",
    # "die Bestellung mit der Nummer 100234", "my order (100234)".
    r"\b(?:orders?|purchase|bestellung|bestell-?|auftrag(?:s-?)?)"
    r"(?:[\s-]*(?:(?:with(?: the)?|mit der)\s+)?(?:number|num|no\.?|nr\.?|nummer|id|"
    r"ref(?:erence)?)\b\.?)?"
    rf"(?:\s*(?:[:#=(-]|\b(?:is|was|ist|lautet|war)\b))*\s*{_ORDER_ID}{_ID_END}"
    # Marked as a number, or with a shop's letters: "#100234", "TP-10001".
    rf"|#\s*{_ORDER_ID}{_ID_END}|\b([A-Z]{{2,4}}-\d{{4,15}}){_ID_END}",
    re.IGNORECASE,
)
# A number typed after the bot asked for one: "100234", "it's 100234", "100234,
# anna@example.com". Not a part of a phone number ("+49 171 5550199", "0171-5550199").
_BARE_ORDER = re.compile(r"(?<![\w+#/-])(?<!\d[\s.,])#?\s*" + _ORDER_ID + _ID_END, re.IGNORECASE)
# "Order" as a verb counts what follows: "I want to order 2000", "can I order 3000?",
# "we'd like to purchase 1500"; an order number is longer or starts with 0 ("add an item
# to order 00123842").
_ORDERING = re.compile(
    r"(?:\b(?:to|i|we|you|can|could|would|will|shall|should|may|might|please)|'d|'ll)\s+"
    r"(?:order|purchase)\s+$",
    re.IGNORECASE,
)
_COUNT = re.compile(r"[1-9]\d{0,4}")
# The numbers a shopper has besides order numbers: "PLZ 80331", "my phone number is
# 01715550199", "Kundennummer 5555", "my invoice #12588".
_OTHER_NUMBER = (
    r"\b(?:phone|tel|telephone|mobile|cell|call|fax|whatsapp|telefon\w*|handy\w*|mobil\w*|"
    r"rufnummer|zip|post\s*code|postal code|plz|postleitzahl|customer|kunden\w*|invoice|bill|"
    r"receipt|rechnung\w*|quittung|beleg\w*|ticket\w*|tracking|sendungsnummer)\b"
    r"\W*(?:\w+\W+){0,2}"
)
_OTHER_NUMBER_BEFORE = re.compile(_OTHER_NUMBER + "$", re.IGNORECASE)
# What a number just after these words is instead (when the bot asked for one): another
# of the shopper's numbers, a year, a price or a limit ("since 2023", "under 1000", "für
# 1200").
_NOT_ORDER_BEFORE = re.compile(
    rf"(?:{_OTHER_NUMBER}"
    r"|\b(?:in|since|year|seit|im|jahr|under|below|over|above|up to|about|around|for|unter|"
    r"bis|über|ab|etwa|für|from|von|vom)\W+"
    rf"|{_CURRENCY}\s*)$",
    re.IGNORECASE,
)


# How a text writes each unit, the unit as attribute names end it ("weight_kg",
# "comfort_c"; bot/details.py): for a shopper's measures below, and for the measures a
# product's title or description holds (bot/actions/details.py).
UNIT_WORDS = {
    "kg": r"kg|kilos?|kilogramm?s?",
    "g": r"g|gramm?s?|grams?",
    "l": r"l|ltr|liters?|litres?|litern?",
    "ml": r"ml|millilit(?:er|re)s?",
    "cm": r"cm|zentimetern?|centimet(?:er|re)s?",
    "mm": r"mm|millimet(?:er|re)s?",
    "m": r"m|metern?|meters?|metres?",
    "c": r"°\s*c|°|grad(?:\s+celsius)?|degrees?(?:\s+celsius)?|celsius|c",
    "w": r"w|watts?",
    "lm": r"lm|lumens?",
}
# A number in a unit of measure, and the bound the words before it set: "under 2 kg",
# "mindestens 40 Liter", "a 40 l backpack" (about), "for -10 °C".
_MEASURE_BOUNDS = {
    # A comparison is strict ("lighter than 2 kg": not 2 kg); a limit is not ("up to").
    "below": r"less than|lighter than|smaller than|weniger als|leichter als|kleiner als",
    "above": r"more than|bigger than|larger than|heavier than|mehr als|größer als|schwerer als",
    "max": r"no more than|not more than|under|below|at most|up to|max(?:imum|\.)?|down to|"
    r"unter|unterhalb von|höchstens|maximal|bis zu|bis",
    "min": r"over|above|at least|min(?:imum|\.)?|mindestens|ab|über",
    "about": r"around|about|approximately|roughly|circa|ca\.|etwa|ungefähr|um die|rund",
}
_MEASURE = re.compile(
    r"(?:(?<!\w)(?:"
    + "|".join(rf"(?P<{bound}>{words})" for bound, words in _MEASURE_BOUNDS.items())
    + r")\s+)?(?<![\w.,])(?P<number>[-−+]?\d{1,5}(?:[.,]\d{1,2})?)\s*(?:"
    + "|".join(rf"(?P<{unit}>{words})" for unit, words in UNIT_WORDS.items())
    + r")(?!\w)",
    re.IGNORECASE,
)


# What a number counts where a unit or currency follows it: "for 6" is no person count
# in "for 6 cups", "for 20 euro", "for 2 kg"; "order 1000 cups" no order number.
_UNIT_AFTER = re.compile(
    rf"\s*(?:{_CURRENCY}|(?:{'|'.join(UNIT_WORDS.values())}|cups?|tassen|pieces?|stück|"
    r"teile?|nights?|nächte|days?|tage?n?|weeks?|wochen|hours?|stunden|minutes?|minuten|"
    r"months?|monate?n?|years?|jahre?n?|%|percent|prozent)(?!\w))",
    re.IGNORECASE,
)
# A temperature without its unit: a number below zero ("bis -10"), or one after
# "warmer than" ("wärmer als 0"). Nothing else the shop sells is negative.
_COLD = re.compile(
    r"(?:(?<!\w)(?:warmer than|wärmer als|colder than|kälter als)\s+(?P<than>[-−+]?\d{1,2})"
    r"|(?<![\w.,])(?P<below>[-−]\d{1,2}))(?![\d.,])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Measure:
    number: float
    unit: str  # "kg", "l", "c", ... as attribute names end
    bound: str  # "max", "min", "below" or "above" (strictly), or "about"


@dataclass(frozen=True)
class Budget:
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Entities:
    budget: Budget | None = None
    persons: int | None = None
    size: str | None = None
    colours: tuple[str, ...] = ()
    season: str | None = None
    order_number: str | None = None
    email: str | None = None
    # How the shopper wants the products ordered: "price" (cheapest first), "-price"
    # (dearest first), "-rating" (best rated first), or "cheaper", "lighter", "bigger",
    # "smaller", "warmer" than the first shown.
    # Not a filter: no slot.
    ranking: str | None = None
    # Measures apply to the numeric attribute of their unit the products have
    # (bot/selling.py, measured_constraints): no slot either.
    measures: tuple[Measure, ...] = ()

    def slots(self) -> dict[str, object]:
        """The non-empty entities as slot values (the names the flows and forms use)."""
        values: dict[str, object] = {}
        if self.budget and self.budget.maximum is not None:
            values["budget_max"] = self.budget.maximum
        if self.budget and self.budget.minimum is not None:
            values["budget_min"] = self.budget.minimum
        if self.persons is not None:
            values["persons"] = self.persons
        if self.size:
            values["size"] = self.size
        if self.colours:
            values["colour"] = self.colours[0]
        if self.season:
            values["season"] = self.season
        if self.order_number:
            values["order_number"] = self.order_number
        if self.email:
            values["email"] = self.email
        return values


_MONEY_ALONE = re.compile(rf"\s*{_MONEY}\s*", re.IGNORECASE)


def amount_alone(text: str) -> float | None:
    """The amount a message is, and nothing else: "1000", "300 euro", "€ 49,90"."""
    match = _MONEY_ALONE.fullmatch(text)
    return _amount(match.group(1)) if match else None


def _amount(text: str | None) -> float:
    return float((text or "0").replace(",", "."))


def _first(groups: tuple[str | None, ...]) -> str | None:
    return next((g for g in groups if g), None)


def _count(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word) or _IN_COMPANY.get(word)


def extract_budget(text: str) -> Budget | None:
    if match := _RANGE.search(text):
        low, high = (_amount(g) for g in match.groups() if g)
        return Budget(minimum=min(low, high), maximum=max(low, high))
    if match := _MAX.search(text):
        return Budget(maximum=_amount(match.group(1)))
    if match := _AROUND.search(text):
        value = _amount(match.group(1))
        return Budget(minimum=round(value * 0.8, 2), maximum=round(value * 1.2, 2))
    if (match := _MIN.search(text)) and (_PRICE.search(text) or _BUDGET_WORD.search(text)):
        return Budget(minimum=_amount(match.group(1)))
    if match := _PRICE.search(text):
        return Budget(maximum=_amount(_first(match.groups())))
    return None


# German "ein", "eine" are also the article: „für eine Tagestour“ is no count of one.
_ARTICLES = frozenset(["ein", "eine", "einen"])
_PERSON_WORD = re.compile(
    r"(?:people|persons?|guests?|adults?|personen|leute|gäste|mann|man)\s*$", re.IGNORECASE
)


def extract_persons(text: str) -> int | None:
    for match in _PERSONS.finditer(text):
        word = _first(match.groups())
        if word and word.lower() in _ARTICLES and not _PERSON_WORD.search(match.group(0)):
            continue
        count = _count(word) if word else None
        # "for 2" alone is a person count; "for 20 euro" a price, "for 6 cups" a capacity.
        if count and 0 < count <= 30 and not _UNIT_AFTER.match(text, match.end()):
            return count
    return None


def extract_size(text: str) -> str | None:
    match = _SIZE.search(text)
    if not match:
        return None
    named, bare, number, unit = match.groups()
    if number:
        unit = {"liter": "l", "liters": "l", "litres": "l", "litre": "l", "zoll": "inch"}.get(
            unit.lower(), unit.lower()
        )
        return f"{number.replace(',', '.')} {unit}"
    return (named or bare or "").upper()


def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})(?:e|en|er|es|em)?\b", re.IGNORECASE)


_COLOUR_PATTERNS = {name: _word_pattern(words) for name, words in COLOURS.items()}
_SEASON_PATTERNS = {name: _word_pattern(words) for name, words in SEASONS.items()}


def extract_colours(text: str) -> tuple[str, ...]:
    found = [(m.start(), name) for name, p in _COLOUR_PATTERNS.items() if (m := p.search(text))]
    return tuple(name for _, name in sorted(found))


def extract_measures(text: str) -> tuple[Measure, ...]:
    found, spans = [], []
    for match in _MEASURE.finditer(text):
        bound = next((b for b in _MEASURE_BOUNDS if match[b]), "about")
        unit = next(u for u in UNIT_WORDS if match[u])
        found.append(Measure(_number(match["number"]), unit, bound))
        spans.append(match.span())
    for match in _COLD.finditer(text):
        if not any(start < match.end() and match.start() < end for start, end in spans):
            bound = "below" if match["than"] else "max"  # "warmer than -5": not -5
            found.append(Measure(_number(match["than"] or match["below"]), "c", bound))
    return tuple(found)


def _number(text: str) -> float:
    return float(text.replace(",", ".").replace("−", "-"))


def extract_season(text: str) -> str | None:
    for name in ("4-season", "3-season", "summer", "winter"):
        if _SEASON_PATTERNS[name].search(text):
            return name
    return None


# "I don't know my order number", „Die habe ich nicht“: what the bot asked for is not at hand.
_NOTHING_AT_HAND = re.compile(
    r"\b(?:don'?t|do not|doesn'?t|can'?t|cannot|couldn'?t)\s+(?:\w+\s+)?(?:know|have|find|"
    r"remember|see)\b|\bno idea\b|\b(?:lost|deleted)\s+(?:it|the|my)\b"
    r"|\b(?:weiß|kenne|finde|habe|hab|sehe)\s+(?:ich\s+)?(?:\w+\s+){0,3}nicht\b"
    r"|\bkeine\s+ahnung\b|\b(?:habe|hab)\s+(?:ich\s+)?keine\b",
    re.IGNORECASE,
)


def lacks_what_was_asked(text: str) -> bool:
    """ "I don't know my order number", „Keine Ahnung", "I can't find the e-mail": said
    to the bot's request for an order's number and e-mail."""
    return _NOTHING_AT_HAND.search(text) is not None


def extract_order_number(text: str, *, expecting: bool = False) -> str | None:
    """An order number; with ``expecting`` (the bot just asked for one) a number without
    the words that name it counts too. Not an amount ("order 5000 euro") nor a count
    ("order 1000 cups")."""
    text = _EMAIL.sub(" ", text)
    candidates = [
        (match, _first(match.groups()) or "")
        for pattern in ((_ORDER, _BARE_ORDER) if expecting else (_ORDER,))
        for match in pattern.finditer(text)
    ]
    for match, number in candidates:
        digits = next(group for group in range(1, 4) if match[group])
        if match.re is _BARE_ORDER:  # "PLZ 80331", "call me on 01715550199"
            numeral = match.start(digits) + len(number.rstrip("0123456789"))
            other = _NOT_ORDER_BEFORE.search(text, 0, numeral)
        elif match[2]:  # "#12588" of "my invoice #12588"
            other = _OTHER_NUMBER_BEFORE.search(text, 0, match.start())
        else:
            other = None
        counted = _COUNT.fullmatch(number) and _ORDERING.search(text, 0, match.start(digits))
        if not other and not counted and not _UNIT_AFTER.match(text, match.end()):
            return number.upper().replace(" ", "-")
    return None


# The shop's best sellers: "the most popular tent", "which is your best seller?".
POPULAR_WORDS = (
    r"most popular|best[- ]?sell(?:er|ers|ing)|top[- ]?sell(?:er|ers|ing)|am beliebtesten|"
    r"beliebteste\w*|bestseller\w*|meistverkauft\w*"
)
_RANKINGS = {
    # "Cheap tents", "günstige Pfannen" too: the shopper orders by price. Not "günstiger",
    # which may be "than the one shown".
    "price": re.compile(
        r"\b(?:cheapest|least expensive|lowest[- ]priced?|most affordable|cheap|inexpensive|"
        r"affordable|low[- ]cost|(?:günstigst|billigst|preiswertest)\w*|"
        r"am (?:günstigsten|billigsten|preiswertesten)|(?:günstig|billig|preiswert)(?:e[mns]?)?)\b",
        re.IGNORECASE,
    ),
    "-price": re.compile(
        r"\b(?:most expensive|priciest|dearest|highest[- ]priced?|teuerst\w*|am teuersten)\b",
        re.IGNORECASE,
    ),
    # Than what was shown ("is there a cheaper one?"); "cheaper than 50" is a budget.
    "cheaper": re.compile(
        r"\b(?:cheaper|less expensive|more affordable|günstiger\w*|billiger\w*|preiswerter\w*)\b"
        r"(?!\s+(?:than|als)\s+\d)",
        re.IGNORECASE,
    ),
    # By an attribute: "the lightest tent", "der wärmste Schlafsack".
    "weight": re.compile(r"\b(?:lightest|leichtest\w*|am leichtesten)\b", re.IGNORECASE),
    "-weight": re.compile(r"\b(?:heaviest|schwerst\w*|am schwersten)\b", re.IGNORECASE),
    "-capacity": re.compile(r"\b(?:biggest|largest|größt\w*|am größten)\b", re.IGNORECASE),
    "capacity": re.compile(r"\b(?:smallest|kleinst\w*|am kleinsten)\b", re.IGNORECASE),
    "comfort": re.compile(r"\b(?:warmest|wärmst\w*|am wärmsten)\b", re.IGNORECASE),
    # Than the first product shown, by an attribute: "is there a lighter one?", "gibt es
    # einen wärmeren?" (not "lighter than 2 kg", a limit the flow's question asks for).
    "lighter": re.compile(r"\b(?:lighter|leichter\w*)\b(?!\s+(?:than|als)\s+\d)", re.IGNORECASE),
    "bigger": re.compile(r"\b(?:bigger|larger|größer\w*)\b(?!\s+(?:than|als)\s+\d)", re.IGNORECASE),
    "smaller": re.compile(r"\b(?:smaller|kleiner\w*)\b(?!\s+(?:than|als)\s+\d)", re.IGNORECASE),
    "warmer": re.compile(r"\b(?:warmer|wärmer\w*)\b", re.IGNORECASE),
    "-popular": re.compile(rf"\b(?:{POPULAR_WORDS})\b", re.IGNORECASE),
    "-rating": re.compile(
        r"\b(?:best[- ]rated|top[- ]rated|highest[- ]rated|best[- ]reviewed|"
        r"(?:best|am besten) bewertet\w*|bestbewertet\w*)\b",
        re.IGNORECASE,
    ),
}


def extract_ranking(text: str) -> str | None:
    """ "the cheapest one" -> "price"; "am besten bewertet" -> "-rating"."""
    return next((order for order, pattern in _RANKINGS.items() if pattern.search(text)), None)


def without_ranking(text: str) -> str:
    """``text`` without the words that order the products ("der wärmste Schlafsack" ->
    "der Schlafsack")."""
    for pattern in _RANKINGS.values():
        text = pattern.sub(" ", text)
    return " ".join(text.split())


def extract_email(text: str) -> str | None:
    match = _EMAIL.search(text)
    return match.group(0).lower() if match else None


@functools.lru_cache(maxsize=4096)  # a turn reads the same message several times (form slots)
def extract(text: str, *, expecting_order: bool = False) -> Entities:
    order_number = extract_order_number(text, expecting=expecting_order)
    # Order numbers and e-mails must not be read as prices, sizes or person counts.
    rest = _EMAIL.sub(" ", text)
    if order_number:
        rest = re.sub(re.escape(order_number), " ", rest, flags=re.IGNORECASE)
    return Entities(
        budget=extract_budget(rest),
        persons=extract_persons(rest),
        size=extract_size(rest),
        colours=extract_colours(rest),
        season=extract_season(rest),
        order_number=order_number,
        email=extract_email(text),
        ranking=extract_ranking(rest),
        measures=extract_measures(rest),
    )


# Phrases that constrain a product without naming one: a price, a person count.
_CONSTRAINT_PHRASES = (_RANGE, _MAX, _AROUND, _MIN, _PRICE, _PERSONS)


def without_constraints(text: str) -> str:
    """``text`` without its price and person-count phrases, i.e. what names the product
    ("a kayak for two" -> "a kayak"): "for two" is close to every tent in the catalog."""
    for pattern in _CONSTRAINT_PHRASES:
        text = pattern.sub(" ", text)
    return " ".join(text.split())


# "Can I pay with Klarna?", "pay by credit card", „Kann ich mit Klarna zahlen?“, „Zahlung
# per Rechnung“: the way to pay a shopper names (group ``method``, up to four words);
# „in Franken zahlen“, „Zahlung in Euro“: the currency (group ``in_de``, read only as one).
_PAYMENT_ASKED = re.compile(
    r"\bpay(?:ing|ment)?(?:\s+for\s+[^?.!,;:]{1,40}?)?\s+(?:with|by|via|using|through|in)\s+"
    r"(?P<method>[^?.!,;:]+)"
    r"|\b(?:mit|per|über|via|durch)\s+(?P<method_de>[^?.!,;:]+?)\s+(?:be)?zahl\w*"
    r"|\bzahlung\s+(?:mit|per|über|via)\s+(?P<method_de2>[^?.!,;:]+)"
    r"|\bin\s+(?P<in_de>[^?.!,;:]+?)\s+(?:be)?zahl\w*|\bzahlung\s+in\s+(?P<in_de2>[^?.!,;:]+)",
    re.IGNORECASE,
)
# Words before the method ("my", "a", „meiner") and after it that are none of it.
_NOT_A_METHOD = re.compile(
    r"^(?:(?:a|an|the|my|your|auch|meine[mnrs]?|eine[mnrs]?|der|die|das|dem|den)\s+)+|"
    r"\s+(?:(?:please|bitte|too|as well|also|auch|here|hier|at checkout|an der kasse|"
    r"online|possible|bezahlen|zahlen|möglich)\b\s*)+$",
    re.IGNORECASE,
)
_METHODS_APART = re.compile(r"\s*(?:,|/|\bor\b|\band\b|\boder\b|\bund\b)\s*", re.IGNORECASE)
# "Do you take Visa?", "do you accept returns?", „Nehmt ihr auch Kreditkarten an?“,
# „Akzeptiert ihr American Express?“: what the shopper asks the shop to take (group
# ``thing``), a way to pay or not.
_TAKEN_ASKED = re.compile(
    r"\b(?:do|does|will|would|can)\s+(?:you|they|the shop)\s+(?:also\s+)?(?:take|accept)\s+"
    r"(?!to\b|long\b|care\b)(?P<thing>[^?.!,;:]+)"
    r"|\b(?:nehmt\s+ihr|nimmst\s+du|nehmen\s+sie|akzeptiert\s+ihr|akzeptierst\s+du|"
    r"akzeptieren\s+sie)\s+(?:auch\s+)?(?P<thing_de>[^?.!,;:]+?)(?:\s+an)?\s*(?:[?.!,;:]|$)",
    re.IGNORECASE,
)


# A currency, which is no way to pay: "Swiss francs", "US dollars", „Schweizer Franken“,
# "another currency", „Fremdwährung“.
_A_CURRENCY = re.compile(
    r"\b(?:euros?|dollars?|francs?|franken|pounds?|sterling|yen|kronen|kronor|kroner|"
    r"z[lł]oty|rappen|eur|usd|chf|gbp)$|[€$£]|währung|currenc",
    re.IGNORECASE,
)


def _named_in(phrase: str) -> list[str]:
    """The ways to pay ``phrase`` names, apart ("Klarna or PayPal"), without the words
    around them that are none of them."""
    methods = [_NOT_A_METHOD.sub("", part).strip() for part in _METHODS_APART.split(phrase)]
    return [method for method in methods if method and len(method.split()) <= 4]


def _asked(text: str) -> tuple[list[str], list[str]]:
    """What ``text`` names to pay with or in (``_PAYMENT_ASKED``) and asks the shop to
    take (``_TAKEN_ASKED``), currencies among them."""
    paid, taken = _PAYMENT_ASKED.search(text), _TAKEN_ASKED.search(text)
    phrase = next((group for group in paid.groups() if group), "") if paid else ""
    thing = (taken["thing"] or taken["thing_de"]) if taken else ""
    return _named_in(phrase), _named_in(thing)


def payment_methods_asked(text: str) -> list[str]:
    """The ways to pay ``text`` asks about, as the shopper wrote them: ["Klarna"] of "can
    I pay with Klarna?", ["Klarna", "PayPal"] of „Kann ich mit Klarna oder PayPal
    zahlen?“; none where it names none, nor of "can I pay in Swiss francs?" (a currency)."""
    found = _PAYMENT_ASKED.search(text)
    if found is None or not (found["method"] or found["method_de"] or found["method_de2"]):
        return []
    return [method for method in _asked(text)[0] if not _A_CURRENCY.search(method)]


def taken_asked(text: str) -> list[str]:
    """What ``text`` asks whether the shop takes, as the shopper wrote it: ["Visa"] of
    "do you take Visa?", ["returns"] of "do you accept returns?" (whether it is a way to
    pay, the shop's content says: ``Brain``), ["Kreditkarten"] of „Nehmt ihr auch
    Kreditkarten an?“; none of a currency ("do you accept dollars?")."""
    return [thing for thing in _asked(text)[1] if not _A_CURRENCY.search(thing)]


def currencies_asked(text: str) -> list[str]:
    """The currencies ``text`` asks to pay in, as the shopper wrote them: ["Swiss
    francs"] of "can I pay in Swiss francs?", ["US dollars"] of "do you accept US
    dollars?", ["Schweizer Franken"] of „Kann ich in Schweizer Franken zahlen?“."""
    paid, taken = _asked(text)
    return [named for named in paid + taken if _A_CURRENCY.search(named)]


def detect_language(text: str, locale: str = "en") -> str:
    """ "de" or "en" for ``text``; when the words do not tell, the contact's locale decides."""
    return knowledge_language(text, "de" if locale.lower().startswith("de") else "en")
