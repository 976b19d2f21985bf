"""Understanding shopper text: the bot's intents, the FAQ it asks about, and entities.

FAQ matching is a softmax classifier over the embeddings of every FAQ question
and variant, checked against the nearest of those texts and the keyword
evidence from the knowledge engine; a logistic calibration (a few numbers in
bot/data/calibration.json, refit with ``touchpoint bot calibrate``) turns the
three into the probability that the best FAQ is right. The bot's own intents
come from rules for the unambiguous cases and the nearest examples in
bot/data/intents.yml otherwise. No I/O beyond reading those two files.
See docs/subsystems/bot.md.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from bot.details import Detail
from bot.entities import Entities, detect_language, extract
from knowledge import Faq, Language, analyse
from knowledge.analysis import fold, tokens

Encode = Callable[[Sequence[str]], np.ndarray]
"""Texts to L2-normalised embeddings, one row each."""

DATA = Path(__file__).parent / "data"
CALIBRATION_FILE = DATA / "calibration.json"

# "Accessories for my tent", "what goes with my pan", "Zubehör für mein Zelt".
ACCESSORY_WORDS = re.compile(
    r"\b(?:accessor(?:y|ies)|add-?ons?|zubehör\w*)\b"
    r"|\b(?:goes|go|fits?|compatible)\s+(?:well\s+)?(?:with|to)\s+(?:my|the|a|an)\b"
    r"|\bpass(?:t|end\w*)\s+zu\s+(?:meine?[mnrs]?|de[mnrs]|eine?[mnrs]?)\b",
    re.IGNORECASE,
)

# Unambiguous phrasings that need no model, English and German.
# Asking for a product: "I'm looking for", "do you have", "ich suche", "habt ihr"; not
# "do you have a store in Berlin?", "habt ihr eine Filiale?": the shop is no product.
# "Gibt es das auch aus Holz?" asks for a variant of what is shown; a plain "gibt es"
# starts many FAQ questions ("gibt es eine Garantie?").
_THE_SHOP = (
    r"(?!\s+(?:(?:a|an|any|einen?|eine)\s+)?(?:(?:physical|local|real|retail)\s+)?"
    r"(?:stores?|shops?|branch(?:es)?|showrooms?|outlets?|locations?|laden|läden|filialen?|"
    r"geschäft|ladengeschäft)\b)"
)
PRODUCT_REQUEST = re.compile(
    r"\b(?:looking for|look for|searching for|i need an?|i want to buy|recommend|"
    r"i(?:'d| would)? (?:like|love) (?:to buy )?an?|i want an?|i'?m after an?|"
    rf"do you (?:have|sell){_THE_SHOP}|show me|ich suche|suche (?:ein|eine|einen|nach)|"
    rf"ich brauche|empfiehl\w*|empfehlen|habt ihr{_THE_SHOP}|haben sie{_THE_SHOP}|zeig mir|"
    r"gibt es (?:das|die|den|ihn|sie|es) auch)\b"
    # Without "ich", as people type: "brauche eine Pfanne", "Suche Pfanne"; "ich möchte
    # ein Zelt kaufen", "hätte gern eine Pfanne" (not "ich möchte etwas zurückgeben").
    r"|^\W*(?:brauche|suche)\b|\bbrauche ich\b|\bhätte (?:ich )?gerne?\b"
    r"|\b(?:möchte|will|würde) (?:gerne? )?(?:\w+ ){1,4}(?:kaufen|bestellen)\b",
    re.IGNORECASE,
)
# "OK, thanks", "super, danke": an acknowledgement before thanks or goodbye.
_ACK = (
    r"(?:(?:ok(?:ay)?|great|perfect|cool|nice|awesome|brilliant|super|prima|toll|perfekt|"
    r"gut|sehr gut|alles klar)[\s,.!]+)?"
)
# "Thanks, bye", "Danke, tschüss": a goodbye after thanks.
_THANKED = r"(?:(?:thanks?(?: you)?(?: so much)?|thx|danke(?: schön| sehr)?|vielen dank)[\s,.!]+)?"
# Something that broke, came off or gave way, as a shopper reports it.
_GAVE_WAY_EN = (
    r"broke(?:\s+off)?|broken|torn|tore|ripped|cracked|snapped|leaks|leaked|leaking|"
    r"defective|faulty|damaged|(?:came|fell|come|fallen)\s+(?:off|apart|loose)|"
    r"stopped working"
)
# German: "ist kaputt", "ist abgebrochen", "ist gerissen", "leckt", "funktioniert nicht",
# "hat einen Riss", "funktioniert nach drei Monaten nicht mehr", "geht seit gestern nicht mehr".
_GAVE_WAY_DE = (
    r"(?:kaputt\w*|gerissen|gebrochen|abgebrochen|abgefallen|abgegangen|gesprungen|"
    r"defekt|undicht|beschädigt|leckt|tropft|risse?|funktioniert(?:\s+\w+){0,4}?\s+nicht|"
    r"geht(?:\s+\w+){0,4}?\s+nicht\s+mehr)\b"
)
_RULES: dict[str, re.Pattern[str]] = {
    # When people answer, before handoff_request: "when can I talk to a person?" asks
    # for the hours, not for a person now.
    "opening_hours": re.compile(
        r"\b(?:opening|business|office|service|support) hours\b"
        r"|\bwhen (?:are you|is (?:someone|anyone|somebody)) (?:open|there|available|online)\b"
        r"|\bwhen (?:can|could) i (?:reach|call|contact|talk to|speak to|chat with)\b"
        r"|\b(?:öffnungszeiten|geschäftszeiten|servicezeiten|sprechzeiten)\b"
        r"|\bwann (?:seid ihr|sind sie|ist (?:jemand|wer)|habt ihr|haben sie) "
        r"(?:\w+ )?(?:erreichbar|da|online|offen|geöffnet)\b",
        re.IGNORECASE,
    ),
    # A request, not a question about the bot: "are you a real person?", "bist du ein
    # Mensch?" are for the FAQ; "a real person please", "mit einem Menschen reden" hand off.
    "handoff_request": re.compile(
        r"\b(?:talk|speak|chat|connect|transfer|put)\b.{0,40}\b(?:human|person|agent|someone|"
        r"somebody|representative|operator|staff|manager|supervisor|customer service)\b"
        r"|^\W*(?:(?:a|an)\s+)?(?:(?:real|live)\s+)?(?:human|person|agent|operator)"
        r"(?:\s+please)?\W*$"
        r"|\b(?:mitarbeiter\w*|kundenberater\w*|kundenservice|kundendienst|vorgesetzte[nmr]?)\b"
        r"|\b(?:mit|zu)\s+(?:einem\s+|einer\s+)?(?:echten\s+)?menschen\b"
        r"|^\W*(?:ein\s+)?(?:echter\s+)?mensch(?:\s+bitte)?\W*$",
        re.IGNORECASE,
    ),
    "frustration": re.compile(
        r"\b(?:useless|stupid|idiot\w*|ridiculous|waste of (?:my )?time|annoy\w*|fed up|"
        r"nutzlos|sinnlos|dumm\w*|genervt|ärger\w*|unverschämt|bringt nichts|frustrier\w*)\b"
        r"|!{3,}",
        re.IGNORECASE,
    ),
    # "Reset" / "restart" only as a command of their own: "reset to factory settings" is
    # a question about a product.
    "start_over": re.compile(
        r"\b(?:start (?:over|again)|new search|von vorne|neu anfangen|neue suche)\b"
        r"|^\W*(?:please\s+)?(?:restart|reset)(?:\s+(?:the\s+)?(?:search|filters?))?"
        r"(?:\s+please)?\W*$",
        re.IGNORECASE,
    ),
    # "Show results" typed instead of clicked: what was found, no more questions. Only
    # the results' own words, or "show me" alone: "show me what you have" starts a search.
    "results": re.compile(
        r"^\W*(?:(?:please\s+)?(?:just\s+)?(?:(?:show|see)\s+(?:me\s+)?(?:the\s+)?)?results"
        r"|(?:(?:ok(?:ay)?|so)\s+)?(?:show\s+me|let\s+me\s+see|zeig(?:\s+mal|\s+her|\s+sie)?)"
        r"|(?:die\s+)?ergebnisse(?:\s+(?:zeigen|anzeigen))?"
        r"|zeig(?:e|t)?\s+(?:mir\s+)?(?:bitte\s+)?die\s+ergebnisse(?:\s+an)?)"
        r"(?:\s+(?:please|now|bitte|jetzt))?\W*$",
        re.IGNORECASE,
    ),
    # More of what was shown: "show me more", "any others?", "gibt es noch andere?".
    # Only these words: "other colours?" and "what else goes with it?" ask other things.
    "more": re.compile(
        r"^\W*(?:(?:and|und|ok(?:ay)?|so)\s+)?(?:"
        r"(?:(?:please\s+)?(?:show|give)\s+me\s+)?(?:some\s+)?more"
        r"(?:\s+(?:of\s+them|results|options|products|ones))?"
        r"|(?:(?:please\s+)?(?:show|give)\s+me\s+|(?:are\s+there|do\s+you\s+have|got)\s+)?"
        r"(?:any\s+)?(?:others|other\s+(?:ones|options|products))"
        r"|(?:anything|something)\s+else|what\s+else(?:\s+(?:do\s+you\s+have|is\s+there))?"
        r"|(?:zeig(?:\s+mir)?\s+)?(?:noch\s+)?(?:mehr|weitere)(?:\s+(?:davon|ergebnisse|produkte))?"
        r"|(?:(?:gibt\s+es|habt\s+ihr|haben\s+sie)\s+)?(?:noch\s+)?(?:andere|weitere)"
        r"(?:\s+(?:produkte|modelle))?|sonst\s+noch\s+(?:was|etwas)"
        r"|was\s+(?:gibt\s+es|habt\s+ihr|haben\s+sie)\s+(?:noch|sonst(?:\s+noch)?)"
        r")(?:\s+(?:please|bitte|noch))?\W*$",
        re.IGNORECASE,
    ),
    # Every product of a kind, no questions: "show me all tents", "all of them", "zeig
    # mir alle Zelte", "alle anzeigen". The words after "all" are a kind's (the brain
    # checks), not "all right", "all good".
    "all": re.compile(
        r"^\W*(?:(?:and|und|ok(?:ay)?|so)\s+)?"
        r"(?:(?:please\s+)?(?:show|give|list)(?:\s+me)?\s+|zeig(?:e|t)?(?:\s+mir)?\s+)?"
        r"(?:all|alle[ns]?)(?!\s+(?:right|good|fine|set|done|clear|ok(?:ay)?|gut|klar)\b)"
        r"(?:(?:\s+of)?\s+(?:them|these|those)|\s+davon"
        r"|(?:\s+(?:the|your|of\s+your|ihre|eure|deine))?(?:\s+[^\W\d_]+){1,2}?)?"
        r"(?:\s+(?:please|bitte|(?:an)?zeigen|you\s+have|ihr\s+habt|there\s+are))?\W*$"
        r"|^\W*(?:(?:please\s+)?show\s+(?:me\s+)?everything|zeig(?:e|t)?(?:\s+mir)?\s+alles"
        r"|alles\s+(?:an)?zeigen)(?:\s+(?:please|bitte))?\W*$",
        re.IGNORECASE,
    ),
    "skip": re.compile(
        r"^\W*(?:skip|pass|any|whatever|no preference|(?:i )?don'?t care|doesn'?t matter|egal|"
        r"ist (?:mir )?egal|überspringen|ueberspringen|keine präferenz|weiter)\W*$",
        re.IGNORECASE,
    ),
    "greet": re.compile(
        r"^\W*(?:hi|hello|hey|hallo|moin|servus|grüß gott|good (?:morning|afternoon|evening)|"
        r"guten (?:morgen|tag|abend))(?: there)?\W*$",
        re.IGNORECASE,
    ),
    # Help asked with nothing named: the question is still to come.
    "help": re.compile(
        r"^\W*(?:help|hilfe|can you help(?: me)?|i have a question|i need help|"
        r"kannst du mir helfen|ich habe eine frage|ich brauche hilfe)(?:\s+please|\s+bitte)?\W*$",
        re.IGNORECASE,
    ),
    "accessories": ACCESSORY_WORDS,
    "product_search": PRODUCT_REQUEST,
    # Something the shopper has is broken: for the FAQ (warranty, damaged goods) or a
    # person, not a search ("the zipper on my backpack broke" was a backpack search).
    # After the search rule: "I need a new tent, mine is broken" is a search.
    # A part that came off or gave way is the shopper's too, said of "the" thing as a
    # statement ("the handle came off", „der Griff ist abgebrochen“); not a question
    # ("is the lid cracked?", „Leckt die Flasche?“).
    "product_problem": re.compile(
        rf"\b(?:my|mine|our)\b[^.?!]{{0,40}}?\b(?:{_GAVE_WAY_EN}|breaks|"
        r"(?:does ?n[o']?t|won'?t|will not|no longer) (?:work|close|zip|switch on|turn on|"
        r"heat up|charge))\b"
        rf"|^(?!\W*(?:is|are|was|were|does|do|did|has|have|can|could|will|would|should|"
        rf"which|what|how)\b)[^?]*?\b(?:the|this|its|their)\b[^.?!]{{0,40}}?"
        rf"(?<!never )(?<!not )\b(?:{_GAVE_WAY_EN})\b"
        rf"|\bmein\w*\b[^.?!]{{0,40}}?\b(?:{_GAVE_WAY_DE})"
        rf"|^(?!\W*(?:ist|sind|war|hat|kann|wird|welche\w*|was|wie)\b)[^?]*?"
        rf"\b(?:der|die|das|dessen|deren)\b[^.?!]{{0,40}}?\b(?:{_GAVE_WAY_DE})"
        r"|\b(?:broken|torn|ripped|cracked|defective|faulty|damaged|kaputte[nmrs]?|"
        r"defekte[nmrs]?)\s+(?:\w+\s+){0,3}?(?:on|of|in|an|am|bei)\s+(?:my|our|meine[mnrs]?)\b",
        re.IGNORECASE,
    ),
    "goodbye": re.compile(
        rf"^\W*{_ACK}{_THANKED}(?:bye|goodbye|see you|ciao|tschüss?|auf wiedersehen|bis bald)\W*$"
        # The answer to "anything else?"
        r"|^\W*(?:no,? thanks?(?: you)?|nein,? danke|that'?s (?:all|it)|das war'?s)\W*$",
        re.IGNORECASE,
    ),
    # "OK", "nice", "never mind": heard, no question. Not an unanswered message (two of
    # those offer a person), and checked after a question's typed answers ("no" may be one).
    "ack": re.compile(
        r"^\W*(?:ok(?:ay)?|k+|great|perfect|cool|nice|awesome|fine|good|alright|all right|"
        r"got it|i see|sure|understood|no|nope|never ?mind|forget it|nothing|"
        r"super|prima|toll|perfekt|gut|sehr gut|alles klar|verstanden|ach so|aha|nein|"
        r"schon gut|vergiss es|doch nicht|nichts)(?:[\s,.!]+(?:then|dann|doch nicht))?\W*$",
        re.IGNORECASE,
    ),
    # About the bot itself: who it is and what it does, rather than "I don't know" (a
    # shop's confident FAQ still answers first). "What can you do" only alone: "… about
    # my order?" asks something else.
    "about_me": re.compile(
        r"\b(?:are you (?:a |an )?(?:bot|robot|machine|ai|real|human)|who are you|"
        r"what(?:'s| is) your name|tell me a joke|wer bist du|wie heißt du|"
        r"bist du (?:ein |eine )?(?:bot|roboter|maschine|ki|echt|mensch)|"
        r"erzähl (?:mir )?(?:einen|nen) witz)\b"
        r"|^\W*(?:how are you(?: doing| today)?|what can you do(?: for me)?|"
        r"wie geht(?:'s| es)(?: dir| ihnen)?|was kannst du(?: alles)?)\W*$",
        re.IGNORECASE,
    ),
    "thanks": re.compile(
        # A short tail ("thanks a lot!"), not a question after it ("thanks, but where ...?").
        rf"^\W*{_ACK}(?:thanks|thank you|thx|cheers|danke|vielen dank|danke schön)\b"
        r"(?!.*\b(?:but|aber)\b)[^?]{0,25}$",
        re.IGNORECASE,
    ),
}
# Order words next to a possessive: "where is my parcel", "meine Bestellung", "Status
# meines Auftrags".
_OWN_ORDER = re.compile(
    r"\b(?:my|mein(?:e[mnrs]?)?)\s+(?:\w+\s+)?(?:order|package|parcel|delivery|shipment|return|"
    r"refund|bestellung|paket(?:e?s)?|lieferung|sendung|rücksendung|retoure|erstattung|"
    r"auftrag\w*)\b",
    re.IGNORECASE,
)
# Asking how to order is for the FAQ, not about an order the shopper has: "how do I
# order it?", "how can I place an order?", "can I order by phone?", "Wie kann ich
# bestellen?", "Wie gebe ich eine Bestellung auf?", "Kann man telefonisch bestellen?".
# Not "how do I track my order?", "Wie kann ich meine Bestellung ändern?".
_HOW_TO_ORDER = re.compile(
    r"\bhow\s+(?:do|can|could|should|would|may)\s+(?:i|we|you|one)\s+(?:\w+\s+)?"
    r"(?:order|place\s+(?:an?\s+|my\s+|the\s+)?order|make\s+(?:an?\s+)?order|buy|purchase)\b"
    r"(?!\s+(?:status|number|history|confirmation)\b)"
    r"|\bhow\s+to\s+(?:order|place\s+an?\s+order|buy|purchase)\b"
    r"|\bhow\s+does\s+(?:the\s+)?(?:ordering|checkout|buying)\b|\bordering\s+process\b"
    r"|\b(?:can|could|may)\s+(?:i|we|you|one)\s+(?:also\s+|still\s+)?(?:place\s+(?:an?\s+)?)?"
    r"order\s+(?:by|via|over|on|through|online|from|without|as)\b"
    r"|\bwie\s+(?:kann|könnte|soll|muss)\s+(?:ich|man|wir)\s+(?:\w+\s+){0,3}"
    r"(?:bestellen|kaufen)\b"
    r"|\bwie\s+(?:bestelle|kaufe)\s+(?:ich|man)\b|\bwie\s+(?:bestellt|kauft)\s+man\b"
    r"|\bwie\s+(?:gebe|kann)\s+(?:ich|man)\s+(?:\w+\s+)?(?:eine\s+)?bestellung\s+"
    r"(?:auf(?:geben)?|tätigen|abschicken|abschließen)\b"
    r"|\bwie\s+(?:funktioniert|läuft)\s+(?:das\s+|die\s+|eine\s+)?(?:bestellen|bestellung)\b"
    r"|\bbestell(?:vorgang|prozess|ablauf)\b"
    r"|\b(?:kann|könnte|darf)\s+(?:ich|man)\s+(?:auch\s+|noch\s+)?"
    r"(?:telefonisch|per\s+\w+(?:-\w+)?|online|schriftlich|ohne\s+\w+)\s+bestellen\b",
    re.IGNORECASE,
)
# What arrived broken or wrong is for the damaged-items FAQ, not a look-up of where the
# order is: "Meine Pfanne ist kaputt angekommen" was near "mein Paket ist noch nicht
# angekommen", „Mein Paket ist beschädigt“ took the own-order rule.
_ARRIVED_WRONG = re.compile(
    r"\b(?:damaged|broken|defective|faulty|cracked|wrong (?:item|size|colou?r|product)|"
    r"kaputt\w*|beschädigt\w*|defekt\w*|zerbrochen|falsche[nrs]? (?:artikel|ware|größe|"
    r"farbe|produkt))\b",
    re.IGNORECASE,
)


def _no_look_up(text: str) -> bool:
    """Whether ``text`` names an order but asks what an FAQ answers: how to order, or
    what arrived broken or wrong."""
    return bool(_HOW_TO_ORDER.search(text) or _ARRIVED_WRONG.search(text))


def mentions(faq: Faq, text: str) -> bool:
    """Whether the FAQ's text holds every word of ``text`` (stemmed, in its language)."""
    language: Language = "de" if faq.locale == "de" else "en"
    asked = set(analyse(text, language))
    return bool(asked) and asked <= set(analyse(f"{faq.question} {faq.answer}", language))


