"""Demo canned responses for `touchpoint serve --demo` (written for the demo shop)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chat.models import CannedResponse

from agents_console import _storage

if TYPE_CHECKING:
    from chat.hub import Hub

CANNED = [
    ("hello", "Greeting", "Hi {first_name}, I'm {agent_name} and I'm taking over from our "
     "assistant. How can I help?"),
    ("order", "Checking an order", "Thanks for waiting, {first_name}. I'm looking at order "
     "{order_number} for you right now."),
    ("returns", "Returns policy", "You can send items back within 30 days of delivery. Start a "
     "return from your account page and we e-mail you a prepaid label."),
    ("shipping", "Delivery times", "Standard delivery takes 2 to 4 working days; express orders "
     "placed before 2 pm arrive the next working day."),
    ("bye", "Closing", "Is there anything else I can help you with today? If not, have a "
     "lovely day!"),
]


async def seed_demo(hub: Hub) -> None:
    async with hub.sessions() as db:
        if await _storage.list_canned(db, team_ids=None):
            return
        db.add_all(CannedResponse(shortcut=s, title=t, text=x) for s, t, x in CANNED)
        await db.commit()
