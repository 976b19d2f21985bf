"""The routing rules as a table: who gets the next conversation, and queue plans."""

from __future__ import annotations

import datetime as dt

import pytest

from agents_console.routing import Candidate, Waiting, choose_agent, plan_assignments

T0 = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.UTC)
SUPPORT, SALES = 1, 2


def agent(
    agent_id: int,
    load: int = 0,
    capacity: int = 3,
    teams: tuple[int, ...] = (SUPPORT,),
    online: bool = True,
    last_turn: int = 0,
) -> Candidate:
    return Candidate(
        agent_id=agent_id,
        load=load,
        capacity=capacity,
        teams=frozenset(teams),
        online=online,
        last_turn=last_turn,
    )


def waiting(
    conversation_id: int, minutes: int = 0, team_id: int | None = None, priority: int = 0
) -> Waiting:
    return Waiting(
        conversation_id=conversation_id,
        queued_at=T0 + dt.timedelta(minutes=minutes),
        team_id=team_id,
        priority=priority,
    )


@pytest.mark.parametrize(
    ("candidates", "team_id", "expected"),
    [
        pytest.param([], None, None, id="nobody online"),
        pytest.param([agent(1, load=2), agent(2, load=1)], None, 2, id="least loaded wins"),
        pytest.param([agent(1, load=3, capacity=3)], None, None, id="full agent takes nothing"),
        pytest.param(
            [agent(1, load=0, online=False), agent(2, load=2)], None, 2, id="away agent skipped"
        ),
        pytest.param(
            [agent(1, teams=(SALES,)), agent(2, load=2)], SUPPORT, 2, id="team members only"
        ),
        pytest.param([agent(1, teams=(SALES,))], SUPPORT, None, id="no member of the team online"),
        pytest.param([agent(1, teams=()), agent(2, load=1)], None, 1, id="no team: anyone"),
        pytest.param(
            [agent(1, last_turn=5), agent(2, last_turn=3)], None, 2, id="round robin: longest idle"
        ),
        pytest.param([agent(2), agent(1)], None, 1, id="full tie: lowest id, stable"),
        pytest.param(
            [agent(1, load=1, last_turn=0), agent(2, load=0, last_turn=9)],
            None,
            2,
            id="load beats turn",
        ),
    ],
)
def test_choose_agent(
    candidates: list[Candidate], team_id: int | None, expected: int | None
) -> None:
    chosen = choose_agent(candidates, team_id=team_id)
    assert (chosen.agent_id if chosen else None) == expected


def test_plan_takes_turns_among_equals() -> None:
    plan = plan_assignments(
        [waiting(c, minutes=c) for c in (10, 11, 12, 13)], [agent(1), agent(2)], first_turn=1
    )
    assert plan == [(10, 1), (11, 2), (12, 1), (13, 2)]


def test_plan_serves_priority_then_oldest_and_stops_at_capacity() -> None:
    queue = [waiting(1, minutes=5), waiting(2, minutes=1), waiting(3, minutes=9, priority=1)]
    plan = plan_assignments(queue, [agent(7, load=1, capacity=3)], first_turn=1)
    assert plan == [(3, 7), (2, 7)]  # conversation 1 waits: the agent is full


def test_plan_skips_a_team_without_room_and_serves_later_ones() -> None:
    queue = [waiting(1, team_id=SALES), waiting(2, minutes=1, team_id=SUPPORT)]
    assert plan_assignments(queue, [agent(1, teams=(SUPPORT,))], first_turn=1) == [(2, 1)]


def test_plan_continues_the_round_robin_of_earlier_drains() -> None:
    # Agent 1 got the last conversation (turn 4): the next goes to agent 2.
    candidates = [agent(1, last_turn=4), agent(2, last_turn=3)]
    assert plan_assignments([waiting(1)], candidates, first_turn=5) == [(1, 2)]


def test_plan_with_nobody_available_is_empty() -> None:
    assert plan_assignments([waiting(1)], [agent(1, online=False)], first_turn=1) == []
