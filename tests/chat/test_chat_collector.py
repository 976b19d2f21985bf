"""The idle collector: when full garbage collections run (pure), and that one frees
what an earlier one froze."""

from __future__ import annotations

import gc
import weakref

import pytest

from chat.collector import CollectorPolicy, IdleCollector, due_since, should_collect

POLICY = CollectorPolicy(interval=600, growth=0.25, min_opened=100, idle=0.2, max_defer=30)


@pytest.mark.parametrize(
    ("now", "opened_since", "open_at_last", "due_at", "expected"),
    [
        (10, 0, 0, None, None),
        (600, 0, 0, None, 600),  # the interval since the last one
        # A quarter more connections than were open at the last one, but at least min_opened.
        (10, 99, 0, None, None),
        (10, 100, 0, None, 10),
        (10, 499, 2000, None, None),
        (10, 500, 2000, None, 10),
        (50, 0, 0, 12.0, 12.0),  # once due, it stays due from the same moment
    ],
)
def test_a_full_collection_is_due_after_the_interval_or_a_wave_of_connections(
    now: float, opened_since: int, open_at_last: int, due_at: float | None, expected: float | None
) -> None:
    due = due_since(
        POLICY, now=now, opened_since=opened_since, open_at_last=open_at_last,
        last_full=0.0, due_at=due_at,
    )  # fmt: skip
    assert due == expected


def test_a_due_collection_waits_for_a_quiet_moment_but_not_forever() -> None:
    assert not should_collect(POLICY, now=100, due_at=None, last_activity=0)
    assert not should_collect(POLICY, now=100, due_at=99, last_activity=99.9)  # busy
    assert should_collect(POLICY, now=100, due_at=99, last_activity=99.8)  # quiet for 0.2 s
    assert should_collect(POLICY, now=130, due_at=100, last_activity=130)  # deferred 30 s


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_a_full_collection_frees_what_the_last_one_froze() -> None:
    collector = IdleCollector(POLICY)
    try:
        first, second = Node(), Node()
        first.other, second.other = second, first  # a cycle: only the collector frees it
        alive = weakref.ref(first)
        collector.collect()
        assert gc.get_freeze_count() > 0 and alive() is not None
        del first, second
        gc.collect()
        assert alive() is not None, "frozen: CPython's own collections skip it"
        for _ in range(150):
            collector.connection_opened()
        collector.frame_received()
        assert not collector.step(collector.last_activity + 0.1), "due, but not quiet yet"
        assert collector.step(collector.last_activity + 0.3)
        assert alive() is None and collector.collections == 2
        assert collector.open_at_last == 150 and collector.opened_since == 0
    finally:
        gc.unfreeze()
