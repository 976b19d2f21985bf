"""Queue position and expected wait (pure)."""

from __future__ import annotations

import datetime as dt

from widget._queue import (
    FALLBACK_SECONDS_PER_CONVERSATION,
    MAX_WAIT,
    MIN_WAIT,
    Waiting,
    expected_wait,
    position_in_queue,
)

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


def waiting(cid: int, minutes_ago: int, *, team: int | None = None, priority: int = 0) -> Waiting:
    return Waiting(
        conversation_id=cid,
        team_id=team,
        priority=priority,
        queued_at=NOW - dt.timedelta(minutes=minutes_ago),
    )


def test_longest_waiting_goes_first() -> None:
    queue = [waiting(1, 10), waiting(2, 5), waiting(3, 1)]
    assert [position_in_queue(w, queue) for w in queue] == [1, 2, 3]


def test_priority_jumps_the_line() -> None:
    urgent = waiting(3, 1, priority=1)
    queue = [waiting(1, 10), waiting(2, 5), urgent]
    assert position_in_queue(urgent, queue) == 1
    assert position_in_queue(queue[0], queue) == 2


def test_same_moment_is_ordered_by_id() -> None:
    first, second = waiting(7, 3), waiting(8, 3)
    assert position_in_queue(second, [second, first]) == 2


def test_a_team_only_waits_behind_its_own_and_teamless_conversations() -> None:
    sales = waiting(3, 1, team=2)
    queue = [waiting(1, 10, team=1), waiting(2, 5), sales]
    assert position_in_queue(sales, queue) == 2  # behind the team-less one only


def test_a_teamless_conversation_waits_behind_everyone_earlier() -> None:
    mine = waiting(3, 1)
    assert position_in_queue(mine, [waiting(1, 10, team=1), waiting(2, 5, team=2), mine]) == 3


def test_alone_in_the_queue() -> None:
    mine = waiting(1, 0)
    assert position_in_queue(mine, [mine]) == 1


def test_wait_follows_recent_throughput() -> None:
    # Six conversations taken in the last hour: one every ten minutes.
    taken = [NOW - dt.timedelta(minutes=m) for m in (5, 15, 25, 35, 45, 55)]
    assert expected_wait(2, agents_online=3, assigned_at=taken, now=NOW) == 2 * 600


def test_old_assignments_do_not_count() -> None:
    taken = [NOW - dt.timedelta(hours=3), NOW - dt.timedelta(hours=4)]
    fallback = expected_wait(2, agents_online=2, assigned_at=taken, now=NOW)
    assert fallback == 2 * FALLBACK_SECONDS_PER_CONVERSATION / 2


def test_wait_is_clamped() -> None:
    taken = [NOW - dt.timedelta(seconds=s) for s in range(0, 3600, 10)]
    assert expected_wait(1, agents_online=5, assigned_at=taken, now=NOW) == MIN_WAIT
    assert expected_wait(500, agents_online=0, assigned_at=[], now=NOW) == MAX_WAIT
