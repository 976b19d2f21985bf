"""Queue position and expected wait for a waiting shopper (pure, no I/O).

The estimate uses recent throughput: if agents took N conversations from the
queue in the last hour, one is taken every 60/N minutes, so position p waits
about p times that. With too little history it falls back to a fixed handling
time per conversation shared by the agents online.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

WINDOW = dt.timedelta(hours=1)
FALLBACK_SECONDS_PER_CONVERSATION = 180.0
MIN_WAIT, MAX_WAIT = 30.0, 2 * 3600.0


@dataclass(frozen=True)
class Waiting:
    conversation_id: int
    team_id: int | None
    priority: int
    queued_at: dt.datetime


class QueueStatus(BaseModel):
    """GET /api/widget/queue."""

    conversation_id: int
    status: str
    position: int | None  # 1 = next; None when the conversation is not waiting
    waiting: int
    expected_wait_seconds: float | None
    agents_online: int


def position_in_queue(mine: Waiting, queue: Sequence[Waiting]) -> int:
    """1-based place among the conversations the same agents serve.

    Higher priority goes first, then whoever waited longer; a conversation for a
    team only competes with that team's queue and the team-less one.
    """
    ahead = [
        other
        for other in queue
        if other.conversation_id != mine.conversation_id
        and (mine.team_id is None or other.team_id in (None, mine.team_id))
        and (-other.priority, other.queued_at, other.conversation_id)
        < (-mine.priority, mine.queued_at, mine.conversation_id)
    ]
    return len(ahead) + 1


def expected_wait(
    position: int, *, agents_online: int, assigned_at: Sequence[dt.datetime], now: dt.datetime
) -> float:
    """Seconds until an agent takes the conversation at ``position``."""
    recent = [moment for moment in assigned_at if now - moment <= WINDOW]
    if len(recent) >= 2:
        per_conversation = WINDOW.total_seconds() / len(recent)
    else:
        per_conversation = FALLBACK_SECONDS_PER_CONVERSATION / max(agents_online, 1)
    return min(max(position * per_conversation, MIN_WAIT), MAX_WAIT)
