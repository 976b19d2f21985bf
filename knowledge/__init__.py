"""The knowledge engine: product catalog and FAQs with hybrid search.

The names below are the package's public surface: other packages (bot,
agents_console, widget) import from ``knowledge`` and nothing deeper.
See docs/subsystems/knowledge-search.md.
"""

from knowledge.analysis import LANGUAGES, Language, analyse, detect_language
from knowledge.base import KnowledgeBase, Mode, Nearest, SearchKind, attribute_words, text_key
from knowledge.demo import demo_category_names, demo_synonyms
from knowledge.embedder import Embedder, get_embedder
from knowledge.facets import FilterError
from knowledge.schemas import Faq, FaqMatch, Hit, Item, Kind, Product, SearchResult
from knowledge.service import ImportRejected, ImportReport, KnowledgeService
from knowledge.settings import KnowledgeSettings

__all__ = [
    "LANGUAGES",
    "Embedder",
    "Faq",
    "FaqMatch",
    "FilterError",
    "Hit",
    "ImportRejected",
    "ImportReport",
    "Item",
    "Kind",
    "KnowledgeBase",
    "KnowledgeService",
    "KnowledgeSettings",
    "Language",
    "Mode",
    "Nearest",
    "Product",
    "SearchKind",
    "SearchResult",
    "analyse",
    "attribute_words",
    "demo_category_names",
    "demo_synonyms",
    "detect_language",
    "get_embedder",
    "text_key",
]
