"""The demo shop's content (`touchpoint serve --demo`): an English outdoor, kitchen and
garden catalog, FAQs in English and German, and synonyms for German shoppers."""

from __future__ import annotations

from importlib import resources

from knowledge.formats import parse_synonyms


def demo_synonyms() -> list[list[str]]:
    """The demo shop's synonym sets: German words for its English catalog, read as
    `touchpoint kb import synonyms` reads a file."""
    data = (resources.files(__name__) / "synonyms.json").read_bytes()
    sets, errors = parse_synonyms(data, filename="demo/synonyms.json")
    if errors:
        raise ValueError(f"the demo's synonyms: {errors[0]}")
    return sets
