"""The bot's skills as rasa-sdk actions.

Our dialogue runner (bot/dialogue.py) runs them in-process; the same module is
a Rasa action server: ``python -m rasa_sdk --actions-module bot.actions``.
"""

from bot.actions.accessories import ActionSuggestAccessories
from bot.actions.details import ActionProductDetails
from bot.actions.faq import ActionAnswerFaq, ActionSuggestFaqs
from bot.actions.handoff import ActionHandoff, ActionOpeningHours
from bot.actions.orders import ActionOrderStatus
from bot.actions.shopping import (
    ActionSearchProducts,
    ActionStartOver,
    ValidateShoppingForm,
)
from bot.actions.talk import ActionFallback, ActionGoodbye, ActionGreet

__all__ = [
    "ActionAnswerFaq",
    "ActionFallback",
    "ActionGoodbye",
    "ActionGreet",
    "ActionHandoff",
    "ActionOpeningHours",
    "ActionOrderStatus",
    "ActionProductDetails",
    "ActionSearchProducts",
    "ActionStartOver",
    "ActionSuggestAccessories",
    "ActionSuggestFaqs",
    "ValidateShoppingForm",
]
