"""The insights tables: one row per bot turn (what analytics and gap finding read) and
the guided-selling flows as the content team edited them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chat.db import Base, utcnow


class BotTurn(Base):
    """A shopper message the bot handled: the question (PII-redacted) and the bot's decision."""

    __tablename__ = "bot_turns"
    __table_args__ = (
        UniqueConstraint(
            "conversation_id", "visitor_seq", name="uq_bot_turns_conversation_visitor_seq"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    # The shopper message answered; a turn's later bot messages update the same row.
    visitor_seq: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    action: Mapped[str] = mapped_column(String(32))
    faq_id: Mapped[str | None] = mapped_column(String(128))
    confidence: Mapped[float | None] = mapped_column(Float)
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    # Why the turn is a knowledge gap (see _gaps.gap_kind), or None when the bot coped.
    gap: Mapped[str | None] = mapped_column(String(16), index=True)
    product_ids: Mapped[list[Any]] = mapped_column(default=list)
    # When an editor closed the gap (it leaves the list), and the FAQ that answers it:
    # one published from its cluster, or one it was added to; none when dismissed.
    closed_at: Mapped[dt.datetime | None]
    closed_by_faq: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    @property
    def is_open_gap(self) -> bool:
        return self.gap is not None and self.closed_at is None


class SellingFlow(Base):
    """A guided-selling flow edited in the console; it replaces the packaged one of its category."""

    __tablename__ = "selling_flows"

    category: Mapped[str] = mapped_column(String(500), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