INTENT_THRESHOLD = 0.72  # cosine to the nearest example; below it the intent is "none"


@dataclass(frozen=True)
class Calibration:
    """Logistic model: P(top FAQ is right) from (classifier probability, similarity, keyword)."""

    weights: tuple[float, float, float]
    bias: float
    answer_threshold: float
    suggest_threshold: float
    fitted_on: str = ""
    # The number of FAQs it was fitted with: smaller FAQ sets are judged as if they had as many.
    reference_faqs: int = 150

    def confidence(self, probability: float, dense: float, keyword: float) -> float:
        z = self.bias + sum(
            w * x for w, x in zip(self.weights, (probability, dense, keyword), strict=True)
        )
        return 1.0 / (1.0 + math.exp(-z))

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        data = json.loads(path.read_text())
        return cls(**{**data, "weights": tuple(data["weights"])})

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")


def fit_softmax(
    vectors: np.ndarray, labels: np.ndarray, classes: int, *, weight_decay: float = 1e-5
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression by L-BFGS; a light penalty keeps rare FAQs in reach."""
    import torch

    x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    y = torch.from_numpy(labels.astype(np.int64))
    weights = torch.zeros(x.shape[1], classes, requires_grad=True)
    bias = torch.zeros(classes, requires_grad=True)
    optimiser = torch.optim.LBFGS([weights, bias], max_iter=60, line_search_fn="strong_wolfe")

    def loss() -> torch.Tensor:
        optimiser.zero_grad()
        value = torch.nn.functional.cross_entropy(x @ weights + bias, y)
        value = value + weight_decay * (weights**2).sum()
        value.backward()  # type: ignore[no-untyped-call]
        return value

    # One thread: on a busy 2-core machine, spinning worker threads made this 3x slower.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        optimiser.step(loss)  # type: ignore[no-untyped-call]
    finally:
        torch.set_num_threads(threads)
    return weights.detach().numpy(), bias.detach().numpy()


@dataclass(frozen=True)
class FaqGuess:
    faq_id: str
    probability: float  # the classifier's softmax probability
    dense: float  # cosine to the nearest text of that FAQ
    runner_ups: tuple[str, ...]  # the next most likely FAQs, best first


class FaqClassifier:
    """Which FAQ a question is about, from the embeddings of every FAQ's texts."""

    def __init__(self, faq_ids: Sequence[str], vectors: np.ndarray) -> None:
        self.labels = sorted(set(faq_ids))
        index = {faq_id: i for i, faq_id in enumerate(self.labels)}
        self._rows = np.array([index[faq_id] for faq_id in faq_ids], dtype=np.int64)
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(self.labels) > 1:
            self._weights, self._bias = fit_softmax(self._vectors, self._rows, len(self.labels))
        else:  # one FAQ: nothing to tell apart, the similarity alone decides
            self._weights = np.zeros((vectors.shape[1], 1), np.float32)
            self._bias = np.zeros(1, np.float32)

    # Four, not two: the suggestions keep the shopper's language, where the shop has both.
    def guess(self, queries: np.ndarray, runner_ups: int = 4, reference: int = 0) -> list[FaqGuess]:
        """The best FAQ per query. With ``reference`` FAQs the probabilities are taken as if
        there were that many, the missing ones at the mean logit: a softmax over six FAQs is
        sure of something for any text, which would make a calibration fitted on many FAQs
        trust it too much."""
        if not self.labels:
            return []
        logits = queries @ self._weights + self._bias
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        missing = max(0, reference - len(self.labels))
        padding = missing * np.exp(logits.mean(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True) + padding
        order = np.argsort(-probabilities, axis=1)[:, : runner_ups + 1]
        similarities = queries @ self._vectors.T
        guesses = []
        for row, ranked in enumerate(order):
            best = int(ranked[0])
            dense = float(similarities[row, self._rows == best].max())
            guesses.append(
                FaqGuess(
                    faq_id=self.labels[best],
                    probability=float(probabilities[row, best]),
                    dense=dense,
                    runner_ups=tuple(self.labels[int(i)] for i in ranked[1:]),
                )
            )
        return guesses


def rule_intent(text: str) -> tuple[str | None, float]:
    """The intent the unambiguous phrasings give, without the model; (None, 0.0) if none."""
    for intent, pattern in _RULES.items():
        if pattern.search(text):
            return intent, 1.0
    if _OWN_ORDER.search(text) and not _no_look_up(text):
        return "order_status", 0.9
    return None, 0.0


@lru_cache(maxsize=1)
def intent_examples() -> dict[str, list[str]]:
    """intents.yml: each intent with the ways shoppers say it."""
    examples: dict[str, list[str]] = yaml.safe_load((DATA / "intents.yml").read_text("utf-8"))
    return examples


class IntentClassifier:
    """The bot's own intents: rules first, then the nearest example in intents.yml."""

    def __init__(self, encode: Encode, examples: dict[str, list[str]] | None = None) -> None:
        if examples is None:
            examples = intent_examples()
        self._intents = np.array([intent for intent, texts in examples.items() for _ in texts])
        self._vectors = encode([text for texts in examples.values() for text in texts])
        # How shoppers talk to the bot ("ich brauche", "looking for"), folded: no shop's
        # content is missing where one of these is a word search does not know.
        self.words = frozenset(
            fold(token) for texts in examples.values() for text in texts for token in tokens(text)
        )

    def classify(self, text: str, vector: np.ndarray) -> tuple[str | None, float]:
        """The intent and its score: 1.0 for a rule, else the nearest example's cosine.
        The weaker own-order rule ("... my order ...") keeps its intent, scored by its
        nearest example: "where is my order" is near one, "can I cancel my order?" is
        not, and a nearer FAQ answers that (``engine.decide``)."""
        intent, score = rule_intent(text)
        if intent is not None and score >= 1.0:
            return intent, score
        similarities = self._vectors @ vector
        if _no_look_up(text):
            # Near "where is my order" in meaning, but no question about the shopper's order.
            similarities = np.where(self._intents == "order_status", -1.0, similarities)
        if intent is not None:
            own = similarities[self._intents == intent]
            return intent, float(own.max()) if own.size else score
        best = int(similarities.argmax())
        score = float(similarities[best])
        return (str(self._intents[best]), score) if score >= INTENT_THRESHOLD else (None, score)


@dataclass(frozen=True)
class FaqVerdict:
    faq_id: str
    confidence: float
    band: str  # "answer" | "suggest" | "unknown"
    suggestions: tuple[str, ...] = ()
    similarity: float = 0.0  # cosine to the FAQ's nearest text (compared with the catalog's)
    keyword: float = 0.0  # the keyword index's evidence for it: 0 when they share no word


@dataclass(frozen=True)
class Understanding:
    text: str
    language: str
    intent: str | None
    intent_score: float
    faq: FaqVerdict | None
    entities: Entities
    # product_search inferred from a flow's words or the catalog, not said by the model.
    intent_inferred: bool = False
    catalog_match: bool = False  # the catalog has something close to this text
    catalog_similarity: float = 0.0  # the nearest product's cosine; 0 when not checked
    catalog_nearest: str | None = None  # that product's id
    # One product's title, category and attributes hold every word, or the text is only a
    # flow's words (checked where an FAQ competes): "a skillet" and "Pfanne" name a
    # product, "seasoning a skillet" does not.
    names_product: bool = False
    # Asks for one cheaper, lighter, bigger ... than the product shown, and says nothing
    # else: "is there a cheaper one?", "gibt es was Leichteres?" (set by the brain).
    compares_shown: bool = False
    # Asks for an order and says nothing else: "the cheapest?", "am besten bewertet"
    # (set by the brain).
    ranks_alone: bool = False
    # Asks what the shop has and names nothing: "what do you have?", "was könnt ihr
    # empfehlen?" (set by the brain).
    browses: bool = False
    # A question about a product ("is it in stock?", "how heavy is the Trail 2?") whose
    # other words name nothing but a product (bot/details.py; set by the brain).
    detail: Detail | None = None
    # Ways to pay it asks about that the shop's content never names: "Klarna" of "can I
    # pay with Klarna?" where the payment FAQ lists others (set by the brain).
    unlisted_methods: tuple[str, ...] = ()
    vector: Any = field(default=None, repr=False, compare=False)


def verdict(guess: FaqGuess, keyword: float, calibration: Calibration) -> FaqVerdict:
    confidence = calibration.confidence(guess.probability, guess.dense, keyword)
    if confidence >= calibration.answer_threshold:
        band = "answer"
    elif confidence >= calibration.suggest_threshold:
        band = "suggest"
    else:
        band = "unknown"
    return FaqVerdict(
        faq_id=guess.faq_id,
        confidence=confidence,
        band=band,
        suggestions=(guess.faq_id, *guess.runner_ups),
        similarity=guess.dense,
        keyword=keyword,
    )


def understand(
    text: str,
    vector: np.ndarray,
    *,
    intents: IntentClassifier,
    faq_guess: FaqGuess | None,
    keyword: float,
    calibration: Calibration,
    locale: str = "en",
    expecting_order: bool = False,
) -> Understanding:
    intent, score = intents.classify(text, vector)
    return Understanding(
        text=text,
        language=detect_language(text, locale),
        intent=intent,
        intent_score=score,
        faq=verdict(faq_guess, keyword, calibration) if faq_guess else None,
        entities=extract(text, expecting_order=expecting_order),
        vector=vector,
    )


def by_rules(text: str, *, locale: str = "en", expecting_order: bool = False) -> Understanding:
    """What the rules alone say about ``text`` (no embedding, no FAQ): for describing a
    conversation after the fact, e.g. the handoff packet of the widget's "talk to a person"."""
    intent, score = rule_intent(text)
    return Understanding(
        text=text,
        language=detect_language(text, locale),
        intent=intent,
        intent_score=score,
        faq=None,
        entities=extract(text, expecting_order=expecting_order),
    )


# What a request for a person is made of when it says nothing else ("can I please
# speak to a real person now?", „ich möchte bitte mit einem Mitarbeiter sprechen“).
_REQUEST_WORDS = frozenset(map(fold, [
    "i", "me", "my", "we", "us", "you", "a", "an", "the", "to", "with", "please", "pls",
    "plz", "now", "right", "away", "just", "asap", "want", "wanna", "need", "would", "like",
    "love", "can", "could", "may", "might", "let", "lets", "get", "give", "talk", "speak",
    "chat", "real", "live", "actual", "actually", "someone", "somebody", "hi", "hello", "hey",
    "thanks", "ok", "okay",
    "ich", "mir", "mich", "wir", "uns", "möchte", "will", "würde", "gern", "gerne", "bitte",
    "mit", "einem", "einer", "einen", "jetzt", "sofort", "mal", "doch", "kann", "könnte",
    "sprechen", "reden", "chatten", "echten", "hallo", "danke",
]))  # fmt: skip


def bare_handoff_request(text: str) -> bool:
    """Whether ``text`` asks for a person and names nothing else: no topic the shop's
    content could have covered, unlike "can I talk to someone about my warranty?"."""
    pattern = _RULES["handoff_request"]
    if not pattern.search(text):
        return False
    rest = pattern.sub(" ", text)
    return all(fold(token) in _REQUEST_WORDS for token in tokens(rest))
