"""The conversation state machine, pair by pair (pure: no I/O)."""

from __future__ import annotations

import re
import runpy
import warnings
from itertools import product
from pathlib import Path

import pytest

from chat.events import EventName
from chat.lifecycle import (
    TRANSITIONS,
    Cause,
    ConversationState,
    LifecycleError,
    Status,
    apply,
    bot_should_answer,
    diagram,
    on_visitor_message,
)

S, C = Status, Cause
ROOT = Path(__file__).resolve().parents[2]
AGENT, OTHER_AGENT, TEAM, OTHER_TEAM = 7, 8, 2, 3

# The spec (docs/protocol.md, the issue), written out independently of TRANSITIONS.
EXPECTED: dict[tuple[Status, Cause], Status] = {
    (S.bot, C.handoff): S.queued,
    (S.bot, C.assign): S.assigned,
    (S.bot, C.resolve): S.resolved,
    (S.queued, C.assign): S.assigned,
    (S.queued, C.transfer_team): S.queued,
    (S.queued, C.release): S.bot,
    (S.queued, C.resolve): S.resolved,
    (S.assigned, C.assign): S.assigned,
    (S.assigned, C.transfer_team): S.queued,
    (S.assigned, C.release): S.bot,
    (S.assigned, C.agent_lost): S.queued,
    (S.assigned, C.resolve): S.resolved,
    (S.resolved, C.visitor_returned): S.bot,
    (S.resolved, C.reopen): S.assigned,
}
LEGAL = sorted(EXPECTED, key=str)
ILLEGAL = sorted(set(product(Status, Cause)) - set(EXPECTED), key=str)


def state_in(status: Status) -> ConversationState:
    """A typical conversation in ``status`` (an assigned one is held by AGENT)."""
    return ConversationState(
        conversation_id=42,
        status=status,
        assignee_id=AGENT if status is S.assigned else None,
        team_id=TEAM,
    )


def test_the_table_is_the_spec() -> None:
    assert TRANSITIONS == EXPECTED
    assert len(LEGAL) + len(ILLEGAL) == len(Status) * len(Cause)


@pytest.mark.parametrize(("status", "cause"), LEGAL)
def test_legal_transition_gives_the_expected_state_and_events(status: Status, cause: Cause) -> None:
    before = state_in(status)
    # Whoever ends up holding it; for a re-assignment someone other than the holder.
    agent_id = OTHER_AGENT if status is S.assigned else AGENT
    change = apply(
        before, cause, agent_id=agent_id, team_id=OTHER_TEAM, reason="asked", context={"k": 1}
    )

    target = EXPECTED[(status, cause)]
    if target is S.assigned:
        expected_assignee: int | None = agent_id
    elif target is S.resolved:
        expected_assignee = before.assignee_id
    else:
        expected_assignee = None
    expected_team = OTHER_TEAM if cause is C.transfer_team else TEAM
    assert change.before == before
    assert change.cause is cause
    assert change.after == ConversationState(42, target, expected_assignee, expected_team)

    names = [event.name for event in change.events]
    assert names[0] is EventName.conversation_status_changed
    status_changed = change.events[0].payload.model_dump()
    assert status_changed == {
        "conversation_id": 42,
        "from_status": status.value,
        "to_status": target.value,
        "cause": cause.value,
        "assignee_id": expected_assignee,
        "team_id": expected_team,
    }
    assert (EventName.conversation_handoff_requested in names) == (cause is C.handoff)
    assigned = [
        e.payload.model_dump() for e in change.events if e.name is EventName.conversation_assigned
    ]
    if expected_assignee != before.assignee_id:
        assert assigned == [
            {
                "conversation_id": 42,
                "assignee_id": expected_assignee,
                "previous_assignee_id": before.assignee_id,
            }
        ]
    else:
        assert assigned == []
    assert len(names) == len(set(names))


