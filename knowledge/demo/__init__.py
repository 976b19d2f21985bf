"""The demo shop's content (`touchpoint serve --demo`): an English outdoor, kitchen and
garden catalog, FAQs in English and German, and synonyms for German shoppers."""

from __future__ import annotations

import json
from importlib import resources

from knowledge.schemas import SynonymSetIn


def demo_synonyms() -> list[list[str]]:
    """The demo shop's synonym sets: German words for its English catalog."""
    data = (resources.files(__name__) / "synonyms.json").read_text(encoding="utf-8")
    return [SynonymSetIn(terms=terms).terms for terms in json.loads(data)["synonyms"]]
