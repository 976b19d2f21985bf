"""Knowledge gaps, pure: which bot turns are gaps, how similar questions group, and the
FAQ draft an editor starts from. Vectors come in; nothing here loads a model.

Clustering is deterministic: the question with the most close neighbours seeds
the first cluster and takes every unassigned question at least ``threshold``
similar to it (cosine of normalised embeddings), then the next densest
unassigned question seeds the next. Every member is close to its seed, so a
cluster reads as one question asked in different words. The default threshold
comes from ``touchpoint bench gaps`` on the dev splits (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel

GapKind = Literal["unanswered", "unsure", "handoff"]
DEFAULT_THRESHOLD = 0.575
EXAMPLES = 5
SLUG_LENGTH = 60
_BLOCK = 2048
# Redaction leaves these in place of personal data; such a text makes a poor FAQ variant.
_REDACTED = re.compile(r"\[(?:email|phone|card)\]")


def gap_kind(outcome: str, *, suggested: bool, handoff_reason: str | None) -> GapKind | None:
    """Why a bot turn is a knowledge gap, from what the bot did (``TurnResult.action``)."""
    if outcome == "fallback" or (outcome == "handoff" and handoff_reason == "no_answer"):
        return "unanswered"
    if outcome == "ask_clarifying" and suggested:
        return "unsure"
    return None


def blames_previous(outcome: str, handoff_reason: str | None) -> bool:
    """A shopper who asks for a person (or is fed up) right after an answer was not helped by it."""
    return outcome == "handoff" and handoff_reason in ("asked", "frustration")


@dataclass(frozen=True)
class Question:
    turn_id: int
    text: str
    kind: str
    at: dt.datetime
    language: str = "en"
    # What the bot answered then: a shopper who asked for a person after it was not helped.
    faq_id: str | None = None
    showed_products: bool = False


class AnswerNow(BaseModel):
    """What the bot answers a cluster's question with on today's content, where it did
    not answer so then: an FAQ added or improved since, or products a synonym now finds."""

    action: Literal["answer_faq", "show_products"]
    faq_id: str | None = None
    faq_question: str | None = None
    products: list[str] = []  # their titles


class Cluster(BaseModel):
    key: str  # the seed's turn id: stable while the seed's turn exists
    question: str  # the seed's text, the cluster's most typical wording
    size: int
    examples: list[str]
    turn_ids: list[int]
    kinds: dict[str, int]
    first_at: dt.datetime
    last_at: dt.datetime
    language: str = "en"  # the language most of its questions were asked in
    # The FAQs the bot answered these questions with before the shopper asked for a person.
    answered_with: list[str] = []
    showed_products: bool = False
    # Filled by the API: words of its examples search does not know, and the bot's answer now.
    unknown_words: list[str] = []
    answer_now: AnswerNow | None = None


def is_new_answer(cluster: Cluster, action: str, faq_id: str | None) -> bool:
    """Whether the bot's answer now (``TurnResult.action``) is one these questions did not
    get: an FAQ other than those that failed, or products where none were shown."""
    if action == "answer_faq":
        return faq_id is not None and faq_id not in cluster.answered_with
    return action == "show_products" and not cluster.showed_products


def normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class _Text:
    text: str
    members: list[Question] = field(default_factory=list)


def _distinct(questions: Iterable[Question]) -> list[_Text]:
    by_text: dict[str, _Text] = {}
    for q in sorted(questions, key=lambda q: q.turn_id):
        by_text.setdefault(normalise(q.text), _Text(q.text)).members.append(q)
    # Most asked first, then alphabetical: the order (and so the result) never depends on input order.
    return sorted(by_text.values(), key=lambda t: (-len(t.members), normalise(t.text)))


def cluster_questions(
    questions: Sequence[Question],
    embed: Callable[[list[str]], np.ndarray],
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Cluster]:
    """Group ``questions`` by meaning; biggest cluster first. ``embed`` returns normalised rows."""
    texts = _distinct(questions)
    if not texts:
        return []
    vectors = np.ascontiguousarray(embed([t.text for t in texts]), dtype=np.float32)
    weights = np.array([len(t.members) for t in texts], dtype=np.float32)
    neighbours: list[np.ndarray] = []
    for start in range(0, len(texts), _BLOCK):
        close = vectors[start : start + _BLOCK] @ vectors.T >= threshold
        neighbours += [np.flatnonzero(row) for row in close]
    density = np.array([weights[n].sum() for n in neighbours], dtype=np.float32)
    # Stable sort keeps the _distinct order among equals.
    order = np.argsort(-density, kind="stable")
    free = np.ones(len(texts), dtype=bool)
    clusters = []
    for seed in order:
        if not free[seed]:
            continue
        members = neighbours[seed][free[neighbours[seed]]]
        free[members] = False
        free[seed] = False
        ranked = [texts[seed]] + [texts[i] for i in members if i != seed]
        clusters.append(_cluster(ranked))
    return sorted(clusters, key=lambda c: (-c.size, -c.last_at.timestamp(), c.question))


def _cluster(texts: list[_Text]) -> Cluster:
    members = [q for t in texts for q in t.members]
    kinds: dict[str, int] = {}
    for q in members:
        kinds[q.kind] = kinds.get(q.kind, 0) + 1
    seed_ids = [q.turn_id for q in texts[0].members]
    languages = Counter(q.language for q in members)
    return Cluster(
        key=str(min(seed_ids)),
        question=texts[0].text,
        size=len(members),
        examples=[t.text for t in texts[:EXAMPLES]],
        turn_ids=sorted(q.turn_id for q in members),
        kinds=dict(sorted(kinds.items())),
        first_at=min(q.at for q in members),
        last_at=max(q.at for q in members),
        # Most asked first; alphabetical among equals, so the result never depends on order.
        language=min(languages, key=lambda language: (-languages[language], language)),
        answered_with=sorted({q.faq_id for q in members if q.faq_id}),
        showed_products=any(q.showed_products for q in members),
    )


class FaqDraft(BaseModel):
    """A new FAQ prefilled from a cluster; the editor writes the answer and publishes."""

    id: str
    question: str
    variants: list[str]
    answer: str = ""
    locale: str = "en"
    turn_ids: list[int]


def slug(text: str, taken: Iterable[str] = ()) -> str:
    """An FAQ id from a question: ASCII words joined by dashes, unique among ``taken``."""
    ascii_text = (
        unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()
    )
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_LENGTH].rstrip("-")
    base = base or "faq"
    used = set(taken)
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def wordings(
    texts: Iterable[str], *, known: Iterable[str] = (), redacted_too: bool = False
) -> list[str]:
    """The distinct ``texts`` (case and spacing aside) that are not ``known``; texts where
    redaction left "[email]" and the like make poor FAQ wordings and are left out."""
    seen = {normalise(text) for text in known}
    found = []
    for text in (t.strip() for t in texts):
        if text and normalise(text) not in seen and (redacted_too or not _REDACTED.search(text)):
            seen.add(normalise(text))
            found.append(text)
    return found


# How a question starts, in the languages the shop speaks: such a wording gets its "?".
_ASKS = re.compile(
    r"^(?:do|does|did|can|could|is|are|was|were|will|would|should|shall|may|have|has|how|"
    r"what|when|where|why|which|who|whom|whose|any|kann|kannst|können|könnt|gibt|gibt's|"
    r"wie|was|wann|wo|woher|wohin|warum|wieso|weshalb|welche|welcher|welches|wer|habt|"
    r"haben|hast|ist|sind|seid|bietet|bietest|bieten|darf|muss|soll)\b",
    re.IGNORECASE,
)


def as_question(text: str) -> str:
    """A shopper's wording as an FAQ's question, which shoppers see in the widget: a
    capital first letter, and a question mark where it asks one and ends without any."""
    tidy = " ".join(text.split())
    if not tidy:
        return tidy
    tidy = tidy[0].upper() + tidy[1:]
    if _ASKS.match(tidy) and tidy[-1] not in "?!.":
        tidy += "?"
    return tidy


def draft_faq(
    cluster_texts: Sequence[str],
    turn_ids: Sequence[int],
    *,
    locale: str,
    taken: Iterable[str] = (),
) -> FaqDraft:
    """The first text becomes the question (as_question), the others (without redacted
    data) variants."""
    first, *variants = wordings(cluster_texts) or wordings(cluster_texts, redacted_too=True)
    question = as_question(first)
    return FaqDraft(
        id=slug(question, taken), question=question, variants=variants, locale=locale,
        turn_ids=sorted(turn_ids),
    )  # fmt: skip
