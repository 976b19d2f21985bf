"""Typing slips mended against the shop's own words: "tnet" is "tent", "Schlafsak"
"Schlafsack", "oredr" "order".

A word is mended only where it is unknown (no product, FAQ, synonym or category name
holds it, and it is no common English or German word) and exactly one letter away
(left out, added, changed or swapped with its neighbour, the slips most typing makes)
from a word the shop's content holds, and not another form of one ("steakhouses").
Common words are left alone, so "cool" is not taken for "cook" nor "Welt" for "Zelt";
an unknown word two slips away stays as typed.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

from knowledge.analysis import ANY_STOPWORD, fold, token_stems, tokens

# Shorter words are too often another word one letter away ("pan", "pen", "pin"); so
# are words of this length but for two letters swapped ("cred" is not "red", "juke"
# not "joke"; "tnet" is "tent").
MIN_LENGTH = 4
# A word of letters only, not part of an e-mail address, a web address, an id or a
# contraction ("anna@example.com", "shop.example/tents", "TP-10001", "aren't").
_WORD = re.compile(rf"(?<![\w@./\\'’-])[^\W\d_]{{{MIN_LENGTH},}}(?![\w@/\\'’-]|\.\w)")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """English and German words written once in a million words or more (wordfreq's
    small lists), folded: a shopper who writes one of these means it."""
    from wordfreq import get_frequency_list

    return frozenset(
        fold(word)
        for language in ("en", "de")
        for bucket in get_frequency_list(language, wordlist="small")
        for word in bucket
    )


def one_slip_apart(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one letter left out, added, changed or swapped with its
    neighbour (optimal string alignment distance 1)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    a, b = a[start:], b[start:]
    if len(a) == len(b):
        return a[1:] == b[1:] or (a[:2] == b[1::-1] and a[2:] == b[2:])
    return a[1:] == b if len(a) > len(b) else a == b[1:]


def _swapped(a: str, b: str) -> bool:
    return len(a) == len(b) and sorted(a) == sorted(b)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Lexicon:
    """Folded words with how often the content holds them, indexed by their one-letter
    deletions so that the words one slip from a typed word are found without a scan."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self._counts: Counter[str] = Counter()
        self._surface: dict[str, str] = {}  # folded -> as written (lower case, accents kept)
        self._by_deletion: defaultdict[str, set[str]] = defaultdict(set)
        for text in texts:
            self.add(text)

    def __contains__(self, key: str) -> bool:
        return key in self._counts

    def count(self, key: str) -> int:
        return self._counts.get(key, 0)

    def surface(self, key: str) -> str:
        return self._surface[key]

    def add(self, text: str) -> None:
        for word in tokens(text):
            key = fold(word)
            if len(key) < MIN_LENGTH - 1 or not key.isalpha():
                continue
            if key not in self._counts:
                self._surface[key] = word.lower()
                for deleted in _deletions(key):
                    self._by_deletion[deleted].add(key)
            self._counts[key] += 1

    def remove(self, text: str) -> None:
        """Undoes ``add`` of the same text."""
        for word in tokens(text):
            key = fold(word)
            if key not in self._counts:
                continue
            self._counts[key] -= 1
            if self._counts[key] <= 0:
                del self._counts[key], self._surface[key]
                for deleted in _deletions(key):
                    keys = self._by_deletion[deleted]
                    keys.discard(key)
                    if not keys:
                        del self._by_deletion[deleted]

    def nbytes(self) -> int:
        """Its memory, Python objects included (the words are shared by its tables)."""
        tables = (self._counts, self._surface, self._by_deletion)
        return (
            sum(map(sys.getsizeof, tables))
            + sum(sys.getsizeof(key) + sys.getsizeof(self._surface[key]) for key in self._counts)
            + sum(sys.getsizeof(d) + sys.getsizeof(keys) for d, keys in self._by_deletion.items())
        )

    def one_slip_from(self, key: str) -> set[str]:
        """The words one slip from ``key``."""
        found = set(self._by_deletion.get(key, ()))  # a letter left out of ``key``
        for deleted in _deletions(key):
            if deleted in self._counts:  # a letter too many
                found.add(deleted)
            found |= self._by_deletion.get(deleted, set())  # changed or swapped
        return {word for word in found if one_slip_apart(key, word)}


def mend(text: str, lexicons: Iterable[Lexicon]) -> str:
    """``text`` with each unknown word one slip from a word of ``lexicons`` replaced by
    the word they hold most often; where none is, or two are held as often, the word
    stays as typed."""
    held = list(lexicons)

    def mended(match: re.Match[str]) -> str:
        word = match.group()
        key = fold(word)
        if key in ANY_STOPWORD or key in common_words() or any(key in lex for lex in held):
            return word
        counts: Counter[str] = Counter()
        surfaces: dict[str, str] = {}
        stems = token_stems(key)
        for lexicon in held:
            for candidate in lexicon.one_slip_from(key):
                if stems & token_stems(candidate):
                    # "steakhouses" of "steakhouse": another form of a word the shop
                    # uses, which search finds as it is.
                    return word
                if len(key) > MIN_LENGTH or _swapped(key, candidate):
                    counts[candidate] += lexicon.count(candidate)
                    surfaces.setdefault(candidate, lexicon.surface(candidate))
        ranked = counts.most_common(2)
        if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
            return word
        return _in_case_of(word, surfaces[ranked[0][0]])

    return _WORD.sub(mended, text)


def _in_case_of(typed: str, word: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[0].isupper():
        return word[0].upper() + word[1:]
    return word
