"""The bot's settings (environment prefix ``TOUCHPOINT_BOT_``); chat/config.py stays the core's."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUCHPOINT_BOT_", extra="ignore")

    # A shop's own Rasa server; when set, visitor messages go there instead of our engine.
    rasa_url: str | None = None
    rasa_timeout_seconds: float = 10.0

    # Guided selling: ask while more candidates than this remain, at most max_questions times.
    max_questions: int = 3
    narrow_above: int = 3
    cards_shown: int = 3
    # Search results trailing the best by more than this (of the fused score, 0..1) are
    # another kind of product: not asked about, not shown (selling.leading). Set on the
    # demo catalog by hand: related products trail what the words name by more than 0.2,
    # products the words fit alike lie within 0.2 (docs/subsystems/bot.md).
    leading_gap: float = 0.2

    # Handoff rules beyond an explicit request.
    failed_answers_before_handoff: int = 2
    # Hand off when the cart, or the customer's past orders together, are worth more.
    handoff_cart_value: float | None = None
    handoff_customer_value: float | None = None

    # How the bot addresses German-speaking shoppers: "du" or "sie" (bot/texts.py).
    german_address: Literal["du", "sie"] = "du"

    # Expected wait: queued conversations times this, shared by the agents online. The
    # business hours are the widget site's (PUT /api/widget/config).
    minutes_per_queued_conversation: float = 3.0
