"""The demo shop's content (`touchpoint serve --demo`): an English outdoor, kitchen and
garden catalog, FAQs in English and German, and synonyms and category names for German
shoppers."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import TypeVar

from knowledge.formats import RowError, parse_category_names, parse_synonyms
from knowledge.schemas import CategoryNamesIn

T = TypeVar("T")


def _read(name: str, parse: Callable[..., tuple[list[T], list[RowError]]]) -> list[T]:
    """A demo file, read as `touchpoint kb import` reads it."""
    data = (resources.files(__name__) / name).read_bytes()
    found, errors = parse(data, filename=f"demo/{name}")
    if errors:
        raise ValueError(f"the demo's {name}: {errors[0]}")
    return found


def demo_synonyms() -> list[list[str]]:
    """The demo shop's synonym sets: German words for its English catalog."""
    return _read("synonyms.json", parse_synonyms)


def demo_category_names() -> list[CategoryNamesIn]:
    """The German names of the demo's departments and of the kinds no flow names."""
    return _read("categories.json", parse_category_names)
