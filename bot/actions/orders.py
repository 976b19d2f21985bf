"""Order status and returns: only for the identified customer, or number plus e-mail."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions._turn import Turn, finish, human_button, turn_of
from bot.entities import lacks_what_was_asked
from bot.runtime import OrderView
from bot.texts import money, say


def _report(order: OrderView, voice: str) -> str:
    lines = [
        say(
            "order_status",
            voice,
            number=order.number,
            total=money(order.total, order.currency, voice),
            status=order.status.replace("_", " "),
        )
    ]
    if order.tracking_url:
        lines.append(say("order_tracking", voice, url=order.tracking_url))
    if order.return_status:
        lines.append(say("order_return", voice, status=order.return_status.replace("_", " ")))
    return "\n".join(lines)


class ActionOrderStatus(Action):
    def name(self) -> str:
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        turn = await turn_of(tracker)
        entities, state, voice = turn.understanding.entities, turn.state, turn.voice
        number = entities.order_number or state.order_number
        orders = turn.runtime.orders
        if turn.facts.verified_customer and turn.facts.customer_id:
            found = await orders.for_customer(turn.facts.customer_id, number)
            if found:
                text = "\n\n".join(_report(order, voice) for order in found[: 1 if number else 3])
            else:
                text = say("order_refused" if number else "order_none", voice)
            dispatcher.utter_message(text=text)
            return self._done(turn)
        email = entities.email or state.email
        if not (number and email) and lacks_what_was_asked(turn.understanding.text):
            # Asked again, they would only say again they can't: where to look, or a person.
            state.awaiting, state.order_number, state.email = "order", number, email
            dispatcher.utter_message(
                text=say("order_which_email" if number else "order_where_to_look", voice),
                buttons=[human_button(voice)],
            )
            return finish(turn, "order_status")
        if not (number and email):
            state.awaiting, state.order_number, state.email = "order", number, email
            key = "order_ask_email" if number else "order_ask_number" if email else "order_ask"
            dispatcher.utter_message(text=say(key, voice))
            return finish(turn, "order_status")
        order = await orders.matching(number, email)
        if order is None:
            # One message for "no such order" and "wrong e-mail": nothing to learn by
            # guessing. It asks to check both, so the bot still waits: a corrected number
            # or e-mail alone tries again with the other one.
            state.awaiting, state.order_number, state.email = "order", number, email
            dispatcher.utter_message(text=say("order_refused", voice))
            return finish(turn, "order_status")
        dispatcher.utter_message(text=_report(order, voice))
        return self._done(turn)

    @staticmethod
    def _done(turn: Turn) -> list[dict[str, Any]]:
        turn.state.awaiting, turn.state.order_number, turn.state.email = None, None, None
        return finish(turn, "order_status")
