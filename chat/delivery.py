"""Which messages a connection still owes its client: pure resume logic.

A connection remembers, per conversation, the highest seq it has delivered.
A message offered by the bus is sent when it is the next one, skipped when the
client has it already, and reported as a gap otherwise; the adapter then
replays the gap from storage. Seqs are dense per conversation, so a gap is
always detectable. See docs/subsystems/delivery.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Offer(Enum):
    send = "send"
    skip = "skip"  # already delivered (a replay and the bus overlapped)
    gap = "gap"  # something before it is missing: replay from storage first


@dataclass(frozen=True)
class ReplayPlan:
    after_seq: int
    resync: bool  # too far behind: the client reloads instead


class Delivery:
    def __init__(self, replay_limit: int) -> None:
        self.replay_limit = replay_limit
        self._delivered: dict[int, int] = {}

    def follow(self, conversation_id: int, last_seq: int) -> None:
        """Start (or restart) tracking from what the client says it has."""
        self._delivered[conversation_id] = last_seq

    def unfollow(self, conversation_id: int) -> None:
        self._delivered.pop(conversation_id, None)

    def followed(self) -> list[int]:
        return list(self._delivered)

    def following(self, conversation_id: int) -> bool:
        return conversation_id in self._delivered

    def last_seq(self, conversation_id: int) -> int:
        return self._delivered.get(conversation_id, 0)

    def offer(self, conversation_id: int, seq: int) -> Offer:
        delivered = self._delivered.get(conversation_id)
        if delivered is None or seq <= delivered:
            return Offer.skip
        if seq == delivered + 1:
            return Offer.send
        return Offer.gap

    def delivered(self, conversation_id: int, seq: int) -> None:
        """Record that ``seq`` reached the client (or was withheld on purpose)."""
        if seq > self._delivered.get(conversation_id, 0):
            self._delivered[conversation_id] = seq

    def plan_replay(self, conversation_id: int, head_seq: int) -> ReplayPlan:
        after = self._delivered.get(conversation_id, 0)
        return ReplayPlan(after_seq=after, resync=head_seq - after > self.replay_limit)
