"""The understanding side wired to the knowledge engine: one embedding per utterance.

``Brain`` embeds a message once, classifies it (bot intent, FAQ), and reads the
keyword evidence from ``KnowledgeBase.faq_matches``. The FAQ classifier is refit
whenever the FAQ set changes (a few ms for a shop's FAQ, seconds for 150 intents).
CPU-bound and synchronous: the listener calls it through ``asyncio.to_thread``.
See docs/subsystems/bot.md.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from bot.accessories import load_rules
from bot.details import (
    COMPARE,
    FEATURE,
    RECOMMEND,
    Detail,
    asked_detail,
    asked_in_colour,
    content_words,
    naming_words,
)
from bot.engine import is_shopping
from bot.entities import (
    Entities,
    currencies_asked,
    detect_language,
    payment_methods_asked,
    taken_asked,
    without_constraints,
    without_ranking,
)
from bot.nlu import (
    INTENT_THRESHOLD,
    Calibration,
    FaqClassifier,
    FaqGuess,
    FaqVerdict,
    IntentClassifier,
    Understanding,
    intent_examples,
    mentions,
    rule_intent,
    understand,
    verdict,
)
from bot.selling import (
    ANY_PRODUCT,
    THAN_SHOWN,
    Flow,
    asks_for_gift,
    browse_words,
    category_named,
    feature_words,
    flow_for,
    flow_of,
    german_kind_only,
    load_flows,
    part_in,
    top_levels,
    without_kinds,
)
from knowledge import Faq, KnowledgeBase, Product, analyse
from knowledge.analysis import ANY_STOPWORD, fold, token_stems, tokens
from knowledge.spelling import Lexicon
from knowledge.synonyms import Thesaurus

KEYWORD_DEPTH = 10
_FOR = re.compile(r"\b(?:for|für)\b", re.IGNORECASE)
# "And shipping?", "und der Versand?": the word that ties a message to the one before
# says nothing of what it asks, and pulls its vector away from the FAQ that does.
_LEADING_AND = re.compile(r"^\W*(?:and|und)\s+(?=\w)", re.IGNORECASE)
# "A cheaper one than the Trail 2", "a bigger version of the daypack", "eine günstigere
# Alternative zum Trail 2": the words at the end name what the shopper compares with.
_COMPARED_WITH = re.compile(
    r"\b(?:than|of|to|als|zum|zur|vom|von)\s+(?P<name>[^?.!,]+?)\W*$", re.IGNORECASE
)

# A question about a time: "when is the tent available again?", "wann ist das Zelt da?".
_WHEN = re.compile(r"\b(?:when|wann)\b", re.IGNORECASE)
# A word for any way to pay: stands in for one the shop's content never names ("can I
# pay with Klarna?" -> "can I pay with this payment method?").
ANY_PAYMENT_METHOD = {"en": "this payment method", "de": "dieser Zahlungsart"}
# Something that broke "after three months", „nach zwei Wochen“: a defect that showed in
# use, said as any shopper would of any product; not what arrived so, or was unpacked so.
_IN_USE = re.compile(
    r"\b(?:after|nach)\s+(?:\w+\s+){0,2}?(?:days?|weeks?|months?|years?|tag(?:en)?|"
    r"wochen?|monat(?:en)?|jahr(?:en)?|use|usage|gebrauch|benutzung)\b"
    r"|\b(?:after|nach)\s+(?:a (?:short |little )?while|some time|kurzer zeit|einiger zeit)\b",
    re.IGNORECASE,
)
_ON_ARRIVAL = re.compile(
    r"\b(?:arriv\w*|deliver\w*|unpack\w*|angekommen|ankam|kam\b[^.?!]*\ban|geliefert|"
    r"auspack\w*|lieferung)",
    re.IGNORECASE,
)
DEFECT_IN_USE = {
    "en": "My item has a defect that showed up after some time of use",
    "de": "Mein Artikel hat einen Defekt, der sich nach einiger Zeit der Benutzung gezeigt hat",
}
# What "can I pay in Swiss francs?" asks of any currency.
PAY_IN_ANY_CURRENCY = {
    "en": "Can I pay in another currency?",
    "de": "Kann ich in einer anderen Währung bezahlen?",
}
# What "do you take X?" asks of a way to pay X.
PAY_WITH_ANY = {
    "en": f"Can I pay with {ANY_PAYMENT_METHOD['en']}?",
    "de": f"Kann ich mit {ANY_PAYMENT_METHOD['de']} zahlen?",
}


@dataclass(frozen=True)
class _Readings:
    """A message read again in other words; each reading is embedded with the messages
    in one model call, and read where it is needed (the embedder's cache answers)."""

    name: str  # the words naming the product: "a kayak" of "a kayak for two" (_peek)
    any_product: str | None  # its product words made general: "my item arrived damaged"
    synonymous: str | None  # in the FAQs' words: „Anschrift“ as „Adresse“
    methods: list[str]  # ways to pay it names that the shop's content never does
    taken: list[str]  # what "do you take …?" asks the shop to take
    any_method: str | None  # asked of any way to pay: "can I pay with this payment method?"
    in_currency: str | None  # asked of any currency: "can I pay in another currency?"

    def others(self, alone: str) -> list[str]:
        """The readings that differ from the message ``alone``, for the model call."""
        name = [self.name] if self.name not in ("", alone) else []
        readings = (self.any_product, self.any_method, self.in_currency, self.synonymous)
        return name + [reading for reading in readings if reading is not None]


class Brain:
    """Intent, FAQ verdict and entities for shopper messages."""

    def __init__(self, kb: KnowledgeBase, calibration: Calibration | None = None) -> None:
        self.kb = kb
        self.flows = load_flows()
        self.accessories = load_rules()
        self.calibration = calibration or Calibration.load()
        self._intents: IntentClassifier | None = None
        self._lock = threading.Lock()
        self._faq_key: tuple[int, ...] | None = None
        self._faqs: list[Faq] = []
        self._classifier: FaqClassifier | None = None
        self._faq_words: frozenset[str] = frozenset()
        self._faq_synonyms: (
            tuple[Thesaurus, frozenset[str], list[tuple[frozenset[tuple[str, ...]], str]]] | None
        ) = None

    @property
    def intents(self) -> IntentClassifier:
        # Built on first use: embedding the examples loads the model, which setup() must not.
        with self._lock:
            if self._intents is None:
                self._intents = IntentClassifier(self._encode)
            return self._intents

    @cached_property
    def bot_words(self) -> Lexicon:
        """How shoppers talk to the bot (its intents' examples) and the flows' words for
        their kinds: a slip is mended to these as to the shop's content."""
        examples = intent_examples()
        flow_words = [word for flow in self.flows for word in (*flow.match, *flow.heads)]
        return Lexicon([text for texts in examples.values() for text in texts] + flow_words)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors: np.ndarray = self.kb.embedder.encode(list(texts))
        return vectors

    def faq_classifier(self) -> FaqClassifier:
        """The classifier for the FAQs as they are now; refit after any FAQ change."""
        faqs = self.kb.faqs()
        # An edit replaces the Faq object; holding the list keeps the ids from being reused.
        key = tuple(map(id, faqs))
        with self._lock:
            if self._classifier is None or key != self._faq_key:
                self._classifier = self._fit()
                self._faq_key, self._faqs = key, faqs
            return self._classifier

    def _fit(self) -> FaqClassifier:
        faq_ids, texts, vectors = self.kb.faq_texts()  # every question and variant, embedded
        self._faq_words = frozenset(
            stem for text in texts for word in tokens(text) for stem in token_stems(word)
        )
        return FaqClassifier(faq_ids, vectors if faq_ids else np.zeros((0, self.kb.embedder.dim)))

    def keyword_evidence(self, text: str, faq_id: str, vector: np.ndarray | None = None) -> float:
        for match in self.kb.faq_matches(text, k=KEYWORD_DEPTH, vector=vector):
            if match.faq_id == faq_id:
                return match.keyword
        return 0.0

    def understand_many(
        self, texts: Sequence[str], *, locale: str = "en", expecting_order: bool = False
    ) -> list[Understanding]:
        if not texts:
            return []
        # "tnet for two", "where is my oredr": read as the shopper meant them.
        texts = [self.kb.mended(text, also=self.bot_words) for text in texts]
        # First: fitting to the FAQs as they are now also refreshes their words, which
        # the synonym reading (_in_faq_words) looks in.
        classifier = self.faq_classifier()
        # Each message's readings in other words (_Readings) join the model call.
        embedded = [_LEADING_AND.sub("", text) for text in texts]
        readings = [
            self._readings(text, alone, locale) for text, alone in zip(texts, embedded, strict=True)
        ]
        extra = dict.fromkeys(
            other
            for reading, alone in zip(readings, embedded, strict=True)
            for other in reading.others(alone)
        )
        vectors = self._encode([*embedded, *extra])[: len(texts)]
        guesses: list[FaqGuess | None] = list(
            classifier.guess(vectors, reference=self.calibration.reference_faqs)
        ) or [None] * len(texts)
        results = []
        for text, vector, guess, r in zip(texts, vectors, guesses, readings, strict=True):
            keyword = self.keyword_evidence(text, guess.faq_id, vector) if guess else 0.0
            u = understand(
                text,
                vector,
                intents=self.intents,
                faq_guess=guess,
                keyword=keyword,
                calibration=self.calibration,
                # "Schlafsack" alone on an English page: German, though no stop word says so.
                locale="de" if german_kind_only(text, self.flows) else locale,
                expecting_order=expecting_order,
            )
            if r.synonymous is not None and guess is not None:
                found = self._general_verdict(r.synonymous, classifier)
                if found.band == "answer" and (
                    u.faq is None or found.confidence > u.faq.confidence
                ):
                    u = replace(u, faq=found)
            if r.any_product is not None and guess is not None:
                u = self._faq_for_any_product(u, r.any_product, classifier)
            if r.any_method is not None and guess is not None:
                # "Can I pay with Klarna?": what the FAQ answers of any way to pay (the
                # list of those the shop takes), and that Klarna is none of them; "with
                # my Visa card" where it names Visa, but its own reading is unsure.
                # "Do you take Visa?" (it was the FAQ on shipping abroad): "can I pay with
                # Visa?", where the FAQ answering that names Visa, or the shop's content
                # has no word of it ("American Express"); not "do you take returns?".
                found = self._general_verdict(r.any_method, classifier)
                faq = self.kb.get_faq(found.faq_id)
                ways = [*r.methods, *(t for t in r.taken if faq and self._may_pay_with(faq, t))]
                unnamed = [m for m in ways if faq is not None and not _names_method(faq, m)]
                unsure = u.faq is None or u.faq.band != "answer"
                if (
                    ways
                    and found.band == "answer"
                    and (unnamed or unsure or len(ways) > len(r.methods))
                ):
                    u = replace(u, faq=found, unlisted_methods=tuple(unnamed))
            if r.in_currency is not None and guess is not None and r.any_method is None:
                # What the shop's FAQ says of paying in another currency (the prices'
                # currency), never that the currency is missing from the ways to pay: "in
                # Swiss francs" was "not in our list", „in Schweizer Franken“ a product
                # search.
                found = self._general_verdict(r.in_currency, classifier)
                if found.band == "answer":
                    u = replace(u, faq=found)
            if (
                u.intent == "all"
                and content_words(_ALL.sub(" ", text))
                and not flow_for(text, self.flows)
            ):
                # "All coffee makers": a search for them; only a flow's kind is shown whole.
                u = _product_search_inferred(u)
            if u.intent in (None, "product_search") and asks_for_gift(text):
                # "A present for my sister", "what can I give my dad?": a gift, asked
                # as clearly as "I'm looking for" (it was the gift-card FAQ).
                u = replace(u, intent="product_search", intent_score=1.0)
            elif (
                u.intent is None
                and (which := _WHICH.match(text))
                and flow_for(which.group(1), self.flows)
            ):
                # "Which pans work on induction?", "Welches Zelt ist wasserdicht?": which
                # products, asked as clearly as "I'm looking for" (not the care FAQ).
                u = replace(u, intent="product_search", intent_score=1.0)
            elif u.intent is None and flow_for(text, self.flows) is not None:
                # A flow's category words name a kind of product ("Pfanne für Induktion").
                u = _product_search_inferred(u)
            if self.kb.counts()["products"]:
                u = self._products_for(u, r.name)
                u = self._with_detail(u)
            if u.entities.ranking and not content_words(without_ranking(text)):
                # "Is there a cheaper one?"; "the cheapest?" of those being looked for.
                than_shown = u.entities.ranking in THAN_SHOWN
                u = replace(u, compares_shown=than_shown, ranks_alone=not than_shown)
            elif _browses(u):
                u = replace(u, browses=True)  # "what do you have?"
            results.append(u)
        return results

    def _readings(self, text: str, alone: str, locale: str) -> _Readings:
        """``text`` read in other words (``alone``: without a leading "and")."""
        methods = self._unlisted_methods(text)
        taken = taken_asked(text)
        return _Readings(
            name=without_constraints(alone),
            any_product=self._any_product_reading(text, locale),
            synonymous=self._in_faq_words(text),
            methods=methods,
            taken=taken,
            any_method=self._any_method_reading(text, methods, taken, locale),
            in_currency=(
                PAY_IN_ANY_CURRENCY[detect_language(text, locale)]
                if currencies_asked(text)
                else None
            ),
        )

    def _with_detail(self, u: Understanding) -> Understanding:
        """``u`` with the product detail it asks about, where its other words are
        nothing, a kind of product or "the" product the catalog names: "is it in
        stock?", "Ist das Zelt auf Lager?", "how heavy is the Trail 2?"; not "how much
        is shipping?"."""
        detail = asked_detail(u.text, self.kb.attribute_names()) or asked_in_colour(u.text)
        if detail is None:
            return u
        if detail.about == FEATURE:  # "is the Trail 2 waterproof?"
            if detail.which:
                # "Which tent is waterproof?": "waterproof" is asked, of tents. The words
                # after "which" are a kind, never a product's name ("which stocks have
                # lost the least" is no question about the Stock pot).
                detail = replace(detail, rest=feature_words(detail.rest, self.flows))
            else:
                detail = self._named_feature(detail)
            return replace(u, detail=detail) if detail.rest else u
        if not detail.rest:
            return replace(u, detail=detail)
        flow = flow_for(detail.rest, self.flows)
        named = self._names_one(detail, detail.rest, flow)
        # "Which is lighter, the Trail 2 or the Summit 2?": a question of several may name two.
        of_several = detail.about in (COMPARE, RECOMMEND) or detail.extreme is not None
        if not named and of_several and (pair := self._named_pair(detail)):
            # Which of two to take, knowing nothing of what the shopper needs: how they
            # differ (the search's first, the usual pick, is not there).
            about = COMPARE if detail.about == RECOMMEND else detail.about
            return replace(u, detail=replace(detail, about=about, names=pair, named=True))
        if flow is None and not named:
            return u
        return replace(u, detail=replace(detail, named=named))

    def _names_one(self, detail: Detail, words: str, flow: Flow | None) -> bool:
        """Whether ``words`` name particular products: "the Trail 2", not "a tent" (a
        kind) nor "what color is water" (a watering can has the word). Only then is the
        catalog asked: a keyword search, which "table lamp made of ceramic" (a search, not
        a question) skips."""
        if self._may_name(detail, words, flow):
            return self.kb.names_product(words)
        return self._sole_of_kind(detail, words, flow)

    def _sole_of_kind(self, detail: Detail, words: str, flow: Flow | None) -> bool:
        """Whether ``words``, a kind's word after "the", name the one product whose name
        alone holds it: "the daypack" is the Daypack 22 l, "the tent" no tent in
        particular."""
        kind = detail.definite and flow is not None and flow.named_alone(words)
        return kind and len(self.kb.products_named(words, candidates=2)) == 1

    @staticmethod
    def _may_name(detail: Detail, words: str, flow: Flow | None) -> bool:
        """Whether ``words`` could name particular products, before the catalog is asked."""
        return (
            detail.definite
            and not (flow is not None and flow.named_alone(words))
            and bool(naming_words(words))
        )

    def _named_feature(self, detail: Detail) -> Detail:
        """A feature question with the product it names split off its first words: the
        longest run of them that names one ("trail 2" of "trail 2 waterproof"), leaving at
        least one word for the feature. As it was where none does ("is it waterproof?",
        "is the tent waterproof?" of the tents shown)."""
        words = detail.rest.split()
        for end in range(len(words) - 1, 0, -1):
            name = " ".join(words[:end])
            if self._names_one(detail, name, flow_for(name, self.flows)):
                return replace(detail, names=(name,), rest=" ".join(words[end:]), named=True)
        return detail

    def _named_pair(self, detail: Detail) -> tuple[str, str] | None:
        """The two names the words of a question of several hold ("how do they differ?",
        "which is lighter?"), each naming particular products: "trail 2" and "summit 2"
        of "the difference between the Trail 2 and the Summit 2?", "Trail 2 vs Summit
        2" (two names need no "the"). Of the ways to split the words, the one naming the
        fewest products: "cast iron frying pan 28 cm" and "stainless steel frying pan 28
        cm", not "cast iron" (every cast-iron pan) and the rest."""
        words = detail.rest.split()
        definite = replace(detail, definite=True)
        best: tuple[int, tuple[str, str]] | None = None
        for end in range(1, len(words)):
            pair = " ".join(words[:end]), " ".join(words[end:])
            if not all(
                self._may_name(definite, name, flow := flow_for(name, self.flows))
                or self._sole_of_kind(definite, name, flow)
                for name in pair
            ):
                continue
            counts = [len(self.kb.products_named(name)) for name in pair]
            if all(counts) and (best is None or sum(counts) < best[0]):
                best = sum(counts), pair
        return best[1] if best else None

    def _any_product_reading(self, text: str, locale: str) -> str | None:
        """``text`` with its flow's words made general, where that may change the answer:
        not where a rule says what the message is ("I'm looking for a tent", "hello";
        but "my tent pole broke" is for an FAQ on any product), and not where no other
        word of it is in any FAQ ("a light backpack around 45 liters"), since an FAQ does
        not answer those, unless something of the shopper's broke. Most messages with a
        flow's words are such product requests; they skip the second embedding."""
        intent, score = rule_intent(text)
        if score >= 1.0 and intent != "product_problem":
            return None
        language = detect_language(text, locale)
        if intent == "product_problem" and _IN_USE.search(text) and not _ON_ARRIVAL.search(text):
            # „Die Lampe funktioniert nach drei Monaten nicht mehr“: a defect that showed
            # in use, whatever broke and however (it was near „wieder lieferbar“ for its
            # „nicht mehr“, and fell back).
            return DEFECT_IN_USE.get(language, DEFECT_IN_USE["en"])
        if intent == "product_problem":
            # Something of the shopper's that broke: "my pan is cracked" shares no word
            # with an FAQ but "pan" with the care one; its general reading says which.
            # A product no flow's words name is made general by the catalog's names:
            # "the handle of the skillet came off" was the care FAQ, for its "skillet".
            kindless = without_kinds(text, self.flows, language) or text
            general = self._without_product_names(kindless, language)
            return general if general != text else None
        rest = without_kinds(text, self.flows, language, word=" ")
        if rest is None or not self.kb.faq_matches(rest, k=1, mode="keyword"):
            return None
        return without_kinds(text, self.flows, language)

    def _without_product_names(self, text: str, language: str) -> str:
        """``text`` with each run of words that name products of a flow's kind in the
        catalog (in a title, category or attribute value: "skillet", "cast iron skillet
        28 cm" of cookware) replaced by a word for any product, as the flow's own words
        are ("pan")."""
        named = [
            found
            for found in re.finditer(r"\w+", text)
            if fold(found[0]) not in ANY_STOPWORD
            and any(
                flow_of(product.category, self.flows)
                for product in self.kb.products_named(found[0])
            )
        ]
        word = ANY_PRODUCT.get(language, ANY_PRODUCT["en"])
        # From the last: one word for a run ("cast iron skillet"), where only spaces
        # are between one and the next (already replaced).
        for found, following in zip(named[::-1], [None, *named[::-1]], strict=False):
            if following is not None and not text[found.end() : following.start()].strip():
                text = f"{text[: found.start()]}{text[following.start() :]}"
            else:
                text = f"{text[: found.start()]}{word}{text[found.end() :]}"
        return text

    def _faq_for_any_product(
        self, u: Understanding, general: str, classifier: FaqClassifier
    ) -> Understanding:
        """``u`` answered by an FAQ about any product where ``general``, the message
        with its product words made general, is surely answered, and surer than the
        message itself. "My tent arrived damaged" is "my item arrived damaged": the
        product word pulled the message away from the FAQ on damaged items. Of something
        the shopper has that broke, the general reading alone says which FAQ: "the handle
        of my pan broke off" was the cast-iron care FAQ, confidently, for its "pan"."""
        found = self._general_verdict(general, classifier)
        if found.band == "answer" and (u.faq is None or found.confidence > u.faq.confidence):
            return replace(u, faq=found)
        if u.intent == "product_problem" and u.faq is not None and found.faq_id != u.faq.faq_id:
            return replace(u, faq=found)
        return u

    def _general_verdict(self, general: str, classifier: FaqClassifier) -> FaqVerdict:
        """The FAQ verdict of ``general``, a message with some of its words made general
        (embedded with the messages: the embedder's cache answers)."""
        vector = self._encode([general])[0]
        guess = classifier.guess(vector[None], reference=self.calibration.reference_faqs)[0]
        keyword = self.keyword_evidence(general, guess.faq_id, vector)
        return verdict(guess, keyword, self.calibration)

    def _in_faq_words(self, text: str) -> str | None:
        """``text`` with each word no FAQ question or variant holds replaced by a term of
        its synonym set that one does: „Kann ich meine Anschrift ändern?“ is „… meine
        Adresse ändern?“, the words of the FAQ on changing an order. None where no word
        is replaced (most messages: their words are the FAQs' or have no synonyms)."""
        held, sets = self._faq_words, self._synonyms_in_faqs()
        changed = text
        for word in dict.fromkeys(tokens(text)):
            if not sets or token_stems(word) & held:
                continue
            forms = set(self.kb.synonyms.forms_for(word))
            term = next((term for of_set, term in sets if forms & of_set), None)
            if term is not None:
                changed = re.sub(rf"\b{re.escape(word)}\b", term, changed, count=1)
        return changed if changed != text else None

    def _synonyms_in_faqs(self) -> list[tuple[frozenset[tuple[str, ...]], str]]:
        """Of each synonym set with a term the FAQs' questions and variants hold: how
        the index holds its terms (``Thesaurus.forms_for``), and that term. Kept until
        the synonyms or the FAQs change."""
        synonyms, held = self.kb.synonyms, self._faq_words
        cached = self._faq_synonyms
        if cached is None or cached[0] is not synonyms or cached[1] is not held:
            found = []
            for terms in synonyms.sets:
                faqs_say = [t for t in terms if all(token_stems(w) & held for w in tokens(t))]
                if faqs_say:
                    forms = frozenset(form for t in terms for form in synonyms.forms_for(t))
                    found.append((forms, faqs_say[0]))
            cached = self._faq_synonyms = (synonyms, held, found)
        return cached[2]

    def _unlisted_methods(self, text: str) -> list[str]:
        """The ways to pay ``text`` asks about with a word no product, FAQ question or
        synonym of the shop has ("Klarna", "Apple Pay"; not "PayPal", a variant's word,
        nor "instalments"): the FAQ answering any way to pay may not name them."""
        return [m for m in payment_methods_asked(text) if self.kb.unknown_words(m)]

    def _may_pay_with(self, faq: Faq, thing: str) -> bool:
        """Whether ``thing`` the shopper asks the shop to take is a way to pay: ``faq``
        (what "can I pay with it?" finds) names it ("Visa", „Kreditkarte“), or no word
        of it is in the shop's content ("American Express"); not "returns"."""
        words = tokens(thing)
        return _names_method(faq, thing) or (
            bool(words) and len(self.kb.unknown_words(thing)) == len(words)
        )

    def _any_method_reading(
        self, text: str, methods: list[str], things: list[str], locale: str
    ) -> str | None:
        """``text`` with each of ``methods`` replaced by a word for any way to pay and
        its products' words made general ("can I pay for the tent with Amazon Pay?": "can
        I pay for the item with this payment method?"); where it asks whether the shop
        takes ``things``, what that would ask of a way to pay ("can I pay with this
        payment method?"). None where it names no way to pay it may not know."""
        if not methods and not things:
            return None
        language = detect_language(text, locale)
        word = ANY_PAYMENT_METHOD.get(language, ANY_PAYMENT_METHOD["en"])
        if things:
            return PAY_WITH_ANY.get(language, PAY_WITH_ANY["en"])
        for method in methods:
            text = text.replace(method, word, 1)
        return without_kinds(text, self.flows, language) or text

    def _products_for(self, u: Understanding, words: str) -> Understanding:
        """``u`` with what the catalog says about it, for a message that may ask for a
        product. Where an FAQ competes, a product's title holding every word ("a skillet";
        not "seasoning a skillet"), or a message of nothing but a flow's words ("Pfanne",
        whatever the catalog's language), says the shopper names a product, as a message
        nothing else claims may ("coffee grinder")."""
        shopping = is_shopping(u)
        # Not for another intent ("where is my order"): it would not change the decision.
        if (shopping or u.intent is None) and u.faq is not None and u.faq.band != "unknown":
            # "The cheapest skillet" names the skillets: an order is no word of a name,
            # nor of a kind ("Welcher Rucksack ist der leichteste?" is no return).
            named = self._kind_alone(without_ranking(u.text))
            plain = content_words(without_ranking(words or u.text))
            # "When is the tent available again?" asks about a time, not for tents.
            asks_when = _WHEN.search(u.text) is not None
            u = replace(u, names_product=named or (not asks_when and self.kb.names_product(plain)))
        unclaimed = u.intent is None and (
            u.faq is None or u.faq.band != "answer" or u.names_product
        )
        if not (shopping or unclaimed):
            return u
        u = self._peek(u, words)
        if u.intent is None and u.catalog_match:
            u = _product_search_inferred(u)
        return u

    def _kind_alone(self, text: str) -> bool:
        """Whether ``text`` asks for a kind of product or a part of one and nothing else:
        "Pfanne", "do you have tents?", "tent pegs" (which the shop may not have)."""
        if part := part_in(text, self.flows):
            return part.alone
        flow = flow_for(text, self.flows)
        return flow is not None and flow.named_alone(text)

    def _peek(self, u: Understanding, words: str) -> Understanding:
        """Does the catalog have something close to this message? A flow's category
        words ("Zelt") say yes even where the catalog's language differs. Otherwise the
        nearest product's cosine must reach the catalog's own bar for a match by meaning
        (``dense_min_similarity``): a shared word alone ("a kayak *for two*") is not
        enough. It is measured on ``words``, the message without its price and
        person-count phrases ("for two" is close to every tent; a chair has no persons),
        across the whole catalog: one scan, no ranking, for every message that may name
        a product, most of which do not. Where an FAQ competes, the cosine is measured
        for flow words too, so that the decision can weigh "a tent for two" against
        "how do I send back a tent?"."""
        # A flow's words, or a part of its kind alone ("tent pegs", which uses no flow).
        kind = flow_for(u.text, self.flows) is not None or self._kind_alone(u.text)
        if u.names_product or (kind and (u.faq is None or u.faq.band == "unknown")):
            return replace(u, catalog_match=True)
        if u.entities.ranking in THAN_SHOWN and self.compared_with(u.text):
            # "Gibt es eine günstigere Alternative zum Trail 2?": others of its kind.
            return replace(u, catalog_match=True)
        if asks_for_gift(u.text):
            # Anything the shop sells may be a gift: the search asks which kind.
            return replace(u, catalog_match=True)
        if self._department_alone(u) and (u.faq is None or u.faq.band != "answer"):
            # "Something for the garden": the search asks which of its kinds.
            return replace(u, catalog_match=True)
        words = words or u.text
        # Embedded with the message above: the embedder's cache of recent texts answers.
        nearest = self.kb.nearest_product(words)
        close = nearest.similarity >= self.kb.settings.dense_min_similarity
        close = close or self._named_by_synonym(words)
        # A request in other words than the catalog's: "Gibt es das auch aus Holz?" of an
        # English catalog whose acacia chair says "wood".
        requested = u.intent == "product_search" and not u.intent_inferred
        close = close or (requested and self._said_by_synonym(content_words(words)))
        return replace(
            u,
            catalog_match=kind or close,
            catalog_similarity=nearest.similarity,
            catalog_nearest=nearest.product_id,
        )

    def _department_alone(self, u: Understanding) -> bool:
        """Whether ``u`` asks for a department of the shop and nothing else, in its words
        or a synonym's: "etwas für die Küche", "anything for the garden?"; a request said
        or something "for" it ("what do I take home" asks for no homeware)."""
        words = browse_words(u.text)
        if not words or len(words) > 2:
            return False
        said = u.intent == "product_search" and not u.intent_inferred
        return (said or _FOR.search(u.text) is not None) and self.department_named(
            words
        ) is not None

    def department_named(self, words: list[str]) -> str | None:
        """The top-level category ``words`` name, in the catalog's words, a synonym's or
        the shop's name of it (``selling.category_named``)."""
        kb = self.kb
        shop = top_levels(kb.categories())
        return category_named(words, shop, kb.same_word, kb.category_names)

    def _named_by_synonym(self, text: str) -> bool:
        """Whether a word the catalog lacks names a product through the shop's synonyms:
        "Hängematte" the hammock of an English catalog, which the English embedding
        model does not see. A word the catalog has is the embedding's to judge in its
        message ("how many children": the kids' sleeping bag says "children")."""
        kb = self.kb
        return any(
            kb.synonyms.forms_for(word) and not kb.catalog_has_word(word) and kb.names_product(word)
            for word in tokens(text)
        )

    def _said_by_synonym(self, text: str) -> bool:
        """Whether a word the catalog lacks means, through the shop's synonyms, one that a
        product's text holds: "Holz" the acacia chair's "wood"."""
        kb = self.kb
        return any(
            not kb.catalog_has_word(word)
            and any(kb.catalog_has_word(" ".join(form)) for form in kb.synonyms.forms_for(word))
            for word in tokens(text)
        )

    def compared_with(self, text: str) -> Product | None:
        """The one product a comparative message names to compare with: "a cheaper one
        than the Trail 2", "a bigger version of the daypack", "eine günstigere Alternative
        zum Trail 2" (the words at the end, after "than", "of", "zum", ...), else its words
        but the order: "Gibt es das Trail 2 auch günstiger?"."""
        found = _COMPARED_WITH.search(text)
        words = content_words(found["name"] if found else without_ranking(text))
        named = self.kb.products_named(words, candidates=2) if words else []
        return named[0] if len(named) == 1 else None

    def understand(
        self, text: str, *, locale: str = "en", expecting_order: bool = False
    ) -> Understanding:
        return self.understand_many([text], locale=locale, expecting_order=expecting_order)[0]


# "Which pans …", "welches Zelt …": the question's first word, then the kind it asks of.
_WHICH = re.compile(r"^\W*(?:which|welche[mnrs]?)\s+([^\W\d_]+)", re.IGNORECASE)
# The words of a request for all ("show me all", "zeig mir alle"): what is left names the kind.
_ALL = re.compile(
    r"\b(?:show|give|list|zeig\w*|all|alle[ns]?|everything|alles|anzeigen)\b", re.IGNORECASE
)


def _names_method(faq: Faq, method: str) -> bool:
    """Whether the FAQ's text names ``method``: holds its words, in German maybe as the
    end of a compound („Karte“ of „Kreditkarte“)."""
    if mentions(faq, method):
        return True
    if not faq.locale.startswith("de"):
        return False
    words = analyse(method, "de")
    held = set(analyse(f"{faq.question} {faq.answer}", "de"))
    return bool(words) and all(any(term.endswith(word) for term in held) for word in words)


def _product_search_inferred(u: Understanding) -> Understanding:
    # Less sure than "I'm looking for": a confident FAQ answer still comes first.
    return replace(u, intent="product_search", intent_score=INTENT_THRESHOLD, intent_inferred=True)


def _browses(u: Understanding) -> bool:
    """A request the rules heard ("what do you have?", "can you recommend something?";
    "show me more" with nothing shown yet) that asks nothing more: no product, no budget,
    no question about one."""
    request = u.intent == "more" or (
        u.intent == "product_search"
        and not u.intent_inferred
        and u.intent_score >= 1.0
        and not browse_words(u.text)
    )
    return request and u.entities == Entities() and u.detail is None
