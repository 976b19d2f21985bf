"""The shopping bot: FAQ answers, guided selling, order status and handoff.

See docs/subsystems/bot.md. Other packages use only the names below.
"""

from bot.dialogue import Dialogue, Reply, TurnResult
from bot.engine import ActionName, BotState, Decision, Facts, HandoffReason, decide
from bot.nlu import bare_handoff_request
from bot.runtime import Runtime
from bot.settings import BotSettings

__all__ = [
    "ActionName",
    "BotSettings",
    "BotState",
    "Decision",
    "Dialogue",
    "Facts",
    "HandoffReason",
    "Reply",
    "Runtime",
    "TurnResult",
    "bare_handoff_request",
    "decide",
]
