"""``watch_database``: how a process on the in-process bus notices other processes' work."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from chat.bus import watch_database


async def test_a_moved_marker_is_acted_on_once_and_a_declined_change_comes_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    marker, seen_changes, busy = [0], [], [True]

    async def read() -> int:
        if marker[0] == 2:
            marker[0] = 3
            raise OSError("database went away")  # one failed look: logged, not fatal
        return marker[0]

    async def on_change() -> bool:
        if busy[0]:  # e.g. this process is writing itself: look again next time
            busy[0] = False
            return False
        seen_changes.append(marker[0])
        return True

    async def until(condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(5):
            while not condition():
                await asyncio.sleep(0.005)

    watch = asyncio.create_task(watch_database(read, on_change, seen=0, every=0.01, what="t"))
    try:
        await asyncio.sleep(0.05)
        assert seen_changes == []  # nothing moved
        marker[0] = 1
        await until(lambda: seen_changes == [1])  # declined once, then acted on
        await asyncio.sleep(0.05)
        assert seen_changes == [1]  # and only once
        marker[0] = 2
        await until(lambda: len(seen_changes) == 2)
        assert seen_changes == [1, 3]  # the failed look did not stop the watch
        assert "database watch failed" in caplog.text
    finally:
        watch.cancel()
        await asyncio.gather(watch, return_exceptions=True)
