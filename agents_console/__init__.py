"""The agent console: where handoffs land. See docs/subsystems/console.md."""

from agents_console.placeholders import KNOWN as PLACEHOLDERS
from agents_console.placeholders import render as render_placeholders
from agents_console.routing import Candidate, Waiting, choose_agent, plan_assignments

__all__ = [
    "PLACEHOLDERS",
    "Candidate",
    "Waiting",
    "choose_agent",
    "plan_assignments",
    "render_placeholders",
]
