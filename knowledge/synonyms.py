"""Synonyms: words a shopper may use for what the catalog calls otherwise, pure.

A synonym set says its terms mean the same ("Laterne, lantern"; "Hängematte,
hammock"; "Lichterkette, string lights"). The content team keeps the sets
(``/api/kb/synonyms``); keyword search adds a query word's equivalents as
alternatives of its clause, so "Hängematte" finds the "Hammock for two" of an
English catalog. A German compound of known words is read part by part:
"Gartenstühle" as "garden chair". Dense search is not changed: the embedding
reads the shopper's own words. See docs/subsystems/knowledge-search.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from functools import lru_cache

from knowledge.analysis import (
    LANGUAGES,
    Alternative,
    Clause,
    Language,
    analyse,
    fold,
    spellings,
    split_compound,
    stems_by_language,
    tokens,
)

# A synonym counts a little less than the shopper's own word: where a document has
# the word itself, it ranks first.
SYNONYM_WEIGHT = 0.9
# A compound read part by part ("Gartenstühle": garden chair) offers at most this many
# combinations of the parts' equivalents.
MAX_COMBINATIONS = 8


def _index_forms(term: str) -> list[tuple[str, ...]]:
    """How the index holds ``term``: analysed as English and as German (a catalog and its
    FAQs may be in either); a term of stop words only has none."""
    forms = {tuple(analyse(term, language)) for language in LANGUAGES}
    return sorted(form for form in forms if form)


class Thesaurus:
    """The synonym sets in force; an empty one changes nothing."""

    def __init__(self, sets: Iterable[Sequence[str]] = ()) -> None:
        self.sets: tuple[tuple[str, ...], ...] = tuple(tuple(s) for s in sets if len(s) > 1)
        # A one-word term's stems, by language -> its sets, with the term.
        self._by_stem: dict[tuple[Language, str], set[tuple[int, str]]] = {}
        # Their first three letters: a word starts with a term (``_inflected``), so most
        # words, and most parts a compound is tried with, need no stemming to be ruled out.
        self._starts: set[str] = set()
        # Terms of several words, by set: their words' stems, in order.
        self._phrases: list[tuple[int, tuple[frozenset[tuple[Language, str]], ...]]] = []
        # Their first word's stems -> their places in ``_phrases``.
        self._phrase_starts: dict[tuple[Language, str], list[int]] = {}
        # Every search asks of each of its words: answered once per word.
        self.forms_for = lru_cache(maxsize=8192)(self._forms_for)
        # Per set, the index forms of its terms.
        self._forms = [[form for t in terms for form in _index_forms(t)] for terms in self.sets]
        for index, terms in enumerate(self.sets):
            for term in terms:
                words = tokens(term)
                if len(words) == 1:
                    for key in stems_by_language(words[0]):
                        self._by_stem.setdefault(key, set()).add((index, words[0]))
                    self._starts |= {spelling[:3] for spelling in spellings(words[0])}
                elif words:
                    for key in stems_by_language(words[0]):
                        self._phrase_starts.setdefault(key, []).append(len(self._phrases))
                    self._phrases.append((index, tuple(stems_by_language(w) for w in words)))

    def __bool__(self) -> bool:
        return bool(self.sets)

    def _sets_of(self, word: str) -> set[int]:
        found: set[int] = set()
        if not any(spelling[:3] in self._starts for spelling in spellings(word)):
            return found
        for key in stems_by_language(word):
            found |= {index for index, term in self._by_stem.get(key, ()) if _inflected(word, term)}
        return found

    def _forms_for(self, word: str) -> tuple[tuple[str, ...], ...]:
        """How the index may hold what ``word`` means: the forms of every term of its
        sets (its own among them), or for a compound of words with synonyms
        ("Gartenstühle") its parts' terms in a row (("garden", "chair"))."""
        if not self._starts:  # no one-word terms: nothing to find, nor to split into
            return ()
        sets = self._sets_of(word)
        if sets:
            return tuple(form for index in sorted(sets) for form in self._forms[index])
        parts = split_compound(fold(word), lambda part: bool(self._sets_of(part)))
        if not parts:
            return ()
        options = [
            sorted({form for index in self._sets_of(part) for form in self._forms[index]})
            for part in parts
        ]
        combined = itertools.islice(itertools.product(*options), MAX_COMBINATIONS)
        return tuple(
            tuple(term for form in combination for term in form) for combination in combined
        )

    def expand(self, clauses: list[Clause]) -> list[Clause]:
        """``clauses`` with each word's equivalents as further alternatives."""
        if not self.sets:
            return clauses
        extra = [list(self.forms_for(c.token)) for c in clauses]
        stems = [stems_by_language(c.token) for c in clauses]
        # Only the phrases whose first word the query has ("string": "string lights").
        candidates = {p for held in stems for key in held for p in self._phrase_starts.get(key, ())}
        for index, words in (self._phrases[p] for p in sorted(candidates)):
            for start in range(len(clauses) - len(words) + 1):
                span = stems[start : start + len(words)]
                if all(held & word for held, word in zip(span, words, strict=True)):
                    # Each word of "string lights" stands for "Lichterkette": a document
                    # with it satisfies the whole phrase.
                    for position in range(start, start + len(words)):
                        extra[position] += self._forms[index]
        return [_with(clause, forms) for clause, forms in zip(clauses, extra, strict=True)]


def _inflected(word: str, term: str) -> bool:
    """Whether ``word`` is ``term``, maybe with an ending (Laternen, chairs, Stühle;
    Haengematte for Hängematte). The same stem in one language is not enough: English
    "messed" would be German "Messing" (brass), and "mess" "Messer" (knife)."""
    return any(a.startswith(b) for a in spellings(word) for b in spellings(term))


def _with(clause: Clause, forms: list[tuple[str, ...]]) -> Clause:
    seen = {alt.terms for alt in clause.alternatives}
    added = []
    for form in forms:
        if form not in seen:
            seen.add(form)
            added.append(Alternative(form, SYNONYM_WEIGHT))
    return Clause(clause.token, clause.alternatives + tuple(added)) if added else clause
