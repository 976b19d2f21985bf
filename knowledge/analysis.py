"""Text analysis for the keyword index, English and German.

Documents are analysed in their own language: tokens are folded (lower case,
accents stripped, ß -> ss), stop words dropped and the rest stemmed. Queries
come in any language, so each query token becomes a *clause* of alternative
terms (both stemmers, the ä->ae spelling and back) and a document scores the
best alternative. German compounds are handled against the index vocabulary
(see ``compound_clauses``). See docs/subsystems/knowledge-search.md.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import snowballstemmer

Language = Literal["en", "de"]
LANGUAGES: tuple[Language, ...] = ("en", "de")

# Digits and letters split ("28cm" -> "28", "cm"); punctuation separates.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+")

# English clitics belong to their word: "I'm looking" holds no token "m", which every
# "3 m" parasol and "30 m" hose does.
_CONTRACTION = re.compile(r"([^\W_]+)['’](m|re|ve|ll|d|s|t)\b", re.IGNORECASE)
_NEGATED_BASE = {"ca": "can", "wo": "will", "sha": "shall"}

# Short lists on purpose: negations and words that carry meaning in a shop stay in.
STOPWORDS: dict[Language, frozenset[str]] = {
    "en": frozenset(
        [
            "a",
            "an",
            "and",
            "are",
            "as",
            "at",
            "be",
            "been",
            "by",
            "do",
            "does",
            "for",
            "from",
            "had",
            "has",
            "have",
            "i",
            "if",
            "in",
            "into",
            "is",
            "it",
            "its",
            "me",
            "my",
            "of",
            "on",
            "or",
            "our",
            "so",
            "than",
            "that",
            "the",
            "their",
            "them",
            "then",
            "there",
            "these",
            "they",
            "this",
            "to",
            "us",
            "was",
            "we",
            "were",
            "what",
            "which",
            "who",
            "will",
            "with",
            "you",
            "your",
        ]
    ),
    "de": frozenset(
        [
            "aber",
            "als",
            "am",
            "auch",
            "auf",
            "aus",
            "bei",
            "bin",
            "bis",
            "bist",
            "da",
            "dann",
            "das",
            "dass",
            "dem",
            "den",
            "der",
            "des",
            "die",
            "dies",
            "diese",
            "dieser",
            "du",
            "ein",
            "eine",
            "einem",
            "einen",
            "einer",
            "eines",
            "er",
            "es",
            "euch",
            "für",
            "hat",
            "hatte",
            "ich",
            "ihr",
            "im",
            "in",
            "ist",
            "ja",
            "mein",
            "meine",
            "mich",
            "mir",
            "mit",
            "nach",
            "sich",
            "sie",
            "sind",
            "so",
            "über",
            "um",
            "und",
            "uns",
            "unser",
            "vom",
            "von",
            "vor",
            "war",
            "was",
            "wie",
            "wir",
            "wird",
            "zu",
            "zum",
            "zur",
        ]
    ),
}
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_TRANSLITERATED = re.compile(r"ae|oe|ue")
_STEMMER_NAMES: dict[Language, str] = {"en": "english", "de": "german"}
_local = threading.local()


def fold(token: str) -> str:
    """Lower case without accents: "Küche" -> "kuche", "Straße" -> "strasse"."""
    if token.isascii():  # most tokens: nothing to strip
        return token.lower()
    return _fold_accents(token)


@lru_cache(maxsize=65_536)
def _fold_accents(token: str) -> str:
    token = token.lower().replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    if "'" in text or "’" in text:
        text = _CONTRACTION.sub(_expanded, text)
    return _TOKEN.findall(text)


def _expanded(contraction: re.Match[str]) -> str:
    word, clitic = contraction.group(1), contraction.group(2).lower()
    if clitic == "t" and word[-1:].lower() == "n":  # "don't", "isn't", "can't"
        base = word[:-1]
        return f"{_NEGATED_BASE.get(base.lower(), base)} not"
    return word  # "I'm", "you're", "we'll", "it's", "Anna's"


_FOLDED_STOPWORDS = {lang: frozenset(map(fold, words)) for lang, words in STOPWORDS.items()}
# A query may be in either language: a word that is a stop word in one of them.
ANY_STOPWORD = _FOLDED_STOPWORDS["en"] | _FOLDED_STOPWORDS["de"]


def stem(word: str, language: Language) -> str:
    if word[:1].isdigit():  # numbers ("28", "12,5") stem to themselves, and are not cached
        return word
    return _stem(word, language)


@lru_cache(maxsize=262_144)
def _stem(word: str, language: Language) -> str:
    # Snowball stemmers keep state between calls: one per thread.
    stemmers: dict[Language, snowballstemmer.stemmer] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {
            lang: snowballstemmer.stemmer(name) for lang, name in _STEMMER_NAMES.items()
        }
    return str(stemmers[language].stemWord(word))


def analyse(text: str, language: Language) -> list[str]:
    """Index-side terms of ``text`` written in ``language``."""
    stopwords = _FOLDED_STOPWORDS[language]
    terms = []
    for token in tokens(text):
        folded = fold(token)
        if folded not in stopwords:
            terms.append(stem(folded, language))
    return terms


# Greetings, thanks and answers: often a whole chat message, holding no stop word.
# Language evidence only; the index keeps them as terms.
_CHAT_WORDS: dict[Language, frozenset[str]] = {
    "en": frozenset(["hello", "thanks", "thank", "thx", "please", "yes", "yeah", "yep", "nope",
                     "bye", "goodbye", "cheers", "good"]),
    "de": frozenset(["hallo", "danke", "dankeschön", "bitte", "bitteschön", "nein", "tschüss",
                     "tschüs", "moin", "servus", "guten", "gerne", "gern", "vielen", "dank"]),
}  # fmt: skip


def detect_language(text: str, default: Language) -> Language:
    """German or English from stop words, chat words ("hallo", "thanks") and umlauts;
    ``default`` when unsure."""
    words = [token.lower() for token in tokens(text)]
    german = sum(word in STOPWORDS["de"] or word in _CHAT_WORDS["de"] for word in words)
    if not text.isascii():
        german += 2 * sum(any(ch in word for ch in "äöüß") for word in words)
    english = sum(word in STOPWORDS["en"] or word in _CHAT_WORDS["en"] for word in words)
    if german > english:
        return "de"
    if english > german:
        return "en"
    return default


@dataclass(frozen=True)
class Alternative:
    """Terms that together stand for one query token; a document scores their mean."""

    terms: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class Clause:
    """One query token: a document gets the best of the alternatives."""

    token: str
    alternatives: tuple[Alternative, ...]


def spellings(token: str) -> set[str]:
    """The folded token and its German transliterations both ways (Küche, Kueche, Kuche)."""
    lower = token.lower()
    spellings = {fold(lower), fold(lower.translate(_UMLAUTS))}
    contracted = {_TRANSLITERATED.sub(lambda m: m.group()[0], s) for s in spellings}
    return spellings | contracted


def query_clauses(text: str) -> list[Clause]:
    """Query-side analysis: every token, stemmed as English and as German."""
    raw = tokens(text)
    meaningful = [token for token in raw if fold(token) not in ANY_STOPWORD]
    clauses = []
    for token in meaningful or raw:  # a query of stop words only still searches
        terms = sorted(token_stems(token))
        clauses.append(Clause(token, tuple(Alternative((term,)) for term in terms)))
    return clauses


def token_stems(token: str) -> frozenset[str]:
    """What a query token may stand for in the index: its spellings stemmed as English
    and as German."""
    return frozenset(term for _language, term in stems_by_language(token))


def stems_by_language(token: str) -> frozenset[tuple[Language, str]]:
    """``token_stems`` with the language of each stem: English "messed" and German
    "Messer" share the stem "mess", but not in one language."""
    return frozenset((lang, stem(s, lang)) for s in spellings(token) for lang in LANGUAGES)


# --- German compounds, against the vocabulary of German documents -------------------------

LINKING_MORPHEMES = ("", "s", "es", "n", "en", "e", "er")
MIN_PART = 3
MIN_AFFIX = 4


def split_compound(word: str, known: Callable[[str], bool]) -> tuple[str, ...] | None:
    """The split of ``word`` into the fewest known parts (>= 2), or None.

    "gartenstuhl" -> ("gart", "stuhl") when the vocabulary has both stems: each
    part but the last may be followed by a linking morpheme (Garten-s-, -en-).
    """
    n = len(word)
    # best[i]: fewest parts covering word[:i]; parts[i]: the parts themselves.
    best: dict[int, tuple[str, ...]] = {0: ()}
    for start in range(n):
        if start not in best:
            continue
        for end in range(start + MIN_PART, n + 1):
            part = word[start:end]
            if not known(part):
                continue
            for link in LINKING_MORPHEMES:
                if end == n and link:
                    continue
                if link and not word.startswith(link, end):
                    continue
                stop = end + len(link)
                candidate = best[start] + (part,)
                if stop not in best or len(candidate) < len(best[stop]):
                    best[stop] = candidate
    parts = best.get(n)
    return parts if parts and len(parts) >= 2 else None


def compound_clauses(
    clauses: Iterable[Clause],
    known: Callable[[str], bool],
    with_affix: Callable[[str], Iterable[str]],
    *,
    affix_weight: float,
    split_weight: float,
) -> list[Clause]:
    """Add compound alternatives to each clause.

    - the query word inside a longer document word: "pfanne" finds "Bratpfanne";
    - a query compound split into words the documents have: "Gartenstuhl" finds
      "Stuhl für den Garten".
    """
    expanded = []
    for clause in clauses:
        extra: list[Alternative] = []
        seen = {alt.terms for alt in clause.alternatives}
        for alt in clause.alternatives:
            if len(alt.terms) != 1:  # a phrase (synonyms) is no compound
                continue
            (term,) = alt.terms
            if len(term) >= MIN_AFFIX:
                for longer in with_affix(term):
                    if (longer,) not in seen:
                        seen.add((longer,))
                        extra.append(Alternative((longer,), affix_weight * alt.weight))
            parts = split_compound(term, known)
            if parts and parts not in seen:
                seen.add(parts)
                extra.append(Alternative(parts, split_weight * alt.weight))
        expanded.append(Clause(clause.token, clause.alternatives + tuple(extra)))
    return expanded
