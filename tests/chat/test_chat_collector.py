"""The idle collector: when full garbage collections run (pure), and that one frees
what an earlier one froze."""

from __future__ import annotations

import gc
import weakref

from chat.collector import CollectorPolicy, IdleCollector, due_since, should_collect

POLICY = CollectorPolicy(interval=600, growth=0.25, min_opened=100, idle=0.2, max_defer=30)


def test_a_full_collection_is_due_after_the_interval_or_a_wave_of_connections() -> None:
    assert (
        due_since(POLICY, now=10, opened_since=0, open_at_last=0, last_full=0.0, due_at=None)
        is None
    )
    assert (
        due_since(POLICY, now=600, opened_since=0, open_at_last=0, last_full=0.0, due_at=None)
        == 600
    )
    # A quarter more connections than were open at the last one, but at least min_opened.
    assert (
        due_since(POLICY, now=10, opened_since=99, open_at_last=0, last_full=0.0, due_at=None)
        is None
    )
    assert (
        due_since(POLICY, now=10, opened_since=100, open_at_last=0, last_full=0.0, due_at=None)
        == 10
    )
    assert (
        due_since(POLICY, now=10, opened_since=499, open_at_last=2000, last_full=0.0, due_at=None)
        is None
    )
    assert (
        due_since(POLICY, now=10, opened_since=500, open_at_last=2000, last_full=0.0, due_at=None)
        == 10
    )
    # Once due it stays due from the same moment.
    assert (
        due_since(POLICY, now=50, last_full=0.0, opened_since=0, open_at_last=0, due_at=12.0)
        == 12.0
    )


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
