"""Wire and in-memory shapes of the knowledge engine: products, FAQs, synonyms and search
results."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from knowledge.analysis import LANGUAGES, tokens

AttributeValue = str | float | int | bool
Kind = Literal["product", "faq"]


LINK = "empty, an http:// or https:// address, or a path on the shop's site (/help#returns)"


def web_address(value: str) -> str:
    """A link a shopper may follow: empty, an http(s) address, or a path on the shop's
    site ("/help#returns"). Anything else (javascript:, data:, mailto:) is refused here
    rather than silently dropped by the widget."""
    value = value.strip()
    # "//host/x" is no path on the shop's site but another host, without saying which scheme.
    if not value or (value.startswith("/") and not value.startswith("//")):
        return value
    parts = urlsplit(value)
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return value
    raise PydanticCustomError(
        "web_address", "must be an http:// or https:// address, or a path starting with /"
    )


class Product(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=128)
    title: str = Field(min_length=1, max_length=500)
    description: str = ""
    price: float = Field(ge=0)
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    category: str = Field(default="", description='Category path, e.g. "Kitchen/Cookware"')
    brand: str = ""
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    stock: int = 0
    url: str = Field(default="", description=LINK)
    image_url: str = Field(default="", description=LINK)
    rating: float | None = Field(default=None, ge=0, le=5)
    popular: bool = False

    @field_validator("id", "title", "brand", "category", mode="after")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("category", mode="after")
    @classmethod
    def _clean_path(cls, value: str) -> str:
        return "/".join(part.strip() for part in value.split("/") if part.strip())

    @field_validator("currency", mode="after")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    _links = field_validator("url", "image_url", mode="after")(web_address)


class Faq(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=128)
    question: str = Field(min_length=1)
    answer: str
    variants: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    locale: str = Field(default="en", min_length=2, max_length=8)
    url: str = Field(default="", description=LINK)
    popular: bool = False

    @field_validator("id", "question", mode="after")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("variants", "tags", mode="after")
    @classmethod
    def _drop_blank(cls, values: list[str]) -> list[str]:
        return [value.strip() for value in values if value.strip()]

    _link = field_validator("url", mode="after")(web_address)


Item = Product | Faq


def content_hash(item: Item) -> str:
    """Changes exactly when the item's content does; re-imports compare it."""
    data = json.dumps(item.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:32]


class Hit(BaseModel):
    id: str
    kind: Kind
    score: float
    keyword_score: float | None = Field(default=None, description="keyword evidence, 0..1")
    dense_score: float | None = Field(
        default=None, description="cosine similarity of the embeddings"
    )


class SearchResult(BaseModel):
    hits: list[Hit]
    # facet name -> value -> count over every match of the query and filters, not just `hits`.
    facets: dict[str, dict[str, int]] = Field(default_factory=dict)
    total: int = 0


class FaqMatch(BaseModel):
    faq_id: str
    dense: float = Field(description="max cosine similarity between the query and the FAQ's texts")
    keyword: float = Field(description="keyword evidence normalised to 0..1")
    score: float = Field(description="fused hybrid score")
    matched_text: str = Field(description="the question or variant that matched best")


MAX_SYNONYM_TERMS = 20
MAX_SYNONYM_WORDS = 4
MAX_SYNONYM_CHARS = 60


class SynonymSetIn(BaseModel):
    """Terms that mean the same to search: "Laterne", "lantern"."""

    model_config = ConfigDict(extra="forbid")

    terms: list[str] = Field(
        min_length=2,
        max_length=MAX_SYNONYM_TERMS,
        description=f"2 to {MAX_SYNONYM_TERMS} words or phrases (up to {MAX_SYNONYM_WORDS} "
        'words each) that mean the same, e.g. ["Hängematte", "hammock"]',
    )

    @field_validator("terms", mode="before")
    @classmethod
    def _two_at_least(cls, terms: object) -> object:
        # Pydantic's own words ("List should have at least 2 items") say less.
        if isinstance(terms, list) and len(terms) < 2:
            raise PydanticCustomError(
                "synonym_terms", "give at least two terms: a set says they mean the same"
            )
        return terms

    @field_validator("terms", mode="after")
    @classmethod
    def _clean_terms(cls, terms: list[str]) -> list[str]:
        cleaned: list[str] = []
        for raw in terms:
            term = " ".join(raw.split())
            words = tokens(term)
            if not words:
                raise PydanticCustomError(
                    "synonym_term", '"{term}" has no word to search for', {"term": raw}
                )
            if len(term) > MAX_SYNONYM_CHARS or len(words) > MAX_SYNONYM_WORDS:
                raise PydanticCustomError(
                    "synonym_term",
                    '"{term}" is too long: at most {chars} characters and {words} words',
                    {"term": term, "chars": MAX_SYNONYM_CHARS, "words": MAX_SYNONYM_WORDS},
                )
            if term.casefold() in (seen.casefold() for seen in cleaned):
                raise PydanticCustomError("synonym_term", '"{term}" is given twice', {"term": term})
            cleaned.append(term)
        return cleaned


def same_terms(terms: Iterable[str]) -> frozenset[str]:
    """What makes two synonym sets one: the same terms, in any order and case."""
    return frozenset(term.casefold() for term in terms)


class SynonymSet(SynonymSetIn):
    id: str
    updated_by: str
    updated_at: dt.datetime


MAX_CATEGORY_NAME = 80


class CategoryNamesIn(BaseModel):
    """What a category is called in each language, where not as the catalog names it."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        min_length=1, max_length=500, description='a catalog category, "Garden/Tools"'
    )
    names: dict[str, str] = Field(
        description='language -> name, e.g. {"de": "Gartengeräte"}; an empty name removes '
        "that language's, and the catalog's own name is used"
    )

    @field_validator("path", mode="after")
    @classmethod
    def _trim_path(cls, path: str) -> str:
        return path.strip()

    @field_validator("names", mode="after")
    @classmethod
    def _clean_names(cls, names: dict[str, str]) -> dict[str, str]:
        cleaned: dict[str, str] = {}
        for language, raw in names.items():
            if language not in LANGUAGES:
                raise PydanticCustomError(
                    "category_language",
                    'unknown language "{language}": use {known}',
                    {"language": language, "known": ", ".join(LANGUAGES)},
                )
            name = " ".join(raw.split())
            if len(name) > MAX_CATEGORY_NAME:
                raise PydanticCustomError(
                    "category_name",
                    "the {language} name is too long: at most {chars} characters",
                    {"language": language, "chars": MAX_CATEGORY_NAME},
                )
            if name:
                cleaned[language] = name
        return cleaned


class Category(BaseModel):
    path: str
    products: int = Field(description="products in it, its subcategories' too")
    names: dict[str, str] = Field(description="language -> name, where the shop gave one")