@pytest.mark.parametrize(("status", "cause"), ILLEGAL)
def test_illegal_transition_raises_and_changes_nothing(status: Status, cause: Cause) -> None:
    before = state_in(status)
    snapshot = ConversationState(**vars(before))
    with pytest.raises(LifecycleError) as raised:
        apply(before, cause, agent_id=AGENT, team_id=OTHER_TEAM)
    assert raised.value.code == "illegal_transition"
    assert cause.value in str(raised.value) and status.value in str(raised.value)
    assert before == snapshot


def test_handoff_event_carries_reason_and_context() -> None:
    change = apply(
        state_in(S.bot), C.handoff, reason="low_confidence", context={"intent": "returns"}
    )
    handoff = next(e for e in change.events if e.name is EventName.conversation_handoff_requested)
    assert handoff.payload.model_dump() == {
        "conversation_id": 42,
        "reason": "low_confidence",
        "context": {"intent": "returns"},
    }
    unexplained = apply(state_in(S.bot), C.handoff)
    assert unexplained.events[1].payload.model_dump()["reason"] == "asked"


@pytest.mark.parametrize(
    ("status", "cause"),
    [(S.bot, C.assign), (S.queued, C.assign), (S.assigned, C.assign), (S.resolved, C.reopen)],
)
def test_assign_and_reopen_need_an_agent(status: Status, cause: Cause) -> None:
    before = state_in(status)
    with pytest.raises(LifecycleError) as raised:
        apply(before, cause)
    assert raised.value.code == "invalid_frame"
    assert "needs an agent" in str(raised.value)
    assert before == state_in(status)


def test_assigning_to_the_current_assignee_is_refused() -> None:
    with pytest.raises(LifecycleError, match="already assigned"):
        apply(state_in(S.assigned), C.assign, agent_id=AGENT)


def test_leaving_the_agent_clears_the_assignee() -> None:
    for cause in (C.release, C.transfer_team, C.agent_lost):
        assert apply(state_in(S.assigned), cause, team_id=TEAM).after.assignee_id is None


def test_resolving_keeps_who_handled_it_until_the_visitor_returns() -> None:
    resolved = apply(state_in(S.assigned), C.resolve).after
    assert (resolved.status, resolved.assignee_id) == (S.resolved, AGENT)
    assert apply(resolved, C.visitor_returned).after.assignee_id is None
    assert apply(state_in(S.queued), C.resolve).after.assignee_id is None


@pytest.mark.parametrize("status", list(Status))
def test_a_visitor_message_reopens_only_a_resolved_conversation(status: Status) -> None:
    before = state_in(status)
    change = on_visitor_message(before)
    if status is S.resolved:
        assert change is not None
        assert change.cause is C.visitor_returned
        assert change.after.status is S.bot
        assert change.events[0].payload.model_dump()["from_status"] == "resolved"
    else:
        assert change is None
    assert before == state_in(status)


@pytest.mark.parametrize("status", list(Status))
def test_the_bot_answers_only_while_it_holds_the_conversation(status: Status) -> None:
    assert bot_should_answer(state_in(status)) == (status is S.bot)


def test_lifecycle_doc_holds_exactly_the_generated_diagram(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # What `python -m chat.lifecycle` prints, without a second interpreter.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "found in sys.modules": expected here
        runpy.run_module("chat.lifecycle", run_name="__main__")
    printed = capsys.readouterr().out
    assert printed == diagram() + "\n"
    page = (ROOT / "docs" / "subsystems" / "lifecycle.md").read_text()
    blocks = re.findall(r"```mermaid\n(.*?)```", page, flags=re.DOTALL)
    assert blocks == [printed], "regenerate the diagram: python -m chat.lifecycle"
    edges = re.findall(r"^ {4}(\w+) --> (\w+): (\w+)$", blocks[0], flags=re.MULTILINE)
    assert {(S(a), C(c)): S(b) for a, b, c in edges} == TRANSITIONS
    assert len(edges) == len(TRANSITIONS)
