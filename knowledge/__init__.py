"""The knowledge engine: product catalog and FAQs with hybrid search.

See docs/subsystems/knowledge-search.md.
"""

from knowledge.base import KnowledgeBase
from knowledge.embedder import Embedder, get_embedder
from knowledge.facets import FilterError
from knowledge.schemas import Faq, FaqMatch, Hit, Product, SearchResult
from knowledge.settings import KnowledgeSettings

__all__ = [
    "Embedder",
    "Faq",
    "FaqMatch",
    "FilterError",
    "Hit",
    "KnowledgeBase",
    "KnowledgeSettings",
    "Product",
    "SearchResult",
    "get_embedder",
]
