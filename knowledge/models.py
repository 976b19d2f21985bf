"""The knowledge tables: products, FAQs, synonyms and category names (the source of
truth), import jobs.

Search indexes are derived from these rows; knowledge/migrations/versions holds the schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chat.db import Base, utcnow
from chat.models import new_id


class KbProduct(Base):
    __tablename__ = "kb_products"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    category: Mapped[str] = mapped_column(String(500), default="", index=True)
    brand: Mapped[str] = mapped_column(String(200), default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(String(2048), default="")
    image_url: Mapped[str] = mapped_column(String(2048), default="")
    rating: Mapped[float | None] = mapped_column(Float)
    popular: Mapped[bool] = mapped_column(Boolean, default=False)
    # Of the content (knowledge.schemas.content_hash): re-imports and resyncs compare it.
    content_hash: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class KbFaq(Base):
    __tablename__ = "kb_faqs"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    variants: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    url: Mapped[str] = mapped_column(String(2048), default="")
    popular: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class KbImportJob(Base):
    """A bulk import started through the API; any server process can report its progress."""

    __tablename__ = "kb_import_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(8))  # products | faqs
    filename: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done|failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any] | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class KbCategoryName(Base):
    """What a category is called in each language, where not as the catalog names it:
    the bot's buttons say "Garten" to a German shopper of an English catalog."""

    __tablename__ = "kb_category_names"

    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    names: Mapped[dict[str, Any]] = mapped_column()  # language -> name
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class KbSynonymSet(Base):
    """Terms search treats as one word (knowledge/synonyms.py)."""

    __tablename__ = "kb_synonyms"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    terms: Mapped[list[Any]] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
