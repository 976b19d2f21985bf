"""The demo shop's content (`touchpoint serve --demo`): an English outdoor, kitchen and
garden catalog, FAQs in English and German, and synonyms and category names for German
shoppers."""

from __future__ import annotations

from importlib import resources

from knowledge.formats import parse_category_names, parse_synonyms
from knowledge.schemas import CategoryNamesIn


def demo_synonyms() -> list[list[str]]:
    """The demo shop's synonym sets: German words for its English catalog, read as
    `touchpoint kb import synonyms` reads a file."""
    data = (resources.files(__name__) / "synonyms.json").read_bytes()
    sets, errors = parse_synonyms(data, filename="demo/synonyms.json")
    if errors:
        raise ValueError(f"the demo's synonyms: {errors[0]}")
    return sets


def demo_category_names() -> list[CategoryNamesIn]:
    """The German names of the demo's departments and of the kinds no flow names, read as
    `touchpoint kb import categories` reads a file."""
    data = (resources.files(__name__) / "categories.json").read_bytes()
    names, errors = parse_category_names(data, filename="demo/categories.json")
    if errors:
        raise ValueError(f"the demo's category names: {errors[0]}")
    return names
